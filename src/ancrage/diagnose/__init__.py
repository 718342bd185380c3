"""The territorial diagnostic: a scope, the indicator registry, a typed result."""

from ancrage.diagnose.model import Diagnostic, Share
from ancrage.diagnose.run import buyer_names, diagnose, indicator_tables, reference_scope
from ancrage.diagnose.scope import Scope, build_scope

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
