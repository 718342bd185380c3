"""Calls for tenders for the web: search with a trade filter, the structured notice, the
reading sheet with the market history — over :mod:`ancrage.notices` and
:mod:`ancrage.watch.history`."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from ancrage.errors import WarehouseError
from ancrage.notices.model import Lot, Notice
from ancrage.notices.search import SearchHit, search
from ancrage.notices.sheet import Item, Section, Sheet, reading_sheet
from ancrage.notices.store import NoticeStore
from ancrage.settings import Settings
from ancrage.web.errors import WebError

MAX_RESULTS = 1000


@lru_cache(maxsize=1)
def trades() -> dict[str, str]:
    """Trade name → CPV prefix (the curated NAF ↔ CPV rules' trades, first rule wins)."""
    from ancrage.reference.naf_cpv import naf_cpv_rules

    out: dict[str, str] = {}
    for rule in sorted(naf_cpv_rules(), key=lambda r: (r.trade, -r.weight, r.cpv_prefix)):
        if rule.trade and rule.trade not in out:
            out[rule.trade] = rule.cpv_prefix
    return dict(sorted(out.items()))


def search_page(
    settings: Settings,
    text: str,
    *,
    trade: str | None = None,
    cpv: str | None = None,
    territory: str | None = None,
    open_only: bool = False,
    deadline_after: date | None = None,
    offset: int = 0,
    limit: int = 20,
    now: datetime | None = None,
) -> tuple[list[SearchHit], bool]:
    """One page of hits, and whether there are more."""
    if trade is not None:
        if trade not in trades():
            raise WebError(f"métier « {trade} » inconnu", hint="Choisissez-le dans la liste.")
        cpv = cpv or trades()[trade]
    if offset + limit > MAX_RESULTS:
        raise WebError(
            f"au-delà des {MAX_RESULTS} premiers résultats",
            hint="Précisez la recherche (mots, métier, territoire).",
        )
    hits = search(
        settings,
        text,
        cpv=cpv,
        territory=territory,
        open_only=open_only,
        deadline_after=deadline_after,
        limit=limit + 1,
        offset=offset,
        now=now,
    )
    return hits[:limit], len(hits) > limit


def get_notice(settings: Settings, notice_id: str) -> Notice:
    return NoticeStore(settings).get(notice_id)


def notice_json(notice: Notice, now: datetime) -> dict[str, Any]:
    """The structured notice (ISO dates, places, lots, criteria and weights, requirements,
    state at ``now``) as JSON."""
    from ancrage.notices.document import notice_json as structured

    return structured(notice, now)


def sheet_for(notice: Notice, now: datetime) -> Sheet:
    """The reading sheet at ``now`` (the notice alone: fast; the market history is its own
    page)."""
    return reading_sheet(notice, today=now.date(), now=now)


def lot_of(notice: Notice, lot: int | None) -> Lot | None:
    if lot is None:
        return None
    if not 1 <= lot <= len(notice.lots):
        raise WebError(f"lot {lot} inexistant", hint=f"L'avis a {len(notice.lots)} lot(s).")
    return notice.lots[lot - 1]


def history_section_for(settings: Settings, notice: Notice, lot: int | None = None) -> Section:
    """The market history of the call (of one lot when asked) as a sheet section: similar
    contracts of the warehouse, who won them, for how much; the buyer's record."""
    from ancrage.watch.history import history_section, market_history

    chosen = lot_of(notice, lot)
    try:
        return history_section(market_history(settings, notice, chosen))
    except WarehouseError as exc:  # a load holds the warehouse
        return Section("Historique du marché (DECP)", [Item("Comparaison", exc.message)])


def history_for(settings: Settings, notice: Notice, lot: int | None = None) -> dict[str, Any]:
    from ancrage.watch.history import market_history

    return market_history(settings, notice, lot_of(notice, lot))

