"""French-aware full-text search over the notice store (a tantivy index, no server).

The index holds an *analysed copy* of the text: words are folded (accents removed, lower case)
then stemmed with the Snowball French stemmer, and the query goes through the same steps —
"menuiseries" finds "menuiserie", "électricité" finds "electricite" (tantivy only splits the
analysed text on spaces: :mod:`ancrage.notices.index`). Hits are ranked by bm25 (title weighs
more than the rest); filters: CPV prefix, territory (départements of the place of
performance), open notices, deadline after a date. Without words, the filters are answered by
SQLite (``notice_filter``), latest deadline first.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ancrage.notices.analysis import query_terms, snippet, words
from ancrage.notices.errors import NoticeSearchError
from ancrage.notices.facets import DEP_BIT, dep_mask
from ancrage.notices.labels import STATE_LABELS
from ancrage.notices.model import State, departements, display_id, state_of

if TYPE_CHECKING:
    import tantivy

    from ancrage.notices.index import IndexProgress
    from ancrage.settings import Settings

PARIS = ZoneInfo("Europe/Paris")
TITLE_WEIGHT = 4.0
CPV_WEIGHT = 2.0  # the labels of the notice's CPV codes: below the title, above the body
MAX_LIMIT = 1000
TIE_MARGIN = 64  # hits asked for beyond the ones wanted, for the ties of the last one kept
_CPV_PREFIX = re.compile(r"\d{1,8}")
_DEP_ARG = re.compile(r"dep:(\d{2,3}|2[AaBb])")


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class SearchHit:
    id: str  # the id users know (display_id): BOAMP avis number, TED publication number
    score: float  # bm25 relevance (higher is better, no unit); 0 without words
    title: str | None
    buyer: str | None
    deadline: datetime | None
    state: State  # lifecycle and deadline at the time of the search
    cpv_main: str | None
    departements: list[str]
    snippet: str | None
    key: str = ""  # the stable id (TED: notice UUID and version), an accepted alias
    rank: int = 0  # 1 for the best
    matched: int = 0  # query words found in the notice
    words: int = 0  # query words (stop words left out)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "alias": self.key if self.key != self.id else None,
            "rank": self.rank,
            "matched_words": self.matched,
            "query_words": self.words,
            "score": round(self.score, 4),
            "title": self.title,
            "buyer": self.buyer,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "state": STATE_LABELS[self.state],
            "cpv_main": self.cpv_main,
            "departements": self.departements,
            "snippet": self.snippet,
        }


@lru_cache(maxsize=256)
def territory_departements(territory: str) -> list[str]:
    """Départements a territory argument (``dep:86``, ``Poitiers``, ``reg:75``…) touches.

    ``dep:CODE`` with a code of the usual list is answered without loading the geography (a
    few seconds once, then a scan of the communes per territory); cached per argument."""
    from ancrage.geo import parse_territory

    if (found := _DEP_ARG.fullmatch(territory)) and found[1].upper() in DEP_BIT:
        return [found[1].upper()]

    place = parse_territory(territory)
    if place.kind == "dep":
        return [place.code]
    communes = place.geography.communes
    return sorted({communes[c].departement for c in place.members if c in communes})


@dataclass(frozen=True)
class Filters:
    """The search filters: as tantivy queries (:meth:`queries`, searches with words) and as SQL
    on ``f`` (``notice_filter``, one narrow row per notice: :meth:`sql`, filters only)."""

    cpv: str | None = None
    deps: tuple[str, ...] | None = None
    open_only: bool = False
    deadline_after: date | None = None

    def __bool__(self) -> bool:
        return (
            self.cpv is not None
            or self.deps is not None
            or self.open_only
            or self.deadline_after is not None
        )

    def _start(self) -> datetime:
        assert self.deadline_after is not None
        return datetime.combine(self.deadline_after, time(0, 0), PARIS).astimezone(UTC)

    def queries(self, now: datetime) -> list[tantivy.Query]:
        from tantivy import FieldType, Query

        from ancrage.notices.index import schema, seconds

        fields = schema()
        out: list[tantivy.Query] = []
        if self.cpv is not None:
            out.append(Query.term_query(fields, "cpv", self.cpv, index_option="basic"))
        if self.deps is not None:
            out.append(Query.term_set_query(fields, "dep", list(self.deps)))
        if self.open_only:
            out.append(Query.term_query(fields, "status", "open", index_option="basic"))
            out.append(
                Query.range_query(
                    fields, "deadline", FieldType.Integer, seconds(now), include_lower=False
                )
            )
        if self.deadline_after is not None:
            start = seconds(self._start())
            out.append(Query.range_query(fields, "deadline", FieldType.Integer, start))
        return out

    def sql(self, now: datetime) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if self.cpv is not None:
            where.append("instr(f.cpvs, ?) > 0")
            params.append(f" {self.cpv}")
        if self.deps is not None:
            if all(d in DEP_BIT for d in self.deps):
                where.append("((f.deps_lo & ?) != 0 OR (f.deps_hi & ?) != 0)")
                params += dep_mask(self.deps)
            else:  # a code outside the bitmap: the join table
                marks = ", ".join("?" * len(self.deps))
                where.append(
                    "EXISTS (SELECT 1 FROM notice_dep d WHERE d.notice_rowid = f.rowid "
                    f"AND d.dep IN ({marks}))"
                )
                params += self.deps
        if self.open_only:
            where.append("f.status = 'open' AND f.deadline_utc > ?")
            params.append(now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        if self.deadline_after is not None:
            where.append("f.deadline_utc >= ?")
            params.append(self._start().strftime("%Y-%m-%dT%H:%M:%SZ"))
        return where, params


Terms = tuple[tuple[str, ...], ...]  # per query word: its stem and its synonyms' stems


def _word_query(stems: tuple[str, ...]) -> tantivy.Query:
    """One query word (its stem, or its synonyms' too) in the title (weight
    :data:`TITLE_WEIGHT`), the CPV labels (:data:`CPV_WEIGHT`) or the body, scored with bm25."""
    from tantivy import Occur, Query

    from ancrage.notices.index import schema

    fields = schema()
    clauses = []
    for stem in stems:
        for field, weight in (("title", TITLE_WEIGHT), ("cpvtext", CPV_WEIGHT), ("body", 1.0)):
            term = Query.term_query(fields, field, stem, index_option="freq")
            clauses.append(
                (Occur.Should, term if weight == 1.0 else Query.boost_query(term, weight))
            )
    return Query.boolean_query(clauses)


def text_query(
    terms: Terms, filters: Filters, now: datetime, at_least: int | None = None
) -> tantivy.Query:
    """The notices with every query word (``at_least=None``) or at least ``at_least`` of them;
    the score is the sum of the bm25 of the words found; the filters add nothing to the score.
    One word without filters stays a plain union of terms, which tantivy ranks with block-max
    WAND (it skips the blocks of documents that cannot enter the top k)."""
    from tantivy import Occur, Query

    words_ = [_word_query(t) for t in terms]
    if at_least is None or at_least >= len(terms):
        clauses = [(Occur.Must, q) for q in words_]
    else:
        clauses = [(Occur.Should, q) for q in words_]
    kept = filters.queries(now)
    if kept:
        every = Query.boolean_query([(Occur.Must, q) for q in kept])
        clauses.append((Occur.Must, Query.const_score_query(every, 0.0)))
    if len(clauses) == 1:
        return clauses[0][1]
    if at_least is None or at_least >= len(terms):
        return Query.boolean_query(clauses)
    return Query.boolean_query(clauses, minimum_number_should_match=at_least)


@dataclass(frozen=True)
class Ranked:
    """A notice found by words: its rowid, bm25 score and how many query words it has."""

    rowid: int
    score: float
    matched: int


def _best(
    searcher: tantivy.Searcher, query: tantivy.Query, size: int, skip: set[int], plan: str
) -> list[tuple[float, int, Any]]:
    """``(score, rowid, deadline)`` of the ``size`` best matches not in ``skip``, best first
    (bm25, then latest deadline, then rowid) — exactly: tantivy returns the best by score only,
    so the ties of the last one kept are asked for too (:data:`TIE_MARGIN` more hits at once —
    bm25 scores tie often, and asking for a few more costs about nothing, while asking again
    costs the whole search — then four times more while the last has the score of the
    ``size``-th). ``plan="full"`` (tests) asks for every match."""
    if plan == "full":
        hits = searcher.search(query, max(searcher.num_docs, 1), count=False).hits
    else:
        want = size + len(skip)  # the skipped ones may be among the best
        ask = want + TIE_MARGIN
        while True:
            hits = searcher.search(query, ask, count=False).hits
            if len(hits) < ask or hits[-1][0] < hits[want - 1][0]:
                break
            ask *= 4
    addresses = [address for _, address in hits]
    rowids = searcher.fast_field_values("rowid", addresses)
    deadlines = searcher.fast_field_values("deadline", addresses)
    found = [
        (float(score), int(rowid or 0), deadline)
        for (score, _), rowid, deadline in zip(hits, rowids, deadlines, strict=True)
        if int(rowid or 0) not in skip
    ]
    found.sort(key=lambda h: (-h[0], h[2] is None, -(h[2] or 0), h[1]))
    return found if plan == "full" else found[:size]


def ranked(
    searcher: tantivy.Searcher,
    terms: Terms,
    filters: Filters,
    *,
    now: datetime,
    limit: int,
    plan: str = "auto",
) -> list[Ranked]:
    """The ``limit`` best matches, best first: the notices with every query word, then — when
    they are fewer than ``limit`` — those with all words but one, and so on down to one word
    (no empty page when some words match); within each, by bm25 score, then latest deadline,
    then rowid. A tier is asked for only when the tiers before it were exhausted, so its new
    notices have exactly that number of words."""
    out: list[Ranked] = []
    seen: set[int] = set()
    for at_least in range(len(terms), 0, -1):
        need = limit - len(out)
        if need <= 0 and plan != "full":
            break
        query = text_query(terms, filters, now, at_least)
        for score, rowid, _ in _best(searcher, query, need, seen, plan):
            out.append(Ranked(rowid, score, at_least))
            seen.add(rowid)
    return out[:limit]


class Rankings:
    """The pages of the last searches' rankings, per searcher (an index snapshot: a load or a
    rebuild gives a new one, so a page is never kept past the store it was ranked on; the pages
    of the previous snapshot are dropped with it), words, filters, offset and length; the
    least recently used leave first. A search with ``open_only`` is not kept (which calls are
    still open changes with the clock). Only the page is kept (≤ 1,000 hits are ranked for the
    last one): a few KB each. Shared by the threads of a process."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[Any, ...], tuple[Any, list[Ranked]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def page(
        self,
        searcher: tantivy.Searcher,
        terms: Terms,
        filters: Filters,
        *,
        now: datetime,
        offset: int,
        limit: int,
        size: int,
    ) -> list[Ranked]:
        """The hits ``offset + 1`` to ``offset + limit`` of :func:`ranked`, from the kept pages
        when the same page was asked of the same searcher; ``size`` pages at most are kept
        (0: none)."""
        if size <= 0 or filters.open_only:
            return ranked(searcher, terms, filters, now=now, limit=offset + limit)[offset:]
        key = (id(searcher), terms, filters, offset, limit)
        with self._lock:
            found = self._kept.get(key)
            if found is not None and found[0] is searcher:
                self._kept.move_to_end(key)
                self.hits += 1
                return list(found[1])
        best = ranked(searcher, terms, filters, now=now, limit=offset + limit)[offset:]
        with self._lock:
            self.misses += 1
            if self._kept and next(iter(self._kept.values()))[0] is not searcher:
                self._kept.clear()  # a new snapshot: the old one's pages (and files) go
            self._kept[key] = (searcher, best)  # the searcher held: its id is not reused
            self._kept.move_to_end(key)
            while len(self._kept) > size:
                self._kept.popitem(last=False)
        return list(best)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self.hits = self.misses = 0


