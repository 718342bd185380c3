"""Public pages (open data): home, observatory, contracts, buyers, suppliers, calls."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ancrage.errors import AncrageError
from ancrage.explore import (
    ContractFilters,
    buyer_summary,
    contract_detail,
    list_contracts,
    search_parties,
    supplier_summary,
)
from ancrage.notices.search import SearchHit
from ancrage.textrepair import repair
from ancrage.web import notices as web_notices
from ancrage.web.observatory import ScopeArgs, key_figures, ring_rows, size_rows
from ancrage.web.problems import status_of
from ancrage.web.render import page
from ancrage.web.security import ctx_of, current_user

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=200)]
PAGE = 25
NOTICE_PAGE = 20  # hits per page of the notice search
NOTICE_PAGES = web_notices.MAX_RESULTS // NOTICE_PAGE  # its last page: the 1000th hit


@router.get("/")
def home(request: Request) -> Response:
    return page(request, "home.html.j2", "Ancrage")


@router.get("/accessibilite")
def accessibility(request: Request) -> Response:
    return page(request, "accessibility.html.j2", "Accessibilité")


def _scope_args(
    territoire: str | None,
    annees: str | None,
    exclure_cpv: str | None = None,
    achat: str | None = None,
    accords_cadres: str | None = None,
    reference: str | None = None,
    acheteurs: str | None = None,
) -> ScopeArgs:
    return ScopeArgs(
        territory=territoire or None,
        buyers=acheteurs or None,
        years=annees or None,
        exclude_cpv=exclure_cpv or None,
        purchase_type=achat or None if achat in ("travaux", "fournitures", "services") else None,
        frameworks=accords_cadres
        if accords_cadres in ("include", "exclude", "separate")
        else "include",
        reference=reference or None,
    )


@router.get("/observatoire")
def observatory(
    request: Request,
    territoire: Text = None,
    annees: Annotated[str | None, Query(max_length=20)] = None,
    exclure_cpv: Text = None,
    achat: Text = None,
    accords_cadres: Text = None,
    reference: Text = None,
    acheteurs: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    form = {
        "territoire": territoire or "",
        "annees": annees or "",
        "exclure_cpv": exclure_cpv or "",
        "achat": achat or "",
        "accords_cadres": accords_cadres or "",
        "reference": reference or "",
        "acheteurs": acheteurs or "",
    }
    if not (territoire or acheteurs):
        return page(request, "observatory.html.j2", "Observatoire", form=form, report=None)
    args = _scope_args(territoire, annees, exclure_cpv, achat, accords_cadres, reference, acheteurs)
    try:
        report = ctx_of(request).reports.get(args)
    except AncrageError as exc:
        return page(
            request,
            "observatory.html.j2",
            "Observatoire",
            status=status_of(exc),
            form=form,
            report=None,
            error=exc,
        )
    api = {
        "territory": args.territory,
        "buyers": args.buyers,
        "years": args.years,
        "exclude_cpv": args.exclude_cpv,
        "purchase_type": args.purchase_type,
        "frameworks": None if args.frameworks == "include" else args.frameworks,
        "reference": args.reference,
    }
    return page(
        request,
        "observatory.html.j2",
        report.title,
        form=form,
        report=report,
        figures=key_figures(report),
        ring_rows=ring_rows(report),
        size_rows=size_rows(report),
        scope_query=args.query(),
        api_query={k: v for k, v in api.items() if v},
    )


@router.get("/marches")
def contracts(
    request: Request,
    territoire: Text = None,
    annees: Annotated[str | None, Query(max_length=20)] = None,
    acheteur: Text = None,
    titulaire: Text = None,
    cercle: Text = None,
    taille: Text = None,
    segment: Text = None,
    annee: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    environnement: Text = None,
    social: Text = None,
    q: Text = None,
    tri: Text = None,
    exclure_cpv: Text = None,
    achat: Text = None,
    accords_cadres: Text = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    params: dict[str, Any] = {
        "territoire": territoire,
        "annees": annees,
        "acheteur": acheteur,
        "titulaire": titulaire,
        "cercle": cercle,
        "taille": taille,
        "segment": segment,
        "annee": annee,
        "environnement": environnement,
        "social": social,
        "q": q,
        "tri": tri,
        "exclure_cpv": exclure_cpv,
        "achat": achat,
        "accords_cadres": accords_cadres,
    }
    yes_no = {"oui": True, "non": False}
    filters = ContractFilters(
        buyer=acheteur or None,
        supplier=titulaire or None,
        ring=cercle or None,
        size=taille or None,
        segment=segment or None,
        year=annee,
        environmental=yes_no.get(environnement or ""),
        social=yes_no.get(social or ""),
        text=q or None,
        sort=tri if tri in ("amount", "-amount", "date", "-date") else "-date",  # type: ignore[arg-type]
    )
    args = _scope_args(territoire, annees, exclure_cpv, achat, accords_cadres)
    result = None
    error = None
    try:
        result = list_contracts(
            ctx_of(request).settings,
            args.scope(),
            filters,
            offset=(page_no - 1) * PAGE,
            limit=PAGE,
        )
    except AncrageError as exc:
        error = exc
    return page(
        request,
        "contracts.html.j2",
        "Marchés",
        status=status_of(error) if error else 200,
        params=params,
        result=result,
        error=error,
        page_no=page_no,
        page_size=PAGE,
    )


@router.get("/marches/{contract_id}")
def contract(request: Request, contract_id: str) -> Response:
    c = contract_detail(ctx_of(request).settings, contract_id)
    return page(request, "contract.html.j2", repair(c["object"]) or "Marché", c=c)


@router.get("/acheteurs")
def buyers(request: Request, q: Text = None) -> Response:
    found = search_parties(ctx_of(request).settings, "buyer", q) if q else None
    return page(request, "parties.html.j2", "Acheteurs", kind="buyer", q=q or "", found=found)


@router.get("/acheteurs/{buyer_id}")
def buyer(request: Request, buyer_id: str) -> Response:
    b = buyer_summary(ctx_of(request).settings, buyer_id)
    return page(request, "buyer.html.j2", repair(b["name"]) or buyer_id, b=b)


@router.get("/titulaires")
def suppliers(request: Request, q: Text = None) -> Response:
    found = search_parties(ctx_of(request).settings, "supplier", q) if q else None
    return page(request, "parties.html.j2", "Titulaires", kind="supplier", q=q or "", found=found)


@router.get("/titulaires/{supplier_id}")
def supplier(request: Request, supplier_id: str) -> Response:
    s = supplier_summary(ctx_of(request).settings, supplier_id)
    return page(request, "supplier.html.j2", repair(s["name"]) or supplier_id, s=s)


@router.get("/avis")
def notices(
    request: Request,
    q: Text = None,
    metier: Text = None,
    cpv: Annotated[str | None, Query(max_length=8)] = None,
    territoire: Text = None,
    ouverts: Text = None,
    date_limite_apres: Annotated[str | None, Query(max_length=10)] = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=NOTICE_PAGES)] = 1,
) -> Response:
    params = {
        "q": q or "",
        "metier": metier or "",
        "cpv": cpv or "",
        "territoire": territoire or "",
        "ouverts": ouverts or "",
        "date_limite_apres": date_limite_apres or "",
    }
    searched = any(params.values())
    hits: list[SearchHit] = []
    more = False
    error: AncrageError | None = None
    if searched:
        try:
            after = date.fromisoformat(date_limite_apres) if date_limite_apres else None
        except ValueError:
            after = None
        try:
            hits, more = web_notices.search_page(
                ctx_of(request).settings,
                q or "",
                trade=metier or None,
                cpv=cpv or None,
                territory=territoire or None,
                open_only=bool(ouverts),
                deadline_after=after,
                offset=(page_no - 1) * NOTICE_PAGE,
                limit=NOTICE_PAGE,
                now=ctx_of(request).now(),
            )
        except AncrageError as exc:
            error = exc
    return page(
        request,
        "notices.html.j2",
        "Appels d'offres",
        status=status_of(error) if error else 200,
        params=params,
        hits=hits,
        more=more,
        error=error,
        searched=searched,
        page_no=page_no,
        page_size=NOTICE_PAGE,
        last_page=NOTICE_PAGES,
        max_results=web_notices.MAX_RESULTS,
    )


@router.get("/avis/{notice_id}")
def notice(request: Request, notice_id: str) -> Response:
    ctx = ctx_of(request)
    found = web_notices.get_notice(ctx.settings, notice_id)
    user = current_user(request)
    following = False
    if user is not None:
        from ancrage.web.desk import followed

        mine = followed(ctx.settings, ctx.engine, user.organisation_id)
        following = any(n.id == found.id for n in mine)
    return page(
        request,
        "notice.html.j2",
        found.title or found.id,
        user=user,
        notice=found,
        sheet=web_notices.sheet_for(found, ctx.now()),
        following=following,
    )


@router.get("/avis/{notice_id}/historique")
def notice_history(
    request: Request, notice_id: str, lot: Annotated[int | None, Query(ge=1, le=1000)] = None
) -> Response:
    ctx = ctx_of(request)
    found = web_notices.get_notice(ctx.settings, notice_id)
    section = web_notices.history_section_for(ctx.settings, found, lot)
    return page(
        request,
        "history.html.j2",
        f"Historique du marché : {found.title or found.id}",
        notice=found,
        section=section,
        lot=lot,
    )
