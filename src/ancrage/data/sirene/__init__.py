"""Lookup tables for SIRENE enrichment (see docs/sirene.md)."""
