"""DECP on data.gouv.fr: the consolidated tabular files, the official 2024-format publications,
and buyer profiles' own files.

* ``decp`` — « Données essentielles de la commande publique consolidées (format tabulaire) »
  (decp-processing, published for decp.info; dataset ``608c055b35eb4e6ee20eb325``). Without a
  territory or dates: the national ``decp.parquet`` (~250 MB), downloaded again only when its
  ``last_modified`` changes. With ``--territory``, ``--since`` or ``--year``: the rows of
  ``decp.csv`` that match, through data.gouv.fr's tabular API (buyer's département or région,
  ``dateNotification``), written as one CSV per département (replaced at each refresh).
* ``decp-officiel`` — « Données essentielles de la commande publique - fichiers consolidés »
  (Bercy, dataset ``5cd57bf68b4c4179299eb0e9``): the regulatory JSON/XML publications, chosen by
  the year (or year-month) in their title: ``--year`` or ``--since``, else the current and
  previous year.
* buyer profiles: ``ancrage fetch decp --url URL`` downloads a profile's DECP file and remembers
  it; every later ``fetch decp`` / ``update`` asks for it again (HTTP conditional request).

Every file is checked before it is kept: it must be a DECP format Ancrage reads
(:func:`ancrage.sources.registry.detect`), else :class:`SourceChangedError` and nothing written.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from ancrage.errors import ConfigError, InputFileError
from ancrage.fetch import datagouv
from ancrage.fetch.base import FetchContext, FetchedFile, FetchRequest, departements_of
from ancrage.fetch.download import file_hash
from ancrage.fetch.errors import SourceChangedError
from ancrage.fetch.manifest import sync_dir

TABULAR_DATASET = "608c055b35eb4e6ee20eb325"
TABULAR_PARQUET = "11cea8e8-df3e-4ed1-932b-781e2635e432"  # decp.parquet
TABULAR_CSV = "22847056-61df-452d-837d-8b8ceadbfc52"  # decp.csv, served by the tabular API
OFFICIAL_DATASET = "5cd57bf68b4c4179299eb0e9"
TABULAR_WHAT = "l'API tabulaire de data.gouv.fr"
PAGE_SIZE = 200
REQUIRED_COLUMNS = (("uid", "id"), ("acheteur_id", "acheteur_siret"), ("titulaire_id",))
PROFILES = "profils"
_PERIOD = re.compile(r"(?<!\d)(20\d\d)(?:[-_](0[1-9]|1[0-2]))?(?!\d)")


def check_decp_file(path: Path) -> None:
    """Refuse a downloaded file that is not a DECP format Ancrage reads."""
    from ancrage.sources.registry import detect

    try:
        detect(path)
    except InputFileError as exc:
        raise SourceChangedError(
            f"le fichier téléchargé n'est pas au format DECP attendu ({exc.message})",
            file=path.with_suffix("") if path.suffix == ".part" else path,
            hint="La source a peut-être changé de format ; rien n'a été gardé. Signalez-le.",
        ) from exc


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Decp:
    """The consolidated tabular DECP, by territory and dates when asked."""

    name = "decp"
    label = "DECP consolidées (format tabulaire, data.gouv.fr) et profils d'acheteur"

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> list[FetchedFile]:
        if request.urls:
            return [self._profile(ctx, url) for url in request.urls]
        if request.territory is None and request.since is None and request.year is None:
            files = [self._national(ctx)]
        else:
            files = self._filtered(ctx, request)
        files += [self._profile(ctx, url) for url in self._known_profiles(ctx)]
        return files

    # -- the national file --------------------------------------------------------------------
    def _national(self, ctx: FetchContext) -> FetchedFile:
        res = datagouv.resource(ctx.http, ctx.endpoints, TABULAR_PARQUET)
        target = ctx.folder(self.name) / "decp.parquet"
        return ctx.download_resource(
            self.name,
            "decp",
            res,
            target,
            what="data.gouv.fr (DECP consolidées)",
            validate=check_decp_file,
        )

    # -- rows of a territory / a period through the tabular API ---------------------------------
    def _filtered(self, ctx: FetchContext, request: FetchRequest) -> list[FetchedFile]:
        version = datagouv.resource(ctx.http, ctx.endpoints, TABULAR_CSV).last_modified
        filters: dict[str, str] = {}
        start = request.since or (date(request.year, 1, 1) if request.year else None)
        if start is not None:
            filters["dateNotification__greater"] = start.isoformat()
        if request.year is not None:
            filters["dateNotification__less"] = date(request.year, 12, 31).isoformat()
        suffix = (
            "".join(f"-{k.split('__')[1]}-{v}" for k, v in sorted(filters.items()))
            .replace("greater", "depuis")
            .replace("less", "jusqua")
        )
        deps = departements_of(request.territory) if request.territory else [None]
        files = []
        for dep in deps:
            params = dict(filters)
            if dep is not None:
                params["acheteur_departement_code__exact"] = dep
            name = f"decp-{'dep-' + dep if dep else 'france'}{suffix}.csv"
            target = ctx.folder(self.name) / name
            same = ctx.unchanged(self.name, target, version)
            files.append(same or self._export(ctx, target, params, version))
        return files

    def _export(
        self, ctx: FetchContext, target: Path, params: dict[str, str], version: str | None
    ) -> FetchedFile:
        """Page through the tabular API and write the rows as one CSV (atomically)."""
        url = f"{ctx.endpoints.tabular}/api/resources/{TABULAR_CSV}/data/"
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        rows = 0
        try:
            with part.open("w", encoding="utf-8", newline="") as fh:
                writer: Any = None
                columns: list[str] = []
                for page in self._pages(ctx, url, params):
                    for row in page:
                        if writer is None:
                            columns = [c for c in row if c != "__id"]
                            _check_columns(columns, url)
                            writer = csv.writer(fh, lineterminator="\n")
                            writer.writerow(columns)
                        writer.writerow([_cell(row.get(c)) for c in columns])
                        rows += 1
                if writer is None:  # no row: still a valid, empty tabular file
                    csv.writer(fh, lineterminator="\n").writerow(
                        ["uid", "id", "acheteur_id", "titulaire_id"]
                    )
                fh.flush()
                os.fsync(fh.fileno())
            sha = file_hash(part)
            part.replace(target)
            sync_dir(target.parent)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        query = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        fetched = ctx.record_built(
            self.name, "decp", f"{url}?{query}", target, sha256=sha, version=version
        )
        ctx.note(f"{target.name} : {rows} ligne{'s' if rows > 1 else ''} contrat × titulaire.")
        return fetched

    def _pages(
        self, ctx: FetchContext, url: str, params: dict[str, str]
    ) -> Iterator[list[dict[str, Any]]]:
        page = 1
        while True:
            body = ctx.http.get_json(
                url, what=TABULAR_WHAT, params={**params, "page": page, "page_size": PAGE_SIZE}
            )
            data = body.get("data") if isinstance(body, dict) else None
            meta = body.get("meta") if isinstance(body, dict) else None
            if not isinstance(data, list) or not isinstance(meta, dict):
                raise SourceChangedError(
                    f"{TABULAR_WHAT} a répondu sans data ni meta (page {page})",
                    hint="L'API a peut-être changé ; rien n'a été écrit. Signalez-le.",
                )
            if any(not isinstance(r, dict) for r in data):
                raise SourceChangedError(
                    f"{TABULAR_WHAT} a répondu des lignes qui ne sont pas des objets (page {page})",
                    hint="L'API a peut-être changé ; rien n'a été écrit. Signalez-le.",
                )
            yield data
            total = meta.get("total")
            if not data or not isinstance(total, int) or page * PAGE_SIZE >= total:
                return
            page += 1

    # -- buyer profiles ---------------------------------------------------------------------------
    def _known_profiles(self, ctx: FetchContext) -> list[str]:
        prefix = f"downloads/{self.name}/{PROFILES}/"
        return sorted({e.url for k, e in ctx.manifest.files.items() if k.startswith(prefix)})

    def _profile(self, ctx: FetchContext, url: str) -> FetchedFile:
        parts = check_profile_url(url)
        name = unquote(Path(parts.path).name) or "decp.json"
        safe = re.sub(r"[^\w.-]+", "_", name)
        target = ctx.folder(self.name) / PROFILES / parts.netloc.replace(":", "_") / safe
        return ctx.download(
            self.name,
            "decp",
            url,
            target,
            what=f"le profil d'acheteur {parts.netloc}",
            validate=check_decp_file,
        )


def check_profile_url(url: str) -> SplitResult:
    """A buyer profile's file address: ``http(s)://host/path``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"adresse de fichier de profil d'acheteur invalide « {url} »",
            hint="Donnez l'adresse complète du fichier DECP (https://…/decp.json).",
        )
    return parts


