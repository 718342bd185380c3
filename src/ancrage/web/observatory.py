"""The observatory's content for a scope: the report (key messages, figures, tables) and its
typed diagnostic, computed once per scope and warehouse generation, kept on disk for every
server process (:mod:`ancrage.web.reportstore`) and in memory (thin layer over
:func:`ancrage.report.build_report`, imported when a report is first computed)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ancrage.labels import RING_IDS, RING_LABELS, SIZE_IDS, SIZE_LABELS
from ancrage.settings import Settings
from ancrage.web.reportstore import ReportStore, warehouse_generation

if TYPE_CHECKING:
    from ancrage.diagnose import Scope
    from ancrage.diagnose.model import Share
    from ancrage.report.build import Report

CACHE_SIZE = 64
GENERATION_TTL_S = 1.0  # the warehouse generation is read again at most once a second


@dataclass(frozen=True)
class ScopeArgs:
    """A scope as the API and the pages take it (text, as on the command line)."""

    territory: str | None = None
    buyers: str | None = None
    years: str | None = None
    exclude_cpv: str | None = None
    keep_cpv: str | None = None
    kind: str | None = None
    purchase_type: str | None = None
    frameworks: str = "include"
    include_flagged: bool = False
    reference: str | None = None

    def scope(self) -> Scope:
        from ancrage.diagnose import build_scope

        return build_scope(
            territory=self.territory,
            buyers=self.buyers,
            years=self.years,
            kind=self.kind,  # type: ignore[arg-type]
            exclude_cpv=self.exclude_cpv,
            keep_cpv=self.keep_cpv,
            purchase_type=self.purchase_type,  # type: ignore[arg-type]
            frameworks=self.frameworks,  # type: ignore[arg-type]
            include_flagged=self.include_flagged,
        )

    def query(self) -> dict[str, str]:
        """The page's query string for this scope (links keep it)."""
        out = {
            "territoire": self.territory,
            "acheteurs": self.buyers,
            "annees": self.years,
            "exclure_cpv": self.exclude_cpv,
            "garder_cpv": self.keep_cpv,
            "type": self.kind,
            "achat": self.purchase_type,
            "accords_cadres": None if self.frameworks == "include" else self.frameworks,
            "montants_signales": "1" if self.include_flagged else None,
            "reference": self.reference,
        }
        return {k: v for k, v in out.items() if v}


class ReportCache:
    """Reports by scope for one server process: the last ones in memory, the others read from
    the disk store or computed there once (concurrent requests for the same scope wait for
    the first); a new warehouse generation leaves the old ones unused."""

    def __init__(self, settings: Settings, size: int = CACHE_SIZE) -> None:
        self.settings = settings
        self.size = size
        self.store = ReportStore(settings)
        self._items: OrderedDict[tuple[Any, ...], Report] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[Any, ...], threading.Lock] = {}
        self._generation: tuple[float, str] = (float("-inf"), "")

    def generation(self) -> str:
        """The warehouse generation, read again after :data:`GENERATION_TTL_S` (a dozen file
        times: not at every request)."""
        read_at, generation = self._generation
        now = time.monotonic()
        if now - read_at >= GENERATION_TTL_S:
            generation = warehouse_generation(self.settings)
            self._generation = (now, generation)
        return generation

    def get(self, args: ScopeArgs, postal_base: Path | None = None) -> Report:
        generation = self.generation()
        key = (args, generation)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            report = self.store.get(
                generation, args, lambda: compute_report(self.settings, args, postal_base)
            )
            with self._lock:
                self._items[key] = report
                self._key_locks.pop(key, None)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return report


def compute_report(settings: Settings, args: ScopeArgs, postal_base: Path | None = None) -> Report:
    from ancrage.report.build import build_report

    return build_report(settings, args.scope(), reference=args.reference, postal_base=postal_base)


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    note: str | None = None
    link: dict[str, str] | None = None  # contract filters behind the figure
    anchor: str | None = None  # or the table of the page that details it


def _shown(share: Share, base_unit: str) -> tuple[str, str | None]:
    """A share as a key figure: « non mesurable » with the reason when unknown, the value with
    its base when the base is thin (never a bare figure on a thin base)."""
    from ancrage.fmt import number, pct

    if share.value is None:
        return "non mesurable", share.reason or None
    if share.thin:
        return pct(share.value), f"base faible : {number(share.base)} {base_unit}"
    return pct(share.value), None


def key_figures(report: Report) -> list[KeyFigure]:
    """The figures shown first, in plain French, each with the contracts behind it."""
    from ancrage.fmt import eur, number, pct

    d = report.data
    totals = d.totals
    figures = [
        KeyFigure("contrats", number(totals.contracts), link={}),
        KeyFigure("montant notifié", eur(totals.amount_eur), "hors taxes", link={"tri": "-amount"}),
        KeyFigure("acheteurs", number(totals.buyers)),
        KeyFigure("titulaires", number(totals.suppliers)),
    ]
    if not totals.contracts:
        return figures
    local, why = _shown(d.locality.local, "lignes contrat × titulaire")
    unknown = d.locality.by_amount.unknown.value
    if unknown and why is None:
        why = (
            f"{pct(unknown)} du montant chez des titulaires dont le lieu n'est pas connu assez "
            "précisément"
        )
    figures.append(
        KeyFigure("part du montant restée dans le territoire", local, why, anchor="cercles")
    )
    sme, why = _shown(d.supplier_size.by_amount.sme, "lignes de taille connue")
    figures.append(KeyFigure("part du montant aux TPE et PME", sme, why, anchor="tailles"))
    env = d.considerations.environmental
    value, why = _shown(env.share_contracts, "contrats qui la déclarent")
    figures.append(
        KeyFigure(
            "contrats avec une considération environnementale",
            value,
            f"{why or env.note} (cible : 100 %"
            + ("" if env.verdict == "non mesurable" else f" ; {env.verdict}")
            + ")",
            link={"environnement": "oui"},
        )
    )
    return figures


@dataclass(frozen=True)
class ShareRow:
    key: str
    label: str
    share_amount: Share
    share_count: Share


def ring_rows(report: Report) -> list[ShareRow]:
    """Where the suppliers are, ring by ring around the buyer (shares of amount and count)."""
    loc = report.data.locality
    return [
        ShareRow(k, RING_LABELS[k], loc.by_amount.get(k), loc.by_count.get(k)) for k in RING_IDS
    ]


def size_rows(report: Report) -> list[ShareRow]:
    size = report.data.supplier_size
    return [
        ShareRow(k, SIZE_LABELS[k], size.by_amount.get(k), size.by_count.get(k)) for k in SIZE_IDS
    ]
