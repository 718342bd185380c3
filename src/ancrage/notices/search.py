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
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ancrage.errors import AncrageError
from ancrage.notices.analysis import query_stems, snippet, words
from ancrage.notices.facets import DEP_BIT, dep_mask
from ancrage.notices.labels import STATE_LABELS
from ancrage.notices.model import State, departements, display_id, state_of

if TYPE_CHECKING:
    import tantivy

    from ancrage.notices.index import IndexProgress
    from ancrage.settings import Settings

PARIS = ZoneInfo("Europe/Paris")
TITLE_WEIGHT = 4.0
_CPV_PREFIX = re.compile(r"\d{1,8}")
_DEP_ARG = re.compile(r"dep:(\d{2,3}|2[AaBb])")


class NoticeSearchError(AncrageError):
    """A search option is not usable."""

    exit_code = 2


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class SearchHit:
    id: str  # the id users know (display_id): BOAMP avis number, TED publication number
    score: float  # higher is better (bm25, sign turned); 0 without a text query
    title: str | None
    buyer: str | None
    deadline: datetime | None
    state: State  # lifecycle and deadline at the time of the search
    cpv_main: str | None
    departements: list[str]
    snippet: str | None
    key: str = ""  # the stable id (TED: notice UUID and version), an accepted alias

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "alias": self.key if self.key != self.id else None,
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


def text_query(stems: list[str], filters: Filters, now: datetime) -> tantivy.Query:
    """Every stem in the title (weight :data:`TITLE_WEIGHT`) or the body, scored with bm25;
    the filters add nothing to the score. One stem without filters stays a plain union of two
    terms, which tantivy ranks with block-max WAND (it skips the blocks of documents that
    cannot enter the top k)."""
    from tantivy import Occur, Query

    from ancrage.notices.index import schema

    fields = schema()
    clauses = [
        (
            Occur.Must,
            Query.boolean_query(
                [
                    (
                        Occur.Should,
                        Query.boost_query(
                            Query.term_query(fields, "title", s, index_option="freq"),
                            TITLE_WEIGHT,
                        ),
                    ),
                    (Occur.Should, Query.term_query(fields, "body", s, index_option="freq")),
                ]
            ),
        )
        for s in stems
    ]
    kept = filters.queries(now)
    if kept:
        every = Query.boolean_query([(Occur.Must, q) for q in kept])
        clauses.append((Occur.Must, Query.const_score_query(every, 0.0)))
    return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)


def ranked(
    searcher: tantivy.Searcher,
    stems: list[str],
    filters: Filters,
    *,
    now: datetime,
    limit: int,
    plan: str = "auto",
) -> list[tuple[int, float]]:
    """``(rowid, score)`` of the ``limit`` best matches, best first: bm25 score, then latest
    deadline, then rowid — exactly.

    tantivy returns the best matches by score only; the ties of the last one kept are asked
    for too (``limit + 1`` hits, more while the last hit has the score of the ``limit``-th),
    then ordered here. ``plan="full"`` (for tests) asks for every match."""
    query = text_query(stems, filters, now)
    if plan == "full":
        hits = searcher.search(query, max(searcher.num_docs, 1), count=False).hits
    else:
        size = limit + 1
        while True:
            hits = searcher.search(query, size, count=False).hits
            if len(hits) < size or hits[-1][0] < hits[limit - 1][0]:
                break
            size *= 4
    addresses = [address for _, address in hits]
    rowids = searcher.fast_field_values("rowid", addresses)
    deadlines = searcher.fast_field_values("deadline", addresses)
    best = sorted(
        zip((float(score) for score, _ in hits), rowids, deadlines, strict=True),
        key=lambda h: (-h[0], h[2] is None, -(h[2] or 0), h[1]),
    )
    return [(int(rowid or 0), score) for score, rowid, _ in best[:limit]]


def listed(con: Any, filters: Filters, *, now: datetime, limit: int) -> list[tuple[int, float]]:
    """Without words: the notices the filters keep, latest deadline first."""
    where, params = filters.sql(now)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    sql = (
        "SELECT n.rowid FROM notice_filter f JOIN notices n ON n.rowid = f.rowid "
        f"{clause} ORDER BY n.deadline_utc DESC NULLS LAST, n.id LIMIT ?"
    )
    return [(int(r), 0.0) for (r,) in con.execute(sql, [*params, limit])]


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
    progress: IndexProgress | None = None,
) -> list[SearchHit]:
    """Notices matching every word of ``query`` (stemmed), best first, with the filters.

    ``progress`` shows the rebuild of the index, when it has to be rebuilt first."""
    from ancrage.notices.store import NoticeStore, load_notice

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
    filters = Filters(
        cpv=cpv,
        deps=tuple(deps) if deps is not None else None,
        open_only=open_only,
        deadline_after=deadline_after,
    )
    when = now or datetime.now(UTC)
    with NoticeStore(settings).reading() as con:
        if stems:
            from ancrage.notices.index import searcher

            found = searcher(settings, con, progress)
            best = ranked(found, stems, filters, now=when, limit=limit)
        else:
            best = listed(con, filters, now=when, limit=limit)
        docs: dict[int, tuple[bytes, str]] = {
            r: (d, st)
            for r, d, st in con.execute(
                "SELECT rowid, doc, status FROM notices "
                "WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps([r for r, _ in best]),),
            )
        }
    hits: list[SearchHit] = []
    for rowid, score in best:
        doc, status = docs[rowid]
        notice = load_notice(doc)
        hits.append(
            SearchHit(
                id=display_id(notice),
                key=notice.id,
                score=float(score),
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
