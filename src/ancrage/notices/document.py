"""The structured JSON of a notice (``ancrage notice show --format json``, the coming API).

Everything the notice says, typed and dated: ISO dates, amounts as numbers, codes with their
French labels, the state at the time asked, the places resolved to départements (with where
each comes from), the lots (number, title, CPV, deadline, value, criteria and weights,
requirements), the environmental and social requirements, the documents asked. ``null`` means
the notice does not say.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ancrage.notices.labels import (
    CRITERION_LABELS,
    KIND_LABELS,
    ORIGIN_LABELS,
    REQUIREMENT_LABELS,
    STATE_LABELS,
    field_code_label,
    field_label,
    procedure_label,
)
from ancrage.notices.model import (
    AwardCriterion,
    Consideration,
    Lot,
    Money,
    Notice,
    Place,
    Reservation,
    departements,
    display_id,
    notice_state,
)

FORMAT_VERSION = 1


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _money(value: Money | None) -> dict[str, Any] | None:
    return None if value is None else {"amount": _number(value.amount), "currency": value.currency}


def _when(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _cpv(main: str | None, additional: list[str]) -> list[dict[str, Any]]:
    from ancrage.reference.cpv import french_label

    codes = [(main, True)] if main else []
    codes += [(c, False) for c in additional]
    return [{"code": c, "label": french_label(c), "main": m} for c, m in codes]


def _place(place: Place | None) -> dict[str, Any] | None:
    return None if place is None else asdict(place)


def _criterion(c: AwardCriterion) -> dict[str, Any]:
    return {
        "type": c.type,
        "type_label": CRITERION_LABELS.get(c.type or ""),
        "name": c.name,
        "description": c.description,
        "weight": _number(c.weight),
        "weight_as_given": c.weight_as_given,
        "order": c.order,
    }


def _consideration(c: Consideration) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "kind_label": REQUIREMENT_LABELS[c.kind],
        "code": c.code,
        "label": field_code_label(c.source_field, c.code),
        "text": c.text,
        "source_field": c.source_field,
        "source_label": field_label(c.source_field),
    }


def _reservation(r: Reservation) -> dict[str, Any]:
    return {
        "code": r.code,
        "label": field_code_label(r.source_field, r.code) or r.label,
        "source_field": r.source_field,
    }


def _terms(item: Lot | Notice) -> dict[str, Any]:
    """What a notice and a lot both say: CPV, deadline, place, duration, criteria,
    requirements, SME, variants."""
    return {
        "cpv": _cpv(item.cpv_main, item.cpv_additional),
        "deadline": _when(item.deadline),
        "place": _place(item.place),
        "duration": None
        if item.duration is None
        else asdict(item.duration) | {"value": _number(item.duration.value)},
        "award_criteria": [_criterion(c) for c in item.award_criteria],
        "considerations": [_consideration(c) for c in item.considerations],
        "reserved": [_reservation(r) for r in item.reserved],
        "sme_suitable": item.sme_suitable,
        "variants_allowed": item.variants_allowed,
    }


def _lot(lot: Lot) -> dict[str, Any]:
    return {
        "number": lot.number,
        "title": lot.title,
        "description": lot.description,
        "value": _money(lot.value),
        **_terms(lot),
        "documents_url": lot.documents_url,
        "submission_url": lot.submission_url,
    }


def notice_json(notice: Notice, now: datetime) -> dict[str, Any]:
    """The structured notice as of ``now`` (for its state)."""
    shown = display_id(notice)
    state = notice_state(notice, now)
    facts = [
        {
            "fact": f.fact,
            "sentence": f.sentence,
            "source_field": f.source_field,
            "source_label": field_label(f.source_field),
        }
        for f in notice.facts_from_text
    ]
    return {
        "format": FORMAT_VERSION,
        "id": shown,
        "aliases": [notice.id] if notice.id != shown else [],
        "source": notice.source,
        "source_format": notice.source_format,
        "kind": notice.kind,
        "kind_label": KIND_LABELS[notice.kind],
        "state": state,
        "state_label": STATE_LABELS[state],
        "state_at": now.isoformat(),
        "url": notice.url,
        "title": notice.title,
        "description": notice.description,
        "purchase_type": notice.purchase_type,
        "procedure": {"code": notice.procedure, "label": procedure_label(notice.procedure)}
        if notice.procedure
        else None,
        "buyer": asdict(notice.buyer),
        "departements": [
            {"code": dep, "origin": origin, "origin_label": ORIGIN_LABELS[origin]}
            for dep, origin in departements(notice).items()
        ],
        "estimated_value": _money(notice.estimated_value),
        "publication_date": _when(notice.publication_date),
        **_terms(notice),
        "lots": [_lot(lot) for lot in notice.lots],
        "documents_asked": {
            "qualifications": notice.qualifications_text,
            "certifications": notice.qualification_labels,
            "site_visit": notice.site_visit,
            "facts_from_text": facts,
        },
        "trade_descriptors": [
            {"code": code, "label": label} for code, label in notice.trade_descriptors
        ],
        "links": {
            "notice": notice.url,
            "documents": notice.documents_url,
            "submission": notice.submission_url,
            "buyer_profile": notice.buyer_profile_url,
        },
        "awards": [
            {
                "lot": a.lot_id,
                "winners": a.winners,
                "amount": _money(a.amount),
                "result": a.result,
            }
            for a in notice.awards
        ],
        "award_notice": notice.award_notice,
        "changes_applied": notice.change_history,
    }
