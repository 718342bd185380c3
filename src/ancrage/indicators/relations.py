"""The scoped relations every indicator reads, their columns and breakdowns.

The contract between a scope (:mod:`ancrage.diagnose.scope`, which builds these relations from
the warehouse) and the indicators (:mod:`ancrage.indicators.registry`, whose SQL reads them):
``sc`` contracts in scope, ``ss`` contract × supplier rows, ``sf`` files, ``sq`` quarantined
records, ``sub`` subcontracting acts, ``te`` establishments of the territory, ``sp`` spend lines.
Self-tests create them from these column lists.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["marche", "concession"]

BREAKDOWNS: dict[str, str] = {
    "year": "année de notification",
    "buyer": "acheteur",
    "segment": "segment d'achat",
    "procedure": "famille de procédure",
    "amount_band": "tranche de montant",
    "quarter": "trimestre de notification (contrats seulement)",
}

# Columns of the scoped relations (name -> DuckDB type), for self-tests and fallbacks.
SC_COLUMNS: dict[str, str] = {
    "contract_id": "VARCHAR",
    "file_id": "VARCHAR",
    "kind": "VARCHAR",
    "buyer_siret": "VARCHAR",
    "cpv": "VARCHAR",
    "is_framework": "BOOLEAN",
    "amount": "DOUBLE",
    "amount_flag": "VARCHAR",
    "amount_eur": "DOUBLE",
    "offers_received": "INTEGER",
    "innovative": "BOOLEAN",
    "advance": "BOOLEAN",
    "subcontracting_declared": "BOOLEAN",
    "n_subcontracts": "SMALLINT",
    "env_reported": "BOOLEAN",
    "env_clause": "BOOLEAN",
    "env_criterion": "BOOLEAN",
    "env_none": "BOOLEAN",
    "social_reported": "BOOLEAN",
    "social_clause": "BOOLEAN",
    "social_criterion": "BOOLEAN",
    "social_reserved": "BOOLEAN",
    "social_none": "BOOLEAN",
    "buyer_located": "BOOLEAN",
    "purchase_type": "VARCHAR",
    "segment_label": "VARCHAR",
    "year": "SMALLINT",
    "buyer": "VARCHAR",
    "segment": "VARCHAR",
    "procedure": "VARCHAR",
    "amount_band": "VARCHAR",
    "buyer_name": "VARCHAR",
    "notification_date": "DATE",
    "quarter": "VARCHAR",
}
SS_COLUMNS: dict[str, str] = {
    "contract_id": "VARCHAR",
    "rank": "SMALLINT",
    "supplier_key": "VARCHAR",
    "share_eur": "DOUBLE",
    "locality_ring": "VARCHAR",
    "distance_km": "DOUBLE",
    "size_class": "VARCHAR",
    "artisan": "BOOLEAN",
    "ess": "BOOLEAN",
    "year": "SMALLINT",
    "buyer": "VARCHAR",
    "segment": "VARCHAR",
    "procedure": "VARCHAR",
    "amount_band": "VARCHAR",
}
SP_COLUMNS: dict[str, str] = {
    "spend_id": "VARCHAR",
    "contract_id": "VARCHAR",
    "supplier_key": "VARCHAR",
    "share_eur": "DOUBLE",
    "locality_ring": "VARCHAR",
    "distance_km": "DOUBLE",
    "size_class": "VARCHAR",
    "artisan": "BOOLEAN",
    "ess": "BOOLEAN",
    "purchase_type": "VARCHAR",
    "year": "SMALLINT",
    "buyer": "VARCHAR",
    "segment": "VARCHAR",
}
SF_COLUMNS = {"file_id": "VARCHAR", "synthetic": "BOOLEAN"}
SQ_COLUMNS = {"file_id": "VARCHAR", "record_id": "VARCHAR", "reason": "VARCHAR"}
SUB_COLUMNS = {"contract_id": "VARCHAR", "amount": "DOUBLE"}
TE_COLUMNS = {"siret": "VARCHAR", "naf": "VARCHAR"}
RELATIONS: dict[str, dict[str, str]] = {
    "sc": SC_COLUMNS,
    "ss": SS_COLUMNS,
    "sf": SF_COLUMNS,
    "sq": SQ_COLUMNS,
    "sub": SUB_COLUMNS,
    "te": TE_COLUMNS,
    "sp": SP_COLUMNS,
}
# Breakdowns a spend line has (no procedure, no amount band: all are below the DECP threshold).
SPEND_BREAKDOWNS = ("year", "buyer", "segment")
