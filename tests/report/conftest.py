"""Warehouses for the report: the tabular DECP sample enriched with the real pipeline (COG +
La Poste points, no SIRENE), and a small fictitious one (not enriched)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ancrage.diagnose import build_scope
from ancrage.enrich import enrich
from ancrage.ingest.pipeline import load_paths
from ancrage.report import Report, build_report
from ancrage.settings import Settings
from ancrage.synth.decp import generate_decp

TABULAR = "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
POSTAL = "geo/laposte_hexasmal_2022.csv"


@pytest.fixture(scope="session")
def postal_base(shared_data: Path) -> Path:
    return shared_data / POSTAL


@pytest.fixture(scope="session")
def enriched_home(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path, postal_base: Path
) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("report"))
    assert not load_paths(settings, [shared_data / TABULAR]).errors
    enrich(settings, postal_base_dir=postal_base)
    return settings


@pytest.fixture(scope="session")
def report_74(enriched_home: Settings, postal_base: Path) -> Report:
    return build_report(
        enriched_home,
        build_scope(territory="dep:74"),
        reference="region",
        postal_base=postal_base,
    )


@pytest.fixture(scope="session")
def synthetic_home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("report-synth")
    settings = Settings.resolve(base / "home")
    paths = generate_decp(base / "data", contracts=200, seed=3)
    assert not load_paths(settings, paths).errors
    return settings
