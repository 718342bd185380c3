"""ancrage profile: company profiles for the opportunity watch."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from ancrage.cli.common import HomeOption, TableFormat, out, print_json, rich_table, settings
from ancrage.fmt import count
from ancrage.watch.model import Profile

app = typer.Typer(
    name="profile",
    help="Profils d'entreprise pour la veille : métier, zone, montants, certifications.",
    no_args_is_help=True,
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ANCRAGE_DB_URL",
        help="Base de l'application (défaut : SQLite <home>/app.sqlite ; "
        "ex. postgresql+psycopg://utilisateur@hôte/base).",
    ),
]
ListOpt = Annotated[list[str] | None, typer.Option(help="Répétable.")]
GroupOpt = Annotated[
    str | None,
    typer.Option("--groupe", "--group", help="Groupe du profil, pour un conseiller (ex. cma-86)."),
]


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


# option name -> profile field
_SCALARS = {
    "email": "email",
    "siret": "siret",
    "naf": "naf",
    "commune": "commune",
    "rayon": "radius_km",
    "montant_min": "value_min",
    "montant_max": "value_max",
    "lots": "lots_only",
    "reserve": "reserved",  # checked by check_profile
    "frequence": "frequency",
    "groupe": "group_name",
}
_LISTS = {
    "cpv": "cpv",
    "keyword": "keywords",
    "exclude": "excluded_keywords",
    "dep": "departements",
    "certification": "certifications",
    "type_achat": "purchase_types",
}


def _apply(p: Profile, options: dict[str, Any]) -> None:
    """Set the fields of ``p`` whose options were given (list options: comma-separated too)."""
    for option, name in _SCALARS.items():
        if options.get(option) is not None:
            setattr(p, name, options[option])
    for option, name in _LISTS.items():
        if options.get(option) is not None:
            setattr(p, name, _split(options[option]))


@app.command("add")
def add(
    name: Annotated[
        str, typer.Argument(metavar="NOM", help="Nom court du profil (ex. plombier-vienne).")
    ],
    home: HomeOption = None,
    db: DbOption = None,
    email: Annotated[str | None, typer.Option(help="Adresse des alertes.")] = None,
    siret: Annotated[str | None, typer.Option(help="SIRET de l'établissement.")] = None,
    sirene: Annotated[
        bool,
        typer.Option(
            "--sirene/--no-sirene", help="Pré-remplir depuis l'API Recherche d'entreprises."
        ),
    ] = False,
    naf: Annotated[str | None, typer.Option(help="Code NAF (ex. 43.22A).")] = None,
    commune: Annotated[
        str | None,
        typer.Option(help="Commune de l'établissement : nom (ex. Poitiers) ou code INSEE."),
    ] = None,
    cpv: ListOpt = None,
    keyword: Annotated[list[str] | None, typer.Option("--mot", help="Mot-clé (répétable).")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclure", help="Mot exclu.")] = None,
    dep: Annotated[list[str] | None, typer.Option("--dep", help="Département (répétable).")] = None,
    rayon: Annotated[float | None, typer.Option(help="Rayon en km autour de la commune.")] = None,
    montant_min: Annotated[float | None, typer.Option(help="Montant minimal (€ HT).")] = None,
    montant_max: Annotated[float | None, typer.Option(help="Montant maximal (€ HT).")] = None,
    certification: ListOpt = None,
    type_achat: Annotated[
        list[str] | None, typer.Option("--type", help="travaux, fournitures ou services.")
    ] = None,
    reserve: Annotated[
        str | None, typer.Option(help="Marchés réservés : any, only, exclude.")
    ] = None,
    lots: Annotated[
        bool | None, typer.Option("--lots/--tous", help="Seulement les appels allotis.")
    ] = None,
    frequence: Annotated[str | None, typer.Option(help="daily (résumé) ou immediate.")] = None,
    groupe: GroupOpt = None,
) -> None:
    """Crée un profil ; codes CPV suggérés d'après le code NAF si vous n'en donnez pas."""
    options = dict(locals())
    from ancrage.watch.db import open_db
    from ancrage.watch.profiles import add_profile, complete

    cfg = settings(home)
    p = Profile(name=name)
    _apply(p, options)
    if sirene:
        from ancrage.sirene.api import RechercheEntreprisesClient

        with RechercheEntreprisesClient(cfg.cache_dir / "sirene") as client:
            complete(p, client)
    else:
        complete(p)
    add_profile(open_db(cfg, db), p)
    out().print(f"profil « {p.name} » créé ; CPV : {', '.join(p.cpv) or 'aucun'}")


@app.command("list")
def list_(
    home: HomeOption = None,
    db: DbOption = None,
    groupe: GroupOpt = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
) -> None:
    """Liste les profils (ceux d'un groupe avec --groupe), par nom (artisan-2 avant
    artisan-10)."""
    from ancrage.watch.db import open_db
    from ancrage.watch.profiles import list_profiles, natural_key

    found = list_profiles(open_db(settings(home), db), group=groupe)
    found.sort(key=lambda p: natural_key(p.name))
    if output is TableFormat.json:
        print_json([asdict(p) for p in found])
        return
    rows = [
        [
            p.name,
            p.email,
            ", ".join(p.cpv),
            ", ".join(p.departements) or (f"{p.radius_km:g} km" if p.radius_km else "France"),
            p.group_name or "",
            "oui" if p.active else "non",
        ]
        for p in found
    ]
    columns = ["profil", "e-mail", "CPV", "zone", "groupe", "actif"]
    out().print(rich_table(count(len(found), "profil"), columns, rows))


@app.command("import")
def import_(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FICHIER",
            help="CSV, une ligne par entreprise : nom, siret, naf, commune, rayon, mots, "
            "email, groupe… (séparateur ; ou ,).",
        ),
    ],
    home: HomeOption = None,
    db: DbOption = None,
    groupe: GroupOpt = None,
) -> None:
    """Crée un profil par ligne d'un fichier CSV (tout ou rien : une ligne fausse et rien
    n'est importé ; chaque ligne fausse est nommée avec son numéro)."""
    from ancrage.watch.db import open_db
    from ancrage.watch.roster import import_roster

    added = import_roster(open_db(settings(home), db), path, groupe)
    created = "créé" if len(added) < 2 else "créés"
    out().print(f"{count(len(added), 'profil')} {created} depuis {path}")


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(metavar="NOM", help="Nom du profil.")],
    home: HomeOption = None,
    db: DbOption = None,
) -> None:
    """Affiche un profil (JSON)."""
    from ancrage.watch.db import open_db
    from ancrage.watch.profiles import get_profile

    print_json(asdict(get_profile(open_db(settings(home), db), name)))


