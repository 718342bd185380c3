"""A small hand-made SIRENE stock (real column names, fictitious companies) shared by tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ancrage.sirene.model import SireneRecord
from ancrage.sirene.stock import StockFiles

ESTABLISHMENTS_CSV = """\
siren,nic,siret,statutDiffusionEtablissement,activitePrincipaleRegistreMetiersEtablissement,etablissementSiege,codePostalEtablissement,codeCommuneEtablissement,codePaysEtrangerEtablissement,etatAdministratifEtablissement,activitePrincipaleEtablissement,nomenclatureActivitePrincipaleEtablissement
912345678,00011,91234567800011,O,4332AB,true,86000,86194,,A,43.32A,NAFRev2
912345678,00029,91234567800029,O,,false,86360,86062,,A,43.32A,NAFRev2
912345678,00037,91234567800037,O,,false,75008,75108,,F,43.32A,NAFRev2
800000001,00015,80000000100015,O,9602AA,true,33000,33063,,A,9602A,NAFRev2
077000002,00019,07700000200019,O,,true,,,99109,A,70.22Z,NAFRev2
300000003,00012,30000000300012,O,,true,49000,49007,,A,88.99B,NAFRev2
"""

LEGAL_UNITS_CSV = """\
siren,statutDiffusionUniteLegale,prenom1UniteLegale,nomUniteLegale,trancheEffectifsUniteLegale,anneeEffectifsUniteLegale,categorieEntreprise,anneeCategorieEntreprise,denominationUniteLegale,categorieJuridiqueUniteLegale,economieSocialeSolidaireUniteLegale
912345678,O,,,02,2022,PME,2022,MENUISERIE FICTIVE DU CLAIN,5499,N
800000001,O,JEANNE,DUPONT,NN,,PME,2022,,1000,N
077000002,O,,,32,2022,ETI,2022,HOLDING FICTIVE,5710,
300000003,O,,,21,2023,,,ASSOCIATION FICTIVE,9220,O
"""


def write_stock(directory: Path) -> dict[str, StockFiles]:
    """The stock as CSV and as Parquet (``etablissementSiege`` boolean, as INSEE ships it)."""
    et_csv = directory / "StockEtablissement_utf8.csv"
    ul_csv = directory / "StockUniteLegale_utf8.csv"
    et_csv.write_text(ESTABLISHMENTS_CSV, encoding="utf-8")
    ul_csv.write_text(LEGAL_UNITS_CSV, encoding="utf-8")
    et_pq = directory / "StockEtablissement_utf8.parquet"
    ul_pq = directory / "StockUniteLegale_utf8.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * REPLACE (etablissementSiege = 'true' AS etablissementSiege) "
        f"FROM read_csv('{et_csv}', all_varchar = true)) TO '{et_pq}' (FORMAT parquet)"
    )
    con.execute(
        f"COPY (SELECT * FROM read_csv('{ul_csv}', all_varchar = true)) "
        f"TO '{ul_pq}' (FORMAT parquet)"
    )
    con.close()
    return {"csv": StockFiles(et_csv, ul_csv), "parquet": StockFiles(et_pq, ul_pq)}


# The fictitious joinery of the stock, as both the stock and the API must read it (hand-checked).
MENUISERIE_HEAD_OFFICE = SireneRecord(
    "91234567800011",
    "912345678",
    "86194",
    "86000",
    "43.32A",
    True,
    True,
    "4332AB",
    None,
    "MENUISERIE FICTIVE DU CLAIN",
    "5499",
    "PME",
    2022,
    "02",
    2022,
    False,
)
MENUISERIE_AGENCY = SireneRecord(
    "91234567800029",
    "912345678",
    "86062",
    "86360",
    "43.32A",
    False,
    True,
    None,
    None,
    "MENUISERIE FICTIVE DU CLAIN",
    "5499",
    "PME",
    2022,
    "02",
    2022,
    False,
)