def _check_columns(columns: list[str], url: str) -> None:
    for alternatives in REQUIRED_COLUMNS:
        if not set(alternatives) & set(columns):
            raise SourceChangedError(
                f"{TABULAR_WHAT} a répondu sans la colonne {alternatives[0]} "
                f"(colonnes : {', '.join(columns[:8])}…)",
                file=url,
                hint="Le format tabulaire des DECP a peut-être changé ; rien n'a été écrit.",
            )


class DecpOfficial:
    """The official 2024-format publications (JSON/XML), by year or month."""

    name = "decp-officiel"
    label = "DECP réglementaires (fichiers consolidés de Bercy, data.gouv.fr)"

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> list[FetchedFile]:
        wanted = self._wanted(request)
        files = []
        for res in datagouv.dataset_resources(ctx.http, ctx.endpoints, OFFICIAL_DATASET):
            if res.format not in ("json", "xml") or ".ocds" in res.title.lower():
                continue
            period = _period(res.title)
            if period is None or not wanted(*period):
                continue
            name = re.sub(r"[^\w.-]+", "_", res.title) or f"{res.id}.{res.format}"
            files.append(
                ctx.download_resource(
                    self.name,
                    "decp",
                    res,
                    ctx.folder(self.name) / name,
                    what="data.gouv.fr (DECP réglementaires)",
                    validate=check_decp_file,
                )
            )
        if request.territory is not None:
            ctx.note(
                "DECP réglementaires : fichiers nationaux, --territory ne restreint pas le "
                "téléchargement (le diagnostic filtre ensuite le territoire)."
            )
        if not files:
            ctx.note("DECP réglementaires : aucune publication pour la période demandée.")
        return files

    @staticmethod
    def _wanted(request: FetchRequest) -> Callable[[int, int | None], bool]:
        """Which (year, month) publications the request wants: ``--year``, else ``--since``,
        else this year and the last."""
        if request.year is not None:
            return lambda year, _month: year == request.year
        since = request.since or date(request.today.year - 1, 1, 1)
        return lambda year, month: (year, month or 12) >= (since.year, since.month)


def _period(title: str) -> tuple[int, int | None] | None:
    """(year, month) of a publication from its title: ``decp-2024.json``, ``decp-2025-03.json``."""
    found = _PERIOD.search(title)
    if found is None:
        return None
    return int(found.group(1)), int(found.group(2)) if found.group(2) else None
