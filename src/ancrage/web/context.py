"""What every request handler shares: settings, the application database, the clock, caches."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine

from ancrage.geo.radius import Locator
from ancrage.notices.model import Notice
from ancrage.settings import Settings
from ancrage.web.config import WebConfig
from ancrage.web.db import open_app_db
from ancrage.web.observatory import ReportCache


@dataclass
class Context:
    config: WebConfig
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    siret_lookup: Any = None  # ancrage.watch.profiles.SiretLookup, or None (manual entry)
    _engine: Engine | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    caches: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.config.settings

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = open_app_db(self.config)
            return self._engine

    @property
    def reports(self) -> ReportCache:
        with self._lock:
            if "reports" not in self.caches:
                self.caches["reports"] = ReportCache(self.config.settings)
            cache: ReportCache = self.caches["reports"]
            return cache

    @property
    def locator(self) -> Locator:
        with self._lock:
            if "locator" not in self.caches:
                self.caches["locator"] = Locator.for_settings(self.config.settings)
            found: Locator = self.caches["locator"]
            return found

    def open_notices(self) -> list[Notice]:
        """The calls of the notice store still open at :meth:`now` (read again when the store
        changes; a call whose deadline has passed since is left out)."""
        from ancrage.watch.runner import open_call

        now = self.now()
        return [n for n in self._open_notices() if open_call(n, now)]

    def _open_notices(self) -> list[Notice]:
        from ancrage.notices.store import store_path
        from ancrage.watch.runner import open_notices

        path = store_path(self.config.settings)
        if not path.exists():
            return []
        wal = path.with_name(path.name + "-wal")
        version = (path.stat().st_mtime, wal.stat().st_mtime if wal.exists() else 0.0)
        cached = self.caches.get("open_notices")
        if cached is not None and cached[0] == version:
            notices: list[Notice] = cached[1]
            return notices
        notices = open_notices(self.config.settings)
        self.caches["open_notices"] = (version, notices)
        return notices

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.now().date()
