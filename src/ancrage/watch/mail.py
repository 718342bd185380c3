"""The alert e-mail: French text and HTML parts, unsubscribe link, stable Message-ID."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from ancrage.notices.sheet import is_link
from ancrage.watch.model import Profile

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_BASE_URL = "http://localhost:8000/veille"


@dataclass(frozen=True)
class SmtpConfig:
    """Where alerts are sent from. Environment: ``ANCRAGE_SMTP_HOST``, ``_PORT``, ``_FROM``,
    ``_USER``, ``_PASSWORD``, ``_STARTTLS`` (1), ``ANCRAGE_WATCH_URL`` (unsubscribe links)."""

    host: str = "localhost"
    port: int = 25
    sender: str = "veille@ancrage.invalid"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def from_env(cls) -> SmtpConfig:
        env = os.environ
        return cls(
            host=env.get("ANCRAGE_SMTP_HOST", "localhost"),
            port=int(env.get("ANCRAGE_SMTP_PORT", "25")),
            sender=env.get("ANCRAGE_SMTP_FROM", "veille@ancrage.invalid"),
            username=env.get("ANCRAGE_SMTP_USER") or None,
            password=env.get("ANCRAGE_SMTP_PASSWORD") or None,
            starttls=env.get("ANCRAGE_SMTP_STARTTLS") == "1",
            base_url=env.get("ANCRAGE_WATCH_URL", DEFAULT_BASE_URL),
        )


def new_message_id(config: SmtpConfig, profile_id: int) -> str:
    domain = config.sender.rpartition("@")[2] or "ancrage.invalid"
    return make_msgid(idstring=f"veille-{profile_id}", domain=domain)


def unsubscribe_url(config: SmtpConfig, profile: Profile) -> str:
    query = urlencode({"profil": profile.name, "jeton": profile.unsubscribe_token or ""})
    return f"{config.base_url.rstrip('/')}/desabonnement?{query}"


def when(text: str | None) -> str | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text).astimezone(PARIS)
    return f"{moment:%d/%m/%Y} à {moment:%H:%M} (heure de Paris)"


def _alert(payload: dict[str, Any], kind: str) -> dict[str, Any]:
    return {
        **payload,
        "kind": kind,
        "deadline_text": when(payload.get("deadline")) or "non précisée",
        "old_deadline_text": when(payload.get("old_deadline")),
    }


def build_message(
    config: SmtpConfig,
    profile: Profile,
    alerts: list[tuple[str, dict[str, Any]]],
    message_id: str,
    date: datetime,
) -> EmailMessage:
    """One message for ``alerts`` (kind, payload), in French, text and HTML."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ancrage", "data/watch"),
        # escaped always (titles and buyers come from public notices), except the plain-text
        # part, whose templates say so by their name (``*.txt.j2``)
        autoescape=jinja2.select_autoescape(
            disabled_extensions=("txt.j2",), default_for_string=True, default=True
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.tests["link"] = is_link
    items = [_alert(payload, kind) for kind, payload in alerts]
    link = unsubscribe_url(config, profile)
    context = {"profile": profile, "alerts": items, "unsubscribe_url": link}
    msg = EmailMessage()
    updates = sum(1 for kind, _ in alerts if kind == "update")
    if len(items) == 1:
        subject = ("Mise à jour : " if updates else "Appel d'offres : ") + items[0]["title"]
    else:
        subject = f"Veille Ancrage : {len(items)} appels d'offres pour « {profile.name} »"
    msg["Subject"] = " ".join(subject.split())[:200]  # one line whatever the title holds
    msg["From"] = config.sender
    msg["To"] = profile.email or ""
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = f"<{link}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(env.get_template("digest.txt.j2").render(context))
    msg.add_alternative(env.get_template("digest.html.j2").render(context), subtype="html")
    msg["Content-Language"] = "fr"
    return msg
