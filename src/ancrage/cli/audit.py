"""The « audit » part of ``ancrage status --audit``: unmapped source keys, unused fix rules."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ancrage.cli.common import out, rich_table

if TYPE_CHECKING:
    from ancrage.ingest.audit import Audit
    from ancrage.settings import Settings

TABLE_LABELS = {
    "null_tokens": "valeurs nulles (NC, N/A…)",
    "procedures": "procédures",
    "natures": "natures de contrat",
    "id_types": "types d'identifiant",
    "considerations": "considérations",
    "booleans": "oui / non",
}


def _audit(settings: Settings) -> Audit:
    from ancrage.ingest.audit import audit
    from ancrage.warehouse.store import Warehouse

    warehouse = Warehouse(settings)
    con = warehouse.connect()
    try:
        return audit(con, warehouse.root)
    finally:
        con.close()


def audit_json(settings: Settings) -> dict[str, Any]:
    return asdict(_audit(settings))


def show_audit(settings: Settings) -> None:
    a = _audit(settings)
    console = out()
    console.print(
        rich_table(
            "Audit : champs des sources non lus par Ancrage (les plus fréquents par format)",
            ["format", "champ", "contrats"],
            [[k.format, k.key, k.contracts] for k in a.extra_keys]
            or [["—", "aucun : tous les champs des sources sont lus", ""]],
        )
    )
    console.print(
        rich_table(
            "Audit : règles de correction jamais utilisées par les fichiers chargés",
            ["table (data/fixes)", "règles inutilisées", "exemples"],
            [
                [
                    f"{TABLE_LABELS.get(t, t)} ({t}.csv)",
                    len(keys),
                    ", ".join(f"« {k} »" for k in keys[:6]) + (" …" if len(keys) > 6 else ""),
                ]
                for t, keys in a.unused_rules.items()
            ],
        )
    )
    if a.files_recorded < a.files:
        console.print(
            f"{a.files - a.files_recorded} fichiers sur {a.files} ont été chargés avant que "
            "l'usage des règles soit consigné : rechargez-les pour un audit complet.",
            style="yellow",
        )
