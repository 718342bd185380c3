"""SQL literals for the queries the product builds (DuckDB): the one quoting rule.

Values from data or users (paths, codes, names) are always written through :func:`sql_str`,
never pasted into a query as they are.
"""

from __future__ import annotations

from collections.abc import Iterable


def sql_str(text: str) -> str:
    """``text`` as a SQL string literal: ``l'eau`` → ``'l''eau'``."""
    return "'" + text.replace("'", "''") + "'"


def sql_list(values: Iterable[str]) -> str:
    """Comma-separated string literals, in the given order: ``'a', 'b'``."""
    return ", ".join(sql_str(v) for v in values)
