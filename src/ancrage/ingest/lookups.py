"""Lookup tables of value fixes, loaded from ``ancrage/data/fixes`` (data, not code)."""

from __future__ import annotations

import csv
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ancrage.text import fold as fold  # the project's one fold (re-exported for spend/)


@cache
def _read_text(name: str) -> str:
    return resources.files("ancrage.data.fixes").joinpath(name).read_text(encoding="utf-8")


@dataclass
class Lookup:
    """A folded-key table; counts which rules were used."""

    name: str
    rows: dict[str, dict[str, str]]
    used: Counter[str] = field(default_factory=Counter)

    memo: dict[str, str] = field(default_factory=dict)

    def get(self, raw: str) -> dict[str, str] | None:
        key = self.memo.get(raw)
        if key is None:
            key = fold(raw)
            if len(self.memo) < 100_000:
                self.memo[raw] = key
        row = self.rows.get(key)
        if row is not None:
            self.used[key] += 1
        return row

    def unused(self) -> list[str]:
        return sorted(k for k in self.rows if not self.used[k])


@cache
def table(name: str) -> Lookup:
    """Load ``<name>.csv``; the first column is the raw key (folded)."""
    lines = [ln for ln in _read_text(f"{name}.csv").splitlines() if ln and not ln.startswith("#")]
    reader = csv.DictReader(lines)
    key_col = (reader.fieldnames or ["raw"])[0]
    rows = {fold(r[key_col]): r for r in reader}
    return Lookup(name, rows)


@cache
def settings(name: str) -> dict[str, Any]:
    """Load ``<name>.toml``."""
    return tomllib.loads(_read_text(f"{name}.toml"))


TABLES = ("null_tokens", "procedures", "natures", "id_types", "considerations", "booleans")


def unused_rules() -> dict[str, list[str]]:
    """Rules never used since start-up, per table (to prune dead fixes)."""
    return {name: table(name).unused() for name in TABLES}


def usage() -> dict[str, int]:
    """How often each rule was used in this process so far (``table|key`` → count)."""
    return {f"{name}|{key}": n for name in TABLES for key, n in table(name).used.items() if n}


def usage_since(before: dict[str, int]) -> dict[str, int]:
    """The uses counted since the snapshot ``before`` (:func:`usage`)."""
    now = usage()
    return {k: n - before.get(k, 0) for k, n in now.items() if n > before.get(k, 0)}


def never_used(used: set[str]) -> dict[str, list[str]]:
    """Rules of each table absent from ``used`` (``table|key`` strings recorded by loads)."""
    return {
        name: sorted(k for k in table(name).rows if f"{name}|{k}" not in used) for name in TABLES
    }
