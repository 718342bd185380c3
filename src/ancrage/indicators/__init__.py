"""Indicators of the territorial diagnostic: a registry of SQL queries over a scope."""

from ancrage.indicators.registry import Indicator, SelfTest, get, registry, render

__all__ = ["Indicator", "SelfTest", "get", "registry", "render"]
