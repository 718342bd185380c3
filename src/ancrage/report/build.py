"""Turn a diagnostic (and the spend by place) into the report's content: key messages,
figures (inline SVG) and the text that explains them, in French."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ancrage.diagnose import Diagnostic, Scope, diagnose
from ancrage.diagnose.model import SegmentRow
from ancrage.fmt import pct
from ancrage.geo import default_geography
from ancrage.geo.centroids import Point, cached_postal_base, read_postal_base
from ancrage.report import figures as figs
from ancrage.report.figures import Figure
from ancrage.report.maps import commune_map, departement_map
from ancrage.report.spend import Spend, spend_by_place
from ancrage.report.text import home_departements, key_messages, quality_rows, scope_lines
from ancrage.settings import Settings


@dataclass
class Report:
    """Everything the template shows."""

    title: str
    scope_label: str
    generated: str
    fictitious: bool
    key_messages: list[str]
    figures: dict[str, Figure]
    data: Diagnostic
    scope_lines: list[str]
    quality_rows: list[tuple[str, str]]
    segments: list[SegmentRow]
    map_notes: list[str]


def _commune_points(settings: Settings, postal_base: Path | None) -> dict[str, Point] | None:
    path = cached_postal_base(settings, postal_base)
    return None if path is None else read_postal_base(path)


def _maps(
    d: Diagnostic, spend: Spend, points: dict[str, Point] | None
) -> tuple[list[Figure], list[str]]:
    geo = default_geography()
    notes: list[str] = []
    if not spend.enriched:
        notes.append(
            "Cartes indisponibles : l'entrepôt n'est pas enrichi (lancez « ancrage enrich »)."
        )
        return [], notes
    home = home_departements(d.scope.territory)
    dep_names = {k: v.nom for k, v in geo.departements.items()}
    total = spend.total_eur or 1.0
    figures = [
        Figure(
            "map_departements",
            "Où va l'argent ? Les départements des titulaires",
            departement_map(
                spend.by_departement,
                dep_names,
                home=home,
                title="Part du montant reçue par les titulaires de chaque département",
            ),
            [
                "Chaque carré est un département, placé à peu près à sa position géographique "
                "(carte en tuiles : tous les départements ont la même taille, quelle que soit "
                "leur surface). Plus le carré est foncé, plus les titulaires qui y sont "
                "installés reçoivent une grande part du montant.",
                "Département du titulaire inconnu ou à l'étranger : "
                f"{pct(spend.unplaced_departement_eur / total)} des montants, non représentés.",
            ],
        )
    ]
    territory = d.scope.territory
    communes = [] if territory is None else sorted(territory.members)
    if not communes:
        notes.append(
            "Carte des communes : elle montre l'intérieur d'un territoire ; donnez-en un "
            "(--territory) pour l'obtenir."
        )
        return figures, notes
    if points is None:
        notes.append(
            "Carte des communes indisponible : la base des codes postaux de La Poste (points "
            "des communes) n'est pas dans le cache ; donnez-la une fois à « ancrage enrich "
            "--laposte FICHIER » (elle est gardée) ou ici avec --postal-base."
        )
        return figures, notes
    inside = set(communes)
    received = [p for p in spend.by_commune if p.code in inside]
    spent = [p for p in spend.by_buyer_commune if p.code in inside]
    names = {k: v.nom for k, v in geo.communes.items()}
    text = [
        "Cercles pleins : montant reçu par les titulaires installés dans la commune. Cercles "
        "vides : montant dépensé par les acheteurs de la commune. La surface du cercle est "
        "proportionnelle au montant ; les points gris sont les communes du territoire.",
    ]
    if spend.unplaced_buyer_eur > 0:
        text.append(
            f"Acheteurs sans commune connue : {pct(spend.unplaced_buyer_eur / total)} des "
            "montants, non représentés."
        )
    if not received:
        text.append(
            "Aucun titulaire n'est localisé à la commune dans ce périmètre : la commune vient "
            "de l'établissement SIRENE (lancez « ancrage enrich » avec le stock SIRENE)."
        )
    figures.append(
        Figure(
            "map_communes",
            "Dans le territoire : qui achète, qui reçoit ?",
            commune_map(
                received,
                spent,
                points,
                names,
                backdrop=communes,
                population={k: v.population or 0 for k, v in geo.communes.items()},
                title="Montants par commune : reçus par les titulaires, dépensés par les acheteurs",
            ),
            text,
        )
    )
    return figures, notes


def build_report(
    settings: Settings,
    scope: Scope,
    *,
    reference: Scope | str | None = None,
    postal_base: Path | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Compute the diagnostic and the spend by place, and lay out the report's content."""
    d = diagnose(settings, scope, reference=reference)
    spend = spend_by_place(settings, scope)
    points = _commune_points(settings, postal_base)
    figures: dict[str, Figure] = {}
    map_notes: list[str] = []
    if d.empty is None:  # an empty scope has one sentence, no blank chart
        for fig in (
            figs.years_figure(d),
            figs.rings_figure(d),
            figs.benchmark_rings(d),
            figs.ring_trend(d),
            figs.size_figure(d),
            figs.spend_figure(d),
        ):
            if fig is not None:
                figures[fig.id] = fig
        maps, map_notes = _maps(d, spend, points)
        figures.update({f.id: f for f in maps})
        figures["considerations"] = figs.considerations_figure(d)
        obligation = figs.obligation_figure(d)
        if obligation is not None:
            figures["obligation"] = obligation
    when = (now or dt.datetime.now()).strftime("%d/%m/%Y à %H:%M")
    return Report(
        title=f"Commande publique : {d.scope.name()}",
        scope_label=d.scope.name(),
        generated=when,
        fictitious=d.fictitious,
        key_messages=key_messages(d, spend),
        figures=figures,
        data=d,
        scope_lines=scope_lines(d),
        quality_rows=quality_rows(d),
        segments=list(d.segments[:12]),
        map_notes=map_notes,
    )
