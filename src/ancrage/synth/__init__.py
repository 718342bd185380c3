"""Deterministic generators of fictitious data for the demo and the benchmarks."""

from __future__ import annotations

from ancrage.synth.decp import FICTITIOUS_NOTICE, MANIFEST_NAME, generate_decp, iter_contracts

__all__ = ["FICTITIOUS_NOTICE", "MANIFEST_NAME", "generate_decp", "iter_contracts"]
