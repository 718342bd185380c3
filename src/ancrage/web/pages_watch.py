"""Pages of signed-in users: sign up and in, account and API tokens, the watch of a firm,
followed calls, the advisor's desk, administration. Forms carry the CSRF token."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from pydantic import Field as PydanticField

from ancrage.errors import AncrageError
from ancrage.watch.model import Profile
from ancrage.web import accounts, advisor, desk
from ancrage.web.accounts import User
from ancrage.web.errors import AuthError, NotFoundError, WebError
from ancrage.web.render import page
from ancrage.web.security import (
    SESSION_COOKIE,
    check_csrf,
    ctx_of,
    current_user,
    require_role,
    set_session_cookie,
    sign_in_user,
)
from ancrage.web.signup import sign_up

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=2000)]
Csrf = Annotated[str, Form(alias="csrf_token", max_length=200)]


def _redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def signed(request: Request, *roles: str) -> User:
    """The signed-in user of a page; not signed in: an error page that links to sign-in."""
    user = current_user(request)
    if user is None:
        raise AuthError("connexion requise", hint="Connectez-vous pour voir cette page.")
    if roles:
        require_role(user, *roles)
    return user


# -- sign up, sign in ---------------------------------------------------------------------------
@router.get("/inscription")
def signup_form(request: Request) -> Response:
    form = {"email": "", "organisation": "", "siret": "", "role": "firm"}
    return page(request, "signup.html.j2", "Créer un compte", form=form, error=None)


@router.post("/inscription")
def signup(
    request: Request,
    csrf: Csrf,
    email: Field,
    password: Field,
    organisation: Field,
    siret: Annotated[str, Form(max_length=20)] = "",
    role: Annotated[str, Form(max_length=10)] = "firm",
) -> Response:
    check_csrf(request, csrf)
    ctx = ctx_of(request)
    form = {"email": email, "organisation": organisation, "siret": siret, "role": role}
    try:
        user = sign_up(
            ctx.config,
            ctx.engine,
            email=email,
            password=password,
            organisation=organisation,
            role=role,
            siret=siret or None,
        )
    except AncrageError as exc:
        return page(request, "signup.html.j2", "Créer un compte", status=400, form=form, error=exc)
    return page(request, "signup_done.html.j2", "Vérifiez vos e-mails", email=user.email)


@router.get("/confirmer/{token}")
def confirm(request: Request, token: str) -> Response:
    user = accounts.confirm_email(ctx_of(request).engine, token)
    return page(request, "confirmed.html.j2", "Adresse confirmée", confirmed=user)


@router.get("/connexion")
def signin_form(request: Request, suite: Annotated[str, Query(max_length=200)] = "") -> Response:
    return page(request, "signin.html.j2", "Connexion", email="", error=None, suite=suite)


def _safe_next(suite: str) -> str:
    return suite if suite.startswith("/") and not suite.startswith("//") else "/veille"


@router.post("/connexion")
def signin(
    request: Request,
    csrf: Csrf,
    email: Field,
    password: Field,
    suite: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    ctx = ctx_of(request)
    c = ctx.config
    try:
        user = sign_in_user(request, email, password)
    except AncrageError as exc:
        status = getattr(exc, "status", 400)
        headers = {"Retry-After": str(exc.retry_after)} if hasattr(exc, "retry_after") else None
        return page(
            request,
            "signin.html.j2",
            "Connexion",
            status=status,
            headers=headers,
            email=email,
            error=exc,
            suite=suite,
            user=None,
        )
    home = {"advisor": "/conseiller", "admin": "/admin", "buyer": "/observatoire"}
    target = _safe_next(suite) if suite else home.get(user.role, "/veille")
    response = _redirect(target)
    token = accounts.open_session(ctx.engine, user, days=c.session_days)
    set_session_cookie(request, response, token, c.session_days)
    return response


@router.post("/deconnexion")
def signout(request: Request, csrf: Csrf) -> Response:
    check_csrf(request, csrf)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.close_session(ctx_of(request).engine, token)
    response = _redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- account ------------------------------------------------------------------------------------
@router.get("/compte")
def account(request: Request) -> Response:
    user = signed(request)
    tokens = accounts.list_api_tokens(ctx_of(request).engine, user)
    return page(request, "account.html.j2", "Mon compte", user=user, tokens=tokens, secret=None)


@router.post("/compte/jetons")
def new_token(request: Request, csrf: Csrf, name: Annotated[str, Form(max_length=100)]) -> Response:
    check_csrf(request, csrf)
    user = signed(request)
    engine = ctx_of(request).engine
    _, secret = accounts.create_api_token(engine, user, name)
    tokens = accounts.list_api_tokens(engine, user)
    return page(request, "account.html.j2", "Mon compte", user=user, tokens=tokens, secret=secret)


@router.post("/compte/jetons/{token_id}/revoquer")
def revoke_token(request: Request, csrf: Csrf, token_id: int) -> Response:
    check_csrf(request, csrf)
    accounts.revoke_api_token(ctx_of(request).engine, signed(request), token_id)
    return _redirect("/compte")


# -- the watch ----------------------------------------------------------------------------------
def _split(text: str) -> list[str]:
    return [w.strip() for w in text.replace(";", ",").split(",") if w.strip()]


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ".").replace(" ", "")) if text.strip() else None
    except ValueError as exc:
        raise WebError(
            f"nombre illisible : « {text} »", hint="Ex. 30 pour le rayon, 200000 pour le montant."
        ) from exc


class ProfileForm(BaseModel):
    """The profile form of the watch and of the advisor's desk (text fields as typed)."""

    csrf_token: str = PydanticField(max_length=200)
    name: str = PydanticField(max_length=200)
    email: str = PydanticField(default="", max_length=320)
    siret: str = PydanticField(default="", max_length=20)
    commune: str = PydanticField(default="", max_length=5)
    cpv: str = PydanticField(default="", max_length=2000)
    keywords: str = PydanticField(default="", max_length=2000)
    departements: str = PydanticField(default="", max_length=2000)
    radius_km: str = PydanticField(default="", max_length=20)
    value_max: str = PydanticField(default="", max_length=20)
    frequency: Literal["daily", "immediate"] = "daily"
    organisation_id: int | None = PydanticField(default=None, ge=1, le=2**31 - 1)

    def fields(self) -> dict[str, Any]:
        """The profile's fields, or a :class:`WebError` naming what cannot be read."""
        return {
            "denomination": self.name.strip() or None,
            "email": self.email.strip() or None,
            "siret": self.siret.replace(" ", "") or None,
            "commune": self.commune.strip() or None,
            "cpv": _split(self.cpv),
            "keywords": _split(self.keywords),
            "departements": [d.upper() for d in _split(self.departements)],
            "radius_km": _number(self.radius_km),
            "value_max": _number(self.value_max),
            "frequency": self.frequency,
        }

    def shown(self) -> dict[str, str]:
        """What the form shows again after an error."""
        return self.model_dump(exclude={"csrf_token", "organisation_id"})


