"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real samples (``../shared/data``), read in place, never copied."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real samples not found at {SHARED_DATA}: clone beside shared/")
    return SHARED_DATA
