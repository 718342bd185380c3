"""A practical SIRENE path for a warehouse whose suppliers have no size: where the stock files are,
how big they are, the exact command, and what the API would cost for this warehouse."""

from __future__ import annotations

import math

import duckdb
import pyarrow as pa

from ancrage.diagnose.model import SireneAdvice
from ancrage.enrich.facts import FactsCache, api_wanted
from ancrage.fmt import count, number
from ancrage.settings import Settings
from ancrage.sirene.api import REQUESTS_PER_SECOND

STOCK_DATASET = (
    "https://www.data.gouv.fr/fr/datasets/"
    "base-sirene-des-entreprises-et-de-leurs-etablissements-siren-siret/"
)
# The monthly stock files in Parquet (INSEE, Licence Ouverte), approximate sizes.
STOCK_FILES = (
    ("StockEtablissement_utf8.parquet", "1,9 Go"),
    ("StockUniteLegale_utf8.parquet", "0,7 Go"),
)
STOCK_COMMAND = "ancrage enrich --sirene-stock DOSSIER"
API_COMMAND = "ancrage enrich --api"


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"environ {count(max(minutes, 1), 'minute')}"
    hours = minutes / 60
    return f"environ {number(hours, 0 if hours >= 10 else 1)} heures"


def sirene_advice(settings: Settings, con: duckdb.DuckDBPyConnection) -> SireneAdvice | None:
    """The advice for this warehouse; ``None`` when ``con`` has no enriched ``establishments``
    (enrichment comes first)."""
    present = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'establishments'"
    ).fetchall()[0][0]
    if not present:
        return None
    sirets = con.execute("SELECT siret FROM establishments WHERE siret IS NOT NULL").fetchall()
    wanted = pa.array([r[0] for r in sirets], pa.string())
    unknown = len(api_wanted(FactsCache(settings), wanted))
    minutes = math.ceil(unknown / REQUESTS_PER_SECOND / 60)
    files = " et ".join(f"{name} (≈ {size})" for name, size in STOCK_FILES)
    api = (
        f"En ligne, « {API_COMMAND} » interrogerait l'API Recherche d'entreprises pour les "
        f"{count(unknown, 'SIRET', 'SIRET')} encore inconnus de cet entrepôt : "
        f"{_duration(minutes)} ({number(REQUESTS_PER_SECOND)} requêtes par seconde au plus), "
        "réponses gardées en cache."
        if unknown
        else "L'API Recherche d'entreprises a déjà été interrogée pour tous les SIRET valides "
        "de cet entrepôt."
    )
    sentence = (
        "La taille, l'artisanat et la commune de l'établissement des titulaires viennent du "
        f"répertoire SIRENE de l'INSEE. Sans réseau : téléchargez {files} sur data.gouv.fr "
        f"({STOCK_DATASET}) dans un dossier, puis lancez « {STOCK_COMMAND} ». {api}"
    )
    return SireneAdvice(unknown, minutes, STOCK_DATASET, STOCK_FILES, STOCK_COMMAND, sentence)
