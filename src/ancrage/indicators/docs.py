"""Generate ``docs/indicators.md`` from the registry (``python -m ancrage.indicators.docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

from ancrage.indicators.registry import FAMILY_LABELS, registry
from ancrage.indicators.relations import BREAKDOWNS


def indicators_markdown() -> str:
    lines = [
        "# Indicateurs du diagnostic territorial",
        "",
        "<!-- GENERATED from src/ancrage/indicators by `python -m ancrage.indicators.docs`;"
        " do not edit. -->",
        "",
        "Each indicator is one SQL query over the scoped relations (`sc` contracts, `ss` "
        "contract × supplier rows, `sf` files, `sq` quarantine, `sub` subcontracting, `te` "
        "establishments of the territory, `sp` spend lines of the buyers' accounts); see "
        "`ancrage.diagnose.scope`. `{lines}` stands for `ss`, or `sp` for a spend indicator "
        "(the same query run on spend lines).",
        "",
    ]
    family = ""
    for ind in registry().values():
        if ind.family != family:
            family = ind.family
            lines += [f"## {FAMILY_LABELS[family]}", ""]
        lines += [f"### {ind.label} (`{ind.id}`)", "", ind.definition, "", f"- Unité : {ind.unit}"]
        dims = ", ".join(f"{b} ({BREAKDOWNS[b]})" for b in ind.breakdowns) or "aucune"
        lines.append(f"- Ventilations : {dims}")
        if "{lines}" in ind.sql:
            lines.append(f"- Lignes lues (`{{lines}}`) : `{ind.lines}`")
        lines.append(f"- Auto-tests : {len(ind.tests)}")
        lines += [f"- Limite : {c}" for c in ind.caveats]
        lines += ["", "```sql", ind.sql.strip(), "```", ""]
    return "\n".join(lines)


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/indicators.md")
    target.write_text(indicators_markdown(), encoding="utf-8")


if __name__ == "__main__":
    main()
