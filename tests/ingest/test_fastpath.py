"""The column fast path against the Python normalisers it stands in for: same values, same repair
and quarantine logs, on every real sample, on generated files and on hypothesis-generated values
and records."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ancrage.ingest import fastpath
from ancrage.ingest import values as V
from ancrage.ingest.normalise import Normaliser
from ancrage.ingest.pipeline import BATCH_SIZE, load_paths
from ancrage.model import TABLES
from ancrage.settings import Settings
from ancrage.sources.base import RawContract, ReadContext
from ancrage.sources.registry import detect
from ancrage.synth.decp import generate_decp
from ancrage.warehouse import Warehouse
from tests.ingest.test_normalise import record
from tests.ingest.test_pipeline import SAMPLES

TODAY = dt.date(2026, 11, 23)

# the characters that decide: whitespace of every kind, dots, digits, mojibake markers, U+FFFD
_PIECES = [
    " ", "  ", "\t", "\n", "\u00a0", "\u2009", "\u3000", "\x1c", "\x85", ".", "-", "0", "7",
    "\u0663", "²", "a", "É", "Ã", "Â", "â€", "Å", "Ð", "\ufffd", "NC", "N/A", "sans objet",
    "Travaux de voirie", "marché", "2019-0042",
]  # fmt: skip
_LONG = "Travaux de voirie de la commune 2019-0042"
texts = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=12).map("".join),
    # a long clean value with one piece put in anywhere (a double space, a lost accent…)
    st.tuples(st.integers(0, len(_LONG)), st.sampled_from(_PIECES)).map(
        lambda at: _LONG[: at[0]] + at[1] + _LONG[at[0] :]
    ),
    st.tuples(st.integers(0, 30), st.sampled_from(_PIECES)).map(
        lambda at: _LONG.replace(" ", "")[: at[0]] + at[1] + _LONG.replace(" ", "")[at[0] :]
    ),
)
column = st.lists(
    st.one_of(
        texts,
        st.text(max_size=30),
        st.none(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=True),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
    ),
    max_size=40,
)


def _as_fixed(kinds: Any, raws: list[Any]) -> list[tuple[Any, str | None]]:
    out = []
    for kind, raw in zip(kinds.tolist(), raws, strict=True):
        if kind == fastpath.CLEAN:
            out.append((raw, None))
        elif kind == fastpath.UNREPAIRABLE:
            out.append((raw, "text_unrepairable"))
        else:
            out.append(("residue",))
    return out


@settings(max_examples=400)
@given(column)
def test_text_classed_clean_is_what_text_gives_back(raws: list[Any]) -> None:
    kinds = fastpath.text_kinds(raws)
    if kinds is None:
        assert not any(type(r) is str for r in raws)
        return
    for raw, fixed in zip(raws, _as_fixed(kinds, raws), strict=True):
        if fixed != ("residue",):
            assert V.text(raw) == fixed, raw


@settings(max_examples=400)
@given(column)
def test_identifiers_classed_clean_are_what_identifier_gives_back(raws: list[Any]) -> None:
    kinds = fastpath.identifier_kinds(raws)
    if kinds is None:
        return
    for raw, fixed in zip(raws, _as_fixed(kinds, raws), strict=True):
        if fixed != ("residue",):
            assert V.identifier(raw) == fixed, raw


@settings(max_examples=300)
@given(column)
def test_numbers_taken_whole_are_what_the_normalisers_give(raws: list[Any]) -> None:
    for whole, fn in ((fastpath.numbers, V.number), (fastpath.integers, V.integer)):
        values = whole(raws)
        if values is not None:
            assert [(v, None) for v in values] == [fn(r) for r in raws]


def test_the_fast_path_sends_dirty_text_to_the_normaliser() -> None:
    """Not a test that cannot fail by doing nothing: clean text is classed clean."""
    raws = [
        "Travaux de voirie de la commune de Poitiers",
        "Travaux  de voirie de la commune de Poitiers",
        "Travaux de voirie de la commune de Poitiers ",
        "Travaux de voirie \ufffd la commune de Poitiers",
        "Ã©tudes de la commune de Poitiers en 2019",
        "NC",
        None,
        12,
    ]
    kinds = fastpath.text_kinds(raws)
    assert kinds is not None
    assert kinds.tolist() == [0, 2, 2, 1, 2, 2, 0, 2]
    ids = fastpath.identifier_kinds(["2019-0042", "2019 0042", "2019.42", "ABC", None, 7])
    assert ids is not None
    assert ids.tolist() == [0, 2, 2, 2, 0, 2]


def test_the_whitespace_class_is_python_s() -> None:
    """OTHER_SPACES + the space are what str.isspace says, over every code point Arrow can hold
    (surrogates are not text for Arrow, nor whitespace for Python)."""
    points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    chars = pa.array([chr(c) for c in points], type=pa.string())
    matched = pc.match_substring_regex(chars, f"^[ {fastpath.OTHER_SPACES}]$").to_pylist()
    assert [chr(c) for c, m in zip(points, matched, strict=True) if m] == [
        chr(c) for c in points if chr(c).isspace()
    ]


def test_a_lone_surrogate_goes_through_the_python_path() -> None:
    raws: list[dict[str, Any]] = [
        {"ref": f"marches[{i}]", "kind": "marche", "id": f"2019-{i}", "object": obj,
         "buyer": {"id": "21860194800019"}}
        for i, obj in enumerate(["Travaux de voirie \ud800 de la commune", "Travaux  de voirie"])
    ]  # fmt: skip
    assert fastpath.text_kinds([r["object"] for r in raws]) is None
    out = []
    for fast in (False, True):
        norm = Normaliser("file", "decp-2019", "f.json", today=TODAY, fast=fast)
        assert norm.add_batch(0, [RawContract(**raw) for raw in raws]) == 2  # type: ignore[typeddict-item]
        out.append(norm.drain())
    assert out[0] == out[1]


def _normalised(path: Path, *, fast: bool) -> dict[str, list[dict[str, Any]]]:
    """A file read and normalised as the pipeline does (batches), every table as rows."""
    source = detect(path)
    norm = Normaliser("file", source.name, path.name, today=TODAY, fast=fast)
    ctx = ReadContext(path)
    batch: list[RawContract] = []
    for raw in source.read(path, ctx):
        batch.append(raw)
        if len(batch) == BATCH_SIZE:
            norm.add_batch(0, batch)  # positions as in a file read in one process
            batch = []
    norm.add_batch(0, batch)
    for rej in ctx.rejections:
        norm.reject(rej.ref, rej.record_id, rej.field, rej.raw_value, rej.reason)
    return norm.drain()


def _assert_same(path: Path) -> None:
    slow, fast = _normalised(path, fast=False), _normalised(path, fast=True)
    assert slow.keys() == fast.keys()
    for table in slow:
        assert fast[table] == slow[table], table  # same rows in the same order


@pytest.mark.parametrize("rel", list(SAMPLES))
def test_fast_path_gives_the_same_tables_and_logs_on_every_real_sample(
    shared_data: Path, rel: str
) -> None:
    _assert_same(shared_data / "decp" / rel)


def test_the_real_2019_sample_takes_the_fast_path(shared_data: Path) -> None:
    """The real sample does exercise the fast path (its objects are clean or hold U+FFFD)."""
    path = shared_data / "decp" / "v1_2019" / "data.gouv.fr_aife.json"
    source = detect(path)
    objects = [raw.get("object") for raw in source.read(path, ReadContext(path))]
    kinds = fastpath.text_kinds(objects)
    assert kinds is not None
    counts = [int((kinds == k).sum()) for k in (0, 1, 2)]
    assert counts[0] > 1000 and counts[1] > 1000, counts


@pytest.mark.parametrize("fmt", ["decp-2019", "decp-2024"])
def test_fast_path_gives_the_same_tables_and_logs_on_a_generated_file(
    tmp_path: Path, fmt: str
) -> None:
    [path] = generate_decp(tmp_path, contracts=5_000, seed=7, formats=(fmt,))
    _assert_same(path)


@settings(max_examples=150)
@given(st.lists(record, min_size=1, max_size=8))
def test_fast_path_gives_the_same_rows_on_any_records(raws: list[dict[str, Any]]) -> None:
    out = []
    for fast in (False, True):
        norm = Normaliser("file", "decp-2019", "f.json", today=TODAY, fast=fast)
        norm.add_batch(0, [RawContract(**raw) for raw in raws])  # type: ignore[typeddict-item]
        out.append(norm.drain())
    assert out[0] == out[1]


def _tables(settings_: Settings) -> dict[str, list[tuple[Any, ...]]]:
    con = Warehouse(settings_).connect()
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    finally:
        con.close()


def test_the_warehouse_is_the_same_either_way(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [shared_data / "decp" / rel for rel in SAMPLES]
    got = []
    for fast in (False, True):
        monkeypatch.setattr("ancrage.ingest.normalise.FAST_PATH", fast)
        home = Settings.resolve(tmp_path / f"home-{fast}")
        result = load_paths(home, paths, today=TODAY)
        assert result.errors == []
        got.append(_tables(home))
    assert got[0] == got[1]
    assert len(got[0]["contracts"]) > 5_000


@pytest.mark.parametrize(("value", "fast"), [("0", False), ("1", True), (None, True)])
def test_the_environment_chooses_the_path_of_worker_processes(
    value: str | None, fast: bool
) -> None:
    """Worker processes are spawned: they take the path from the environment."""
    env = {k: v for k, v in os.environ.items() if k != "ANCRAGE_INGEST_FAST_PATH"}
    if value is not None:
        env["ANCRAGE_INGEST_FAST_PATH"] = value
    code = "from ancrage.ingest.normalise import Normaliser; print(Normaliser('f', 'x', 'y').fast)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(fast)
