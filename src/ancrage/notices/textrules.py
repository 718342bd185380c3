"""Facts read in free text with the transparent rules of ``data/notices/text_rules.toml``.

Each fact keeps the sentence it was read in. The rules only say what a sentence says: a label
named, a visit announced, a reservation stated. Nothing is inferred from absence.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ancrage.notices.model import CriterionType, Fact, Notice, Reservation

_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+|\s//\s")


@dataclass(frozen=True)
class TextRule:
    id: str
    kind: str
    pattern: re.Pattern[str]
    fact: str
    label: str | None = None
    code: str | None = None
    value: bool | None = None


@cache
def _raw_rules() -> dict[str, Any]:
    text = resources.files("ancrage").joinpath("data/notices/text_rules.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def criterion_type_rules() -> tuple[tuple[CriterionType, re.Pattern[str]], ...]:
    kinds: dict[str, CriterionType] = {"price": "price", "cost": "cost", "quality": "quality"}
    return tuple(
        (kinds[item["type"]], re.compile(item["pattern"], re.IGNORECASE))
        for item in _raw_rules()["criterion_type"]
    )


def criterion_type(name: str | None) -> CriterionType | None:
    """The type of a criterion known only by its name (rule of ``text_rules.toml``)."""
    if not name:
        return None
    return next((kind for kind, rx in criterion_type_rules() if rx.search(name)), None)


@cache
def load_rules() -> tuple[TextRule, ...]:
    raw = _raw_rules()
    rules = []
    for item in raw["rule"]:
        label = item.get("label")
        rules.append(
            TextRule(
                id=item["id"],
                kind=item["kind"],
                pattern=re.compile(item["pattern"], re.IGNORECASE),
                fact=item.get("fact") or f"label:{label}",
                label=label,
                code=item.get("code"),
                value=item.get("value"),
            )
        )
    return tuple(rules)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def extract(text: str, source_field: str) -> list[tuple[TextRule, Fact]]:
    """Every rule match in ``text``, one per (rule, sentence)."""
    found: list[tuple[TextRule, Fact]] = []
    for sentence in sentences(text):
        for rule in load_rules():
            m = rule.pattern.search(sentence)
            if m is None:
                continue
            fact = rule.fact
            if "{1}" in fact:
                group = next((g for g in m.groups() if g), None)
                if group is None:
                    continue
                fact = fact.replace("{1}", re.sub(r"[\s.]", "", group))
            found.append((rule, Fact(fact, sentence, source_field)))
    return found


def apply_text_rules(notice: Notice, texts: list[tuple[str, str]]) -> None:
    """Run the rules over ``(source_field, text)`` pairs and record facts on ``notice``."""
    variants_from_form = notice.variants_allowed is not None
    for source_field, text in texts:
        for rule, fact in extract(text, source_field):
            if any(
                (f.fact, f.sentence) == (fact.fact, fact.sentence) for f in notice.facts_from_text
            ):
                continue
            notice.facts_from_text.append(fact)
            if rule.kind == "label" and rule.label not in notice.qualification_labels:
                notice.qualification_labels.append(rule.label or rule.id)
            elif rule.kind == "site_visit":
                notice.site_visit = True
            elif rule.kind == "variants" and not variants_from_form:
                notice.variants_allowed = rule.value
            elif rule.kind == "reserved" and rule.code is not None:
                reservation = Reservation(rule.code, fact.fact.split(":", 1)[1], source_field)
                if reservation not in notice.reserved:
                    notice.reserved.append(reservation)
