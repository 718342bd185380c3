"""The territorial diagnostic: a scope, the indicator registry, a benchmark scope."""

from ancrage.diagnose.run import diagnose, indicator_tables, reference_scope
from ancrage.diagnose.scope import Scope, build_scope

__all__ = ["Scope", "build_scope", "diagnose", "indicator_tables", "reference_scope"]
