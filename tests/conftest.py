"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline: CI machines are shared and timing is not what these tests check
# (performance is measured by benchmarks/, never by unit tests).
settings.register_profile("ancrage", deadline=None)
settings.load_profile("ancrage")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real samples (``../shared/data``), read in place, never copied."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real samples not found at {SHARED_DATA}: clone beside shared/")
    return SHARED_DATA
