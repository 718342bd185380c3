"""One big file staged by two processes, each normalising its share: the same warehouse as one
process gives, to the last value."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ancrage.ingest.pipeline import FileReport, load_paths
from ancrage.model import TABLES
from ancrage.settings import Settings
from ancrage.synth.decp import generate_decp
from ancrage.warehouse import Warehouse

TODAY = dt.date(2026, 11, 23)


class Spy:
    """A progress listener that keeps what the pipeline said."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def start_file(self, name: str, total_bytes: int) -> None:
        self.started.append(name)

    def advance(self, bytes_done: int) -> None:
        pass

    def end_file(self) -> None:
        pass


def _tables(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    con = Warehouse(settings).connect()
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    finally:
        con.close()


def _dirty_file(tmp_path: Path, fmt: str) -> Path:
    """A generated file (with its duplicates) plus items that are not records and a record
    without a buyer, spread over several share blocks."""
    [path] = generate_decp(
        tmp_path / fmt, contracts=7_000, seed=3, formats=(fmt,), files_per_format=1
    )
    doc = json.loads(path.read_text())
    records = doc["marches"] if fmt == "decp-2019" else doc["marches"]["marche"]
    for pos in (10, 2_500, 4_100):
        records.insert(pos, 42)
    nameless = dict(records[3_000])
    nameless.pop("acheteur", None)
    records.insert(5_000, nameless)
    path.write_text(json.dumps(doc, ensure_ascii=False))
    return path


@pytest.mark.parametrize("fmt", ["decp-2019", "decp-2024"])
def test_two_shares_give_what_one_process_gives(tmp_path: Path, fmt: str) -> None:
    path = _dirty_file(tmp_path, fmt)
    alone = Settings.resolve(tmp_path / "alone")
    shared = Settings.resolve(tmp_path / "shared")
    one = load_paths(alone, [path], today=TODAY)
    spy = Spy()
    two = load_paths(shared, [path], today=TODAY, workers=2, progress=spy, parallel_min_bytes=0)
    assert one.errors == two.errors == []
    assert spy.started == ["1 fichier(s) (2 processus)"]  # the file was staged in shares

    def counts(r: FileReport) -> tuple[int, ...]:
        return (r.read, r.loaded, r.repaired, r.quarantined, r.duplicates)

    [a], [b] = one.reports, two.reports
    assert counts(a) == counts(b)
    assert a.read == a.loaded + a.quarantined + a.duplicates
    assert a.quarantined == 4 and a.duplicates > 0  # 3 numbers, 1 record without a buyer
    assert _tables(alone) == _tables(shared)


def test_a_format_without_shares_loads_in_one_process(tmp_path: Path, shared_data: Path) -> None:
    path = shared_data / "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
    spy = Spy()
    result = load_paths(
        Settings.resolve(tmp_path),
        [path],
        today=TODAY,
        workers=2,
        progress=spy,
        parallel_min_bytes=0,
    )
    assert result.errors == []
    assert spy.started == [path.name]  # staged in this process, as a whole
    [report] = result.reports
    assert report.read == 5180


def test_small_files_are_staged_in_this_process(tmp_path: Path, shared_data: Path) -> None:
    """Worker processes take longer to start than a few MB take to load."""
    path = shared_data / "decp/v1_2019/data.gouv.fr_aife.json"
    spy = Spy()
    result = load_paths(Settings.resolve(tmp_path), [path], today=TODAY, workers=2, progress=spy)
    assert result.errors == []
    assert spy.started == [path.name]


def test_a_format_without_shares_cannot_be_staged_in_shares(
    tmp_path: Path, shared_data: Path
) -> None:
    """Each share would yield every record: the file would be counted twice."""
    from ancrage.ingest.pipeline import _stage
    from ancrage.sources.registry import by_name

    path = shared_data / "decp/v2_2024/official_examples_xml/Marche.xml"
    with pytest.raises(ValueError, match="decp-2024-xml cannot be read in shares"):
        _stage(by_name("decp-2024-xml"), path, "f", tmp_path, None, TODAY, share=(0, 2))
    assert list(tmp_path.iterdir()) == []  # refused before any staging file was opened
