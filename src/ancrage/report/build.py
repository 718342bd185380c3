"""Turn a diagnostic (and the spend by place) into the report's content: key messages,
figures (inline SVG) and the text that explains them, in French."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ancrage.diagnose import Scope, diagnose
from ancrage.geo import default_geography
from ancrage.geo.centroids import POSTAL_BASE_FILE, Point, read_postal_base
from ancrage.report.fmt import eur, number, pct
from ancrage.report.maps import commune_map, departement_map
from ancrage.report.spend import Spend, spend_by_place
from ancrage.report.svg import Part, Series, columns, hbars, lines, stacked_bar
from ancrage.settings import Settings

RINGS: tuple[tuple[str, str, str], ...] = (
    ("commune", "même commune", "#7a3b0c"),
    ("epci", "même intercommunalité", "#b0561a"),
    ("departement", "même département", "#e08a3c"),
    ("region", "même région", "#4f8fb0"),
    ("france", "reste de la France", "#23628a"),
    ("abroad", "étranger", "#0b3b5c"),
    ("unknown", "lieu inconnu", "#b8c0c8"),
)
SIZES = (
    ("TPE", "TPE (moins de 10 salariés)", "#e08a3c"),
    ("PME", "PME", "#4f8fb0"),
    ("ETI", "ETI", "#23628a"),
    ("GE", "grandes entreprises", "#0b3b5c"),
    ("unknown", "taille inconnue", "#b8c0c8"),
)
ENV_TARGET = 1.0
SOCIAL_TARGET = 0.3


@dataclass
class Figure:
    """One figure: a title, the SVG, and what it says in plain words."""

    id: str
    title: str
    svg: str
    text: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Everything the template shows."""

    title: str
    scope_label: str
    generated: str
    fictitious: bool
    key_messages: list[str]
    figures: dict[str, Figure]
    data: dict[str, Any]
    scope_lines: list[str]
    quality_rows: list[tuple[str, str]]
    segments: list[dict[str, Any]]
    map_notes: list[str]


def _local_share(d: dict[str, Any]) -> float:
    rings = d["scope"]["local_rings"]
    return float(sum(d["locality"]["by_amount"][r] for r in rings))


def _scope_lines(d: dict[str, Any]) -> list[str]:
    s = d["scope"]
    out = [f"Périmètre : {s['label']}"]
    if s["years"]:
        a, b = s["years"]
        out.append(f"Années de notification : {a}" + (f" à {b}" if b != a else ""))
    else:
        out.append("Années de notification : toutes celles de l'entrepôt")
    if s["buyers"]:
        out.append("Acheteurs retenus : " + ", ".join(s["buyers"]))
    if s["exclude_cpv"]:
        out.append("Codes CPV exclus (préfixes) : " + ", ".join(s["exclude_cpv"]))
    if s["keep_cpv"]:
        out.append("Codes CPV retenus seuls (préfixes) : " + ", ".join(s["keep_cpv"]))
    if s["purchase_type"]:
        out.append(f"Type d'achat : {s['purchase_type']}")
    if s["kind"]:
        out.append(f"Type de contrat : {s['kind']}")
    frameworks = {
        "include": "accords-cadres comptés (leur montant est un plafond, pas une dépense)",
        "exclude": "accords-cadres exclus",
        "separate": "accords-cadres présentés à part",
    }
    out.append("Accords-cadres : " + frameworks.get(s["frameworks"], s["frameworks"]))
    if s["include_flagged"]:
        out.append("Montants invraisemblables signalés : comptés")
    return out


