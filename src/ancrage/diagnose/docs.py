"""Generate ``docs/diagnostic.md`` from the model (``python -m ancrage.diagnose.docs``)."""

from __future__ import annotations

import dataclasses
import inspect
import sys
from pathlib import Path

from ancrage.diagnose import model

INTRO = """\
# The diagnostic model (`ancrage.diagnose.model`)

<!-- GENERATED from src/ancrage/diagnose/model.py by `python -m ancrage.diagnose.docs`;
do not edit. -->

`ancrage.diagnose.diagnose(settings, scope)` returns a frozen `Diagnostic`; the CLI, the report,
the export and the HTTP API read its attributes. `Diagnostic.as_json()` is the JSON form (the
HTTP API's schema, `schema_version` {version}): each dataclass becomes an object with the same
field names, tuples become lists, a `Share` becomes
`{{"value", "base", "status", "reason"}}` and the scope its description.

## Base rules

- A share is **unknown** (`value` null, `status` `inconnu`, `reason` in French) when it cannot
  be computed; unknown is never shown as 0.
- A share on fewer than {min_base} items (its `base`) has `status` `base faible`: outputs show
  its base beside it (« 58 % (sur 12) »).
- A target is `atteinte` / `non atteinte` only when at least {min_claim} contracts declare their
  considerations and they are at least {coverage:.0%} of the contracts in scope; otherwise
  `base trop faible` (`non mesurable` when none declares).
"""


def classes() -> list[type]:
    """The model's dataclasses, in source order."""
    found = [
        obj
        for _, obj in inspect.getmembers(model, inspect.isclass)
        if dataclasses.is_dataclass(obj) and obj.__module__ == model.__name__
    ]
    return sorted(found, key=lambda c: inspect.getsourcelines(c)[1])


def diagnostic_markdown() -> str:
    lines = [
        INTRO.format(
            version=model.SCHEMA_VERSION,
            min_base=model.MIN_BASE,
            min_claim=model.MIN_CLAIM_BASE,
            coverage=model.MIN_CLAIM_COVERAGE,
        )
    ]
    for cls in classes():
        doc = inspect.cleandoc(cls.__doc__ or "")
        lines += [f"## `{cls.__name__}`", "", doc, "", "| field | type |", "|---|---|"]
        for f in dataclasses.fields(cls):
            lines.append(f"| `{f.name}` | `{f.type}` |".replace(" | None`", " \\| None`"))
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/diagnostic.md")
    target.write_text(diagnostic_markdown(), encoding="utf-8")


if __name__ == "__main__":
    main()
