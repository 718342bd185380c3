"""The embedded warehouse: canonical Parquet tables queried through DuckDB."""

from ancrage.warehouse.store import Warehouse

__all__ = ["Warehouse"]
