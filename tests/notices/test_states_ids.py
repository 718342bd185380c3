"""What a call is (open only while its deadline is ahead, in French everywhere) and the ids
users know (TED publication number, BOAMP avis number), on the real samples."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson
import pytest
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.notices.model import reference_ids, state_of
from ancrage.notices.search import search
from ancrage.notices.sheet import reading_sheet, render_text
from ancrage.notices.store import NoticeStore
from ancrage.settings import Settings

runner = CliRunner()
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)  # the machine's date when the issue was filed
TED_PUBLISHED = "ted:00219998-2024"  # 2024-OJS074-00219998.xml, a French PIN
TED_UUID = "ted:c5c75568-b9cd-4347-bc17-0d0208f4f638-01"


@pytest.mark.parametrize(
    ("status", "deadline", "state"),
    [
        ("open", datetime(2026, 12, 8, tzinfo=UTC), "open"),
        ("open", datetime(2026, 2, 11, 11, tzinfo=UTC), "expired"),
        ("open", NOW, "expired"),  # the deadline itself is no longer ahead
        ("open", None, "undated"),
        ("closed", datetime(2027, 1, 1, tzinfo=UTC), "awarded"),
        ("cancelled", datetime(2027, 1, 1, tzinfo=UTC), "cancelled"),
    ],
)
def test_state_is_lifecycle_and_deadline(
    status: str, deadline: datetime | None, state: str
) -> None:
    assert state_of(status, deadline, NOW) == state


def test_expired_calls_are_never_shown_as_open(samples_home: Settings) -> None:
    hits = search(samples_home, "travaux", now=NOW, limit=50)
    assert hits and all(h.state != "open" for h in hits)
    by_id = {h.id: h for h in hits}
    assert by_id["boamp:26-7319"].state == "expired"
    assert by_id["boamp:26-7319"].as_json()["state"] == "date limite dépassée"
    assert by_id["boamp:17-5219"].as_json()["state"] == "attribué"
    # a month before its deadline, the same call is open
    (hit,) = [
        h
        for h in search(samples_home, "travaux", now=datetime(2026, 1, 21, tzinfo=UTC), limit=50)
        if h.id == "boamp:26-7319"
    ]
    assert hit.state == "open"


def test_the_sheet_header_says_the_deadline_passed(samples_home: Settings) -> None:
    notice = NoticeStore(samples_home).get("boamp:26-7319")
    text = render_text(reading_sheet(notice, today=date(2026, 12, 7), now=NOW))
    header = text.splitlines()[2]
    assert (
        header == "avis de marché · BOAMP n° 26-7319 · date limite dépassée · fiche du 07/12/2026"
    )
    assert "ouvert" not in header
    assert "date limite dépassée depuis 299 jours" in text


def test_the_search_table_prints_the_state_in_french(samples_home: Settings) -> None:
    result = runner.invoke(
        app,
        ["notice", "search", "travaux", "--home", str(samples_home.home)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "date limite dépassée" in result.stdout and "attribué" in result.stdout
    for english in (" open ", " closed ", " cancelled "):
        assert english not in result.stdout


def test_reference_ids() -> None:
    assert reference_ids("ted:00047522-2024") == ["ted:00047522-2024"]
    assert reference_ids("47522-2024") == ["47522-2024", "ted:00047522-2024"]
    assert reference_ids(" 26-7319 ") == ["26-7319", "boamp:26-7319"]
    assert reference_ids("TED:47522-2024") == ["TED:47522-2024", "ted:00047522-2024"]


@pytest.mark.parametrize(
    "reference", [TED_PUBLISHED, "219998-2024", "00219998-2024", "ted:219998-2024", TED_UUID]
)
def test_a_ted_notice_is_found_by_the_number_users_know(
    samples_home: Settings, reference: str
) -> None:
    notice = NoticeStore(samples_home).get(reference)
    assert notice.id == TED_UUID  # the stable id: notice UUID and version
    assert notice.publication_number == "00219998-2024"


def test_a_boamp_notice_is_found_by_its_avis_number(samples_home: Settings) -> None:
    assert NoticeStore(samples_home).get("26-7319").id == "boamp:26-7319"


def test_outputs_print_the_publication_number(samples_home: Settings) -> None:
    home = str(samples_home.home)
    result = runner.invoke(app, ["notice", "show", "219998-2024", "--home", home])
    assert result.exit_code == 0, result.output
    assert "TED n° 00219998-2024" in result.stdout
    result = runner.invoke(app, ["notice", "show", TED_UUID, "--home", home, "--format", "json"])
    assert orjson.loads(result.stdout)["sheet"]["id"] == TED_PUBLISHED
    result = runner.invoke(
        app, ["notice", "search", "déchetterie", "--home", home, "--format", "json"]
    )
    (hit, *_) = orjson.loads(result.stdout)
    assert (hit["id"], hit["alias"]) == (TED_PUBLISHED, TED_UUID)
    result = runner.invoke(app, ["watch", "history", TED_PUBLISHED, "--home", home])
    assert result.exit_code == 0, result.output
    assert "TED n° 00219998-2024" in result.stdout
