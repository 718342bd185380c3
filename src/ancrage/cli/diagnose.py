"""ancrage diagnose: the territorial diagnostic of a scope, beside a reference scope."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ancrage.cli.common import (
    FICTITIOUS_BANNER,
    HomeOption,
    TableFormat,
    out,
    print_json,
    rich_table,
    settings,
)

if TYPE_CHECKING:
    from ancrage.diagnose import Scope

RING_LABELS = {
    "commune": "même commune",
    "epci": "même EPCI",
    "departement": "même département",
    "region": "même région",
    "france": "reste de la France",
    "abroad": "étranger",
    "unknown": "inconnu",
}


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
Kind = Annotated[KindOption | None, typer.Option("--kind", help="marche ou concession.")]
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
    "kind": (Kind, None),
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
    kind: KindOption | None = None,
    purchase_type: PurchaseTypeOption | None = None,
    frameworks: FrameworksOption = FrameworksOption.include,
    include_flagged: bool = False,
) -> Scope:
    from ancrage.diagnose import build_scope

    return build_scope(
        territory=territory,
        buyers=buyers,
        years=years,
        kind=kind.value if kind else None,
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


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.1f} %".replace(".", ",")


def _ref(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data.get("benchmark")
    for key in path:
        if node is None:
            return None
        node = node.get(key)
    return node


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

    data = diagnose(settings(home), scope, reference=reference)
    if output is TableFormat.json:
        print_json(data)
        return
    show(data)


def show(data: dict[str, Any]) -> None:
    console = out()
    if data["fictitious"]:
        console.print(FICTITIOUS_BANNER)
    console.print(f"Diagnostic : {data['scope']['label']}", style="bold")
    bench = "benchmark" in data
    ref_col = [f"référence ({data['benchmark']['scope']['label']})"] if bench else []
    t = data["totals"]
    rows = [
        ["contrats", t["contracts"], *([_ref(data, ("totals", "contracts"))] if bench else [])],
        [
            "montant (€ HT)",
            t["amount_eur"],
            *([_ref(data, ("totals", "amount_eur"))] if bench else []),
        ],
        ["acheteurs", t["buyers"], *([_ref(data, ("totals", "buyers"))] if bench else [])],
        ["titulaires", t["suppliers"], *([_ref(data, ("totals", "suppliers"))] if bench else [])],
    ]
    console.print(rich_table("Volume", ["", "périmètre", *ref_col], rows))
    loc = data["locality"]
    rows = [
        [
            label,
            _pct(loc["by_amount"][ring]),
            _pct(loc["by_count"][ring]),
            *([_pct(_ref(data, ("locality", "by_amount", ring)))] if bench else []),
        ]
        for ring, label in RING_LABELS.items()
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
    size = data["supplier_size"]
    console.print(
        rich_table(
            "Taille des titulaires",
            ["taille", "part du montant", "part des titulaires"],
            [
                [
                    k if k != "unknown" else "inconnue",
                    _pct(size["by_amount"][k]),
                    _pct(size["by_count"][k]),
                ]
                for k in size["by_amount"]
            ],
        )
    )
    cons = data["considerations"]
    console.print(
        rich_table(
            "Considérations environnementales et sociales",
            ["", "part des contrats", "part du montant", "cible 2025", "contrats déclarants"],
            [
                [
                    "environnementales",
                    _pct(cons["environmental"]["share_contracts"]),
                    _pct(cons["environmental"]["share_amount"]),
                    "100 %",
                    cons["environmental"]["reported"],
                ],
                [
                    "sociales",
                    _pct(cons["social"]["share_contracts"]),
                    _pct(cons["social"]["share_amount"]),
                    "30 %",
                    cons["social"]["reported"],
                ],
            ],
        )
    )
    console.print(cons["environmental"]["note"])
    comp = data["competition"]
    console.print(
        rich_table(
            "Concurrence",
            ["", "valeur"],
            [
                ["contrats renseignant les offres", comp["contracts_with_offers"]],
                [
                    "offres reçues (moyenne)",
                    None
                    if comp["mean_offers"] is None
                    else f"{comp['mean_offers']:.1f}".replace(".", ","),
                ],
                ["part des contrats à offre unique", _pct(comp["single_offer_share"])],
                [
                    "part des 10 premiers titulaires (montant)",
                    _pct(data["concentration"]["top10_share"]),
                ],
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
                "part locale",
                "part qui sort",
                "établissements locaux du métier",
            ],
            [
                [
                    s["label"],
                    s["contracts"],
                    s["amount_eur"],
                    _pct(s["local_share"]),
                    _pct(s["leaving_share"]),
                    s["local_establishments"] if s["establishments_available"] else "indisponible",
                ]
                for s in data["segments"]
            ],
        )
    )
    if "frameworks" in data:
        f = data["frameworks"]
        console.print(
            rich_table(
                "Accords-cadres (comptés à part ; montant = plafond)",
                ["", "valeur"],
                [
                    ["accords-cadres", f["totals"]["contracts"]],
                    ["montant plafond (€ HT)", f["totals"]["amount_eur"]],
                    [
                        "part locale du montant (même département ou plus près)",
                        _pct(
                            sum(
                                f["locality"]["by_amount"][r]
                                for r in ("commune", "epci", "departement")
                            )
                        ),
                    ],
                ],
            )
        )
    if "spend" in data:
        show_spend(data["spend"])
    q = data["quality"]
    console.print(
        rich_table(
            "Qualité des données",
            ["", "nombre"],
            [
                ["contrats sans montant", q["missing_amounts"]],
                ["montants signalés (exclus des totaux)", q["flagged_amounts"]],
                ["acheteurs non localisés", q["buyers_unlocated"]],
                ["titulaires de localisation inconnue", q["suppliers_unknown_location"]],
                [
                    "enregistrements en quarantaine (fichiers du périmètre)",
                    q["quarantined_records"],
                ],
            ],
        )
    )


def show_spend(spend: dict[str, Any]) -> None:
    """The « Dépenses » section: purchases below the DECP threshold, from the accounts."""
    console = out()
    t = spend["totals"]
    loc = spend["locality"]
    size = spend["supplier_size"]
    local = ("commune", "epci", "departement")
    known = 1.0 - size["by_amount"]["unknown"]
    sme = (size["by_amount"]["TPE"] + size["by_amount"]["PME"]) / known if known > 1e-9 else None
    rows: list[list[Any]] = [
        ["lignes de dépenses", t["lines"]],
        ["montant (€)", t["amount_eur"]],
        ["acheteurs", t["buyers"]],
        ["fournisseurs", t["suppliers"]],
        ["avoirs", t["credit_notes"]],
        [
            "part du montant au département ou plus près",
            _pct(sum(loc["by_amount"][r] for r in local)),
        ],
        ["part des lignes de localisation inconnue", _pct(loc["by_count"]["unknown"])],
        ["part du montant à des TPE/PME (taille connue)", _pct(sme)],
    ]
    console.print(rich_table("Dépenses (comptabilité de l'acheteur)", ["", "valeur"], rows))
    console.print(
        rich_table(
            "Dépenses : cercles autour de l'acheteur",
            ["cercle", "part du montant", "part des lignes"],
            [
                [label, _pct(loc["by_amount"][ring]), _pct(loc["by_count"][ring])]
                for ring, label in RING_LABELS.items()
            ],
        )
    )
    console.print(
        rich_table(
            "Dépenses : segments d'achat",
            ["segment", "lignes", "montant (€)", "part locale", "part qui sort"],
            [
                [
                    s["label"],
                    s["lines"],
                    s["amount_eur"],
                    _pct(s["local_share"]),
                    _pct(s["leaving_share"]),
                ]
                for s in spend["segments"]
            ],
        )
    )
