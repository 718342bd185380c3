"""The report's charts: each figure is an inline SVG and the sentences that explain it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ancrage.diagnose import Diagnostic
from ancrage.diagnose.model import RingShares, SizeShares, SpendYear
from ancrage.fmt import caution, count, eur, number, pct, share
from ancrage.labels import RING_COLOURS, RING_IDS, RING_LABELS, SIZE_COLOURS, SIZE_IDS, SIZE_LABELS
from ancrage.report.svg import Part, Series, columns, hbars, lines, stacked_bar


@dataclass
class Figure:
    """One figure: a title, the SVG, and what it says in plain words."""

    id: str
    title: str
    svg: str
    text: list[str] = field(default_factory=list)


def ring_parts(shares: RingShares) -> list[Part]:
    return [
        Part(RING_LABELS[ring], shares.get(ring).value or 0.0, RING_COLOURS[ring])
        for ring in RING_IDS
    ]


def size_parts(shares: SizeShares) -> list[Part]:
    return [
        Part(SIZE_LABELS[size], shares.get(size).value or 0.0, SIZE_COLOURS[size])
        for size in SIZE_IDS
    ]


def year_axis(years: Sequence[int]) -> list[int]:
    """Every year from the first to the last: a year without data keeps its place."""
    return list(range(min(years), max(years) + 1)) if years else []


def years_figure(d: Diagnostic) -> Figure:
    found = {r.year: r for r in d.by_year if r.year is not None}
    axis = year_axis(list(found))
    values = [found[y].amount_eur if y in found else None for y in axis]
    labels = [eur(v) if v is not None else "aucun contrat" for v in values]
    svg = columns([str(y) for y in axis], values, labels=labels, title="Montant notifié par année")
    undated = [r for r in d.by_year if r.year is None]
    text = [
        "Chaque barre est la somme des montants des contrats notifiés dans l'année. Une année "
        "partielle ou mal couverte par les données ouvertes paraît plus faible qu'elle n'est."
    ]
    missing = [y for y in axis if y not in found]
    if missing:
        text.append(
            "Aucun contrat dans les données pour "
            + ", ".join(str(y) for y in missing)
            + " : ces années ne sont pas couvertes par les fichiers chargés, ce n'est pas une "
            "absence d'achat."
        )
    if undated:
        text.append(f"{count(undated[0].contracts, 'contrat')} sans date ne sont pas placés.")
    return Figure("years", "Le volume d'achat, année par année", svg, text)


def rings_figure(d: Diagnostic) -> Figure:
    svg = stacked_bar(
        ring_parts(d.locality.by_amount), title="Répartition des montants par lieu du titulaire"
    )
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


def benchmark_rings(d: Diagnostic) -> Figure | None:
    bench = d.benchmark
    if bench is None:
        return None
    label = bench.scope.name()
    return Figure(
        "rings_ref",
        f"Pour comparer : {label}",
        stacked_bar(
            ring_parts(bench.locality.by_amount),
            title=f"Répartition des montants par lieu du titulaire, {label}",
        ),
        [
            "Même mesure, mêmes filtres, sur le territoire de référence : chaque acheteur y "
            "est comparé à son propre cercle local."
        ],
    )


def ring_trend(d: Diagnostic) -> Figure | None:
    rows = [r for r in d.locality.by_year if r.year is not None]
    axis = year_axis(sorted({r.year for r in rows if r.year is not None}))
    if len(axis) < 2:
        return None
    local = set(d.scope.local_rings)
    values: list[float | None] = []
    for year in axis:
        year_rows = [r for r in rows if r.year == year]
        known = sum(r.amount_eur for r in year_rows if r.ring != "unknown")
        here = sum(r.amount_eur for r in year_rows if r.ring in local)
        values.append(here / known if known > 0 else None)
    svg = lines(
        [str(y) for y in axis],
        [Series("part locale", values, "#c26a1b")],
        title="Part locale des montants localisés, par année",
    )
    return Figure(
        "ring_trend",
        "La part locale évolue-t-elle ?",
        svg,
        [
            "Part des montants allant à des titulaires du territoire, parmi les montants dont "
            "le titulaire est localisé. Une année sans point n'a aucun titulaire localisé (ou "
            "aucun contrat) : la ligne s'y interrompt."
        ],
    )


def _period(rows: Sequence[SpendYear]) -> str:
    years = sorted(r.year for r in rows if r.year is not None)
    if not years:
        return ""
    if years[0] == years[-1]:
        return f" sur l'exercice {years[0]}"
    return f" sur les exercices {years[0]} à {years[-1]}"


def spend_sentence(d: Diagnostic) -> str | None:
    """The buyers' spend in plain words, or ``None`` when the diagnostic has none."""
    spend = d.spend
    if spend is None:
        return None
    t = spend.totals
    loc = spend.locality
    away = loc.by_amount.total(("france", "abroad"))
    return (
        f"Dans la comptabilité des acheteurs, {number(t.lines)} lignes de dépenses d'achat "
        f"totalisent {eur(t.amount_eur)}{_period(spend.by_year)}, auprès de "
        f"{number(t.suppliers)} fournisseurs : {pct(loc.local.value)} de ce montant va à des "
        f"fournisseurs installés dans le territoire, {pct(away.value)} part hors de la région ; "
        f"lieu du fournisseur inconnu pour {pct(loc.by_amount.unknown.value)}."
        + caution(loc.local, "lignes")
    )