RANKINGS = Rankings()


def listed(con: Any, filters: Filters, *, now: datetime, limit: int) -> list[Ranked]:
    """Without words: the notices the filters keep, latest deadline first."""
    where, params = filters.sql(now)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    sql = (
        "SELECT n.rowid FROM notice_filter f JOIN notices n ON n.rowid = f.rowid "
        f"{clause} ORDER BY n.deadline_utc DESC NULLS LAST, n.id LIMIT ?"
    )
    return [Ranked(int(r), 0.0, 0) for (r,) in con.execute(sql, [*params, limit])]


def search(
    settings: Settings,
    query: str,
    *,
    cpv: str | None = None,
    territory: str | None = None,
    open_only: bool = False,
    deadline_after: date | None = None,
    limit: int = 20,
    offset: int = 0,
    now: datetime | None = None,
    progress: IndexProgress | None = None,
) -> list[SearchHit]:
    """Notices matching the words of ``query`` (stemmed, synonyms of trade words too), best
    first (:func:`ranked`: every word first, then most words), with the filters; without
    words, the notices the filters keep, latest deadline first. The ``limit`` hits after the
    first ``offset`` (a page: only its notices are read from the store).

    ``progress`` shows the rebuild of the index, when it has to be rebuilt first."""
    from ancrage.notices.store import NoticeStore, load_notice

    if cpv is not None and not _CPV_PREFIX.fullmatch(cpv):
        raise NoticeSearchError(
            f"code CPV « {cpv} » invalide",
            hint="Donnez 1 à 8 chiffres, début d'un code CPV (ex. --cpv 45 pour les travaux).",
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise NoticeSearchError(
            f"--limit doit être entre 1 et {MAX_LIMIT} (reçu {limit})",
            hint="Ex. --limit 20 ; affinez la recherche (mots, --territory, --cpv) plutôt que "
            "de tout lister.",
        )
    if not 0 <= offset <= MAX_LIMIT:
        raise NoticeSearchError(
            f"le décalage doit être entre 0 et {MAX_LIMIT} (reçu {offset})",
            hint="Précisez la recherche (mots, territoire, CPV) plutôt que d'aller si loin.",
        )
    deps = territory_departements(territory) if territory is not None else None
    terms = query_terms(query)
    stems = [s for t in terms for s in t]
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
    filters = Filters(
        cpv=cpv,
        deps=tuple(deps) if deps is not None else None,
        open_only=open_only,
        deadline_after=deadline_after,
    )
    when = now or datetime.now(UTC)
    with NoticeStore(settings).reading() as con:
        if terms:
            from ancrage.notices.index import searcher

            found = searcher(settings, con, progress)
            best = RANKINGS.page(
                found,
                terms,
                filters,
                now=when,
                offset=offset,
                limit=limit,
                size=settings.search_memo,
            )
        else:
            best = listed(con, filters, now=when, limit=offset + limit)[offset:]
        docs: dict[int, tuple[bytes, str]] = {
            r: (d, st)
            for r, d, st in con.execute(
                "SELECT rowid, doc, status FROM notices "
                "WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps([b.rowid for b in best]),),
            )
        }
    hits: list[SearchHit] = []
    for rank, found_ in enumerate(best, start=offset + 1):
        doc, status = docs[found_.rowid]
        notice = load_notice(doc)
        hits.append(
            SearchHit(
                id=display_id(notice),
                key=notice.id,
                rank=rank,
                matched=found_.matched,
                words=len(terms),
                score=float(found_.score),
                title=notice.title,
                buyer=notice.buyer.name,
                deadline=notice.deadline,
                state=state_of(str(status), notice.deadline, when),
                cpv_main=notice.cpv_main,
                departements=sorted(departements(notice)),
                snippet=snippet(notice, stems) if stems else None,
            )
        )
    return hits