BLANK_PROFILE = dict.fromkeys(ProfileForm.model_fields, "") | {"frequency": "daily"}
ProfileFormData = Annotated[ProfileForm, Form()]


def _watch_page(
    request: Request, user: User, form: dict[str, Any], error: AncrageError | None = None
) -> Response:
    """« Ma veille »: the profiles, the new-profile form (again with the error), followed calls."""
    ctx = ctx_of(request)
    return page(
        request,
        "watch.html.j2",
        "Ma veille",
        status=400 if error else 200,
        user=user,
        profiles=desk.profiles_of(ctx.engine, {user.organisation_id}),
        follows=desk.followed(ctx.settings, ctx.engine, user.organisation_id),
        form=form,
        error=error,
    )


def _profile_page(
    request: Request, user: User, owned: desk.OwnedProfile, error: AncrageError | None = None
) -> Response:
    """A profile: its open matches with the explanation (none shown with a form error)."""
    ctx = ctx_of(request)
    found = [] if error else desk.matches(owned.profile, ctx.open_notices(), ctx.locator, ctx.now())
    return page(
        request,
        "profile.html.j2",
        owned.profile.denomination or "Profil",
        status=400 if error else 200,
        user=user,
        owned=owned,
        matches=found,
        error=error,
    )


@router.get("/veille")
def watch_home(request: Request) -> Response:
    user = signed(request, "firm", "advisor")
    return _watch_page(request, user, BLANK_PROFILE | {"email": user.email})


