"""SIRENE enrichment of buyers and suppliers.

Two sources give the same :class:`~ancrage.sirene.model.SireneRecord` for a SIRET: the INSEE stock
files read with DuckDB (:mod:`ancrage.sirene.stock`) and the public API « Recherche d'entreprises »
(:mod:`ancrage.sirene.api`). :mod:`ancrage.sirene.profile` turns records into supplier profiles
(size class, artisan, ESS, locality ring). See ``docs/sirene.md``.
"""
