"""Apply a corrigendum, a cancellation or an award notice to the notice it changes.

:func:`apply_change` is pure: it returns a new :class:`Notice` and leaves both inputs as they are.
"""

from __future__ import annotations

import copy
from dataclasses import fields

from ancrage.notices.errors import NoticeMergeError
from ancrage.notices.model import Lot, Notice
from ancrage.notices.values import in_natural_order

#: notice fields a corrigendum may replace (when the change notice gives a value)
REPLACEABLE = (
    "title",
    "description",
    "procedure",
    "purchase_type",
    "cpv_main",
    "estimated_value",
    "deadline",
    "duration",
    "documents_url",
    "submission_url",
    "buyer_profile_url",
    "sme_suitable",
    "variants_allowed",
    "site_visit",
)
LOT_FIELDS = tuple(f.name for f in fields(Lot) if f.name != "number")


def refers_to(notice: Notice, change: Notice) -> bool:
    if change.changes_notice is not None and change.changes_notice == notice.id:
        return True
    return (
        notice.procedure_id is not None
        and change.procedure_id == notice.procedure_id
        and change.source == notice.source
    )


def _empty(value: object) -> bool:
    return value is None or value == [] or value == ""


def _merge_lot(old: Lot, new: Lot) -> Lot:
    merged = copy.deepcopy(old)
    for name in LOT_FIELDS:
        value = getattr(new, name)
        if not _empty(value):
            setattr(merged, name, copy.deepcopy(value))
    return merged


def apply_change(notice: Notice, change: Notice) -> Notice:
    """The notice as it stands after ``change`` (corrigendum, cancellation or award)."""
    if change.id == notice.id:
        raise NoticeMergeError(
            "un avis ne peut pas se modifier lui-même",
            record=notice.id,
            hint="Donnez l'avis de modification.",
        )
    if not refers_to(notice, change):
        raise NoticeMergeError(
            f"la modification {change.id} ne concerne pas cet avis",
            record=notice.id,
            hint="Rattachez d'abord la modification à son avis par changes_notice ou procedure_id.",
        )
    result = copy.deepcopy(notice)
    result.change_history.append(change.id)
    if change.kind == "award":
        result.status = "closed"
        result.award_notice = change.id
        result.awards = copy.deepcopy(change.awards)
        return result
    if change.kind == "cancellation":
        result.status = "cancelled"
        return result
    if change.kind not in ("corrigendum",):
        raise NoticeMergeError(
            f"l'avis {change.id} est de type {change.kind}, ce n'est pas une modification",
            record=notice.id,
            hint="Seuls les rectificatifs, les annulations et les avis d'attribution s'appliquent.",
        )
    for name in REPLACEABLE:
        value = getattr(change, name)
        if not _empty(value):
            setattr(result, name, copy.deepcopy(value))
    if change.cpv_additional:
        result.cpv_additional = list(change.cpv_additional)
    if change.award_criteria:
        result.award_criteria = copy.deepcopy(change.award_criteria)
    by_number = {lot.number: i for i, lot in enumerate(result.lots) if lot.number is not None}
    for lot in change.lots:
        if lot.number is not None and lot.number in by_number:
            index = by_number[lot.number]
            result.lots[index] = _merge_lot(result.lots[index], lot)
        else:
            result.lots.append(copy.deepcopy(lot))
    result.lots = in_natural_order(result.lots)
    for fact in change.facts_from_text:
        if fact not in result.facts_from_text:
            result.facts_from_text.append(fact)
    result.status = "corrected"
    return result