@router.post("/veille/profils")
def watch_new_profile(request: Request, form: ProfileFormData) -> Response:
    check_csrf(request, form.csrf_token)
    user = signed(request, "firm", "advisor")
    ctx = ctx_of(request)
    org = user.organisation_id
    if form.organisation_id is not None:
        if form.organisation_id not in accounts.visible_organisations(ctx.engine, user):
            raise NotFoundError(f"aucune organisation n° {form.organisation_id}")
        org = form.organisation_id
    try:
        profile = Profile(name="profil", **form.fields())
        owned = desk.create_profile(ctx.engine, org, profile, ctx.siret_lookup)
    except AncrageError as exc:
        return _watch_page(request, user, form.shown(), exc)
    return _redirect(f"/veille/profils/{owned.profile.id}")


@router.get("/veille/profils/{profile_id}")
def watch_profile(request: Request, profile_id: int) -> Response:
    user = signed(request, "firm", "advisor")
    return _profile_page(request, user, desk.profile_for(ctx_of(request).engine, user, profile_id))


@router.post("/veille/profils/{profile_id}")
def watch_edit_profile(request: Request, profile_id: int, form: ProfileFormData) -> Response:
    check_csrf(request, form.csrf_token)
    user = signed(request, "firm", "advisor")
    ctx = ctx_of(request)
    owned = desk.profile_for(ctx.engine, user, profile_id)
    try:
        fields = form.fields()
        if fields["commune"] != owned.profile.commune:
            fields["departement"] = None
        desk.update_profile(ctx.engine, owned, fields)
    except AncrageError as exc:
        return _profile_page(request, user, owned, exc)
    return _redirect(f"/veille/profils/{profile_id}")


def _feed(request: Request, profile_id: int, kind: str) -> Response:
    """A profile's Atom feed of alerts or its iCalendar of deadlines (current matches too)."""
    from ancrage.watch.feeds import atom_feed, ics_feed

    user = signed(request, "firm", "advisor")
    ctx = ctx_of(request)
    owned = desk.profile_for(ctx.engine, user, profile_id)
    alerts = advisor.feed_alerts(ctx, owned.profile)
    if kind == "atom":
        return Response(
            atom_feed(owned.profile, alerts, ctx.now()), media_type="application/atom+xml"
        )
    return Response(
        ics_feed(owned.profile, alerts, ctx.now()),
        media_type="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="echeances.ics"'},
    )


@router.get("/veille/profils/{profile_id}/alertes.atom")
def watch_atom(request: Request, profile_id: int) -> Response:
    return _feed(request, profile_id, "atom")


@router.get("/veille/profils/{profile_id}/echeances.ics")
def watch_ics(request: Request, profile_id: int) -> Response:
    return _feed(request, profile_id, "ics")


@router.post("/avis/{notice_id}/suivre")
def follow(request: Request, notice_id: str, csrf: Csrf, stop: Field = "") -> Response:
    check_csrf(request, csrf)
    user = signed(request)
    ctx = ctx_of(request)
    from ancrage.notices.store import NoticeStore

    notice = NoticeStore(ctx.settings).get(notice_id)
    if stop:
        desk.unfollow(ctx.engine, user.organisation_id, notice.id)
    else:
        desk.follow(ctx.engine, user.organisation_id, notice.id)
    return _redirect(f"/avis/{notice.id}")


@router.get("/veille/suivis.ics")
def follows_calendar(request: Request) -> Response:
    user = signed(request)
    ctx = ctx_of(request)
    body = advisor.calendar(
        desk.followed(ctx.settings, ctx.engine, user.organisation_id), ctx.now()
    )
    return Response(
        body,
        media_type="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="appels-suivis.ics"'},
    )


