"""Name normalisation shared by name look-ups (territories, place names, type codes)."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Accent-, case- and punctuation-insensitive key: ``"Saint-Étienne"`` → ``"saint etienne"``.

    Ligatures are spelled out (``œ`` → ``oe``) and apostrophes, hyphens and spaces all become one
    space, so ``"L'Haÿ-les-Roses"`` and ``"l hay les roses"`` share a key.
    """
    text = text.casefold().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", ascii_text).strip()
