"""A load analyses the text of its index documents in a helper process (``_Analysis``): the
documents sent to the index writer, and their order (an update is a delete then an add), are
exactly those of the analysis done in the load's own process, whether the helper runs, cannot
be started or dies; and a load through the helper searches exactly like one analysing its
text itself."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ancrage.notices import index as index_module
from ancrage.notices.analysis import analyse_texts, notice_texts
from ancrage.notices.index import IndexSink, TextEntry, _Analysis, _document, seconds
from ancrage.notices.ingest import load_notices
from ancrage.notices.model import Notice, cpv_codes, departements, status_of
from ancrage.notices.search import search
from ancrage.settings import Settings

NOW = datetime(2026, 1, 15, tzinfo=UTC)


class Writer:
    """Keeps what an index writer is given."""

    def __init__(self) -> None:
        self.ops: list[tuple[Any, ...]] = []

    def delete_documents_by_term(self, field: str, value: int) -> None:
        self.ops.append(("delete", field, value))

    def add_document(self, doc: Any) -> None:
        self.ops.append(("add", doc.to_dict()))


@pytest.fixture(scope="module")
def entries(samples: list[Notice]) -> list[TextEntry]:
    """The index documents of every sample, before analysis; one in three is an update."""
    return [
        TextEntry(
            rowid,
            *notice_texts(n),
            cpv_codes(n),
            departements(n),
            status_of(n),
            seconds(n.deadline),
            rowid % 3 == 0,
        )
        for rowid, n in enumerate(samples, start=1)
    ]


def _expected(entries: list[TextEntry]) -> list[tuple[Any, ...]]:
    """What the writer gets when each document is analysed at once, in this process."""
    ops: list[tuple[Any, ...]] = []
    for entry in entries:
        sink = IndexSink()
        sink.put_texts(entry)
        if entry.replaced:
            ops.append(("delete", "rowid", entry.rowid))
        ops.append(("add", _document(sink.entries[entry.rowid]).to_dict()))
    return ops


def _analyse_all(entries: list[TextEntry]) -> tuple[bool, bool, list[tuple[Any, ...]]]:
    """Give every entry to an analysis and drain it: whether it started a helper process,
    whether that helper was still usable at the end, and what the writer got."""
    writer = Writer()
    analysis = _Analysis(writer)  # type: ignore[arg-type]
    for entry in entries:
        analysis.put(entry)
    analysis.drain()
    started, usable = analysis._pool is not None, analysis._usable
    analysis.close()
    return started, usable, writer.ops


def _no_process(*args: Any, **kwargs: Any) -> None:
    raise OSError("no processes here")


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "ANALYSIS_BATCH", 4)
    monkeypatch.setattr(index_module, "ANALYSIS_AHEAD", 2)


def test_the_helper_process_sends_what_analysing_here_sends(
    entries: list[TextEntry], small_batches: None
) -> None:
    assert len(entries) > 3 * 4  # several batches through the helper
    started, usable, ops = _analyse_all(entries)
    assert started and usable  # the helper did the work
    assert ops == _expected(entries)
    assert len([op for op in ops if op[0] == "add"]) == len(entries)


class _DeadPool:
    """A process pool whose helper died: every batch fails."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.submitted = 0

    def submit(self, fn: Any, *args: Any) -> Future[list[str]]:
        self.submitted += 1
        future: Future[list[str]] = Future()
        future.set_exception(BrokenProcessPool("helper died"))
        return future

    def shutdown(self, **kwargs: Any) -> None:
        pass


@pytest.mark.parametrize("pool", [_no_process, _DeadPool], ids=["no-process", "dead-helper"])
def test_without_a_working_helper_the_load_analyses_itself(
    entries: list[TextEntry], small_batches: None, monkeypatch: pytest.MonkeyPatch, pool: Any
) -> None:
    """No helper process can be started, or it dies: no document is lost."""
    monkeypatch.setattr(index_module, "ProcessPoolExecutor", pool)
    _, usable, ops = _analyse_all(entries)
    assert not usable
    assert ops == _expected(entries)


def test_discarded_documents_are_not_sent(entries: list[TextEntry], small_batches: None) -> None:
    writer = Writer()
    analysis = _Analysis(writer)  # type: ignore[arg-type]
    for entry in entries[:6]:  # one batch given to the helper, two documents waiting
        analysis.put(entry)
    analysis.discard()
    analysis.drain()
    analysis.close()
    first = _expected(entries[:4])
    assert writer.ops in ([], first)  # the first batch only if it was sent before discard


def test_analyse_texts_is_analyse_of_each(entries: list[TextEntry]) -> None:
    texts = [t for e in entries for t in (e.title, e.body)]
    sink = IndexSink()
    for entry in entries:
        sink.put_texts(entry)
    analysed = analyse_texts(texts)
    assert analysed[0::2] == [sink.entries[e.rowid]["title"] for e in entries]
    assert analysed[1::2] == [sink.entries[e.rowid]["body"] for e in entries]


@pytest.mark.parametrize(
    ("query", "kw"),
    [
        ("travaux", {}),
        ("menuiseries", {}),
        ("services", {"cpv": "7"}),
        ("travaux", {"territory": "dep:13", "open_only": True}),
        ("marche public travaux", {}),
    ],
)
def test_a_load_through_the_helper_searches_like_one_without(
    tmp_path: Path,
    notices_dir: Path,
    eforms_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    kw: dict[str, Any],
) -> None:
    monkeypatch.setattr(index_module, "ANALYSIS_BATCH", 3)
    helped = Settings.resolve(tmp_path / "helped")
    load_notices(helped, [notices_dir], eforms_dir=eforms_dir)
    monkeypatch.setattr(index_module, "ProcessPoolExecutor", _no_process)
    plain = Settings.resolve(tmp_path / "plain")  # every text analysed in this process
    load_notices(plain, [notices_dir], eforms_dir=eforms_dir)
    got = search(helped, query, now=NOW, **kw)
    assert got == search(plain, query, now=NOW, **kw)
    if not kw:
        assert got != []


def test_a_script_without_main_guard_is_not_run_again_by_the_helper(
    tmp_path: Path, notices_dir: Path, eforms_dir: Path
) -> None:
    """``spawn`` runs the main script again in the new process unless it is hidden: this
    script, without ``if __name__ == "__main__":``, would then load a second time."""
    runs = tmp_path / "runs.txt"
    script = tmp_path / "load.py"
    script.write_text(
        "from pathlib import Path\n"
        "from ancrage.notices import index\n"
        "from ancrage.notices.ingest import load_notices\n"
        "from ancrage.settings import Settings\n"
        f"with open({str(runs)!r}, 'a') as fh:\n"
        "    fh.write('run\\n')\n"
        "index.ANALYSIS_BATCH = 2\n"
        "helped = []\n"
        "close = index._Analysis.close\n"
        "def recording_close(self):\n"
        "    helped.append(self._pool is not None and self._usable)\n"
        "    close(self)\n"
        "index._Analysis.close = recording_close\n"
        f"load_notices(Settings.resolve(Path({str(tmp_path / 'home')!r})), "
        f"[Path({str(notices_dir)!r})], eforms_dir=Path({str(eforms_dir)!r}))\n"
        "assert helped == [True], helped\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert runs.read_text(encoding="utf-8") == "run\n"
    assert search(Settings.resolve(tmp_path / "home"), "travaux", now=NOW) != []
