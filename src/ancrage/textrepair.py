"""Repair of text whose accented letters were lost (mojibake), for what users read.

Two kinds of damage, two rules: text decoded with the wrong encoding (« SociÃ©tÃ© ») is fixed
by the rules of :func:`ancrage.ingest.values.text` (ftfy); letters replaced by U+FFFD
(« Soci�t� », the byte was lost, so no decoding can bring it back) are restored when exactly
one accented spelling of the word is a known French word: the words of the CPV and NAF labels
shipped with Ancrage and ``data/fixes/accented_words.txt`` (words common in company and buyer
names); when none is, the words of the names of the communes, départements and régions of the
shipped COG (« Saint-Maur-des-Fossés », « Compiègne »: buyers are named after places; a word of
the language comes first, « crèches » rather than the commune of Crêches-sur-Saône). A word with
no such spelling, or more than one, stays as it is.
"""

from __future__ import annotations

import itertools
import re
from functools import cache, lru_cache
from importlib import resources

REPLACEMENT = "\ufffd"
_CANDIDATES = "éèêëàâäçîïôöûùüœ"
_WORD = re.compile(r"[\w\ufffd]+")
_MAX_LOST = 3  # letters lost in one word: beyond, too many spellings to choose from


@cache
def vocabulary() -> frozenset[str]:
    """Lower-case words with accented letters the repair may restore."""
    from ancrage.reference.cpv import _french_labels

    texts = list(_french_labels().values())
    texts.append(resources.files("ancrage").joinpath("data/reference/naf_rev2.csv").read_text())
    extra = resources.files("ancrage").joinpath("data/fixes/accented_words.txt").read_text()
    texts += [line for line in extra.splitlines() if line and not line.startswith("#")]
    return _accented(texts)


@cache
def place_words() -> frozenset[str]:
    """Lower-case words with accented letters of the names of the communes, départements and
    régions of the COG shipped with Ancrage (not one-letter words: « Ô » of Ô-de-Selle)."""
    from ancrage.geo.geography import read_rows, shipped_data_dir

    names = [
        row["nom"]
        for name in ("communes.csv.gz", "departements.csv", "regions.csv")
        for row in read_rows(shipped_data_dir(), name)
    ]
    return frozenset(w for w in _accented(names) if len(w) > 1)


def _accented(texts: list[str]) -> frozenset[str]:
    return frozenset(
        w for text in texts for w in re.findall(r"\w+", text.lower()) if not w.isascii()
    )


def _shape(word: str, like: str) -> str:
    """``word`` with the case of ``like`` (upper, capitalised or lower)."""
    if like.replace(REPLACEMENT, "").isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


@lru_cache(maxsize=65536)
def _repair_word(word: str) -> str:
    lost = word.count(REPLACEMENT)
    if lost == 0 or lost > _MAX_LOST:
        return word
    lower = word.lower()
    spellings = []
    for letters in itertools.product(_CANDIDATES, repeat=lost):
        spelled = lower
        for letter in letters:
            spelled = spelled.replace(REPLACEMENT, letter, 1)
        spellings.append(spelled)
    for known in (vocabulary(), place_words()):
        found = {s for s in spellings if s in known}
        if found:
            return _shape(found.pop(), word) if len(found) == 1 else word
    return word


def repair(text: str | None) -> str | None:
    """``text`` with its mojibake repaired where one reading is certain (see module doc)."""
    if not text:
        return text
    from ancrage.ingest.values import text as clean

    fixed, _ = clean(text)
    text = fixed if isinstance(fixed, str) else text
    if REPLACEMENT not in text:
        return text
    return _WORD.sub(lambda m: _repair_word(m.group(0)), text)