def key_messages(d: dict[str, Any], spend: Spend, home: list[str]) -> list[str]:
    """The few sentences an elected official should read first."""
    t = d["totals"]
    out = [
        f"{number(t['contracts'])} contrats pour {eur(t['amount_eur'])} HT, passés par "
        f"{number(t['buyers'])} acheteurs auprès de {number(t['suppliers'])} titulaires."
    ]
    loc = d["locality"]["by_amount"]
    territory = d["scope"]["territory"]
    if territory is not None and territory["kind"] in ("dep", "reg") and spend.total_eur > 0:
        stay = sum(p.amount_eur for p in spend.by_departement if p.code in home)
        where = "le département" if territory["kind"] == "dep" else "la région"
        out.append(
            f"{pct(stay / spend.total_eur)} des montants restent dans {where} : le titulaire y "
            f"est installé. Lieu du titulaire inconnu pour "
            f"{pct(spend.unplaced_departement_eur / spend.total_eur)} des montants."
        )
    else:
        local = _local_share(d)
        out.append(
            f"{pct(local)} des montants vont à des titulaires installés dans le territoire ; "
            f"lieu du titulaire inconnu pour {pct(loc['unknown'])} des montants."
        )
    if territory is not None and territory["kind"] in ("dep", "reg") and spend.total_eur > 0:
        deps = default_geography().departements
        region = deps[home[0]].region
        away = sum(
            p.amount_eur
            for p in spend.by_departement
            if p.code not in deps or deps[p.code].region != region
        )
        out.append(
            f"{pct(away / spend.total_eur)} des montants partent hors de la région "
            f"({_region_name(region)})."
        )
    else:
        out.append(
            f"{pct(loc['france'] + loc['abroad'])} des montants partent hors de la région de "
            "l'acheteur (reste de la France et étranger)."
        )
    outside = [p for p in spend.by_departement if p.code not in home]
    if outside and spend.total_eur > 0:
        top = outside[0]
        lead = "Hors du territoire, premier" if home else "Premier"
        out.append(
            f"{lead} département bénéficiaire : {_dep_name(top.code)} ({top.code}), "
            f"{pct(top.amount_eur / spend.total_eur)} des montants."
        )
    for key, label, target in (
        ("environmental", "environnementale", ENV_TARGET),
        ("social", "sociale", SOCIAL_TARGET),
    ):
        c = d["considerations"][key]
        if c["share_contracts"] is None:
            out.append(
                f"Considération {label} : non mesurable, aucun contrat du périmètre ne la déclare "
                "(données publiées avant le format 2024)."
            )
        else:
            gap = "atteinte" if c["share_contracts"] >= target else "non atteinte"
            out.append(
                f"{pct(c['share_contracts'])} des contrats déclarent une considération {label} "
                f"(cible {pct(target)} : {gap}) — sur {number(c['reported'])} contrats déclarants."
            )
    single = d["competition"].get("single_offer_share")
    if single is not None:
        out.append(f"{pct(single)} des contrats renseignés n'ont reçu qu'une seule offre.")
    return out


def _region_name(code: str) -> str:
    region = default_geography().regions.get(code)
    return code if region is None else region.nom


def home_departements(d: dict[str, Any]) -> list[str]:
    """The départements of the territory (empty without one)."""
    t = d["scope"]["territory"]
    if t is None:
        return []
    geo = default_geography()
    if t["kind"] == "dep":
        return [t["code"]]
    if t["kind"] == "reg":
        return sorted(k for k, v in geo.departements.items() if v.region == t["code"])
    if t["kind"] == "commune":
        c = geo.communes.get(t["code"])
        return [] if c is None else [c.departement]
    return sorted({c.departement for c in geo.communes.values() if c.epci == t["code"]})


def _dep_name(code: str) -> str:
    dep = default_geography().departements.get(code)
    return dep.nom if dep else code


def _years_figure(d: dict[str, Any]) -> Figure:
    years = [r for r in d["by_year"] if r["year"] is not None]
    xs = [str(r["year"]) for r in years]
    values = [float(r["amount_eur"] or 0.0) for r in years]
    svg = columns(xs, values, labels=[eur(v) for v in values], title="Montant notifié par année")
    undated = [r for r in d["by_year"] if r["year"] is None]
    text = [
        "Chaque barre est la somme des montants des contrats notifiés dans l'année. Une année "
        "partielle ou mal couverte par les données ouvertes paraît plus faible qu'elle n'est."
    ]
    if undated:
        text.append(f"{number(undated[0]['contracts'])} contrats sans date ne sont pas placés.")
    return Figure("years", "Le volume d'achat, année par année", svg, text)


def _rings_figure(d: dict[str, Any]) -> Figure:
    loc = d["locality"]["by_amount"]
    parts = [Part(label, loc[key], color) for key, label, color in RINGS]
    svg = stacked_bar(parts, title="Répartition des montants par lieu du titulaire")
    return Figure(
        "rings",
        "Où sont installés les titulaires ?",
        svg,
        [
            "La barre répartit 100 % des montants selon la distance administrative entre "
            "l'acheteur et l'établissement titulaire : même commune, même intercommunalité, "
            "même département, même région, reste de la France, étranger.",
            "Le lieu retenu est celui de l'établissement qui exécute (SIRET), pas du siège : "
            "l'agence locale d'un groupe national compte comme locale.",
            "« Lieu inconnu » compte aussi les titulaires dont seul le département est connu, "
            "quand c'est celui de l'acheteur (ils peuvent être dans la même commune) : la carte "
            "des départements, plus bas, les place.",
        ],
    )


