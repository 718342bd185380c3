"""The territorial diagnostic: a scope, the indicator registry, a typed result.

Its names are imported on first use (PEP 562): reading a scope (``ancrage.diagnose.scope``)
or the model does not load the indicator engine, SIRENE and enrichment modules."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ancrage.diagnose.model import Diagnostic, Share
    from ancrage.diagnose.run import buyer_names, diagnose, indicator_tables, reference_scope
    from ancrage.diagnose.scope import Scope, build_scope

_HOMES = {
    "Diagnostic": "ancrage.diagnose.model",
    "Share": "ancrage.diagnose.model",
    "Scope": "ancrage.diagnose.scope",
    "build_scope": "ancrage.diagnose.scope",
    "buyer_names": "ancrage.diagnose.run",
    "diagnose": "ancrage.diagnose.run",
    "indicator_tables": "ancrage.diagnose.run",
    "reference_scope": "ancrage.diagnose.run",
}

__all__ = [
    "Diagnostic",
    "Scope",
    "Share",
    "build_scope",
    "buyer_names",
    "diagnose",
    "indicator_tables",
    "reference_scope",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ancrage.diagnose' has no attribute {name!r}")
    return getattr(import_module(home), name)
