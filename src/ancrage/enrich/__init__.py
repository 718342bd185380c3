"""Enrichment of the warehouse: SIRENE facts, COG places, CPV segments, rings, amount bands.

See ``docs/enrichment.md``.
"""

from ancrage.enrich.pipeline import ENRICHED_TABLES, EnrichProgress, EnrichReport, enrich
from ancrage.enrich.status import enrichment_status

__all__ = ["ENRICHED_TABLES", "EnrichProgress", "EnrichReport", "enrich", "enrichment_status"]