def _benchmark_rings(d: dict[str, Any]) -> Figure | None:
    bench = d.get("benchmark")
    if bench is None:
        return None
    loc = bench["locality"]["by_amount"]
    parts = [Part(label, loc[key], color) for key, label, color in RINGS]
    label = bench["scope"]["label"]
    return Figure(
        "rings_ref",
        f"Pour comparer : {label}",
        stacked_bar(parts, title=f"Répartition des montants par lieu du titulaire, {label}"),
        [
            "Même mesure, mêmes filtres, sur le territoire de référence : chaque acheteur y "
            "est comparé à son propre cercle local."
        ],
    )


def _ring_trend(d: dict[str, Any]) -> Figure | None:
    rows = [r for r in d["locality"]["by_year"] if r["year"] is not None]
    xs = sorted({str(r["year"]) for r in rows})
    if len(xs) < 2:
        return None
    local = set(d["scope"]["local_rings"])
    values: list[float | None] = []
    for x in xs:
        year_rows = [r for r in rows if str(r["year"]) == x]
        known = sum(r["share_amount"] or 0.0 for r in year_rows if r["ring"] != "unknown")
        here = sum(r["share_amount"] or 0.0 for r in year_rows if r["ring"] in local)
        values.append(here / known if known > 0 else None)
    svg = lines(
        xs,
        [Series("part locale", values, "#c26a1b")],
        title="Part locale des montants localisés, par année",
    )
    return Figure(
        "ring_trend",
        "La part locale évolue-t-elle ?",
        svg,
        [
            "Part des montants allant à des titulaires du territoire, parmi les montants dont "
            "le titulaire est localisé. Une année sans point n'a aucun titulaire localisé."
        ],
    )


def _period(rows: list[dict[str, Any]]) -> str:
    years = sorted(int(r["year"]) for r in rows if r.get("year") is not None)
    if not years:
        return ""
    if years[0] == years[-1]:
        return f" sur l'exercice {years[0]}"
    return f" sur les exercices {years[0]} à {years[-1]}"


def spend_sentence(d: dict[str, Any]) -> str | None:
    """The buyers' spend in plain words, or ``None`` when the diagnostic has none."""
    spend = d.get("spend")
    if spend is None:
        return None
    t = spend["totals"]
    loc = spend["locality"]["by_amount"]
    local = sum(loc[r] for r in d["scope"]["local_rings"])
    return (
        f"Dans la comptabilité des acheteurs, {number(t['lines'])} lignes de dépenses d'achat "
        f"totalisent {eur(t['amount_eur'])}{_period(spend['by_year'])}, auprès de "
        f"{number(t['suppliers'])} fournisseurs : {pct(local)} de ce montant va à des "
        f"fournisseurs installés dans le territoire, {pct(loc['france'] + loc['abroad'])} part "
        f"hors de la région ; lieu du fournisseur inconnu pour {pct(loc['unknown'])}."
    )


def _spend_figure(d: dict[str, Any]) -> Figure | None:
    """Where the buyers' accounted spend goes, by ring (only when spend data exist)."""
    sentence = spend_sentence(d)
    if sentence is None:
        return None
    loc = d["spend"]["locality"]["by_amount"]
    parts = [Part(label, loc[key], color) for key, label, color in RINGS]
    return Figure(
        "spend_rings",
        "Les dépenses courantes de l'acheteur : où va l'argent ?",
        stacked_bar(parts, title="Répartition des dépenses par lieu du fournisseur"),
        [
            sentence,
            "Ces dépenses sont les mandats payés de la comptabilité (montants tels qu'exportés, "
            "avoirs déduits) : elles comptent les petits achats absents des DECP, mais aussi des "
            "paiements de marchés déjà comptés plus haut. Ne les additionnez pas aux contrats.",
            "Même mesure que pour les contrats : cercles autour de l'acheteur, fournisseur placé "
            "par son SIRET (ou son SIREN) ; sans identifiant, son lieu est inconnu.",
        ],
    )


def _size_figure(d: dict[str, Any]) -> Figure:
    s = d["supplier_size"]["by_amount"]
    parts = [Part(label, s[key], color) for key, label, color in SIZES]
    text = [
        "Taille de l'entreprise titulaire (au niveau de l'entreprise entière), d'après SIRENE : "
        "catégorie calculée par l'INSEE et tranche d'effectif au 31 décembre. C'est une "
        "approximation (pas de chiffre d'affaires, effectif et non équivalent temps plein)."
    ]
    if s["unknown"] >= 0.999:
        text.append("Aucune taille n'est connue : lancez « ancrage enrich » avec le stock SIRENE.")
    return Figure(
        "sizes",
        "Quelles entreprises emportent les marchés ?",
        stacked_bar(parts, title="Répartition des montants par taille du titulaire"),
        text,
    )


