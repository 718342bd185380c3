"""ancrage user: accounts of the web application (the first administrator, advisors)."""

from __future__ import annotations

from typing import Annotated

import typer

from ancrage.cli.common import HomeOption, out, settings

app = typer.Typer(
    name="user",
    help="Comptes de l'application web : créer un administrateur, un conseiller…",
    no_args_is_help=True,
)


@app.command("add")
def add(
    email: Annotated[
        str, typer.Argument(metavar="ADRESSE", help="Adresse e-mail (identifiant de connexion).")
    ],
    home: HomeOption = None,
    role: Annotated[
        str, typer.Option("--role", help="admin, advisor (conseiller), firm ou buyer.")
    ] = "admin",
    organisation: Annotated[
        str | None,
        typer.Option("--organisation", help="Nom de l'organisation (créée si besoin)."),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="Mot de passe (sinon demandé sans écho ; au moins 10 caractères).",
            envvar="ANCRAGE_NEW_PASSWORD",
        ),
    ] = None,
) -> None:
    """Crée un compte confirmé (par exemple le premier administrateur)."""
    from ancrage.web import accounts
    from ancrage.web.config import WebConfig
    from ancrage.web.db import open_app_db

    if role not in accounts.ROLE_ORG_KIND:
        from ancrage.web.errors import WebError

        raise WebError(f"rôle « {role} » inconnu", hint="admin, advisor, firm ou buyer.")
    secret = password or typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    engine = open_app_db(WebConfig.resolve(settings(home)))
    kind = accounts.ROLE_ORG_KIND[role]
    name = (organisation or ("Administration" if role == "admin" else email)).strip()
    same = [o for o in accounts.list_organisations(engine) if o.name == name and o.kind == kind]
    org = same[0] if same else accounts.create_organisation(engine, name, kind)
    user = accounts.create_user(
        engine, email, secret, role=role, organisation_id=org.id, confirmed=True
    )
    out().print(f"compte créé : {user.email} ({user.role_label}, {org.name})")
