"""The indicator registry: every indicator is declared once, in the module of its family.

An indicator is a portable SQL query over the scoped relations ``sc``, ``ss``, ``sf``, ``sq``,
``sub``, ``te`` and ``sp`` (:mod:`ancrage.indicators.relations`, built by
:meth:`ancrage.diagnose.scope.Scope.ctes`) and the
reference table ``naf_segment``. Placeholders, replaced by :func:`render`:

- ``{dims}``: the breakdown column followed by a comma (``year, ``), or nothing;
- ``{partition}``: ``PARTITION BY year``, or nothing (use as ``OVER ({partition})``);
- ``{join}``: ``ON l.year IS NOT DISTINCT FROM r.year`` or ``ON TRUE``, to join two
  aggregates aliased ``l`` and ``r`` on the breakdown;
- ``{local_rings}``: SQL list of the locality rings inside the territory;
- ``{establishments}``: ``TRUE`` when the ``establishments`` table is available;
- ``{lines}``: the relation of supplier lines the indicator reads, its ``lines`` field: ``ss``
  (contract × supplier rows) or ``sp`` (spend lines, same columns). :func:`on_spend` turns an
  indicator over ``ss`` into its spend version without copying its SQL.

An indicator with a ``kind`` (``concession``) is run over the same scope restricted to that kind
of contract, whatever the scope's own kind (the diagnostic of marchés shows its concessions apart);
it reads ``sc`` only.

To add an indicator, append an :class:`Indicator` to ``INDICATORS`` in its family module (or add a
family module to :data:`FAMILIES`), with self-tests; ``docs/indicators.md`` is regenerated with
``python -m ancrage.indicators.docs``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from ancrage.errors import ConfigError
from ancrage.indicators.relations import Kind

FAMILIES = (
    "volume",
    "locality",
    "suppliers",
    "considerations",
    "competition",
    "concentration",
    "practices",
    "leakage",
    "quality",
    "spend",
)
FAMILY_LABELS = {
    "volume": "Volume",
    "locality": "Ancrage territorial",
    "suppliers": "Profil des titulaires",
    "considerations": "Considérations environnementales et sociales",
    "competition": "Concurrence",
    "concentration": "Concentration",
    "practices": "Innovation, avances et sous-traitance",
    "leakage": "Fuites par segment",
    "quality": "Qualité des données",
    "spend": "Dépenses sous le seuil DECP (comptabilité de l'acheteur)",
}


@dataclass(frozen=True)
class SelfTest:
    """Rows of the scoped relations (missing columns are null) and the expected output rows
    (only the keys given are compared; floats to 1e-9)."""

    name: str
    expect: list[dict[str, Any]]
    sc: list[dict[str, Any]] = field(default_factory=list)
    ss: list[dict[str, Any]] = field(default_factory=list)
    sf: list[dict[str, Any]] = field(default_factory=list)
    sq: list[dict[str, Any]] = field(default_factory=list)
    sub: list[dict[str, Any]] = field(default_factory=list)
    te: list[dict[str, Any]] = field(default_factory=list)
    sp: list[dict[str, Any]] = field(default_factory=list)
    breakdown: str | None = None
    local_rings: tuple[str, ...] = ("commune", "epci", "departement")
    establishments: bool = False


@dataclass(frozen=True)
class Indicator:
    id: str
    family: str
    label: str  # French
    definition: str  # French
    unit: str  # French
    sql: str
    breakdowns: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()
    tests: tuple[SelfTest, ...] = ()
    lines: str = "ss"  # what ``{lines}`` stands for
    # The contract kind the indicator is about: it then runs over the scope with that kind
    # (concessions beside a diagnostic of marchés); ``None``: the scope's own contracts.
    kind: Kind | None = None


def on_spend(
    base: Indicator,
    *,
    id: str,
    label: str,
    definition: str,
    breakdowns: tuple[str, ...],
    tests: tuple[SelfTest, ...],
    caveats: tuple[str, ...] = (),
) -> Indicator:
    """The same query as ``base`` over the spend lines ``sp`` (``base`` reads ``{lines}``)."""
    if "{lines}" not in base.sql:
        raise ValueError(f"indicator {base.id}: its SQL does not read {{lines}}")
    return replace(
        base,
        id=id,
        family="spend",
        label=label,
        definition=definition,
        breakdowns=breakdowns,
        tests=tests,
        caveats=caveats,
        lines="sp",
    )


def render(
    indicator: Indicator,
    breakdown: str | None = None,
    *,
    local_rings: tuple[str, ...] = ("commune", "epci", "departement"),
    establishments: bool = False,
) -> str:
    """The indicator's SQL with its placeholders filled."""
    if breakdown is not None and breakdown not in indicator.breakdowns:
        known = ", ".join(indicator.breakdowns) or "aucune"
        raise ConfigError(
            f"l'indicateur « {indicator.id} » n'a pas de ventilation « {breakdown} »",
            hint=f"Ventilations disponibles : {known}.",
        )
    values = {
        "{dims}": f"{breakdown}, " if breakdown else "",
        "{partition}": f"PARTITION BY {breakdown}" if breakdown else "",
        "{join}": f"ON l.{breakdown} IS NOT DISTINCT FROM r.{breakdown}"
        if breakdown
        else "ON TRUE",
        "{local_rings}": ", ".join(f"'{r}'" for r in local_rings) or "NULL",
        "{establishments}": "TRUE" if establishments else "FALSE",
        "{lines}": indicator.lines,
    }
    sql = indicator.sql
    for key, value in values.items():
        sql = sql.replace(key, value)
    return sql


@cache
def registry() -> dict[str, Indicator]:
    """All indicators by id, family by family."""
    out: dict[str, Indicator] = {}
    for family in FAMILIES:
        module = importlib.import_module(f"ancrage.indicators.{family}")
        for ind in module.INDICATORS:
            if ind.id in out or ind.family != family:
                raise ValueError(f"indicator {ind.id}: duplicate id or wrong family")
            out[ind.id] = ind
    return out


def get(indicator_id: str) -> Indicator:
    try:
        return registry()[indicator_id]
    except KeyError:
        raise ConfigError(
            f"indicateur inconnu « {indicator_id} »",
            hint=f"Indicateurs connus : {', '.join(registry())}.",
        ) from None