def spend_figure(d: Diagnostic) -> Figure | None:
    """Where the buyers' accounted spend goes, by ring (only when spend data exist)."""
    sentence = spend_sentence(d)
    if sentence is None or d.spend is None:
        return None
    return Figure(
        "spend_rings",
        "Les dépenses courantes de l'acheteur : où va l'argent ?",
        stacked_bar(
            ring_parts(d.spend.locality.by_amount),
            title="Répartition des dépenses par lieu du fournisseur",
        ),
        [
            sentence,
            "Ces dépenses sont les mandats payés de la comptabilité (montants tels qu'exportés, "
            "avoirs déduits) : elles comptent les petits achats absents des DECP, mais aussi des "
            "paiements de marchés déjà comptés plus haut. Ne les additionnez pas aux contrats.",
            "Même mesure que pour les contrats : cercles autour de l'acheteur, fournisseur placé "
            "par son SIRET (ou son SIREN) ; sans identifiant, son lieu est inconnu.",
        ],
    )


def size_figure(d: Diagnostic) -> Figure:
    s = d.supplier_size
    text = [
        "Taille de l'entreprise titulaire (au niveau de l'entreprise entière), d'après SIRENE : "
        "catégorie calculée par l'INSEE et tranche d'effectif au 31 décembre. C'est une "
        "approximation (pas de chiffre d'affaires, effectif et non équivalent temps plein)."
    ]
    if d.sirene is not None:
        text.append(
            f"Taille inconnue pour {pct(1 - s.rows_known / s.rows)} des titulaires. "
            + d.sirene.sentence
        )
    elif s.rows and s.rows_known == 0:
        text.append("Aucune taille n'est connue : lancez « ancrage enrich » avec le stock SIRENE.")
    return Figure(
        "sizes",
        "Quelles entreprises emportent les marchés ?",
        stacked_bar(
            size_parts(s.by_amount), title="Répartition des montants par taille du titulaire"
        ),
        text,
    )


def considerations_figure(d: Diagnostic) -> Figure:
    env, soc = d.considerations.environmental, d.considerations.social
    parts = [
        Part(
            f"considération {label}",
            c.share_contracts.value or 0.0,
            colour,
            note="non mesurable" if c.share_contracts.value is None else share(c.share_contracts),
            target=c.target,
            target_label=f"cible {number(100 * c.target)} %",
        )
        for c, label, colour in (
            (env, "environnementale", "#3d7a4a"),
            (soc, "sociale", "#6a4c93"),
        )
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
            env.note,
        ],
    )


def obligation_figure(d: Diagnostic) -> Figure | None:
    """The environmental consideration quarter by quarter, against the obligation (only when
    some contract declares its considerations)."""
    o = d.obligation
    trend = o.trend()
    if not trend:
        return None
    xs = [q.quarter.replace("-T", " T") for q in trend]
    svg = lines(
        xs,
        [Series("considération environnementale", [q.share.value for q in trend], "#3d7a4a")],
        title="Part des contrats déclarants avec une considération environnementale, par trimestre",
        target=1.0,
        target_label="obligation 100 %",
    )
    since = o.since.strftime("%d/%m/%Y")
    text = [
        f"Chaque point est la part des contrats notifiés dans le trimestre, parmi ceux qui "
        f"déclarent leurs considérations, qui ont une considération environnementale ; "
        f"l'obligation s'applique aux contrats notifiés depuis le {since}. Un trimestre sans "
        "point n'a aucun contrat déclarant.",
    ]
    if o.contracts == 0:
        text.append(f"Aucun contrat du périmètre n'est encore notifié depuis le {since}.")
    else:
        text.append(
            f"Depuis le {since} : {pct(o.share.value)} des {count(o.reported, 'contrat')} "
            f"déclarants ont une considération environnementale, {pct(o.criterion_share.value)} "
            "un critère d'attribution environnemental (la forme exigée)."
            + caution(o.share, "contrats déclarants")
        )
    text.append(o.note)
    return Figure("obligation", "L'obligation environnementale depuis le 21 août 2026", svg, text)
