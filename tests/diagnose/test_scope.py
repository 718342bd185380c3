"""Parsing of the scope options: a clear ConfigError or a value, never another exception."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ancrage.diagnose.scope import Scope, parse_buyers, parse_cpv_prefixes, parse_years
from ancrage.errors import ConfigError


@given(st.text(max_size=20))
def test_parsers_never_crash(text: str) -> None:
    for parse in (parse_years, parse_buyers, parse_cpv_prefixes):
        try:
            parse(text)
        except ConfigError as exc:
            assert exc.one_line()


def test_parse_years() -> None:
    assert parse_years("2024") == (2024, 2024)
    assert parse_years(" 2022 - 2024 ") == (2022, 2024)


def test_bad_cpv_prefix() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_cpv_prefixes("33,4x")
    assert exc.value.one_line() == (
        "préfixe CPV invalide « 4x ». Donnez 2 à 8 chiffres, par ex. 33 ou 4521."
    )


@given(st.text(max_size=12))
def test_cte_is_valid_sql_for_any_cpv_text(text: str) -> None:
    """Values are quoted: whatever a prefix holds, the WHERE clause parses."""
    scope = Scope(exclude_cpv=(text,), keep_cpv=(text,))
    duckdb.connect().execute(
        f"SELECT {scope.where().replace('c.', '')}"
        " FROM (SELECT NULL::VARCHAR AS cpv, NULL::BOOLEAN AS is_framework, 'marche' AS kind)"
    )
