"""Watch API for signed-in organisations: profiles, matches, alerts, feeds, followed calls,
and the advisor's desk. Every object is looked up among the caller's organisations only."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from ancrage.watch.model import Profile
from ancrage.web import accounts, advisor, desk
from ancrage.web.accounts import User
from ancrage.web.errors import NotFoundError
from ancrage.web.security import api_user, ctx_of, require_role

router = APIRouter(prefix="/api/v1")
Signed = Annotated[User, Depends(api_user)]
Short = Annotated[str, Field(max_length=100)]


class ProfileIn(BaseModel):
    """Ce que l'entreprise fait, où, pour combien ; tout est facultatif sauf le nom."""

    name: str = Field(min_length=1, max_length=200, description="Nom de l'entreprise")
    email: str | None = Field(default=None, max_length=320)
    siret: str | None = Field(default=None, max_length=20)
    naf: str | None = Field(default=None, max_length=8)
    commune: str | None = Field(default=None, max_length=5)
    cpv: list[Short] = Field(default_factory=list, max_length=50)
    keywords: list[Short] = Field(default_factory=list, max_length=50)
    excluded_keywords: list[Short] = Field(default_factory=list, max_length=50)
    departements: list[Short] = Field(default_factory=list, max_length=101)
    radius_km: float | None = Field(default=None, gt=0, le=1000)
    value_min: float | None = Field(default=None, ge=0, le=1e12)
    value_max: float | None = Field(default=None, ge=0, le=1e12)
    certifications: list[Short] = Field(default_factory=list, max_length=20)
    purchase_types: list[Literal["travaux", "fournitures", "services"]] = Field(
        default_factory=list, max_length=3
    )
    frequency: Literal["daily", "immediate"] = "daily"
    min_days: int = Field(default=7, ge=0, le=365)
    active: bool = True

    def profile(self) -> Profile:
        data = self.model_dump()
        name = data.pop("name")
        return Profile(name="profil", denomination=name, **data)

    def changes(self) -> dict[str, Any]:
        data = self.model_dump(exclude_unset=True)
        if "name" in data:
            data["denomination"] = data.pop("name")
        return data


class FirmIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    siret: str | None = Field(default=None, max_length=20)
    profile: ProfileIn | None = None


def _org_for(request: Request, user: User, organisation_id: int | None) -> int:
    """The organisation a new object goes to: the caller's, or a firm their chamber follows."""
    if organisation_id is None:
        return user.organisation_id
    if organisation_id not in accounts.visible_organisations(ctx_of(request).engine, user):
        raise NotFoundError(f"aucune organisation n° {organisation_id}")
    return organisation_id


@router.get("/organisations/{organisation_id}", tags=["veille"], summary="Une organisation")
def organisation(request: Request, user: Signed, organisation_id: int) -> dict[str, Any]:
    engine = ctx_of(request).engine
    if organisation_id not in accounts.visible_organisations(engine, user):
        raise NotFoundError(f"aucune organisation n° {organisation_id}")
    return accounts.get_organisation(engine, organisation_id).as_json()


@router.get("/profiles", tags=["veille"], summary="Mes profils (et ceux des entreprises suivies)")
def profiles(request: Request, user: Signed) -> list[dict[str, Any]]:
    engine = ctx_of(request).engine
    return [
        p.as_json() for p in desk.profiles_of(engine, accounts.visible_organisations(engine, user))
    ]


