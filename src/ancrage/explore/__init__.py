"""Contracts, buyers and suppliers of the warehouse: search and detail (library behind the
API and the pages)."""

from ancrage.explore.contracts import (
    ContractFilters,
    ContractPage,
    contract_detail,
    list_contracts,
)
from ancrage.explore.parties import buyer_summary, search_parties, supplier_summary

__all__ = [
    "ContractFilters",
    "ContractPage",
    "buyer_summary",
    "contract_detail",
    "list_contracts",
    "search_parties",
    "supplier_summary",
]
