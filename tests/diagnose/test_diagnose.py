"""The diagnostic on the real samples: hand-checked values from the tabular CSV."""

from __future__ import annotations

import math

import pytest

from ancrage.diagnose import Scope, build_scope, diagnose, indicator_tables
from ancrage.diagnose.scope import parse_years
from ancrage.errors import ConfigError
from ancrage.geo import TerritoryError
from ancrage.indicators import registry


def test_dep74_totals_rings_competition(tabular_home) -> None:
    d = diagnose(tabular_home, build_scope(territory="dep:74"))
    # CSV: 179 distinct uid and 52 distinct acheteur_id with acheteur_departement_code 74
    assert d.totals.contracts == 179
    assert d.totals.buyers == 52
    # CSV: 51 uid have a row with offresRecues = 1, 3 of them also rows with more offers
    # (modification rows); the canonical version keeps 1 offer on 50 of the 179 contracts
    assert d.competition.single_offer_share.value == pytest.approx(50 / 179)
    assert d.competition.single_offer_share.base == 179
    # 223 contract × supplier rows: 137 in dep 74, 85 elsewhere, 1 without département
    by_count = d.locality.by_count
    assert by_count.departement.value == pytest.approx(137 / 223)
    assert by_count.france.value == pytest.approx(85 / 223)
    assert by_count.unknown.value == pytest.approx(1 / 223)
    for shares in (d.locality.by_amount, d.locality.by_count):
        assert [ring for ring, _ in shares.items()] == [
            "commune",
            "epci",
            "departement",
            "region",
            "france",
            "abroad",
            "unknown",
        ]
        assert math.isclose(sum(s.value or 0.0 for _, s in shares.items()), 1.0)
        assert {s.base for _, s in shares.items()} == {223}
    assert d.fictitious is False
    assert d.scope.territory is not None and d.scope.territory.code == "74"


def test_considerations_on_2024_files(all_home) -> None:
    d = diagnose(all_home, Scope(years=(2024, 2024)))
    env = d.considerations.environmental
    # 8 marchés (and 4 concessions, apart) of 2024 JSON/XML files declare considerations; the
    # tabular ones do not
    assert env.reported == 8
    assert env.contracts == d.totals.contracts
    assert "8 contrats" in env.note
    assert env.share_contracts.base == 8


def test_benchmark_and_separate_frameworks(all_home) -> None:
    d = diagnose(all_home, Scope(years=(2018, 2019), frameworks="separate"), reference="france")
    assert d.benchmark is not None and d.frameworks is not None
    assert d.benchmark.totals.contracts == d.totals.contracts
    assert d.frameworks.totals.contracts > 0


def test_empty_scope_and_all_breakdowns(tabular_home) -> None:
    tables = indicator_tables(tabular_home, Scope(years=(1990, 1990)))
    for ind in registry().values():
        assert ind.id in tables
        for b in ind.breakdowns:
            assert f"{ind.id}__by_{b}" in tables
    assert tables["volume"][0]["contracts"] == 0
    full = indicator_tables(tabular_home, Scope())
    assert full["volume"][0]["contracts"] == 5180


def test_errors() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_years("2024-2022")
    assert exc.value.one_line() == (
        "années invalides « 2024-2022 ». Donnez une année (2024) ou une période (2022-2024)."
    )
    with pytest.raises(TerritoryError):
        build_scope(territory="dep:999")


def test_golden_dep74(tabular_home, request) -> None:
    """The whole diagnostic of dep:74 on the tabular sample; UPDATE_GOLDEN=1 rewrites it."""
    import difflib
    import os
    from pathlib import Path

    import orjson

    golden = Path(__file__).with_name("golden_dep74.json")
    data = diagnose(tabular_home, build_scope(territory="dep:74"), reference="region")
    text = (
        orjson.dumps(
            _rounded(data.as_json()), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
        ).decode()
        + "\n"
    )
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    if text != expected:
        diff = "\n".join(
            difflib.unified_diff(
                expected.splitlines(), text.splitlines(), "golden", "actual", lineterm="", n=2
            )
        )
        pytest.fail(f"diagnostic differs from {golden.name}:\n{diff}")


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def test_leakage_counts_local_establishments(tabular_home, tmp_path) -> None:
    """With an establishments table, trades of the territory are counted per segment."""
    import shutil

    import duckdb

    from ancrage.settings import Settings

    home = Settings.resolve(tmp_path / "home")
    shutil.copytree(tabular_home.home, home.home)
    path = home.warehouse_dir / "enriched" / "establishments.parquet"
    duckdb.sql(
        "SELECT * FROM (VALUES ('1', '43.22A', '74'), ('2', '43.22A', '74'),"
        " ('3', '43.22A', '73'), ('4', '56.10A', '74')) t(siret, naf, departement)"
    ).write_parquet(str(path))
    d = diagnose(home, build_scope(territory="dep:74"))
    (seg,) = d.segments
    assert seg.segment_id == "travaux-batiment"
    assert seg.local_establishments == 2  # plumbers of dep 74 (43.22A → CPV 4533)
    # the leaving share is of the located amount: France / (everything but unknown)
    located = 1 - (d.locality.by_amount.unknown.value or 0.0)
    assert seg.leaving_share.value == pytest.approx(d.locality.by_amount.france.value / located)


def test_fictitious_flag(tmp_path) -> None:
    from ancrage.ingest.pipeline import load_paths
    from ancrage.settings import Settings
    from ancrage.synth.decp import generate_decp

    home = Settings.resolve(tmp_path / "home")
    paths = generate_decp(tmp_path / "data", contracts=50, seed=0)
    assert not load_paths(home, paths).errors
    d = diagnose(home, Scope())
    assert d.fictitious is True
    assert d.quality.synthetic_files == len(paths)


def test_scope_filters(tabular_home, all_home) -> None:
    """Counts read from the CSV: 5,178 uid with codeCPV 4521…, 137 for
    buyer 75920075100130; 17 concessions among all samples (13 in 2019 files, 4 in 2024)."""

    def contracts(settings, **kw) -> int:
        return diagnose(settings, build_scope(**kw)).totals.contracts

    assert contracts(tabular_home, keep_cpv="4521") == 5178
    # 4,479 uid never have a 45211… row; 13 uid mix 45211… and other CPVs across their rows
    # (modification rows): the canonical version of 8 of them is outside 45211
    assert contracts(tabular_home, keep_cpv="4521", exclude_cpv="45211") == 4479 + 8
    assert contracts(tabular_home, buyers="75920075100130") == 137
    assert contracts(tabular_home, buyers="759200751") == 137
    assert contracts(all_home, kind="concession") == 17
