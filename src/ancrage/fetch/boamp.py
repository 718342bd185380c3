"""BOAMP: the DILA open data on Opendatasoft (explore API v2.1, dataset ``boamp``).

Incremental by publication date: one request set per day of publication
(``where=dateparution = date'YYYY-MM-DD'``, ``order_by=idweb``, pages of 100 with ``offset``;
a day beyond the API's 10,000-record window is read from the ``exports`` endpoint instead). Every
nature is kept — calls, corrigenda (``RECTIFICATIF``), awards (``ATTRIBUTION``), cancellations
(``etat = AVIS_ANNULE``) — since the notice store applies changes to the notices they concern.

One file per day with notices (``downloads/boamp/<scope>/boamp-<day>.json``,
``{"total_count", "results"}`` with the records exactly as served), written once the whole day
is in. The manifest's cursor
keeps the last day fetched; the next run starts again from that day (notices keep being
published during the day) up to today. Without ``--since`` nor cursor, the last 30 days.

``--territory``: BOAMP's ``code_departement`` facet (a list; codes are served without leading
zero, « 3 » for the Allier, so both spellings are asked) — one request set per département.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson

from ancrage.fetch.base import FetchContext, FetchedFile, FetchRequest, departements_of
from ancrage.fetch.download import file_hash
from ancrage.fetch.errors import SourceChangedError
from ancrage.fetch.manifest import write_atomic

WHAT = "l'API BOAMP (Opendatasoft)"
DATASET = "boamp"
PAGE = 100
WINDOW = 10_000  # offset + limit must stay within it on the records endpoint
DEFAULT_DAYS = 30
_CHANGED_HINT = "L'API BOAMP a peut-être changé ; rien n'a été écrit pour ce jour. Signalez-le."


def days_to_fetch(request: FetchRequest, cursor: dict[str, Any], scope: str) -> list[date]:
    if request.since is not None:
        start = request.since
    elif cursor.get("scope") == scope and isinstance(cursor.get("day"), str):
        start = date.fromisoformat(cursor["day"])
    else:
        start = request.today - timedelta(days=DEFAULT_DAYS)
    count = (request.today - start).days + 1
    return [start + timedelta(days=i) for i in range(max(count, 0))]


def _facet_values(dep: str) -> list[str]:
    """How BOAMP may spell a département in ``code_departement``."""
    return [dep.lstrip("0"), dep] if dep.startswith("0") else [dep]


def _check_page(body: Any, day: date) -> tuple[int, list[dict[str, Any]]]:
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise SourceChangedError(
            f"{WHAT} a répondu sans liste results ({day.isoformat()})", hint=_CHANGED_HINT
        )
    total = body.get("total_count")
    if not isinstance(total, int):
        raise SourceChangedError(
            f"{WHAT} a répondu sans total_count ({day.isoformat()})", hint=_CHANGED_HINT
        )
    return total, _check_records(body["results"], day)


def _check_records(records: Any, day: date) -> list[dict[str, Any]]:
    if not isinstance(records, list):
        raise SourceChangedError(
            f"{WHAT} a répondu autre chose qu'une liste d'avis ({day.isoformat()})",
            hint=_CHANGED_HINT,
        )
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("idweb"), str):
            raise SourceChangedError(
                f"{WHAT} a répondu un avis sans idweb ({day.isoformat()})", hint=_CHANGED_HINT
            )
        if "dateparution" not in record or "donnees" not in record:
            raise SourceChangedError(
                f"{WHAT} a répondu l'avis {record['idweb']} sans dateparution ni donnees",
                hint=_CHANGED_HINT,
            )
    return records


class Boamp:
    name = "boamp"
    label = "BOAMP : avis de marché, rectificatifs, attributions et annulations (DILA)"

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> list[FetchedFile]:
        territory = request.territory
        deps: list[str | None] = list(departements_of(territory)) if territory else [None]
        scope = "france" if territory is None else f"{territory.kind}-{territory.code}"
        cursor = ctx.cursor(self.name)
        if request.year is not None:
            ctx.note("BOAMP : --year ignoré, les avis sont pris par jour de publication.")
        files = []
        for day in days_to_fetch(request, cursor, scope):
            records: dict[str, dict[str, Any]] = {}
            for dep in deps:
                for value in _facet_values(dep) if dep else [None]:
                    for record in self._day(ctx, day, value):
                        records[record["idweb"]] = record
            results = [records[k] for k in sorted(records)]
            if results:  # a day without notices (a Sunday) leaves no file
                target = ctx.folder(self.name) / scope / f"boamp-{day.isoformat()}.json"
                write_atomic(
                    target, orjson.dumps({"total_count": len(results), "results": results})
                )
                files.append(
                    ctx.record_built(
                        self.name,
                        "notices",
                        self._url(ctx),
                        target,
                        sha256=file_hash(target),
                        version=day.isoformat(),
                    )
                )
            cursor.update({"scope": scope, "day": day.isoformat()})
            ctx.save()
        return files

    def _url(self, ctx: FetchContext) -> str:
        return f"{ctx.endpoints.boamp}/api/explore/v2.1/catalog/datasets/{DATASET}/records"

    def _day(self, ctx: FetchContext, day: date, dep: str | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "where": f"dateparution = date'{day.isoformat()}'",
            "order_by": "idweb",
            "limit": PAGE,
        }
        if dep is not None:
            params["refine"] = f"code_departement:{dep}"
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            body = ctx.http.get_json(self._url(ctx), what=WHAT, params={**params, "offset": offset})
            total, records = _check_page(body, day)
            if offset == 0 and total > WINDOW:
                return self._export(ctx, day, params)
            found += records
            offset += PAGE
            if not records or offset >= total:
                return found

    def _export(self, ctx: FetchContext, day: date, params: dict[str, Any]) -> list[dict[str, Any]]:
        """A day too big for the records window: the exports endpoint has no limit."""
        url = f"{ctx.endpoints.boamp}/api/explore/v2.1/catalog/datasets/{DATASET}/exports/json"
        query = {k: v for k, v in params.items() if k != "limit"}
        return _check_records(ctx.http.get_json(url, what=WHAT, params=query), day)
