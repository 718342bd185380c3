"""Text analysis of the notice search: folding, stemming, stop words, the texts of a notice.

The index holds an *analysed copy* of the text (:func:`analyse`: every word folded with the
project's :func:`ancrage.text.fold`, then stemmed with the Snowball French stemmer, words
separated by one space), and queries go through the same steps (:func:`query_stems`), so that
"menuiseries" finds "menuiserie" and "electricite" finds "électricité". No project imports
besides :mod:`ancrage.text`: the index, the store, the search and the watch all build on it.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ancrage.text import fold

if TYPE_CHECKING:
    from ancrage.notices.model import Notice

SNIPPET_WORDS = 12


@cache
def _stemmer() -> Any:
    """Snowball French: ``snowballstemmer`` gives PyStemmer's C stemmer when it is installed
    (a dependency: 50 times faster, same stems), its pure Python one otherwise."""
    import snowballstemmer  # type: ignore[import-untyped]

    return snowballstemmer.stemmer("french")


@lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    """The stem of one folded word (folding first keeps accented and plain spellings equal)."""
    if word.isdigit():
        return word
    return str(_stemmer().stemWord(word))


def words(text: str) -> list[str]:
    """The folded words of ``text`` (punctuation and underscores separate words)."""
    return fold(text).split()


_CHUNKS: dict[str, str] = {}
_CHUNKS_MAX = 1_000_000


def analyse(text: str) -> str:
    """The stemmed copy of ``text`` that goes to the index.

    Each whitespace-separated chunk is folded and stemmed once, then looked up in a dict: the
    same as folding the whole text (no word crosses a space, and folding keeps spaces), at a
    fraction of the cost, since chunks repeat."""
    chunks = text.split()
    if len(_CHUNKS) > _CHUNKS_MAX:
        _CHUNKS.clear()
    try:
        return " ".join(filter(None, map(_CHUNKS.__getitem__, chunks)))
    except KeyError:
        for chunk in chunks:
            if chunk not in _CHUNKS:
                _CHUNKS[chunk] = " ".join(map(stem, words(chunk)))
        return " ".join(filter(None, map(_CHUNKS.__getitem__, chunks)))


def analyse_texts(texts: list[str]) -> list[str]:
    """:func:`analyse` of each text (what a load's helper process runs on a batch)."""
    return [analyse(text) for text in texts]


@cache
def stopwords() -> frozenset[str]:
    raw = resources.files("ancrage").joinpath("data/notices/stopwords_fr.txt").read_text("utf-8")
    return frozenset(w.strip() for w in raw.splitlines() if w.strip() and not w.startswith("#"))


def query_stems(query: str) -> list[str]:
    """The stems of the words of a query, stop words dropped, each once, in query order."""
    stems: list[str] = []
    for word in words(query):
        if word in stopwords():
            continue
        s = stem(word)
        if s not in stems:
            stems.append(s)
    return stems


@cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Stem → the stems of its group (``data/notices/synonyms_fr.csv``: trade words)."""
    raw = resources.files("ancrage").joinpath("data/notices/synonyms_fr.csv").read_text("utf-8")
    out: dict[str, tuple[str, ...]] = {}
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group = tuple(dict.fromkeys(stem(w) for word in line.split(",") for w in words(word)))
        for member in group:
            out[member] = tuple(dict.fromkeys(out.get(member, (member,)) + group))
    return out


def query_terms(query: str) -> tuple[tuple[str, ...], ...]:
    """Per query word (stop words dropped, each once): its stem first, then the stems of its
    synonyms (:func:`synonyms`); a notice has the word when it has one of them."""
    table = synonyms()
    return tuple(table.get(s, (s,)) for s in query_stems(query))


# ---------------------------------------------------------------- the texts of a notice


def body_parts(notice: Notice) -> list[str]:
    """Everything searched besides the title, in reading order."""
    parts = [notice.description]
    for lot in notice.lots:
        parts += [lot.title, lot.description]
    parts += [notice.buyer.name, notice.buyer.city, notice.place.text]
    parts += [label for _, label in notice.trade_descriptors]
    return [p for p in parts if p]


def notice_texts(notice: Notice) -> tuple[str, str]:
    """(title, body) of a notice before analysis (its CPV labels are indexed apart:
    :func:`ancrage.notices.index.cpv_labels`)."""
    return notice.title or "", " ".join(body_parts(notice))


def doc_texts(doc: dict[str, Any]) -> tuple[str, str]:
    """(title, body) of a notice's JSON document, before analysis: the texts of
    :func:`notice_texts`, read without rebuilding the notice (rebuilding the index reads every
    document)."""
    parts = [doc["description"]]
    for lot in doc["lots"]:
        parts += [lot["title"], lot["description"]]
    buyer, place = doc["buyer"], doc["place"]
    parts += [buyer["name"], buyer["city"], place["text"]]
    parts += [label for _, label in doc["trade_descriptors"]]
    return doc["title"] or "", " ".join(p for p in parts if p)


# ---------------------------------------------------------------- snippets


def _matches(token: str, wanted: set[str]) -> bool:
    """Whether a whitespace-separated token of the text has a wanted stem (its stems are those
    :func:`analyse` caches for it)."""
    stems = _CHUNKS.get(token)
    if stems is None:
        stems = analyse(token)
    return not wanted.isdisjoint(stems.split())


def snippet(notice: Notice, stems: list[str]) -> str | None:
    """A short extract of the original text around the first word that matched, the matched
    words in ``[ ]``."""
    wanted = set(stems)
    for text in [notice.title or "", *body_parts(notice)]:
        tokens = text.split()
        for i, token in enumerate(tokens):
            if _matches(token, wanted):
                start, end = max(0, i - SNIPPET_WORDS // 2), i + SNIPPET_WORDS
                marked = [f"[{t}]" if _matches(t, wanted) else t for t in tokens[start:end]]
                prefix = "… " if start > 0 else ""
                suffix = " …" if end < len(tokens) else ""
                return prefix + " ".join(marked) + suffix
    return None
