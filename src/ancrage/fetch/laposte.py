"""La Poste's « Base officielle des codes postaux », refreshed when La Poste publishes a new one.

The dataset ``base-officielle-des-codes-postaux`` on data.gouv.fr; its CSV resource is
downloaded when its ``last_modified`` changes, into ``<reference>/laposte/laposte_hexasmal.csv``
(where the enrichment and the watch read commune points). A new file is kept only if
:func:`ancrage.geo.centroids.parse_postal_base` finds commune points in it: a file without
coordinates would silently remove every distance, so it is refused and the copy in place stays.
"""

from __future__ import annotations

from pathlib import Path

from ancrage.fetch import datagouv
from ancrage.fetch.base import FetchContext, FetchedFile, FetchRequest
from ancrage.fetch.errors import SourceChangedError
from ancrage.geo.centroids import POSTAL_BASE_FILE

DATASET = "base-officielle-des-codes-postaux"
WHAT = "data.gouv.fr (base des codes postaux de La Poste)"


def check_postal_base(path: Path) -> None:
    from ancrage.geo.centroids import read_postal_base
    from ancrage.geo.errors import GeoDataError

    try:
        points = read_postal_base(path)
    except GeoDataError as exc:
        raise SourceChangedError(
            f"la base des codes postaux publiée n'est plus lisible ({exc.message})",
            hint="La Poste a changé le format ; la copie en place est gardée. Signalez-le.",
        ) from exc
    if not points:
        raise SourceChangedError(
            "la base des codes postaux publiée n'a aucune coordonnée de commune",
            hint="La Poste a changé le format ; la copie en place est gardée. Signalez-le.",
        )


class LaPoste:
    name = "laposte"
    label = "La Poste : base officielle des codes postaux (points des communes, distances)"

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> list[FetchedFile]:
        del request
        csvs = [
            r
            for r in datagouv.dataset_resources(ctx.http, ctx.endpoints, DATASET)
            if r.format == "csv"
        ]
        if not csvs:
            raise SourceChangedError(
                "le jeu de données de La Poste n'a plus de fichier CSV",
                hint="La Poste a changé sa publication ; la copie en place est gardée.",
            )
        res = next((r for r in csvs if "hexasmal" in r.title.lower()), csvs[0])
        target = ctx.settings.reference_dir / "laposte" / POSTAL_BASE_FILE
        return [
            ctx.download_resource(
                self.name, "laposte", res, target, what=WHAT, validate=check_postal_base
            )
        ]
