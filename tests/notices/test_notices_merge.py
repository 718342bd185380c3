"""apply_change on real notice pairs: corrigendum, award, and refusals."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from ancrage.notices.errors import NoticeMergeError
from ancrage.notices.merge import apply_change
from ancrage.notices.model import Notice

Get = Callable[[str], Notice]


def test_ted_change_moves_the_deadline(ted_notice: Get) -> None:
    notice = ted_notice("sdk_examples/cn_24_open.xml")
    change = ted_notice("sdk_examples/change-cn_24_open_dates.xml")
    before = copy.deepcopy(notice)
    merged = apply_change(notice, change)
    assert notice == before  # pure
    assert notice.deadline == datetime(2020, 4, 3, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    assert merged.deadline == datetime(2020, 6, 12, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    assert merged.lots[0].deadline == merged.deadline
    assert len(merged.lots) == 1
    assert merged.id == notice.id
    assert merged.change_history == [change.id]
    assert merged.status == "corrected"


def test_ted_award_closes_the_notice(ted_notice: Get) -> None:
    notice = ted_notice("sdk_examples/cn_24_FRA_comments.xml")
    award = ted_notice("sdk_examples/can_24_FRA_comments.xml")
    merged = apply_change(notice, award)  # linked by the procedure identifier (BT-04)
    assert merged.status == "closed"
    assert merged.award_notice == award.id
    assert [a.winners for a in merged.awards] == [["Espaces Verts Lemire"], ["ID Verde SASU"]]
    assert merged.deadline == notice.deadline


def test_boamp_award_closes_the_notice(boamp_xml_notice: Get) -> None:
    notice = boamp_xml_notice("test-pub-9.xml")
    award = boamp_xml_notice("test-attribution-8.xml")
    merged = apply_change(notice, award)
    assert (merged.status, merged.award_notice) == ("closed", "boamp:17-4742")
    assert merged.awards[0].winners[0] == "ARC INTERIM (Rang 1)"
    assert notice.awards == []


def test_unrelated_change_is_refused(ted_notice: Get, boamp_xml_notice: Get) -> None:
    notice = boamp_xml_notice("test-pub-2.xml")
    change = ted_notice("sdk_examples/change-cn_24_open_dates.xml")
    with pytest.raises(NoticeMergeError) as err:
        apply_change(notice, change)
    assert err.value.one_line() == (
        "enregistrement boamp:16-181902: la modification "
        "ted:71397268-6c47-4f2f-8ab0-f41a26138f81-01 ne concerne pas cet avis. Rattachez d'abord "
        "la modification à son avis par changes_notice ou procedure_id."
    )


def test_contract_notice_is_not_a_change(ted_notice: Get) -> None:
    notice = ted_notice("sdk_examples/cn_24_open.xml")
    other = copy.deepcopy(notice)
    other.id = "ted:other"
    with pytest.raises(NoticeMergeError) as err:
        apply_change(notice, other)
    assert err.value.one_line() == (
        f"enregistrement {notice.id}: l'avis ted:other est de type contract_notice, ce n'est pas "
        "une modification. Seuls les rectificatifs, les annulations et les avis d'attribution "
        "s'appliquent."
    )


def test_lot_changes_are_merged_by_number(boamp_xml_notice: Get) -> None:
    notice = boamp_xml_notice("test-pub-5.xml")
    change = copy.deepcopy(notice)
    change.id, change.kind, change.changes_notice = "boamp:x", "corrigendum", notice.id
    change.lots = [copy.deepcopy(notice.lots[1])]
    change.lots[0].title = "Nouveau titre"
    change.lots[0].award_criteria = []
    merged = apply_change(notice, change)
    assert [lot.title for lot in merged.lots] == [notice.lots[0].title, "Nouveau titre"]
    assert merged.lots[1].award_criteria == notice.lots[1].award_criteria
