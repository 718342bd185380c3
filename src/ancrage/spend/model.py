"""Schemas of the spend tables (``spend``, ``spend_quarantine``, ``spend_repairs``)."""

from __future__ import annotations

import pyarrow as pa

SPEND = pa.schema(
    [
        ("spend_id", pa.string()),  # <first 16 hex of the file's SHA-256>-<line>: never moves
        ("file_id", pa.string()),
        ("buyer_siret", pa.string()),
        ("supplier_siret", pa.string()),
        ("supplier_siren", pa.string()),
        ("supplier_name", pa.string()),
        ("amount_eur", pa.float64()),  # negative for credit notes and cancellations
        ("amount_kind", pa.string()),  # HT / TTC as the column says; null when it does not
        ("date", pa.date32()),
        ("year", pa.int16()),  # of the date, else the fiscal year column
        ("account", pa.string()),
        ("account_label", pa.string()),  # label of the matched M57 account (data/spend)
        ("nature", pa.string()),  # free label of the line, as in the file
        ("reference", pa.string()),  # mandate / document number
        ("purchase_type", pa.string()),  # travaux / fournitures / services, from the account
        ("segment_id", pa.string()),  # purchase segment, when the account tells it
        ("in_scope", pa.bool_()),  # a purchase account; false: staff, subsidies…; null: unknown
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("dedup_key", pa.string()),
    ]
)

QUARANTINE = pa.schema(
    [
        ("file_id", pa.string()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("field", pa.string()),
        ("raw_value", pa.string()),
        ("reason", pa.string()),
    ]
)

REPAIRS = pa.schema(
    [
        ("file_id", pa.string()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("spend_id", pa.string()),
        ("field", pa.string()),
        ("raw_value", pa.string()),
        ("new_value", pa.string()),
        ("rule", pa.string()),
    ]
)

TABLES = {"spend": SPEND, "spend_quarantine": QUARANTINE, "spend_repairs": REPAIRS}