@router.post("/profiles", tags=["veille"], status_code=201, summary="Créer un profil")
def new_profile(
    request: Request,
    user: Signed,
    body: ProfileIn,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    """Pré-rempli depuis SIRENE quand un SIRET est donné (activité, commune, taille) ; codes
    CPV suggérés depuis le code NAF quand aucun n'est donné."""
    require_role(user, "firm", "advisor")
    ctx = ctx_of(request)
    org = _org_for(request, user, organisation_id)
    return desk.create_profile(ctx.engine, org, body.profile(), ctx.siret_lookup).as_json()


@router.get("/profiles/{profile_id}", tags=["veille"], summary="Un profil")
def profile(request: Request, user: Signed, profile_id: int) -> dict[str, Any]:
    return desk.profile_for(ctx_of(request).engine, user, profile_id).as_json()


@router.patch("/profiles/{profile_id}", tags=["veille"], summary="Modifier un profil")
def edit_profile(
    request: Request, user: Signed, profile_id: int, body: ProfileIn
) -> dict[str, Any]:
    engine = ctx_of(request).engine
    owned = desk.profile_for(engine, user, profile_id)
    return desk.update_profile(engine, owned, body.changes()).as_json()


@router.delete(
    "/profiles/{profile_id}", tags=["veille"], status_code=204, summary="Supprimer un profil"
)
def remove_profile(request: Request, user: Signed, profile_id: int) -> Response:
    engine = ctx_of(request).engine
    desk.delete_profile(engine, desk.profile_for(engine, user, profile_id))
    return Response(status_code=204)


@router.get("/profiles/{profile_id}/matches", tags=["veille"], summary="Avis ouverts du profil")
def profile_matches(request: Request, user: Signed, profile_id: int) -> list[dict[str, Any]]:
    ctx = ctx_of(request)
    owned = desk.profile_for(ctx.engine, user, profile_id)
    found = desk.matches(owned.profile, ctx.open_notices(), ctx.locator, ctx.now())
    return [advisor.match_json(m) for m in found]


@router.get("/profiles/{profile_id}/alerts", tags=["veille"], summary="Alertes envoyées ou en file")
def profile_alerts(request: Request, user: Signed, profile_id: int) -> list[dict[str, Any]]:
    from ancrage.watch.outbox import alerts_of

    ctx = ctx_of(request)
    owned = desk.profile_for(ctx.engine, user, profile_id)
    return [advisor.alert_json(a) for a in alerts_of(ctx.engine, owned.profile, ctx.locator)]


@router.get(
    "/profiles/{profile_id}/feed.{fmt}",
    tags=["veille"],
    summary="Flux Atom des alertes ou agenda iCalendar des dates limites",
    response_class=Response,
)
def profile_feed(
    request: Request, user: Signed, profile_id: int, fmt: Literal["atom", "ics"]
) -> Response:
    from ancrage.watch.feeds import atom_feed, ics_feed

    ctx = ctx_of(request)
    owned = desk.profile_for(ctx.engine, user, profile_id)
    alerts = advisor.feed_alerts(ctx, owned.profile)
    if fmt == "atom":
        return Response(
            atom_feed(owned.profile, alerts, ctx.now()), media_type="application/atom+xml"
        )
    return Response(ics_feed(owned.profile, alerts, ctx.now()), media_type="text/calendar")


@router.get("/follows", tags=["veille"], summary="Appels suivis")
def followed(request: Request, user: Signed) -> list[dict[str, Any]]:
    ctx = ctx_of(request)
    return [
        advisor.notice_brief(n)
        for n in desk.followed(ctx.settings, ctx.engine, user.organisation_id)
    ]


@router.put("/follows/{notice_id}", tags=["veille"], status_code=204, summary="Suivre un appel")
def follow(request: Request, user: Signed, notice_id: str) -> Response:
    ctx = ctx_of(request)
    from ancrage.notices.store import NoticeStore

    notice = NoticeStore(ctx.settings).get(notice_id)
    desk.follow(ctx.engine, user.organisation_id, notice.id)
    return Response(status_code=204)


@router.delete("/follows/{notice_id}", tags=["veille"], status_code=204, summary="Ne plus suivre")
def unfollow(request: Request, user: Signed, notice_id: str) -> Response:
    desk.unfollow(ctx_of(request).engine, user.organisation_id, notice_id)
    return Response(status_code=204)


@router.get(
    "/follows.ics",
    tags=["veille"],
    summary="Agenda des dates limites des appels suivis",
    response_class=Response,
)
def follows_calendar(request: Request, user: Signed) -> Response:
    ctx = ctx_of(request)
    notices = desk.followed(ctx.settings, ctx.engine, user.organisation_id)
    return Response(advisor.calendar(notices, ctx.now()), media_type="text/calendar")


# -- advisor ------------------------------------------------------------------------------------
@router.get("/advisor/firms", tags=["conseiller"], summary="Entreprises suivies par ma chambre")
def firms(request: Request, user: Signed) -> list[dict[str, Any]]:
    require_role(user, "advisor")
    return [o.as_json() for o in accounts.followed_firms(ctx_of(request).engine, user)]


@router.post(
    "/advisor/firms", tags=["conseiller"], status_code=201, summary="Suivre une entreprise"
)
def new_firm(request: Request, user: Signed, body: FirmIn) -> dict[str, Any]:
    require_role(user, "advisor")
    ctx = ctx_of(request)
    org = accounts.create_organisation(
        ctx.engine, body.name, "firm", siret=body.siret, chamber_id=user.organisation_id
    )
    out: dict[str, Any] = org.as_json()
    if body.profile is not None:
        out["profile"] = desk.create_profile(
            ctx.engine, org.id, body.profile.profile(), ctx.siret_lookup
        ).as_json()
    return out


@router.get(
    "/advisor/firms/{organisation_id}/digest",
    tags=["conseiller"],
    summary="Résumé hebdomadaire d'une entreprise",
)
def firm_digest(request: Request, user: Signed, organisation_id: int) -> dict[str, Any]:
    require_role(user, "advisor")
    return advisor.digest(ctx_of(request), user, organisation_id).as_json()


@router.post(
    "/advisor/firms/{organisation_id}/digest",
    tags=["conseiller"],
    summary="Envoyer le résumé à l'entreprise",
)
def send_firm_digest(request: Request, user: Signed, organisation_id: int) -> dict[str, Any]:
    require_role(user, "advisor")
    ctx = ctx_of(request)
    return {"queued": advisor.send_digest(ctx, user, organisation_id)}


@router.get("/advisor/buyers", tags=["conseiller"], summary="Qui publie quoi dans mon secteur")
def area_buyers(
    request: Request,
    user: Signed,
    territory: Annotated[str, Query(min_length=1, max_length=200)],
) -> list[dict[str, Any]]:
    require_role(user, "advisor")
    ctx = ctx_of(request)
    return advisor.area_buyers(ctx.settings, territory, ctx.now())
