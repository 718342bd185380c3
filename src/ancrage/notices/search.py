"""French-aware full-text search over the notice store (SQLite FTS5, no server).

FTS5 has no French stemmer, so the index holds a *stemmed copy* of the text: words are folded
(accents removed, lower case) then stemmed with the Snowball French stemmer, and the query goes
through the same steps — "menuiseries" finds "menuiserie", "électricité" finds "electricite".
Hits are ranked by bm25 (title weighs more than the rest); filters: CPV prefix, territory
(départements of the place of performance), open notices, deadline after a date.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ancrage.errors import AncrageError
from ancrage.notices.model import Notice

if TYPE_CHECKING:
    from ancrage.settings import Settings

PARIS = ZoneInfo("Europe/Paris")
TITLE_WEIGHT = 4.0
SNIPPET_WORDS = 12
_WORD = re.compile(r"\w+")
_CPV_PREFIX = re.compile(r"\d{1,8}")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})


class NoticeSearchError(AncrageError):
    """A search option is not usable."""

    exit_code = 2


# ---------------------------------------------------------------- text analysis


def fold(text: str) -> str:
    """Lower case, accents and ligatures removed."""
    if text.isascii():
        return text.lower()
    if "œ" in text or "æ" in text or "Œ" in text or "Æ" in text:
        text = text.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return _COMBINING.sub("", decomposed).lower()


@cache
def _stemmer() -> Any:
    import snowballstemmer  # type: ignore[import-untyped]

    return snowballstemmer.stemmer("french")


@lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    """The stem of one folded word (folding first keeps accented and plain spellings equal)."""
    if word.isdigit():
        return word
    return str(_stemmer().stemWord(word))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def analyse(text: str) -> str:
    """The stemmed copy of ``text`` that goes to the index."""
    return " ".join(map(stem, words(text)))


@cache
def stopwords() -> frozenset[str]:
    raw = resources.files("ancrage").joinpath("data/notices/stopwords_fr.txt").read_text("utf-8")
    return frozenset(w.strip() for w in raw.splitlines() if w.strip() and not w.startswith("#"))


def _texts(notice: Notice) -> list[str]:
    """Everything searched besides the title, in reading order."""
    parts = [notice.description]
    for lot in notice.lots:
        parts += [lot.title, lot.description]
    parts += [notice.buyer.name, notice.buyer.city, notice.place.text]
    parts += [label for _, label in notice.trade_descriptors]
    return [p for p in parts if p]


def fts_row(notice: Notice) -> tuple[str, str]:
    """(stemmed title, stemmed body) of a notice, as indexed."""
    return analyse(notice.title or ""), analyse(" ".join(_texts(notice)))


def query_stems(query: str) -> list[str]:
    stems: list[str] = []
    for word in words(query):
        if word in stopwords():
            continue
        s = stem(word)
        if s not in stems:
            stems.append(s)
    return stems


def snippet(notice: Notice, stems: list[str]) -> str | None:
    """A short extract of the original text around the first word that matched."""
    wanted = set(stems)
    for text in [notice.title or "", *_texts(notice)]:
        tokens = text.split()
        for i, token in enumerate(tokens):
            if any(stem(w) in wanted for w in words(token)):
                start, end = max(0, i - SNIPPET_WORDS // 2), i + SNIPPET_WORDS
                marked = [
                    f"[{t}]" if any(stem(w) in wanted for w in words(t)) else t
                    for t in tokens[start:end]
                ]
                prefix = "… " if start > 0 else ""
                suffix = " …" if end < len(tokens) else ""
                return prefix + " ".join(marked) + suffix
    return None


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class SearchHit:
    id: str
    score: float  # higher is better (bm25, sign turned); 0 without a text query
    title: str | None
    buyer: str | None
    deadline: datetime | None
    status: str
    cpv_main: str | None
    departements: list[str]
    snippet: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "title": self.title,
            "buyer": self.buyer,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "status": self.status,
            "cpv_main": self.cpv_main,
            "departements": self.departements,
            "snippet": self.snippet,
        }


@lru_cache(maxsize=256)
def territory_departements(territory: str) -> list[str]:
    """Départements a territory argument (``dep:86``, ``Poitiers``, ``reg:75``…) touches."""
    from ancrage.geo import parse_territory

    place = parse_territory(territory)
    if place.kind == "dep":
        return [place.code]
    communes = place.geography.communes
    return sorted({communes[c].departement for c in place.members if c in communes})


def _fts_query(stems: list[str]) -> str:
    return " ".join(f'"{s}"' for s in stems)


def _filters(
    *,
    cpv: str | None,
    deps: list[str] | None,
    open_only: bool,
    deadline_after: date | None,
    now: datetime,
    correlated: bool,
) -> tuple[list[str], list[Any]]:
    """SQL conditions on ``n`` (the notices table). ``correlated``: CPV and territory checked
    row by row through the ``notice_rowid`` indexes (for the few rows a text query matched)
    rather than by listing every notice of the CPV or territory."""
    where: list[str] = []
    params: list[Any] = []
    if cpv is not None:
        if correlated:
            where.append(
                "EXISTS (SELECT 1 FROM notice_cpv c WHERE c.notice_rowid = n.rowid "
                "AND c.cpv >= ? AND c.cpv < ?)"
            )
        else:
            where.append(
                "n.rowid IN (SELECT notice_rowid FROM notice_cpv WHERE cpv >= ? AND cpv < ?)"
            )
        params += [cpv, cpv + ":"]  # ":" sorts right after "9"
    if deps is not None:
        marks = ", ".join("?" * len(deps))
        if correlated:
            where.append(
                "EXISTS (SELECT 1 FROM notice_dep d WHERE d.notice_rowid = n.rowid "
                f"AND d.dep IN ({marks}))"
            )
        else:
            where.append(f"n.rowid IN (SELECT notice_rowid FROM notice_dep WHERE dep IN ({marks}))")
        params += deps
    if open_only:
        where.append("n.status = 'open' AND n.deadline_utc > ?")
        params.append(now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if deadline_after is not None:
        start = datetime.combine(deadline_after, time(0, 0), PARIS).astimezone(UTC)
        where.append("n.deadline_utc >= ?")
        params.append(start.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return where, params


def build_query(
    stems: list[str],
    *,
    cpv: str | None,
    deps: list[str] | None,
    open_only: bool,
    deadline_after: date | None,
    now: datetime,
    limit: int,
) -> tuple[str, list[Any]]:
    """SQL and parameters giving ``(doc, status, score)`` rows, best first.

    With words, the full-text index drives: each match is checked against the filters, scored
    with bm25, and only the ``limit`` best are joined to their JSON document (sorting the
    documents of every match was the slow part)."""
    where, params = _filters(
        cpv=cpv,
        deps=deps,
        open_only=open_only,
        deadline_after=deadline_after,
        now=now,
        correlated=bool(stems),
    )
    if not stems:
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        sql = (
            f"SELECT n.doc, n.status, 0.0 AS score FROM notices n {clause} "
            "ORDER BY n.deadline_utc DESC NULLS LAST, n.id LIMIT ?"
        )
        return sql, [*params, limit]
    conditions = " AND ".join(["notice_fts MATCH ?", *where])
    sql = f"""WITH best AS MATERIALIZED (
        SELECT n.rowid AS rowid, -bm25(notice_fts, {TITLE_WEIGHT}, 1.0) AS score,
            n.deadline_utc AS deadline
        FROM notice_fts JOIN notices n ON n.rowid = notice_fts.rowid
        WHERE {conditions}
        ORDER BY score DESC, deadline DESC LIMIT ?)
    SELECT n.doc, n.status, best.score FROM best JOIN notices n ON n.rowid = best.rowid
    ORDER BY best.score DESC, best.deadline DESC"""
    return sql, [_fts_query(stems), *params, limit]


def search(
    settings: Settings,
    query: str,
    *,
    cpv: str | None = None,
    territory: str | None = None,
    open_only: bool = False,
    deadline_after: date | None = None,
    limit: int = 20,
    now: datetime | None = None,
) -> list[SearchHit]:
    """Notices matching every word of ``query`` (stemmed), best first, with the filters."""
    from ancrage.notices.store import NoticeStore, departements, load_notice

    if cpv is not None and not _CPV_PREFIX.fullmatch(cpv):
        raise NoticeSearchError(
            f"code CPV « {cpv} » invalide",
            hint="Donnez 1 à 8 chiffres, début d'un code CPV (ex. --cpv 45 pour les travaux).",
        )
    if limit < 1:
        raise NoticeSearchError(
            f"--limit doit être au moins 1 (reçu {limit})", hint="Ex. --limit 20."
        )
    deps = territory_departements(territory) if territory is not None else None
    stems = query_stems(query)
    filtered = any((cpv, deps, open_only, deadline_after))
    if not words(query) and query.strip() and not filtered:
        raise NoticeSearchError(
            f"la recherche « {query} » ne contient aucun mot",
            hint="Donnez au moins un mot (ex. « menuiserie »), sans ponctuation seule.",
        )
    if not stems and query.strip() and not filtered:
        raise NoticeSearchError(
            f"la recherche « {query} » ne contient que des mots trop courants",
            hint="Ajoutez un mot significatif (ex. « menuiserie »).",
        )
    sql, params = build_query(
        stems,
        cpv=cpv,
        deps=deps,
        open_only=open_only,
        deadline_after=deadline_after,
        now=now or datetime.now(UTC),
        limit=limit,
    )
    with NoticeStore(settings).reading() as con:
        rows = con.execute(sql, params).fetchall()
    hits: list[SearchHit] = []
    for doc, status, score in rows:
        notice = load_notice(doc)
        hits.append(
            SearchHit(
                id=notice.id,
                score=float(score),
                title=notice.title,
                buyer=notice.buyer.name,
                deadline=notice.deadline,
                status=str(status),
                cpv_main=notice.cpv_main,
                departements=sorted(departements(notice)),
                snippet=snippet(notice, stems) if stems else None,
            )
        )
    return hits
