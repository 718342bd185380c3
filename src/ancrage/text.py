"""The one text folding of the project: the key under which names and words are compared.

Used by name look-ups (territories, places, lookup tables, spreadsheet headers) and by the
notice search analysis. No project imports, so every package can use it.
"""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})
_SEPARATORS = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: ``"Saint-Étienne"`` → ``"saint etienne"``.

    Lower case (``casefold``), accents removed, ligatures spelled out (``œ`` → ``oe``), and every
    run of punctuation, underscores and spaces made one space (trimmed), so that
    ``"L'Haÿ-les-Roses"`` and ``"l hay les roses"``, or ``"Lot 5_MENUISERIE"`` and ``"lot 5
    menuiserie"``, share a key. Letters of other scripts are kept.
    """
    if text.isascii():
        return _SEPARATORS.sub(" ", text.lower()).strip()
    # compatibility forms first (𝓐 → A), then case, then again (casefold may decompose: İ → i̇)
    folded = unicodedata.normalize("NFKD", text.translate(_LIGATURES)).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", bare).strip()
