"""Signing up: an organisation, its first account, and the confirmation e-mail queued."""

from __future__ import annotations

from sqlalchemy import Engine

from ancrage.web.accounts import (
    ROLE_ORG_KIND,
    User,
    check_email,
    check_password,
    confirmation_token,
    create_organisation,
    create_user,
)
from ancrage.web.config import WebConfig
from ancrage.web.errors import WebError
from ancrage.web.mail import queue_mail

SELF_SERVICE_ROLES = ("firm", "buyer")  # advisors and administrators are created by an admin


def confirmation_mail(config: WebConfig, engine: Engine, user: User) -> None:
    token = confirmation_token(engine, user)
    link = config.link(f"/confirmer/{token}")
    body = (
        f"Bonjour,\n\nvous avez créé un compte Ancrage pour « {user.organisation_name} ».\n"
        f"Pour confirmer votre adresse, ouvrez ce lien (valable 3 jours) :\n\n{link}\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\n"
        "— Ancrage, observatoire de la commande publique et veille des marchés\n"
    )
    queue_mail(engine, user.email, "Ancrage : confirmez votre adresse e-mail", body)


def sign_up(
    config: WebConfig,
    engine: Engine,
    *,
    email: str,
    password: str,
    organisation: str,
    role: str = "firm",
    siret: str | None = None,
    name: str | None = None,
) -> User:
    if role not in SELF_SERVICE_ROLES:
        raise WebError(
            f"inscription en ligne impossible pour le rôle « {role} »",
            hint="Les comptes conseiller sont créés par un administrateur.",
        )
    check_email(email)
    check_password(password)
    org = create_organisation(engine, organisation, ROLE_ORG_KIND[role], siret=siret)
    user = create_user(engine, email, password, role=role, organisation_id=org.id, name=name)
    confirmation_mail(config, engine, user)
    return user
