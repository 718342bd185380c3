"""Fixtures of the geography tests: the shipped COG and the shared samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from ancrage.geo import Geography


@pytest.fixture(scope="session")
def cog_dir(shared_data: Path) -> Path:
    return shared_data / "geo" / "decoupage-administratif-6.0.0"


@pytest.fixture(scope="session")
def postal_base(shared_data: Path) -> Path:
    return shared_data / "geo" / "laposte_hexasmal_2022.csv"


@pytest.fixture(scope="session")
def geo(postal_base: Path) -> Geography:
    """The shipped COG, with La Poste's 2022 points from the shared sample."""
    return Geography(postal_base=postal_base)