def _considerations_figure(d: dict[str, Any]) -> Figure:
    c = d["considerations"]
    env, soc = c["environmental"], c["social"]
    parts = [
        Part(
            "considération environnementale",
            env["share_contracts"] or 0.0,
            "#3d7a4a",
            note="non mesurable" if env["share_contracts"] is None else "",
            target=ENV_TARGET,
            target_label="cible 100 %",
        ),
        Part(
            "considération sociale",
            soc["share_contracts"] or 0.0,
            "#6a4c93",
            note="non mesurable" if soc["share_contracts"] is None else "",
            target=SOCIAL_TARGET,
            target_label="cible 30 %",
        ),
    ]
    svg = hbars(
        parts,
        title="Part des contrats avec une considération environnementale ou sociale",
    )
    return Figure(
        "considerations",
        "Clauses environnementales et sociales : où en est-on des objectifs ?",
        svg,
        [
            "Objectifs du plan national pour des achats durables (PNAD 2022-2025) : 100 % des "
            "contrats notifiés avec au moins une considération environnementale, 30 % avec une "
            "considération sociale.",
            "Obligation légale (loi Climat et Résilience, art. 35) : à partir du 21 août 2026, "
            "chaque marché comporte au moins un critère d'attribution environnemental, et une "
            "condition d'exécution sociale au-dessus des seuils européens (sauf exceptions).",
            env["note"],
        ],
    )


def _commune_points(settings: Settings, postal_base: Path | None) -> dict[str, Point] | None:
    path = postal_base
    if path is not None and path.is_dir():
        path = path / POSTAL_BASE_FILE
    if path is None:
        cached = settings.reference_dir / "laposte" / POSTAL_BASE_FILE
        path = cached if cached.is_file() else None
    return None if path is None else read_postal_base(path)


def _territory_communes(d: dict[str, Any]) -> list[str]:
    t = d["scope"]["territory"]
    if t is None:
        return []
    geo = default_geography()
    attr = {"commune": "code", "epci": "epci", "dep": "departement", "reg": "region"}[t["kind"]]
    return [c.code for c in geo.communes.values() if getattr(c, attr) == t["code"]]


def _maps(
    d: dict[str, Any], spend: Spend, points: dict[str, Point] | None
) -> tuple[list[Figure], list[str]]:
    geo = default_geography()
    notes: list[str] = []
    if not spend.enriched:
        notes.append(
            "Cartes indisponibles : l'entrepôt n'est pas enrichi (lancez « ancrage enrich »)."
        )
        return [], notes
    home = home_departements(d)
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
    communes = _territory_communes(d)
    if not communes:
        notes.append(
            "Carte des communes : elle montre l'intérieur d'un territoire ; donnez-en un "
            "(--territory) pour l'obtenir."
        )
        return figures, notes
    if points is None:
        notes.append(
            "Carte des communes indisponible : la base des codes postaux de La Poste (points "
            "des communes) n'est pas dans le cache ; donnez-la avec --postal-base."
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
                title="Montants par commune : reçus par les titulaires, dépensés par les acheteurs",
            ),
            text,
        )
    )
    return figures, notes


def _quality_rows(d: dict[str, Any]) -> list[tuple[str, str]]:
    q = d["quality"]
    return [
        ("contrats sans montant", number(q.get("missing_amounts"))),
        ("montants invraisemblables (exclus des totaux)", number(q.get("flagged_amounts"))),
        ("acheteurs non localisés", number(q.get("buyers_unlocated"))),
        ("titulaires de localisation inconnue", number(q.get("suppliers_unknown_location"))),
        ("enregistrements écartés (quarantaine)", number(q.get("quarantined_records"))),
        ("accords-cadres (montant = plafond)", number(d["totals"].get("framework_contracts"))),
        (
            "contrats déclarant les considérations",
            number(d["considerations"]["environmental"]["reported"]),
        ),
    ]


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
    for fig in (
        _years_figure(d),
        _rings_figure(d),
        _benchmark_rings(d),
        _ring_trend(d),
        _size_figure(d),
        _spend_figure(d),
    ):
        if fig is not None:
            figures[fig.id] = fig
    maps, map_notes = _maps(d, spend, points)
    figures.update({f.id: f for f in maps})
    figures["considerations"] = _considerations_figure(d)
    when = (now or dt.datetime.now()).strftime("%d/%m/%Y à %H:%M")
    return Report(
        title=f"Commande publique : {d['scope']['label']}",
        scope_label=d["scope"]["label"],
        generated=when,
        fictitious=bool(d["fictitious"]),
        key_messages=key_messages(d, spend, home_departements(d)),
        figures=figures,
        data=d,
        scope_lines=_scope_lines(d),
        quality_rows=_quality_rows(d),
        segments=d["segments"][:12],
        map_notes=map_notes,
    )
