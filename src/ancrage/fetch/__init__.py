"""Download connectors: bring the open data Ancrage reads from its official sources.

One module per source (``decp``, ``boamp``, ``ted``, ``sirene``, ``cog``, ``laposte``), all with the
same small interface (:mod:`ancrage.fetch.base`); downloads are resumable, verified and atomic
(:mod:`ancrage.fetch.download`) and recorded in the data home's manifest
(:mod:`ancrage.fetch.manifest`). :mod:`ancrage.fetch.update` chains fetch, load, enrichment,
notices and watch for ``ancrage update``. See ``docs/fetch.md``.
"""
