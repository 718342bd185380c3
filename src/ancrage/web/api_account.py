"""Accounts API: sign up, confirm, sign in and out, API tokens, administration."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from ancrage.web import accounts
from ancrage.web.accounts import User
from ancrage.web.security import (
    api_user,
    csrf_token,
    ctx_of,
    require_role,
    set_csrf_cookie,
    set_session_cookie,
    sign_in_user,
)
from ancrage.web.signup import sign_up

router = APIRouter(prefix="/api/v1")
Signed = Annotated[User, Depends(api_user)]


class SignUp(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(min_length=1, max_length=200)
    organisation: str = Field(min_length=1, max_length=200)
    role: Literal["firm", "buyer"] = "firm"
    siret: str | None = Field(default=None, max_length=20)
    name: str | None = Field(default=None, max_length=200)


class Credentials(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=200)


class TokenRequest(Credentials):
    name: str = Field(default="script", min_length=1, max_length=100)


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class NewUser(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(min_length=1, max_length=200)
    role: Literal["firm", "advisor", "buyer", "admin"]
    organisation_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    organisation: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)


class NewOrganisation(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["firm", "chamber", "buyer", "admin"]
    siret: str | None = Field(default=None, max_length=20)
    chamber_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


@router.post("/auth/signup", tags=["comptes"], status_code=201, summary="Créer un compte")
def signup(request: Request, body: SignUp) -> dict[str, Any]:
    """Crée l'organisation et son premier compte (entreprise ou acheteur) ; un e-mail de
    confirmation part par la file d'envoi."""
    ctx = ctx_of(request)
    user = sign_up(ctx.config, ctx.engine, **body.model_dump())
    return {"user": user.as_json(), "next": "Ouvrez le lien de confirmation reçu par e-mail."}


@router.post("/auth/confirm/{token}", tags=["comptes"], summary="Confirmer l'adresse e-mail")
def confirm(request: Request, token: str) -> dict[str, Any]:
    return accounts.confirm_email(ctx_of(request).engine, token).as_json()


@router.post("/auth/signin", tags=["comptes"], summary="Ouvrir une session (cookie)")
def signin(request: Request, response: Response, body: Credentials) -> dict[str, Any]:
    ctx = ctx_of(request)
    c = ctx.config
    user = sign_in_user(request, body.email, body.password)
    set_session_cookie(
        request,
        response,
        accounts.open_session(ctx.engine, user, days=c.session_days),
        c.session_days,
    )
    token = csrf_token(request)
    set_csrf_cookie(request, response)
    return {"user": user.as_json(), "csrf_token": token}


@router.post("/auth/token", tags=["comptes"], status_code=201, summary="Jeton d'API pour un script")
def token_for_script(request: Request, body: TokenRequest) -> dict[str, Any]:
    """Échange l'adresse et le mot de passe contre un jeton (montré une seule fois), à envoyer
    ensuite en « Authorization: Bearer … »."""
    ctx = ctx_of(request)
    user = sign_in_user(request, body.email, body.password)
    record, secret = accounts.create_api_token(ctx.engine, user, body.name)
    return {**record.as_json(), "token": secret}


@router.post("/auth/signout", tags=["comptes"], status_code=204, summary="Fermer la session")
def signout(request: Request, _user: Signed) -> Response:
    from ancrage.web.security import SESSION_COOKIE

    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.close_session(ctx_of(request).engine, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", tags=["comptes"], summary="Mon compte")
def me(request: Request, response: Response, user: Signed) -> dict[str, Any]:
    token = csrf_token(request)
    set_csrf_cookie(request, response)
    return {**user.as_json(), "csrf_token": token}


@router.get("/tokens", tags=["comptes"], summary="Mes jetons d'API")
def tokens(request: Request, user: Signed) -> list[dict[str, Any]]:
    return [t.as_json() for t in accounts.list_api_tokens(ctx_of(request).engine, user)]


@router.post("/tokens", tags=["comptes"], status_code=201, summary="Créer un jeton d'API")
def new_token(request: Request, user: Signed, body: NewToken) -> dict[str, Any]:
    record, secret = accounts.create_api_token(ctx_of(request).engine, user, body.name)
    return {**record.as_json(), "token": secret}


@router.delete("/tokens/{token_id}", tags=["comptes"], status_code=204, summary="Révoquer un jeton")
def revoke_token(request: Request, user: Signed, token_id: int) -> Response:
    accounts.revoke_api_token(ctx_of(request).engine, user, token_id)
    return Response(status_code=204)


# -- administration -----------------------------------------------------------------------------
@router.get("/admin/users", tags=["administration"], summary="Comptes")
def admin_users(request: Request, user: Signed) -> list[dict[str, Any]]:
    require_role(user, "admin")
    return [u.as_json() for u in accounts.list_users(ctx_of(request).engine)]


@router.post("/admin/users", tags=["administration"], status_code=201, summary="Créer un compte")
def admin_new_user(request: Request, user: Signed, body: NewUser) -> dict[str, Any]:
    require_role(user, "admin")
    engine = ctx_of(request).engine
    org_id = body.organisation_id
    if org_id is None:
        org = accounts.create_organisation(
            engine, body.organisation or body.email, accounts.ROLE_ORG_KIND[body.role]
        )
        org_id = org.id
    created = accounts.create_user(
        engine,
        body.email,
        body.password,
        role=body.role,
        organisation_id=org_id,
        name=body.name,
        confirmed=True,
    )
    return created.as_json()


@router.get("/admin/organisations", tags=["administration"], summary="Organisations")
def admin_organisations(request: Request, user: Signed) -> list[dict[str, Any]]:
    require_role(user, "admin")
    return [o.as_json() for o in accounts.list_organisations(ctx_of(request).engine)]


@router.post(
    "/admin/organisations",
    tags=["administration"],
    status_code=201,
    summary="Créer une organisation",
)
def admin_new_organisation(request: Request, user: Signed, body: NewOrganisation) -> dict[str, Any]:
    require_role(user, "admin")
    org = accounts.create_organisation(
        ctx_of(request).engine, body.name, body.kind, siret=body.siret, chamber_id=body.chamber_id
    )
    return org.as_json()
