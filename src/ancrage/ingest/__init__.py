"""Ingestion: source records to canonical tables (normalise, repair, quarantine, de-duplicate)."""