@app.command("edit")
def edit(
    name: Annotated[str, typer.Argument(metavar="NOM", help="Nom du profil.")],
    home: HomeOption = None,
    db: DbOption = None,
    email: Annotated[str | None, typer.Option(help="Adresse des alertes.")] = None,
    cpv: ListOpt = None,
    keyword: Annotated[list[str] | None, typer.Option("--mot", help="Mot-clé (remplace).")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclure", help="Mot exclu.")] = None,
    dep: Annotated[list[str] | None, typer.Option("--dep", help="Départements (remplace).")] = None,
    rayon: Annotated[float | None, typer.Option(help="Rayon en km.")] = None,
    montant_min: Annotated[float | None, typer.Option(help="Montant minimal (€ HT).")] = None,
    montant_max: Annotated[float | None, typer.Option(help="Montant maximal (€ HT).")] = None,
    certification: ListOpt = None,
    type_achat: Annotated[list[str] | None, typer.Option("--type", help="Types d'achat.")] = None,
    reserve: Annotated[str | None, typer.Option(help="any, only, exclude.")] = None,
    lots: Annotated[
        bool | None, typer.Option("--lots/--tous", help="Appels allotis seulement.")
    ] = None,
    frequence: Annotated[str | None, typer.Option(help="daily ou immediate.")] = None,
    actif: Annotated[
        bool | None, typer.Option("--actif/--inactif", help="Activer ou suspendre.")
    ] = None,
    groupe: GroupOpt = None,
) -> None:
    """Modifie un profil (seules les options données changent)."""
    options = dict(locals())
    from ancrage.watch.db import open_db
    from ancrage.watch.profiles import get_profile, save_profile

    engine = open_db(settings(home), db)
    p = get_profile(engine, name)
    _apply(p, options)
    if actif is not None:
        p.active = actif
    save_profile(engine, p)
    out().print(f"profil « {name} » modifié")


@app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(metavar="NOM", help="Nom du profil.")],
    home: HomeOption = None,
    db: DbOption = None,
) -> None:
    """Supprime un profil et ses alertes."""
    from ancrage.watch.db import open_db
    from ancrage.watch.profiles import remove_profile

    remove_profile(open_db(settings(home), db), name)
    out().print(f"profil « {name} » supprimé")
