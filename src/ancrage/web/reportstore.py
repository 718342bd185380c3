"""The observatory's reports kept on disk, one folder per warehouse generation.

A département's report takes seconds to compute (the diagnostic of hundreds of thousands of
contracts, its maps); its content changes only when a load or an enrichment commits. So each
report is computed once per warehouse generation and written to
``<home>/cache/observatoire/<generation>/<key>.pickle``, where every server process (and the
next start) reads it; a lock per report makes concurrent processes wait for the first one
instead of computing it again. A new generation starts an empty folder; after an update the
worker computes again the scopes that were asked for under the previous generation
(:func:`warm`), then removes the old folders. Only Ancrage writes these files (in the user's
own data home); a file that cannot be read is computed again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ancrage import __version__
from ancrage.errors import AncrageError
from ancrage.settings import Settings

if TYPE_CHECKING:
    from ancrage.report.build import Report
    from ancrage.web.observatory import ScopeArgs

FOLDER = "observatoire"
FORMAT = 2  # of the stored files: a new one starts new folders
KEPT_OLD = 1  # earlier generations kept for the worker's warm-up (the newest of them)


def warehouse_generation(settings: Settings) -> str:
    """Changes whenever a load or an enrichment commits: the modification times of the
    warehouse database, of the enrichment's pointer to its current tables and of the derived
    tables (each replaced whole), with Ancrage's version (a new version may compute reports
    differently)."""
    from ancrage.warehouse.store import Warehouse

    warehouse = Warehouse(settings)
    enriched = warehouse.enriched_dir
    paths = [warehouse.db_path, enriched, enriched / "current"]
    current = warehouse.enriched_generation()
    for folder in (enriched, current):
        if folder is not None and folder.is_dir():
            paths += sorted(folder.glob("*.parquet"))
    stamps = []
    for path in paths:
        try:
            stamps.append(f"{path.name}:{path.stat().st_mtime_ns}")
        except OSError:
            stamps.append(f"{path.name}:0")
    digest = hashlib.sha256("|".join(stamps).encode()).hexdigest()[:16]
    return f"{__version__}-{FORMAT}-{digest}"


def store_dir(settings: Settings) -> Path:
    return settings.cache_dir / FOLDER


def scope_key(args: ScopeArgs) -> str:
    text = json.dumps(dataclasses.asdict(args), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class ReportStore:
    """Reports of one data home on disk, by warehouse generation and scope."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = store_dir(settings)

    def path(self, generation: str, args: ScopeArgs) -> Path:
        return self.root / generation / f"{scope_key(args)}.pickle"

    def read(self, generation: str, args: ScopeArgs) -> Report | None:
        try:
            with self.path(generation, args).open("rb") as fh:
                found = pickle.load(fh)
        except FileNotFoundError:
            return None
        except Exception:  # half-written by a killed process, older code: compute again
            return None
        stored_args, report = found
        return report if stored_args == args else None

    def get(self, generation: str, args: ScopeArgs, compute: Callable[[], Report]) -> Report:
        """The stored report, or ``compute()`` once across processes, then stored."""
        found = self.read(generation, args)
        if found is not None:
            return found
        with self._locked(generation, args):
            found = self.read(generation, args)
            if found is not None:
                return found
            report = compute()
            self._write(generation, args, report)
        return report

    @contextlib.contextmanager
    def _locked(self, generation: str, args: ScopeArgs) -> Iterator[None]:
        folder = self.root / generation
        new = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        if new:
            self.prune(keep=generation, old=KEPT_OLD)
        with (folder / f"{scope_key(args)}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, generation: str, args: ScopeArgs, report: Report) -> None:
        path = self.path(generation, args)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as fh:
                pickle.dump((args, report), fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError:  # a full disk: the report is still served from memory
            tmp.unlink(missing_ok=True)

    def generations(self) -> list[Path]:
        """The generation folders, newest first."""
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.iterdir() if p.is_dir()]
        return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)

    def scopes(self, folder: Path) -> list[ScopeArgs]:
        """The scopes whose reports a generation folder holds."""
        out: list[ScopeArgs] = []
        for path in sorted(folder.glob("*.pickle")):
            try:
                with path.open("rb") as fh:
                    args, _ = pickle.load(fh)
            except Exception:
                continue
            out.append(args)
        return out

    def prune(self, keep: str, old: int = 0) -> None:
        """Remove the folders of other generations but the ``old`` newest ones."""
        others = [p for p in self.generations() if p.name != keep]
        for folder in others[old:]:
            shutil.rmtree(folder, ignore_errors=True)


def warm(settings: Settings, build: Callable[[ScopeArgs], Any]) -> int:
    """After an update: compute for the current generation the scopes asked for under the
    previous ones (``build(args)`` computes and stores one), then remove the old folders.
    Returns how many reports were computed."""
    store = ReportStore(settings)
    current = warehouse_generation(settings)
    asked: list[ScopeArgs] = []
    for folder in store.generations():
        if folder.name != current:
            asked += [a for a in store.scopes(folder) if a not in asked]
    done = 0
    for args in asked:
        if store.read(current, args) is None:
            try:
                build(args)
            except AncrageError:  # a scope that no longer computes is simply not kept
                continue
            done += 1
    store.prune(keep=current)
    return done
