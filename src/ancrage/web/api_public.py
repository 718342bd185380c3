"""Public API (open data): health, territories, diagnostics and exports, contracts, buyers,
suppliers, notices."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from ancrage import __version__
from ancrage.explore import (
    ContractFilters,
    buyer_summary,
    contract_detail,
    list_contracts,
    search_parties,
    supplier_summary,
)
from ancrage.web import notices as web_notices
from ancrage.web.observatory import ScopeArgs, key_figures
from ancrage.web.security import ctx_of

router = APIRouter(prefix="/api/v1")
Text = Annotated[str | None, Query(max_length=200)]


def scope_args(
    territory: Annotated[
        str | None, Query(max_length=200, description="Territoire : dep:86, reg:75, epci:…, nom.")
    ] = None,
    buyers: Annotated[
        str | None, Query(max_length=2000, description="SIRET ou SIREN d'acheteurs, virgules.")
    ] = None,
    years: Annotated[
        str | None, Query(max_length=20, description="Année ou période : 2024, 2022-2024.")
    ] = None,
    exclude_cpv: Annotated[
        str | None, Query(max_length=200, description="Préfixes CPV exclus (33 = médical).")
    ] = None,
    keep_cpv: Annotated[
        str | None, Query(max_length=200, description="Préfixes CPV gardés.")
    ] = None,
    kind: Literal["marche", "concession"] | None = None,
    purchase_type: Literal["travaux", "fournitures", "services"] | None = None,
    frameworks: Literal["include", "exclude", "separate"] = "include",
    include_flagged: bool = False,
    reference: Annotated[
        str | None, Query(max_length=200, description="region, france ou un territoire.")
    ] = None,
) -> ScopeArgs:
    return ScopeArgs(
        territory=territory or None,
        buyers=buyers or None,
        years=years or None,
        exclude_cpv=exclude_cpv or None,
        keep_cpv=keep_cpv or None,
        kind=kind,
        purchase_type=purchase_type,
        frameworks=frameworks,
        include_flagged=include_flagged,
        reference=reference or None,
    )


Scoped = Annotated[ScopeArgs, Depends(scope_args)]


# -- operations ---------------------------------------------------------------------------------
@router.get("/health", tags=["exploitation"], summary="Le serveur répond")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/ready", tags=["exploitation"], summary="Prêt à servir (base, entrepôt, avis)")
def ready(request: Request) -> JSONResponse:
    from sqlalchemy import text

    from ancrage.notices.store import store_path
    from ancrage.warehouse.store import Warehouse

    ctx = ctx_of(request)
    checks: dict[str, str] = {}
    try:
        with ctx.engine.connect() as con:
            con.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"injoignable ({type(exc).__name__})"
    checks["warehouse"] = "ok" if Warehouse(ctx.settings).exists() else "vide"
    checks["notices"] = "ok" if store_path(ctx.settings).exists() else "vide"
    ok = checks["database"] == "ok"
    return JSONResponse(
        {"status": "ok" if ok else "indisponible", "checks": checks}, status_code=200 if ok else 503
    )


# -- territories and diagnostics ----------------------------------------------------------------
@router.get("/territories", tags=["observatoire"], summary="Chercher un territoire par son nom")
def territories(
    q: Annotated[str, Query(min_length=1, max_length=100)], limit: int = Query(10, ge=1, le=50)
) -> list[dict[str, Any]]:
    from ancrage.geo.search import search_territories

    return [t.as_json() for t in search_territories(q, limit=limit)]


@router.get(
    "/diagnostics",
    tags=["observatoire"],
    summary="Diagnostic d'un périmètre",
    response_model=None,
    responses={
        200: {
            "description": "Le diagnostic typé, champ par champ (schema_version compris).",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/DiagnosticDocument"}}
            },
        }
    },
)
def diagnostics(request: Request, args: Scoped) -> dict[str, Any]:
    """Tous les indicateurs du périmètre (et de la référence demandée), au format du
    diagnostic de la bibliothèque."""
    from ancrage.diagnose import diagnose

    ctx = ctx_of(request)
    result: Any = diagnose(ctx.settings, args.scope(), reference=args.reference)
    # the typed diagnostic (frozen dataclasses with as_json) or today's nested dict
    data: dict[str, Any] = result.as_json() if hasattr(result, "as_json") else result
    return data


@router.get(
    "/observatory", tags=["observatoire"], summary="Chiffres clés et messages d'un périmètre"
)
def observatory(request: Request, args: Scoped) -> dict[str, Any]:
    report = ctx_of(request).reports.get(args)
    return {
        "title": report.title,
        "fictitious": report.fictitious,
        "key_messages": report.key_messages,
        "key_figures": [
            {"label": f.label, "value": f.value, "note": f.note} for f in key_figures(report)
        ],
        "scope": report.scope_lines,
        "quality": [{"label": a, "value": b} for a, b in report.quality_rows],
    }


@router.get(
    "/diagnostics/report.{fmt}",
    tags=["observatoire"],
    summary="Rapport du périmètre (HTML autonome ou PDF)",
    response_class=Response,
)
def report_file(request: Request, fmt: Literal["html", "pdf"], args: Scoped) -> Response:
    from ancrage.report.render import render_html

    report = ctx_of(request).reports.get(args)
    html = render_html(report)
    name = "rapport-ancrage"
    if fmt == "html":
        return Response(
            html,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.html"'},
        )
    from ancrage.report.pdf import write_pdf

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "rapport.pdf"
        write_pdf(html, target)
        body = target.read_bytes()
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )


@router.get(
    "/diagnostics/export.{fmt}",
    tags=["observatoire"],
    summary="Toutes les tables derrière les chiffres (CSV ou Parquet zippés, ou XLSX)",
    response_class=Response,
)
def export_file(request: Request, fmt: Literal["csv", "xlsx", "parquet"], args: Scoped) -> Response:
    from ancrage.diagnose import buyer_names, indicator_tables
    from ancrage.report.export import sheets, write_csv, write_parquet, write_xlsx

    ctx = ctx_of(request)
    scope = args.scope()
    tables = indicator_tables(ctx.settings, scope, reference=args.reference)
    fictitious = any(r.get("synthetic_files") for r in tables["quality"])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if fmt == "parquet":
            written = write_parquet(tables, out)
        else:
            items = sheets(tables, buyer_names(ctx.settings, tables))
            if fmt == "xlsx":
                path = write_xlsx(
                    items, out / "diagnostic.xlsx", fictitious=fictitious, scope=scope.name()
                )
                written = [path]
            else:
                written = write_csv(items, out, fictitious=fictitious)
        if fmt == "xlsx":
            body = written[0].read_bytes()
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            name = "diagnostic.xlsx"
        else:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for path in written:
                    z.write(path, path.name)
            body, media, name = buf.getvalue(), "application/zip", f"diagnostic-{fmt}.zip"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# -- contracts, buyers, suppliers ---------------------------------------------------------------
def contract_filters(
    buyer: Text = None,
    supplier: Text = None,
    ring: Literal["commune", "epci", "departement", "region", "france", "abroad", "unknown"]
    | None = None,
    size: Literal["TPE", "PME", "ETI", "GE", "unknown"] | None = None,
    segment: Annotated[str | None, Query(max_length=40)] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    environmental: bool | None = None,
    social: bool | None = None,
    q: Text = None,
    sort: Literal["amount", "-amount", "date", "-date"] = "-date",
) -> ContractFilters:
    return ContractFilters(
        buyer=buyer or None,
        supplier=supplier or None,
        ring=ring,
        size=size,
        segment=segment or None,
        year=year,
        environmental=environmental,
        social=social,
        text=q or None,
        sort=sort,
    )


@router.get("/contracts", tags=["marchés"], summary="Contrats d'un périmètre, filtrés et triés")
def contracts(
    request: Request,
    args: Scoped,
    filters: Annotated[ContractFilters, Depends(contract_filters)],
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    page = list_contracts(
        ctx_of(request).settings, args.scope(), filters, offset=offset, limit=limit
    )
    return page.as_json()


@router.get("/contracts/{contract_id}", tags=["marchés"], summary="Un contrat et ses modifications")
def contract(request: Request, contract_id: str) -> dict[str, Any]:
    return contract_detail(ctx_of(request).settings, contract_id)


@router.get("/buyers", tags=["marchés"], summary="Chercher un acheteur (nom ou SIRET)")
def buyers(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    return search_parties(ctx_of(request).settings, "buyer", q, limit=limit)


@router.get("/buyers/{buyer_id}", tags=["marchés"], summary="Ce qu'un acheteur a acheté, et à qui")
def buyer(request: Request, buyer_id: str) -> dict[str, Any]:
    return buyer_summary(ctx_of(request).settings, buyer_id)


@router.get("/suppliers", tags=["marchés"], summary="Chercher un titulaire (nom ou SIRET)")
def suppliers(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    return search_parties(ctx_of(request).settings, "supplier", q, limit=limit)


@router.get(
    "/suppliers/{supplier_id}",
    tags=["marchés"],
    summary="Ce qu'une entreprise a gagné, et pour qui",
)
def supplier(request: Request, supplier_id: str) -> dict[str, Any]:
    return supplier_summary(ctx_of(request).settings, supplier_id)


# -- notices ------------------------------------------------------------------------------------
@router.get("/notices", tags=["avis"], summary="Chercher des appels d'offres")
def notices(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    trade: Text = None,
    cpv: Annotated[str | None, Query(max_length=8)] = None,
    territory: Text = None,
    open: bool = False,
    deadline_after: date | None = None,
    offset: Annotated[int, Query(ge=0, le=999)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    hits, more = web_notices.search_page(
        ctx_of(request).settings,
        q,
        trade=trade or None,
        cpv=cpv or None,
        territory=territory or None,
        open_only=open,
        deadline_after=deadline_after,
        offset=offset,
        limit=limit,
        now=ctx_of(request).now(),
    )
    return {"offset": offset, "limit": limit, "more": more, "items": [h.as_json() for h in hits]}


@router.get("/notices/trades", tags=["avis"], summary="Métiers proposés comme filtre")
def notice_trades() -> dict[str, str]:
    return web_notices.trades()


@router.get("/notices/{notice_id}", tags=["avis"], summary="L'avis structuré")
def notice(request: Request, notice_id: str) -> dict[str, Any]:
    ctx = ctx_of(request)
    return web_notices.notice_json(web_notices.get_notice(ctx.settings, notice_id), ctx.now())


@router.get("/notices/{notice_id}/sheet", tags=["avis"], summary="Fiche de lecture de l'avis")
def notice_sheet(request: Request, notice_id: str) -> dict[str, Any]:
    """Quoi, qui, où, combien, quand, critères, exigences ; l'historique du marché est à
    ``/history``."""
    ctx = ctx_of(request)
    found = web_notices.get_notice(ctx.settings, notice_id)
    return web_notices.sheet_for(found, ctx.now()).as_json()


@router.get("/notices/{notice_id}/history", tags=["avis"], summary="Historique du marché (DECP)")
def notice_history(
    request: Request, notice_id: str, lot: Annotated[int | None, Query(ge=1, le=1000)] = None
) -> dict[str, Any]:
    ctx = ctx_of(request)
    found = web_notices.get_notice(ctx.settings, notice_id)
    return web_notices.history_for(ctx.settings, found, lot)
