"""Enrichment from the public API « Recherche d'entreprises » (no key).

``GET https://recherche-entreprises.api.gouv.fr/search?q=<siret or siren>`` answers
``{"results": [...], "total_results", "page", "per_page", "total_pages"}``; each result is a legal
unit (``siren``, ``nom_raison_sociale``, ``nature_juridique``, ``categorie_entreprise``,
``annee_categorie_entreprise``, ``tranche_effectif_salarie``, ``annee_tranche_effectif_salarie``,
``complements.est_ess``) with its head office ``siege`` and, for a SIRET query, the establishment in
``matching_etablissements`` (``siret``, ``commune``, ``code_postal``, ``activite_principale``,
``est_siege``, ``etat_administratif``…; no ``activite_principale_registre_metier`` there).

The client keeps a local SQLite cache of pruned answers (only the fields mapped below: never
``dirigeants``, ``nom_complet`` or elected officials), waits between requests to stay under the
API rate (~7 requests/s) and retries HTTP 429 / 5xx with exponential back-off.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import orjson

from ancrage.pacing import RETRY_STATUSES, Pacer, retry_delay
from ancrage.sirene.errors import SireneApiError, SireneError
from ancrage.sirene.model import (
    SireneRecord,
    category_code,
    clean_code,
    flag,
    headcount_code,
    legal_category_code,
    naf_code,
    year,
)

BASE_URL = "https://recherche-entreprises.api.gouv.fr"
REQUESTS_PER_SECOND = 7.0  # the API's documented rate limit
HOST = "recherche-entreprises.api.gouv.fr"
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is not waited for in one lookup

_UNIT_KEYS = (
    "siren",
    "nom_raison_sociale",
    "nature_juridique",
    "categorie_entreprise",
    "annee_categorie_entreprise",
    "tranche_effectif_salarie",
    "annee_tranche_effectif_salarie",
)
_ESTABLISHMENT_KEYS = (
    "siret",
    "commune",
    "code_postal",
    "activite_principale",
    "activite_principale_registre_metier",
    "est_siege",
    "etat_administratif",
    "code_pays_etranger",
    "epci",
    "departement",
    "region",
    "latitude",
    "longitude",
)

Json = dict[str, Any]


def prune_response(body: Json) -> Json:
    """Keep only the fields Ancrage maps (no personal data reaches the cache)."""

    def establishment(value: object) -> Json | None:
        if not isinstance(value, dict):
            return None
        return {k: value[k] for k in _ESTABLISHMENT_KEYS if k in value}

    results = []
    for result in body.get("results") or []:
        if not isinstance(result, dict):
            continue
        pruned: Json = {k: result.get(k) for k in _UNIT_KEYS}
        complements = result.get("complements")
        pruned["est_ess"] = complements.get("est_ess") if isinstance(complements, dict) else None
        pruned["siege"] = establishment(result.get("siege"))
        matching = result.get("matching_etablissements") or []
        pruned["matching_etablissements"] = [
            e for e in (establishment(m) for m in matching) if e is not None
        ]
        results.append(pruned)
    return {"results": results}


def record_from_result(result: Json, siret: str | None = None) -> SireneRecord | None:
    """Map one (pruned or raw) result to a record for ``siret`` (default: the head office).

    ``None`` when the result does not contain that establishment.
    """
    siege = result.get("siege") or {}
    candidates = [siege, *(result.get("matching_etablissements") or [])]
    wanted = siret or siege.get("siret")
    etab = next((e for e in candidates if e and e.get("siret") == wanted), None)
    if etab is None or wanted is None:
        return None
    ess = result.get("est_ess")
    if ess is None and isinstance(result.get("complements"), dict):
        ess = result["complements"].get("est_ess")
    return SireneRecord(
        siret=wanted,
        siren=wanted[:9],
        commune=clean_code(etab.get("commune")),
        postal_code=clean_code(etab.get("code_postal")),
        naf=naf_code(etab.get("activite_principale")),
        head_office=flag(etab.get("est_siege"), "true", "false"),
        active=flag(etab.get("etat_administratif"), "A", "F"),
        nafa=clean_code(etab.get("activite_principale_registre_metier")),
        foreign_country=clean_code(etab.get("code_pays_etranger")),
        denomination=clean_code(result.get("nom_raison_sociale")),
        legal_category=legal_category_code(result.get("nature_juridique")),
        category=category_code(result.get("categorie_entreprise")),
        category_year=year(result.get("annee_categorie_entreprise")),
        headcount_band=headcount_code(result.get("tranche_effectif_salarie")),
        headcount_year=year(result.get("annee_tranche_effectif_salarie")),
        ess=ess if isinstance(ess, bool) else None,
    )


class ResponseCache:
    """Pruned API answers keyed by query, in one SQLite file (created on first write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._con is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = sqlite3.connect(self.path)
            self._con.execute(
                "CREATE TABLE IF NOT EXISTS responses "
                "(q TEXT PRIMARY KEY, fetched_at TEXT NOT NULL, body BLOB NOT NULL)"
            )
        return self._con

    def get(self, q: str) -> Json | None:
        if self._con is None and not self.path.exists():
            return None
        row = self._connect().execute("SELECT body FROM responses WHERE q = ?", (q,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def put(self, q: str, body: Json) -> None:
        con = self._connect()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        con.execute(
            "INSERT OR REPLACE INTO responses VALUES (?, ?, ?)", (q, now, orjson.dumps(body))
        )
        con.commit()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


class RechercheEntreprisesClient:
    """Lookups by SIRET / SIREN with cache, rate limiting and retries.

    ``transport`` (e.g. ``httpx.MockTransport``), ``sleep`` and ``clock`` are injectable for tests.
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        transport: httpx.BaseTransport | None = None,
        base_url: str = BASE_URL,
        requests_per_second: float = REQUESTS_PER_SECOND,
        max_attempts: int = 5,
        backoff_seconds: float = 0.5,
        timeout_seconds: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = ResponseCache(cache_dir / "recherche_entreprises.sqlite")
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout_seconds,
            headers={"User-Agent": "ancrage (https://github.com/ancrage)"},
        )
        self._pacer = Pacer(1.0 / requests_per_second, sleep=sleep, clock=clock)
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._sleep = sleep
        self.requests_made = 0

    def __enter__(self) -> RechercheEntreprisesClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        self.cache.close()

    def lookup_siret(self, siret: str) -> SireneRecord | None:
        """The record of one establishment; ``None`` when the API does not know it."""
        siret = siret.strip()
        if not (siret.isdigit() and len(siret) == 14):
            raise SireneError(
                "SIRET invalide (14 chiffres attendus)",
                field="siret",
                value=siret,
                hint=f"Reçu « {siret} ».",
            )
        for result in self.search(siret)["results"]:
            record = record_from_result(result, siret)
            if record is not None:
                return record
        return None

    def lookup_siren(self, siren: str) -> SireneRecord | None:
        """The record of a legal unit's head office; ``None`` when the API does not know it."""
        siren = siren.strip()
        if not (siren.isdigit() and len(siren) == 9):
            raise SireneError(
                "SIREN invalide (9 chiffres attendus)",
                field="siren",
                value=siren,
                hint=f"Reçu « {siren} ».",
            )
        for result in self.search(siren)["results"]:
            if result.get("siren") == siren:
                return record_from_result(result)
        return None

    def search(self, q: str) -> Json:
        """The pruned answer to ``/search?q=…``, from the cache when present."""
        cached = self.cache.get(q)
        if cached is not None:
            return cached
        body = prune_response(self._get_json(q))
        self.cache.put(q, body)
        return body

    def _get_json(self, q: str) -> Json:
        for attempt in range(1, self._max_attempts + 1):
            self._pacer.wait_turn()
            try:
                self.requests_made += 1
                response = self._http.get("/search", params={"q": q})
            except httpx.TransportError as exc:
                raise SireneApiError(
                    f"hors ligne : l'API Recherche d'entreprises ({HOST}) ne répond pas "
                    f"({type(exc).__name__})",
                    hint="Les réponses déjà reçues sont gardées en cache : relancez une fois en "
                    "ligne. Sans réseau, enrichissez avec les fichiers stock SIRENE : ancrage "
                    "enrich --sirene-stock DOSSIER (StockEtablissement et StockUniteLegale, "
                    "data.gouv.fr).",
                ) from exc
            if response.status_code == 200:
                try:
                    body = response.json()
                except ValueError as exc:
                    raise SireneApiError(
                        f"{HOST} a répondu par un JSON invalide",
                        record=q,
                        hint="Réessayez plus tard ; signalez-le si cela persiste.",
                    ) from exc
                if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                    raise SireneApiError(
                        f"{HOST} a répondu sans liste de résultats",
                        record=q,
                        hint="L'API a peut-être changé ; signalez-le.",
                    )
                return body
            if response.status_code not in RETRY_STATUSES:
                raise SireneApiError(
                    f"{HOST} a répondu HTTP {response.status_code}",
                    record=q,
                    hint="Vérifiez l'identifiant ; signalez-le si cela persiste.",
                )
            if attempt < self._max_attempts:
                self._sleep(retry_delay(self._backoff, attempt, response, MAX_RETRY_AFTER))
        raise SireneApiError(
            f"{HOST} a encore répondu HTTP {response.status_code} après "
            f"{self._max_attempts} tentatives",
            record=q,
            hint="L'API est surchargée ou indisponible ; réessayez plus tard ou utilisez les "
            "fichiers stock SIRENE (ancrage enrich --sirene-stock DOSSIER).",
        )
