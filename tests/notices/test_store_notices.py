"""Loading every real notice sample into the store: counts, idempotence, changes applied."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ancrage.notices.errors import NoticeNotFoundError
from ancrage.notices.ingest import NoticeFileReport, load_notices
from ancrage.notices.store import NoticeStore, store_path
from ancrage.settings import Settings


@pytest.fixture(scope="module")
def loaded(
    tmp_path_factory: pytest.TempPathFactory, notices_dir: Path, eforms_dir: Path
) -> tuple[Settings, list[NoticeFileReport]]:
    settings = Settings.resolve(tmp_path_factory.mktemp("home"))
    return settings, load_notices(settings, [notices_dir], eforms_dir=eforms_dir)


def _dump(settings: Settings) -> list[tuple[object, ...]]:
    con = sqlite3.connect(store_path(settings))
    try:
        rows = con.execute("SELECT id, status, deadline_utc, doc FROM notices ORDER BY id")
        return [*rows, *con.execute("SELECT file, record, reason FROM quarantine ORDER BY id")]
    finally:
        con.close()


def test_every_sample_is_accounted_for(loaded: tuple[Settings, list[NoticeFileReport]]) -> None:
    _, reports = loaded
    assert len(reports) == 58
    assert [r.error for r in reports if r.error] == []
    for r in reports:
        assert r.read == r.loaded + r.quarantined + r.duplicates, r.file
    by_name = {Path(r.file).name: r for r in reports}
    ods = by_name["boamp-where-date_2026-01-21_fnsimple.json"]
    assert (ods.read, ods.loaded, ods.quarantined, ods.duplicates) == (5, 5, 0, 0)
    invalid = by_name["INVALID_cn_24_empty.xml"]
    assert (invalid.read, invalid.loaded, invalid.quarantined) == (1, 0, 1)
    # the OP's "-modif" test variant reads into the very same notice as the original
    assert by_name["2024-OJS072-00215550.xml"].duplicates == 1
    assert sum(r.loaded for r in reports) == 60  # 62 read - 1 quarantined - 1 dup
    assert {r.detected_format for r in reports} == {
        "boamp-json",
        "boamp-xml-v230",
        "ted-eforms-xml",
    }


def test_quarantine_records_file_record_and_reason(
    loaded: tuple[Settings, list[NoticeFileReport]],
) -> None:
    settings, _ = loaded
    con = sqlite3.connect(store_path(settings))
    rows = con.execute("SELECT file, record, reason FROM quarantine").fetchall()
    con.close()
    assert [(Path(f).name, r, why) for f, r, why in rows] == [
        (
            "INVALID_cn_24_empty.xml",
            "INVALID_cn_24_empty.xml",
            "identifiant de l'avis absent (BT-701)",
        )
    ]


def test_reload_changes_nothing(
    loaded: tuple[Settings, list[NoticeFileReport]], notices_dir: Path, eforms_dir: Path
) -> None:
    settings, first = loaded
    before = _dump(settings)
    again = load_notices(settings, [notices_dir], eforms_dir=eforms_dir)
    assert all(r.already_loaded and r.loaded == 0 for r in again)
    assert [(r.read, r.quarantined) for r in again] == [(r.read, r.quarantined) for r in first]
    assert _dump(settings) == before


def test_same_notices_in_another_file_are_duplicates(
    loaded: tuple[Settings, list[NoticeFileReport]],
    notices_dir: Path,
    eforms_dir: Path,
    tmp_path: Path,
) -> None:
    settings, _ = loaded
    before = _dump(settings)
    source = notices_dir / "boamp" / "dila_xml_v230" / "test-pub-2.xml"
    copy = tmp_path / "copie.xml"
    copy.write_bytes(source.read_bytes() + b"\n")  # other bytes, same notice
    (report,) = load_notices(settings, [copy], eforms_dir=eforms_dir)
    assert (report.read, report.loaded, report.duplicates, report.already_loaded) == (
        1,
        0,
        1,
        False,
    )
    assert _dump(settings)[: len(before) - 1] == before[: len(before) - 1]


def test_corrigendum_moves_the_deadline(loaded: tuple[Settings, list[NoticeFileReport]]) -> None:
    settings, _ = loaded
    notice = NoticeStore(settings).get("ted:c4c415ee-ac08-4465-8fa6-57568cf69462-01")
    assert notice.deadline == datetime(2020, 6, 12, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    assert notice.change_history == ["ted:71397268-6c47-4f2f-8ab0-f41a26138f81-01"]
    con = sqlite3.connect(store_path(settings))
    row = con.execute(
        "SELECT deadline_utc, status FROM notices WHERE id = ?",
        ("ted:c4c415ee-ac08-4465-8fa6-57568cf69462-01",),
    ).fetchone()
    con.close()
    assert row == ("2020-06-12T11:00:00Z", "open")


def test_award_notice_closes_its_notice(loaded: tuple[Settings, list[NoticeFileReport]]) -> None:
    settings, _ = loaded
    store = NoticeStore(settings)
    ted = store.get("ted:da4d46e9-490b-41ff-a2ae-8166d356a619-01")
    assert (ted.status, ted.award_notice) == (
        "closed",
        "ted:df45f4d1-2208-47cb-bc7a-9c7edcf8d2b8-01",
    )
    boamp = store.get("boamp:16-652")  # awarded by test-attribution-8.xml (17-4742)
    assert (boamp.status, boamp.award_notice) == ("closed", "boamp:17-4742")


def test_change_loaded_before_its_notice_is_applied(
    tmp_path: Path, notices_dir: Path, eforms_dir: Path
) -> None:
    settings = Settings.resolve(tmp_path / "home")
    sdk = notices_dir / "ted_eforms" / "sdk_examples"
    load_notices(settings, [sdk / "change-cn_24_open_dates.xml"], eforms_dir=eforms_dir)
    load_notices(settings, [sdk / "cn_24_open.xml"], eforms_dir=eforms_dir)
    notice = NoticeStore(settings).get("ted:c4c415ee-ac08-4465-8fa6-57568cf69462-01")
    assert notice.deadline is not None and notice.deadline.month == 6


def test_notice_round_trips_through_json(
    loaded: tuple[Settings, list[NoticeFileReport]], boamp_xml_notice: object
) -> None:
    settings, _ = loaded
    assert callable(boamp_xml_notice)
    assert NoticeStore(settings).get("boamp:16-181902") == boamp_xml_notice("test-pub-2.xml")


def test_unknown_id(loaded: tuple[Settings, list[NoticeFileReport]]) -> None:
    settings, _ = loaded
    with pytest.raises(NoticeNotFoundError) as err:
        NoticeStore(settings).get("boamp:00-0")
    assert err.value.one_line() == (
        "aucun avis « boamp:00-0 » dans la base des avis. Donnez le numéro d'avis BOAMP "
        "(ex. boamp:26-7113) ou le numéro de publication TED (ex. ted:00047522-2024) ; "
        "cherchez-les avec « ancrage notice search »."
    )


def test_schema_is_versioned_and_not_created_by_reading(tmp_path: Path) -> None:
    settings = Settings.resolve(tmp_path / "empty")
    with pytest.raises(NoticeNotFoundError.__mro__[1]):
        NoticeStore(settings).get("boamp:1")
    assert not store_path(settings).exists()
    with NoticeStore(settings).writing() as con:
        assert con.execute("PRAGMA user_version").fetchone() == (5,)


def test_unknown_format_is_reported(tmp_path: Path) -> None:
    settings = Settings.resolve(tmp_path / "home")
    bad = tmp_path / "x.json"
    bad.write_text('{"a": 1}')
    (report,) = load_notices(settings, [bad])
    assert report.error is not None
    assert report.error.one_line() == (
        f"{bad}: format d'avis non reconnu. Formats lus : BOAMP JSON (Opendatasoft, API DILA), "
        "BOAMP XML (Boamp_v230), TED eForms XML."
    )


def test_readers_are_kept_per_thread_and_see_later_writes(tmp_path: Path) -> None:
    settings = Settings.resolve(tmp_path / "home")
    with NoticeStore(settings).writing():
        pass
    with NoticeStore(settings).reading() as first:
        assert first.execute("SELECT count(*) FROM notices").fetchone() == (0,)
    with NoticeStore(settings).reading() as again:
        assert again is first  # kept, not opened again
        with NoticeStore(settings).reading() as nested:  # in use: another one
            assert nested is not first
    with NoticeStore(settings).writing() as con:
        con.execute("UPDATE search_state SET generation = generation + 7")
    with NoticeStore(settings).reading() as later:
        assert later is first
        assert later.execute("SELECT generation FROM search_state").fetchone()[0] >= 7
    store_path(settings).unlink()  # another store at the same path: a new connection
    with NoticeStore(settings).writing():
        pass
    with NoticeStore(settings).reading() as other:
        assert other is not first
    found: list[sqlite3.Connection] = []

    def read() -> None:
        with NoticeStore(settings).reading() as con:
            found.append(con)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert found and found[0] is not other  # sqlite connections stay in their thread
