"""Pages: the Jinja2 environment, the layout's context (user, CSRF token, navigation) and the
error page."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from ancrage import __version__, fmt
from ancrage.labels import RING_LABELS, SIZE_LABELS
from ancrage.notices.labels import STATE_LABELS
from ancrage.textrepair import repair
from ancrage.web.problems import TITLES
from ancrage.web.security import csrf_token, current_user, set_csrf_cookie


def _date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        from zoneinfo import ZoneInfo

        moment = value.astimezone(ZoneInfo("Europe/Paris")) if value.tzinfo else value
        return f"{moment:%d/%m/%Y à %H:%M}"
    return f"{value:%d/%m/%Y}"


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "", False)})


def _marks(snippet: str) -> Markup:
    """A search snippet with its ``[matched words]`` as ``<mark>`` (the text escaped first)."""
    return Markup(re.sub(r"\[([^\[\]]+)\]", r"<mark>\1</mark>", str(escape(snippet))))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ancrage", "data/web/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        eur=fmt.eur,
        number=fmt.number,
        pct=fmt.pct,
        share=fmt.share,
        date=_date,
        ring=lambda r: RING_LABELS.get(r or "unknown", r),
        size=lambda s: SIZE_LABELS.get(s or "unknown", s),
    )
    env.filters["marks"] = _marks
    env.filters["repaired"] = repair  # names and objects as users read them (textrepair)
    env.filters["state"] = lambda state: STATE_LABELS.get(state, state)
    env.globals.update(query=_query, version=__version__, trade_options=trade_options)
    return env


def trade_options(selected: str) -> Markup:
    """The ``<option>`` of every trade of the search form (about eighty, the same on every
    search page), ``selected`` marked: rendered once per trade chosen, then kept."""
    from ancrage.web.notices import trades

    if selected and selected not in trades():  # a stranger's value: not kept
        return _trade_options(trades(), selected)
    return _kept_trade_options(selected)


@lru_cache(maxsize=128)
def _kept_trade_options(selected: str) -> Markup:
    from ancrage.web.notices import trades

    return _trade_options(trades(), selected)


def _trade_options(trades: dict[str, str], selected: str) -> Markup:
    template = environment().get_template("trade_options.html.j2")
    return Markup(template.render(trades=trades, selected=selected))


NAV = (
    ("/observatoire", "Observatoire"),
    ("/marches", "Marchés"),
    ("/avis", "Appels d'offres"),
)


def page(
    request: Request,
    template: str,
    title: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    user = context.pop("user") if "user" in context else current_user(request)
    nav = list(NAV)
    if user is not None and user.role in ("firm", "advisor"):
        nav.append(("/veille", "Ma veille"))
    if user is not None and user.role == "advisor":
        nav.append(("/conseiller", "Conseiller"))
    if user is not None and user.role == "admin":
        nav.append(("/admin", "Administration"))
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            path=request.url.path,
            title=title,
            user=user,
            nav=nav,
            csrf=csrf_token(request),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status, headers=headers)
    set_csrf_cookie(request, response)
    return response


def error_page(
    request: Request, status: int, detail: str, hint: str | None, headers: dict[str, str]
) -> Response:
    try:
        user = current_user(request)
    except Exception:  # a bad token must not hide the error page
        user = None
    return page(
        request,
        "error.html.j2",
        TITLES.get(status, "Erreur"),
        status=status,
        headers=headers or None,
        user=user,
        status_code=status,
        detail=detail,
        hint=hint,
    )
