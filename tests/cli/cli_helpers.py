"""Running ``ancrage`` as a user does: a separate process, its own data home, a wide terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``ancrage ARGS`` (``python -m ancrage``), with ``ANCRAGE_HOME`` set to ``home`` if given."""
    env = {**os.environ, "COLUMNS": "300"}
    if home is not None:
        env["ANCRAGE_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "ancrage", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
