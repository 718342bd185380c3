"""Settings of the web application, resolved once at start (environment > defaults)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ancrage.errors import ConfigError
from ancrage.settings import Settings, public_url

DATABASE_URL_ENV = "ANCRAGE_DATABASE_URL"
LEGACY_DB_URL_ENV = "ANCRAGE_DB_URL"  # the watch commands' variable, accepted too
SECRET_ENV = "ANCRAGE_SECRET_KEY"
INSECURE_ENV = "ANCRAGE_INSECURE_COOKIES"
SECRET_FILE = "web-secret"
THREADS_ENV = "ANCRAGE_WEB_THREADS"
MAX_THREADS = 1000


@dataclass(frozen=True)
class WebConfig:
    """What the application needs beyond the data home."""

    settings: Settings
    database_url: str
    public_url: str | None
    secret_key: str
    secure_cookies: bool = True
    signin_max_failures: int = 5  # per e-mail address within the window
    signin_max_failures_ip: int = 20  # per client address within the window
    signin_window_s: int = 900
    session_days: int = 14
    signup_open: bool = True
    # threads of a server process that run page and API handlers at once (None: the default of
    # anyio, 40); fewer make a saturated server answer in arrival order (see docs/web.md)
    threads: int | None = None

    @classmethod
    def resolve(cls, settings: Settings, *, database_url: str | None = None) -> WebConfig:
        env = os.environ
        url = (
            database_url
            or env.get(DATABASE_URL_ENV)
            or env.get(LEGACY_DB_URL_ENV)
            or f"sqlite:///{settings.home / 'app.sqlite'}"
        )
        public = public_url()
        insecure = env.get(INSECURE_ENV) == "1" or (
            public is not None and public.startswith("http://")
        )
        return cls(
            settings=settings,
            database_url=url,
            public_url=public,
            secret_key=env.get(SECRET_ENV) or _stored_secret(settings),
            secure_cookies=not insecure,
            threads=_threads(env.get(THREADS_ENV, "").strip()),
        )

    def link(self, path: str) -> str:
        """An absolute link for e-mails when a public address is set, else the path."""
        return f"{self.public_url}{path}" if self.public_url else path


def _threads(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_THREADS:
        raise ConfigError(
            f"nombre de fils d'exécution illisible : {raw!r}",
            hint=f"Donnez à {THREADS_ENV} un nombre de 1 à {MAX_THREADS}, ex. 4"
            " (sans valeur : 40).",
        )
    return int(raw)


def _stored_secret(settings: Settings) -> str:
    """A random key kept in the data home (created on first start, readable by its owner)."""
    path: Path = settings.home / SECRET_FILE
    if path.exists():
        return path.read_text("utf-8").strip()
    settings.ensure()
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    return key