@router.get("/veille/desabonnement")
def unsubscribe(
    request: Request,
    profil: Annotated[str, Query(max_length=64)] = "",
    jeton: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The link of every alert e-mail: stops the e-mails of that profile (no sign-in)."""
    from ancrage.watch.profiles import ProfileNotFoundError
    from ancrage.watch.profiles import unsubscribe as stop

    try:
        done = bool(profil and jeton) and stop(ctx_of(request).engine, profil, jeton)
    except ProfileNotFoundError:
        done = False
    return page(
        request, "unsubscribed.html.j2", "Désabonnement", status=200 if done else 404, done=done
    )


# -- advisor ------------------------------------------------------------------------------------
@router.get("/conseiller")
def advisor_home(
    request: Request, territoire: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    user = signed(request, "advisor")
    ctx = ctx_of(request)
    firms = accounts.followed_firms(ctx.engine, user)
    owned = desk.profiles_of(ctx.engine, {f.id for f in firms})
    counts: dict[int, int] = {}
    notices = ctx.open_notices()
    for o in owned:
        counts[o.organisation_id] = counts.get(o.organisation_id, 0) + len(
            desk.matches(o.profile, notices, ctx.locator, ctx.now())
        )
    area = None
    error = None
    if territoire:
        try:
            area = advisor.area_buyers(ctx.settings, territoire, ctx.now())
        except AncrageError as exc:
            error = exc
    return page(
        request,
        "advisor.html.j2",
        "Conseiller",
        user=user,
        firms=firms,
        counts=counts,
        territoire=territoire,
        area=area,
        error=error,
    )


@router.post("/conseiller/entreprises")
def advisor_new_firm(request: Request, form: ProfileFormData) -> Response:
    check_csrf(request, form.csrf_token)
    user = signed(request, "advisor")
    ctx = ctx_of(request)
    fields = form.fields()
    org = accounts.create_organisation(
        ctx.engine, form.name, "firm", siret=fields["siret"], chamber_id=user.organisation_id
    )
    desk.create_profile(ctx.engine, org.id, Profile(name="profil", **fields), ctx.siret_lookup)
    return _redirect(f"/conseiller/entreprises/{org.id}")


@router.get("/conseiller/entreprises/{organisation_id}")
def advisor_firm(request: Request, organisation_id: int, envoye: str = "") -> Response:
    user = signed(request, "advisor")
    found = advisor.digest(ctx_of(request), user, organisation_id)
    return page(
        request,
        "firm.html.j2",
        found.organisation.name,
        user=user,
        digest=found,
        sent=envoye,
    )


@router.post("/conseiller/entreprises/{organisation_id}/resume")
def advisor_send_digest(request: Request, organisation_id: int, csrf: Csrf) -> Response:
    check_csrf(request, csrf)
    user = signed(request, "advisor")
    count = advisor.send_digest(ctx_of(request), user, organisation_id)
    return _redirect(f"/conseiller/entreprises/{organisation_id}?envoye={count}")


# -- administration -----------------------------------------------------------------------------
@router.get("/admin")
def admin(request: Request) -> Response:
    user = signed(request, "admin")
    engine = ctx_of(request).engine
    return page(
        request,
        "admin.html.j2",
        "Administration",
        user=user,
        users=accounts.list_users(engine),
        organisations=accounts.list_organisations(engine),
        error=None,
    )


@router.post("/admin/comptes")
def admin_new_user(
    request: Request,
    csrf: Csrf,
    email: Field,
    password: Field,
    role: Annotated[str, Form(max_length=10)],
    organisation: Field,
) -> Response:
    check_csrf(request, csrf)
    user = signed(request, "admin")
    engine = ctx_of(request).engine
    try:
        kind = accounts.ROLE_ORG_KIND.get(role, "firm")
        existing = [
            o
            for o in accounts.list_organisations(engine)
            if o.name == organisation.strip() and o.kind == kind
        ]
        org = existing[0] if existing else accounts.create_organisation(engine, organisation, kind)
        accounts.create_user(
            engine, email, password, role=role, organisation_id=org.id, confirmed=True
        )
    except AncrageError as exc:
        return page(
            request,
            "admin.html.j2",
            "Administration",
            status=400,
            user=user,
            users=accounts.list_users(engine),
            organisations=accounts.list_organisations(engine),
            error=exc,
        )
    return _redirect("/admin")
