"""The canonical tables (Arrow schemas). Documented in ``docs/canonical-model.md``.

Every table carries ``file_id`` (the loaded file it comes from); ``contract_id`` links the tables.
"""

from __future__ import annotations

import pyarrow as pa

_str = pa.string()
_party = pa.struct([("id_type", _str), ("id", _str), ("name", _str)])

CONTRACTS = pa.schema(
    [
        ("contract_id", _str),  # stable id: hash of kind | buyer id | contract id (raw, compacted)
        ("kind", _str),  # marche | concession
        ("file_id", _str),
        ("source_format", _str),  # decp-2019, decp-2024, decp-2024-xml, decp-tabular
        ("source_file", _str),
        ("source_record", _str),  # where the record is in the source file
        ("source_name", _str),  # publishing channel when given (data.gouv.fr_aife...)
        ("uid", _str),
        ("raw_id", _str),  # the contract id as published
        ("buyer_id", _str),  # buyer identifier as published, separators removed
        ("buyer_siret", _str),  # 14-digit valid SIRET, else null
        ("buyer_name", _str),
        ("buyer_department", _str),  # when the source gives it (tabular extract)
        ("object", _str),
        ("cpv", _str),  # 8 digits, check digit removed
        ("nature", _str),
        ("is_framework", pa.bool_()),  # accord-cadre: the amount is a ceiling
        ("procedure", _str),
        ("procedure_family", _str),
        ("techniques", pa.list_(_str)),
        ("execution_modes", pa.list_(_str)),
        ("price_form", _str),
        ("price_types", pa.list_(_str)),
        ("place_code", _str),
        ("place_type", _str),
        ("place_name", _str),
        ("notification_date", pa.date32()),  # dateSignature for concessions
        ("notification_year", pa.int16()),
        ("publication_date", pa.date32()),
        ("start_date", pa.date32()),
        ("amount_initial", pa.float64()),  # euros HT as notified (valeurGlobale for concessions)
        ("amount", pa.float64()),  # after the last modification that gave an amount
        ("amount_flag", _str),  # why the amount is implausible, null when plausible
        ("duration_initial_months", pa.int32()),
        ("duration_months", pa.int32()),  # after the last modification
        ("public_subsidy", pa.float64()),
        ("offers_received", pa.int32()),
        ("innovative", pa.bool_()),
        ("ccag", _str),
        ("advance", pa.bool_()),
        ("advance_rate", pa.float64()),
        ("grouping_type", _str),
        ("subcontracting_declared", pa.bool_()),
        ("origin_eu", pa.float64()),
        ("origin_fr", pa.float64()),
        ("framework_id", _str),
        ("env_reported", pa.bool_()),  # false: the format has no considerations (2019)
        ("env_clause", pa.bool_()),
        ("env_criterion", pa.bool_()),
        ("env_none", pa.bool_()),
        ("social_reported", pa.bool_()),
        ("social_clause", pa.bool_()),
        ("social_criterion", pa.bool_()),
        ("social_reserved", pa.bool_()),
        ("social_none", pa.bool_()),
        ("n_suppliers", pa.int16()),
        ("n_modifications", pa.int16()),
        ("n_subcontracts", pa.int16()),
        ("flags", pa.list_(_str)),  # data-quality flags other than the amount's
        ("extra", _str),  # JSON of source keys not mapped (audit)
    ]
)

CONTRACT_SUPPLIERS = pa.schema(
    [
        ("contract_id", _str),
        ("file_id", _str),
        ("rank", pa.int16()),
        ("id_type", _str),  # SIRET, TVA, TAHITI, RIDET, FRWF, IREP, HORS-UE, UE, SIREN
        ("supplier_id", _str),
        ("supplier_siret", _str),  # valid 14-digit SIRET, else null
        ("supplier_name", _str),
        ("department", _str),
        ("amount_share", pa.float64()),  # contract amount / number of current suppliers
        ("share_method", _str),  # equal_split
        ("origin", _str),  # initial | modification
    ]
)

MODIFICATIONS = pa.schema(
    [
        ("contract_id", _str),
        ("file_id", _str),
        ("seq", pa.int16()),
        ("modification_id", _str),
        ("object", _str),
        ("amount", pa.float64()),
        ("duration_months", pa.int32()),
        ("notification_date", pa.date32()),
        ("publication_date", pa.date32()),
        ("suppliers", pa.list_(_party)),
    ]
)

SUBCONTRACTING = pa.schema(
    [
        ("contract_id", _str),
        ("file_id", _str),
        ("seq", pa.int16()),
        ("act_id", _str),
        ("id_type", _str),
        ("subcontractor_id", _str),
        ("subcontractor_siret", _str),
        ("subcontractor_name", _str),
        ("amount_initial", pa.float64()),
        ("amount", pa.float64()),  # after modifications of the act
        ("duration_months", pa.int32()),
        ("notification_date", pa.date32()),
        ("publication_date", pa.date32()),
        ("price_variation", _str),
    ]
)

REPAIRS = pa.schema(
    [
        ("file_id", _str),
        ("source_file", _str),
        ("source_record", _str),
        ("contract_id", _str),
        ("field", _str),
        ("raw_value", _str),
        ("new_value", _str),
        ("rule", _str),
    ]
)

QUARANTINE = pa.schema(
    [
        ("file_id", _str),
        ("source_file", _str),
        ("source_record", _str),
        ("record_id", _str),
        ("field", _str),
        ("raw_value", _str),
        ("reason", _str),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "contracts": CONTRACTS,
    "contract_suppliers": CONTRACT_SUPPLIERS,
    "modifications": MODIFICATIONS,
    "subcontracting": SUBCONTRACTING,
    "repairs": REPAIRS,
    "quarantine": QUARANTINE,
}

# Internal staging column: position of the record in its file (for de-duplication).
RECORD_POS = "record_pos"
CONTRACT_KEY = "contract_key"
