"""Settings resolved once, at the entry point (env > defaults). No import-time side effects."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ancrage.errors import ConfigError

HOME_ENV = "ANCRAGE_HOME"
PUBLIC_URL_ENV = "ANCRAGE_PUBLIC_URL"
MEMORY_ENV = "ANCRAGE_MEMORY_LIMIT"
SEARCH_MEMO_ENV = "ANCRAGE_SEARCH_MEMO"
# Pages of notice-search rankings a process keeps (the same words, filters and page asked
# again while the store has not changed): a few KB each.
DEFAULT_SEARCH_MEMO = 512
# What DuckDB may hold in memory while it writes the warehouse before it spills to disk.
# Materialising sorts every contract, so without a limit its memory grows with the warehouse
# (1.2 GB at 500,000 contracts, 2.5 GB at 1.5 million); with this one the process stays about
# 1.1 GB whatever the size (benchmarks/ingest.py figures in docs/architecture.md).
DEFAULT_MEMORY_LIMIT = "1GB"
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def default_home() -> Path:
    """``$ANCRAGE_HOME``, else ``$XDG_DATA_HOME/ancrage``, else ``~/.local/share/ancrage``."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "ancrage"


def public_url() -> str | None:
    """The public address of the web application (``$ANCRAGE_PUBLIC_URL``, without its final
    slash), for links in e-mails; ``None`` when it is not set."""
    value = (os.environ.get(PUBLIC_URL_ENV) or "").strip().rstrip("/") or None
    if value is not None and not value.startswith(("http://", "https://")):
        raise ConfigError(
            f"adresse publique illisible : {value!r}",
            hint=f"Donnez à {PUBLIC_URL_ENV} une adresse comme https://ancrage.exemple.fr.",
        )
    return value


@dataclass(frozen=True)
class Settings:
    """Where Ancrage keeps its data. Directories are created on first write, never on import."""

    home: Path
    memory_limit: str = DEFAULT_MEMORY_LIMIT  # DuckDB's, for the warehouse writes
    search_memo: int = DEFAULT_SEARCH_MEMO  # notice rankings kept per process; 0: none

    @classmethod
    def resolve(cls, home: str | Path | None = None) -> Settings:
        path = Path(home).expanduser() if home is not None else default_home()
        if path.exists() and not path.is_dir():
            raise ConfigError(
                "le dossier de données est un fichier, pas un dossier",
                file=path,
                hint=f"Passez --home avec un dossier, ou retirez la variable {HOME_ENV}.",
            )
        memory = os.environ.get(MEMORY_ENV, "").strip() or DEFAULT_MEMORY_LIMIT
        if not _MEMORY.match(memory):
            raise ConfigError(
                f"limite de mémoire illisible : {memory!r}",
                hint=f"Donnez à {MEMORY_ENV} une taille comme 512MB ou 2GB.",
            )
        memo = os.environ.get(SEARCH_MEMO_ENV, "").strip() or str(DEFAULT_SEARCH_MEMO)
        if not memo.isdigit() or not 0 <= int(memo) <= 100_000:
            raise ConfigError(
                f"nombre de recherches gardées illisible : {memo!r}",
                hint=f"Donnez à {SEARCH_MEMO_ENV} un nombre de 0 (aucune) à 100000, "
                f"ex. {DEFAULT_SEARCH_MEMO}.",
            )
        return cls(home=path.resolve(), memory_limit=memory, search_memo=int(memo))

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def reference_dir(self) -> Path:
        """Downloaded reference data (CPV labels, SIRENE extracts...)."""
        return self.home / "reference"

    def ensure(self) -> None:
        """Create the data home (called by commands that write)."""
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"impossible de créer le dossier de données ({exc.strerror})",
                file=self.home,
                hint=f"Passez --home avec un dossier accessible en écriture, ou réglez {HOME_ENV}.",
            ) from exc
