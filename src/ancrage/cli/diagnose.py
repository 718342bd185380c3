"""ancrage diagnose: the territorial diagnostic of a scope, beside a reference scope."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ancrage import fmt
from ancrage.cli.common import (
    FICTITIOUS_BANNER,
    HomeOption,
    TableFormat,
    out,
    print_json,
    rich_table,
    settings,
    warn_interrupted,
)
from ancrage.labels import RING_LABELS

if TYPE_CHECKING:
    from ancrage.diagnose import Diagnostic, Scope, Share
    from ancrage.diagnose.model import Concessions, EnvObligation, SpendBlock


class KindOption(StrEnum):
    marche = "marche"
    concession = "concession"


class PurchaseTypeOption(StrEnum):
    travaux = "travaux"
    fournitures = "fournitures"
    services = "services"


class FrameworksOption(StrEnum):
    include = "include"
    exclude = "exclude"
    separate = "separate"


Territory = Annotated[
    str | None, typer.Option("--territory", help="Territoire : dep:74, reg:84, epci:…, nom.")
]
Buyers = Annotated[
    str | None,
    typer.Option("--buyers", help="SIRET ou SIREN d'acheteurs, séparés par des virgules."),
]
Years = Annotated[str | None, typer.Option("--years", help="Année ou période : 2024, 2022-2024.")]
ExcludeCpv = Annotated[
    str | None, typer.Option("--exclude-cpv", help="Préfixes CPV à exclure (33 = médical).")
]
KeepCpv = Annotated[str | None, typer.Option("--keep-cpv", help="Préfixes CPV à garder seuls.")]
Kind = Annotated[
    KindOption,
    typer.Option(
        "--kind",
        help="marche (défaut) ou concession : la valeur d'une concession n'est jamais ajoutée "
        "aux montants des marchés.",
    ),
]
PurchaseType = Annotated[
    PurchaseTypeOption | None,
    typer.Option("--purchase-type", help="travaux, fournitures ou services."),
]
Frameworks = Annotated[
    FrameworksOption,
    typer.Option("--frameworks", help="Accords-cadres : include, exclude ou separate."),
]
IncludeFlagged = Annotated[
    bool, typer.Option("--include-flagged", help="Compter les montants signalés invraisemblables.")
]
Reference = Annotated[
    str | None,
    typer.Option(
        "--reference", help="Référence affichée à côté : region, france ou un territoire."
    ),
]


SCOPE_OPTIONS: dict[str, tuple[Any, Any]] = {
    "territory": (Territory, None),
    "buyers": (Buyers, None),
    "years": (Years, None),
    "exclude_cpv": (ExcludeCpv, None),
    "keep_cpv": (KeepCpv, None),
    "kind": (Kind, KindOption.marche),
    "purchase_type": (PurchaseType, None),
    "frameworks": (Frameworks, FrameworksOption.include),
    "include_flagged": (IncludeFlagged, False),
    "reference": (Reference, None),
}


def scope_from_options(
    territory: str | None = None,
    buyers: str | None = None,
    years: str | None = None,
    exclude_cpv: str | None = None,
    keep_cpv: str | None = None,
    kind: KindOption = KindOption.marche,
    purchase_type: PurchaseTypeOption | None = None,
    frameworks: FrameworksOption = FrameworksOption.include,
    include_flagged: bool = False,
) -> Scope:
    from ancrage.diagnose import build_scope

    return build_scope(
        territory=territory,
        buyers=buyers,
        years=years,
        kind=kind.value,
        exclude_cpv=exclude_cpv,
        keep_cpv=keep_cpv,
        purchase_type=purchase_type.value if purchase_type else None,
        frameworks=frameworks.value,
        include_flagged=include_flagged,
    )


def with_scope_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the scope options (``--territory`` … ``--reference``).

    The command declares ``scope: Scope`` and ``reference: str | None`` instead of the ten
    options; they are added to its signature for typer, before its last parameter (``--home``).
    """
    # ``Scope`` is imported for type checking only (``ancrage.diagnose`` is heavy): the scope
    # parameter is replaced below, so its annotation need not resolve.
    signature = inspect.signature(command, eval_str=True, locals={"Scope": Any})
    own = [p for p in signature.parameters.values() if p.name not in ("scope", "reference")]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hint)
        for name, (hint, default) in SCOPE_OPTIONS.items()
    ]
    params = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in [*own[:-1], *added, *own[-1:]]
    ]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        reference = kwargs.pop("reference")
        options = {name: kwargs.pop(name) for name in SCOPE_OPTIONS if name != "reference"}
        scope = scope_from_options(**options)
        command(scope=scope, reference=reference, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    return wrapper


def _pct(value: Share | None) -> str:
    return fmt.share(value, 1)


def _size_label(size: str) -> str:
    return "inconnue" if size == "unknown" else size


def _unknown_notes(shares: Iterable[Share | None]) -> list[str]:
    """« — : why » for each distinct reason of the unknown shares of a table."""
    reasons = dict.fromkeys(s.reason for s in shares if s is not None and s.value is None)
    return [f"— : {reason}." for reason in reasons if reason]


def _notes(*lines: str) -> None:
    for line in lines:
        if line:
            out().print(line.strip(), style="dim")


@with_scope_options
def diagnose_cmd(
    scope: Scope,
    reference: str | None,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
    home: HomeOption = None,
) -> None:
    """Diagnostic territorial de la commande publique : volume, ancrage local, titulaires,
    considérations, concurrence, fuites par segment, qualité des données."""
    from ancrage.diagnose import diagnose

    warn_interrupted(settings(home))
    data = diagnose(settings(home), scope, reference=reference)
    if output is TableFormat.json:
        print_json(data.as_json())
        return
    show(data)


def show(d: Diagnostic) -> None:
    from ancrage.diagnose.model import MIN_CLAIM_BASE

    console = out()
    if d.fictitious:
        console.print(FICTITIOUS_BANNER)
    console.print(f"Diagnostic : {d.scope.name()}", style="bold")
    if d.empty is not None:
        console.print(d.empty, style="bold yellow")
        if d.placement is not None and d.placement.buyers:
            _notes(d.placement.sentence)
        if d.concessions is not None and d.concessions.contracts:
            show_concessions(d.concessions)
        return
    bench = d.benchmark
    ref_col = [f"référence ({bench.scope.name()})"] if bench else []
    t = d.totals
    ref = bench.totals if bench else None
    rows = [
        ["contrats", t.contracts, *([ref.contracts] if ref else [])],
        ["montant (€ HT)", t.amount_eur, *([ref.amount_eur] if ref else [])],
        ["acheteurs", t.buyers, *([ref.buyers] if ref else [])],
        ["titulaires", t.suppliers, *([ref.suppliers] if ref else [])],
    ]
    console.print(rich_table("Volume", ["", "périmètre", *ref_col], rows))
    if d.placement is not None and d.placement.buyers:
        _notes(d.placement.sentence)
    loc = d.locality
    rows = [
        [
            RING_LABELS[ring],
            fmt.pct(share.value, 1),
            fmt.pct(loc.by_count.get(ring).value, 1),
            *([_pct(bench.locality.by_amount.get(ring))] if bench else []),
        ]
        for ring, share in loc.by_amount.items()
    ]
    console.print(
        rich_table(
            "Localisation des titulaires (cercles autour de l'acheteur)",
            [
                "cercle",
                "part du montant",
                "part des titulaires",
                *[f"{c}, montant" for c in ref_col],
            ],
            rows,
        )
    )
    _notes(
        f"Part locale (dans le territoire) : {_pct(loc.local)} du montant, "
        f"{_pct(loc.local_of_located)} du montant dont le titulaire est localisé."
        if d.scope.territory is not None
        else f"Part dans le département de l'acheteur ou plus près : {_pct(loc.local)} du "
        f"montant, {_pct(loc.local_of_located)} du montant dont le titulaire est localisé.",
        fmt.caution(loc.by_amount.unknown, "lignes contrat × titulaire"),
        *_unknown_notes([loc.by_amount.unknown, loc.local_of_located]),
    )
    size = d.supplier_size
    console.print(
        rich_table(
            "Taille des titulaires",
            ["taille", "part du montant", "part des titulaires"],
            [
                [_size_label(k), fmt.pct(share.value, 1), fmt.pct(size.by_count.get(k).value, 1)]
                for k, share in size.by_amount.items()
            ],
        )
    )
    _notes(
        f"Part des TPE et PME, parmi les titulaires de taille connue : "
        f"{_pct(size.by_amount.sme)} du montant, {_pct(size.by_count.sme)} des titulaires.",
        *([] if d.sirene else _unknown_notes([size.by_amount.sme])),
    )
    if d.sirene is not None:
        console.print(d.sirene.sentence, style="yellow")
    cons = d.considerations
    pair = (("environnementales", cons.environmental), ("sociales", cons.social))
    console.print(
        rich_table(
            "Considérations environnementales et sociales",
            ["", "part des contrats", "part du montant", "cible 2025", "contrats déclarants"],
            [
                [
                    label,
                    _pct(c.share_contracts),
                    _pct(c.share_amount),
                    f"{fmt.pct(c.target)} : {c.verdict}",
                    f"{fmt.number(c.reported)} / {fmt.number(c.contracts)}",
                ]
                for label, c in pair
            ],
        )
    )
    _notes(
        cons.environmental.note,
        *(
            "Cible « base trop faible » : "
            f"{fmt.count(c.reported, 'contrat déclarant', 'contrats déclarants')} sur "
            f"{fmt.number(c.contracts)} ; un verdict demande au moins {MIN_CLAIM_BASE} "
            "contrats déclarants et la moitié du périmètre."
            for _, c in pair[:1]
            if c.verdict == "base trop faible"
        ),
        *_unknown_notes([cons.environmental.share_contracts]),
    )
    show_obligation(d.obligation)
    comp = d.competition
    console.print(
        rich_table(
            "Concurrence",
            ["", "valeur"],
            [
                ["contrats renseignant les offres", comp.contracts_with_offers],
                ["offres reçues (moyenne)", fmt.number(comp.mean_offers, 1)],
                ["part des contrats à offre unique", _pct(comp.single_offer_share)],
                ["part des 10 premiers titulaires (montant)", _pct(d.concentration.top10_share)],
            ],
        )
    )
    console.print(
        rich_table(
            "Segments d'achat",
            [
                "segment",
                "contrats",
                "montant (€ HT)",
                "localisé",
                "part locale",
                "part qui sort",
                "établissements locaux du métier",
            ],
            [
                [
                    s.label,
                    s.contracts,
                    s.amount_eur,
                    fmt.pct(s.located_share.value, 1),
                    _pct(s.local_share),
                    _pct(s.leaving_share),
                    "indisponible" if s.local_establishments is None else s.local_establishments,
                ]
                for s in d.segments
            ],
        )
    )
    _notes(
        "Localisé : part du montant dont le titulaire est localisé ; parts locale et qui sort : "
        "parmi ce montant ; « (sur N) » : part calculée sur moins de 30 lignes, à lire avec "
        "prudence.",
        *_unknown_notes(s.local_share for s in d.segments),
    )
    if d.concessions is not None and d.concessions.contracts:
        show_concessions(d.concessions)
    if d.frameworks is not None:
        f = d.frameworks
        console.print(
            rich_table(
                "Accords-cadres (comptés à part ; montant = plafond)",
                ["", "valeur"],
                [
                    ["accords-cadres", f.totals.contracts],
                    ["montant plafond (€ HT)", f.totals.amount_eur],
                    ["part locale du montant", _pct(f.local)],
                ],
            )
        )
    if d.spend is not None:
        show_spend(d.spend)
    q = d.quality
    unlocated = (
        "acheteurs non localisés"
        if d.placement is None
        else "acheteurs de la zone non placés (peut-être dans le territoire)"
    )
    console.print(
        rich_table(
            "Qualité des données",
            ["", "nombre"],
            [
                ["contrats sans montant", q.missing_amounts],
                ["montants signalés (exclus des totaux)", q.flagged_amounts],
                [unlocated, q.buyers_unlocated],
                ["titulaires de localisation inconnue", q.suppliers_unknown_location],
                [
                    "enregistrements en quarantaine (fichiers du périmètre)",
                    q.quarantined_records,
                ],
            ],
        )
    )


IN_FORCE = {True: "oui", False: "non", None: "à partir du 21 août"}


def show_obligation(o: EnvObligation, top: int = 10) -> None:
    """The environmental obligation in force since 21 August 2026."""
    console = out()
    title = f"Obligation environnementale (depuis le {o.since:%d/%m/%Y})"
    quarters = o.trend()
    if o.contracts == 0:
        console.print(
            f"{title} : non mesurable, aucun contrat du périmètre notifié depuis cette date.",
            style="bold",
        )
    else:
        console.print(
            rich_table(
                title,
                ["", "valeur"],
                [
                    ["contrats notifiés depuis cette date", o.contracts],
                    ["dont déclarant leurs considérations", o.reported],
                    ["avec une considération environnementale", _pct(o.share)],
                    ["avec un critère d'attribution environnemental", _pct(o.criterion_share)],
                    ["cible légale 100 %", o.verdict],
                ],
            )
        )
    if quarters:
        console.print(
            rich_table(
                "Considération environnementale, trimestre par trimestre",
                ["trimestre", "obligation en vigueur", "contrats déclarants", "part"],
                [[q.quarter, IN_FORCE[q.in_force], q.reported, _pct(q.share)] for q in quarters],
            )
        )
    far = [b for b in o.buyers if b.share.value is not None][:top]
    if far:
        console.print(
            rich_table(
                f"Acheteurs les plus loin de 100 % ({len(far)} sur {len(o.buyers)})",
                ["acheteur", "identifiant", "contrats déclarants", "part", "dont critère"],
                [
                    [b.name or "—", b.buyer, b.reported, _pct(b.share), _pct(b.criterion_share)]
                    for b in far
                ],
            )
        )
    if o.contracts or quarters:
        _notes(o.note)


def show_concessions(c: Concessions, top: int = 10) -> None:
    """Concessions apart: their value is not a purchase."""
    console = out()
    rows: list[list[Any]] = [
        ["contrats de concession", c.contracts],
        ["valeur globale (€ HT, sur toute la durée)", c.value_eur],
        ["autorités concédantes", c.buyers],
        *[
            [
                f"signés en {y.year or 'année inconnue'}",
                f"{fmt.number(y.contracts)} contrats, {fmt.eur(y.value_eur)}",
            ]
            for y in c.by_year
        ],
    ]
    console.print(rich_table("Contrats de concession (à part des marchés)", ["", "valeur"], rows))
    console.print(
        rich_table(
            f"Concessions par autorité concédante ({min(top, len(c.by_buyer))} premières)",
            ["autorité concédante", "identifiant", "contrats", "valeur globale (€ HT)"],
            [[b.name or "—", b.buyer, b.contracts, b.value_eur] for b in c.by_buyer[:top]],
        )
    )
    console.print(c.note)


def show_spend(spend: SpendBlock) -> None:
    """The « Dépenses » section: purchases below the DECP threshold, from the accounts."""
    console = out()
    t = spend.totals
    loc = spend.locality
    rows: list[list[Any]] = [
        ["lignes de dépenses", t.lines],
        ["montant (€)", t.amount_eur],
        ["acheteurs", t.buyers],
        ["fournisseurs", t.suppliers],
        ["avoirs", t.credit_notes],
        ["part du montant dans le territoire", _pct(loc.local)],
        ["part des lignes de localisation inconnue", _pct(loc.by_count.unknown)],
        ["part du montant à des TPE/PME (taille connue)", _pct(spend.supplier_size.by_amount.sme)],
    ]
    console.print(rich_table("Dépenses (comptabilité de l'acheteur)", ["", "valeur"], rows))
    console.print(
        rich_table(
            "Dépenses : cercles autour de l'acheteur",
            ["cercle", "part du montant", "part des lignes"],
            [
                [RING_LABELS[ring], _pct(share), _pct(loc.by_count.get(ring))]
                for ring, share in loc.by_amount.items()
            ],
        )
    )
    console.print(
        rich_table(
            "Dépenses : segments d'achat",
            ["segment", "lignes", "montant (€)", "part locale", "part qui sort"],
            [
                [s.label, s.contracts, s.amount_eur, _pct(s.local_share), _pct(s.leaving_share)]
                for s in spend.segments
            ],
        )
    )
