"""The tantivy index follows the SQLite store: loads keep it in step, and whenever the two
disagree (crash between the two commits, index deleted or from another store, a load that could
not take the index) it is rebuilt from the store, with a French note on the progress."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from notice_fixtures import Recorder

from ancrage.notices import boamp_xml
from ancrage.notices import index as index_module
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.index import (
    STATE_FILE,
    StoreState,
    index_dir,
    searcher,
    staleness,
)
from ancrage.notices.ingest import load_notices
from ancrage.notices.search import search
from ancrage.notices.store import NoticeStore, NoticeWriter, put_notice
from ancrage.settings import Settings

NOW = datetime(2026, 1, 15, tzinfo=UTC)
ODS = ("boamp", "ods_api_v2_1", "boamp-where-date_2026-01-21_fnsimple.json")
PUB_2 = ("boamp", "dila_xml_v230", "test-pub-2.xml")  # boamp:16-181902, « Cap Janet »



def _reason(settings: Settings) -> str | None:
    with NoticeStore(settings).reading() as con:
        return staleness(settings, StoreState.of(con))


def _indexed(settings: Settings) -> int:
    with NoticeStore(settings).reading() as con:
        return searcher(settings, con).num_docs


def _ids(settings: Settings, query: str, **kw: Any) -> list[str]:
    return [h.id for h in search(settings, query, now=NOW, **kw)]


@pytest.fixture
def ods_home(tmp_path: Path, notices_dir: Path) -> Settings:
    settings = Settings.resolve(tmp_path / "home")
    (report,) = load_notices(settings, [notices_dir.joinpath(*ODS)])
    assert report.loaded == 5
    return settings


def test_a_load_leaves_the_index_in_step(ods_home: Settings) -> None:
    assert _reason(ods_home) is None
    assert _indexed(ods_home) == 5
    assert _ids(ods_home, "menuiseries") == ["boamp:26-7319", "boamp:26-7113"]


def test_reloading_changes_nothing_in_the_index(ods_home: Settings, notices_dir: Path) -> None:
    path = index_dir(ods_home)
    before = {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}
    hits = search(ods_home, "travaux", now=NOW)
    (report,) = load_notices(ods_home, [notices_dir.joinpath(*ODS)])
    assert report.already_loaded
    copy = path.parent / "copie.json"  # the same notices in another file: duplicates
    copy.write_bytes(notices_dir.joinpath(*ODS).read_bytes() + b"\n")
    (report,) = load_notices(ods_home, [copy])
    assert (report.loaded, report.duplicates) == (0, 5)
    assert {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()} == before
    assert search(ods_home, "travaux", now=NOW) == hits


def test_a_corrigendum_updates_the_index_entry_of_its_notice(
    tmp_path: Path, notices_dir: Path, eforms_dir: Path
) -> None:
    settings = Settings.resolve(tmp_path / "home")
    sdk = notices_dir / "ted_eforms" / "sdk_examples"
    notice = "ted:c4c415ee-ac08-4465-8fa6-57568cf69462-01"
    load_notices(settings, [sdk / "cn_24_open.xml"], eforms_dir=eforms_dir)
    june = {"deadline_after": date(2020, 6, 1)}
    assert _ids(settings, "inspection") == [notice]
    assert _ids(settings, "inspection", **june) == []
    load_notices(settings, [sdk / "change-cn_24_open_dates.xml"], eforms_dir=eforms_dir)
    assert _reason(settings) is None  # kept in step, not rebuilt
    # the notice now has the corrigendum's deadline (12 June), and is found once
    found = _ids(settings, "inspection", **june)
    assert sorted(found) == sorted([notice, "ted:71397268-6c47-4f2f-8ab0-f41a26138f81-01"])
    assert _indexed(settings) == 2


def test_a_crash_between_the_two_commits_is_repaired_by_a_rebuild(
    ods_home: Settings, notices_dir: Path
) -> None:
    path = notices_dir.joinpath(*PUB_2)
    (notice,) = boamp_xml.read(path, NoticeReadContext(path=path))
    with NoticeStore(ods_home).writing() as con:  # the store is written, the index is not
        con.execute("BEGIN")
        assert put_notice(con, notice)
        con.execute("COMMIT")
    assert _reason(ods_home) == "index en retard sur la base"
    progress = Recorder()
    hits = search(ods_home, "Cap Janet", now=NOW, progress=progress)
    assert [h.id for h in hits] == ["boamp:16-181902"]
    assert progress.events == [
        (
            "start",
            "L'index de recherche ne correspond pas à la base des avis (index en retard sur la "
            "base) : reconstruction à partir des 6 avis de la base…",
            6,
        ),
        ("end",),
    ]
    assert _reason(ods_home) is None
    again = Recorder()
    assert _ids(ods_home, "Cap Janet") == ["boamp:16-181902"]
    search(ods_home, "menuiserie", progress=again)
    assert again.events == []  # rebuilt once


def test_a_deleted_index_is_rebuilt(ods_home: Settings) -> None:
    hits = search(ods_home, "travaux", now=NOW)
    shutil.rmtree(index_dir(ods_home))
    assert _reason(ods_home) == "index absent"
    assert search(ods_home, "travaux", now=NOW) == hits
    assert _reason(ods_home) is None


def test_the_index_of_another_store_is_not_used(
    ods_home: Settings, tmp_path: Path, notices_dir: Path
) -> None:
    other = Settings.resolve(tmp_path / "other")
    load_notices(other, [notices_dir.joinpath(*PUB_2)])
    shutil.rmtree(index_dir(ods_home))
    shutil.copytree(index_dir(other), index_dir(ods_home))
    assert _reason(ods_home) == "index d'une autre base"
    assert _ids(ods_home, "Cap Janet") == []
    assert _ids(ods_home, "menuiseries") == ["boamp:26-7319", "boamp:26-7113"]


def test_an_index_of_an_older_format_is_rebuilt(
    ods_home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "INDEX_FORMAT", index_module.INDEX_FORMAT + 1)
    assert _reason(ods_home) == "index d'un format ancien"
    assert _ids(ods_home, "menuiseries") == ["boamp:26-7319", "boamp:26-7113"]
    assert _reason(ods_home) is None


def test_a_load_into_a_stale_index_rebuilds_it_at_the_end(
    ods_home: Settings, notices_dir: Path
) -> None:
    shutil.rmtree(index_dir(ods_home))
    progress = Recorder()
    load_notices(ods_home, [notices_dir.joinpath(*PUB_2)], index_progress=progress)
    assert [e[0] for e in progress.events] == ["start", "end"]
    assert progress.events[0][2] == 6
    assert _reason(ods_home) is None
    assert _ids(ods_home, "Cap Janet") == ["boamp:16-181902"]


@pytest.mark.parametrize("commit_every", [100_000, 1])
def test_a_failed_file_leaves_the_index_as_the_store(
    ods_home: Settings, notices_dir: Path, monkeypatch: pytest.MonkeyPatch, commit_every: int
) -> None:
    """The notices of a file that fails are rolled back from the store and dropped by the
    index writer (with everything it had since its last commit: the notices of the files
    loaded before it are sent again, from the store), without a rebuild."""
    monkeypatch.setattr(index_module, "COMMIT_EVERY", commit_every)
    real_flush = NoticeWriter.flush
    before, bad, after = (
        notices_dir / "boamp" / "dila_xml_v230" / name
        for name in ("test-pub-3.xml", "test-pub-2.xml", "test-pub-4.xml")
    )

    def failing_flush(self: NoticeWriter) -> None:
        failing = any(file == str(bad) for _, _, _, file, _ in self._pending)
        real_flush(self)  # written in the store's transaction, sent to the index writer
        if failing:
            raise ValueError("bogue")

    monkeypatch.setattr(NoticeWriter, "flush", failing_flush)
    progress = Recorder()
    reports = load_notices(ods_home, [before, bad, after], index_progress=progress)
    assert [(r.loaded, r.error is None) for r in reports] == [(1, True), (0, False), (1, True)]
    assert reports[1].error is not None
    assert (
        reports[1]
        .error.one_line()
        .endswith("Rien n'a été chargé. Signalez le problème avec ce fichier.")
    )
    assert progress.events == []  # no rebuild
    assert _reason(ods_home) is None
    assert _indexed(ods_home) == 7
    assert _ids(ods_home, "Cap Janet") == []
    with NoticeStore(ods_home).reading() as con:
        loaded = con.execute(
            "SELECT id, json_extract(doc, '$.title') FROM notices WHERE file IN (?, ?)",
            (str(before), str(after)),
        ).fetchall()
    assert len(loaded) == 2
    for notice_id, title in loaded:  # sent again after the rollback (before), or after it
        assert notice_id in _ids(ods_home, title)


def test_while_another_process_writes_the_index(ods_home: Settings, notices_dir: Path) -> None:
    """A load that cannot take the index lock leaves the index behind; searches meanwhile use
    the index as it stands, and the first search after rebuilds it."""
    with index_module._locked(ods_home, wait=False) as mine:  # another process, say
        assert mine
        (report,) = load_notices(ods_home, [notices_dir.joinpath(*PUB_2)])
        assert report.loaded == 1
        assert _reason(ods_home) == "index en retard sur la base"
        assert _ids(ods_home, "Cap Janet") == []  # the index as it stands
        assert _ids(ods_home, "menuiseries") == ["boamp:26-7319", "boamp:26-7113"]
    assert _ids(ods_home, "Cap Janet") == ["boamp:16-181902"]
    assert _reason(ods_home) is None


def test_the_state_file_names_the_store_and_its_generation(ods_home: Settings) -> None:
    import orjson

    with NoticeStore(ods_home).reading() as con:
        state = StoreState.of(con)
    assert orjson.loads((index_dir(ods_home) / STATE_FILE).read_bytes()) == {
        "format": index_module.INDEX_FORMAT,
        "store": state.store,
        "generation": state.generation,
    }
    assert len(state.store) == 32
    assert state.generation == 1  # one batch of 5 notices
