"""While a load holds the warehouse (another process writing), computed observatory pages are
still served and the others say « occupé » (503 with Retry-After), never an internal error."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ancrage.errors import WarehouseBusyError, WarehouseError
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse
from ancrage.web.problems import status_of

HOLD = """
import sys, time
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse
with Warehouse(Settings.resolve(sys.argv[1])).writing():
    print("held", flush=True)
    time.sleep(60)
"""


def test_busy_warehouse(client: TestClient, web_home: Settings) -> None:
    assert client.get("/observatoire", params={"territoire": "dep:86"}).status_code == 200
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(web_home.home)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        cached = client.get("/observatoire", params={"territoire": "dep:86"})
        assert cached.status_code == 200 and "Vienne" in cached.text
        busy = client.get("/api/v1/contracts", params={"limit": 1})
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "60"
        assert busy.json()["detail"].startswith("L'entrepôt est occupé")
        page = client.get("/marches")
        assert page.status_code == 503 and "occupé" in page.text
    finally:
        holder.kill()
        holder.wait(10)
        assert holder.stdout is not None
        holder.stdout.close()
    time.sleep(0.2)
    assert client.get("/api/v1/contracts", params={"limit": 1}).status_code == 200


def test_a_busy_warehouse_is_its_own_error_class(tmp_path: Path) -> None:
    """The writer lock found held raises :class:`WarehouseBusyError` (exit 3, as every
    warehouse error); the web maps the class to 503, whatever its wording."""
    settings = Settings.resolve(tmp_path / "home")
    with (
        Warehouse(settings).writing(),
        pytest.raises(WarehouseBusyError) as held,
        Warehouse(settings).writing(),
    ):
        pass
    assert held.value.exit_code == 3
    assert held.value.message.startswith("l'entrepôt est occupé par un autre processus : ")
    assert status_of(held.value) == 503
    assert status_of(WarehouseBusyError("pris", hint="Plus tard.")) == 503
    assert status_of(WarehouseError("l'entrepôt est occupé")) == 404  # the class, not the text
