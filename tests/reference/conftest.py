"""Fixtures for the reference tests: the real nomenclatures read in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from ancrage.reference.cpv import CpvNomenclature, load_cpv


@pytest.fixture(scope="session")
def cpv_dir(shared_data: Path) -> Path:
    return shared_data / "nomenclatures" / "cpv"


@pytest.fixture(scope="session")
def cpv(cpv_dir: Path) -> CpvNomenclature:
    return load_cpv(cpv_dir)
