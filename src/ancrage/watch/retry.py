"""When a failed alert is tried again, when it is given up, and why it failed, in French.

A message the SMTP server refused or could not take is tried again by a later run, after
:attr:`RetryPolicy.first_delay` doubled at each failure (capped at :attr:`RetryPolicy.max_delay`),
with the same Message-ID; once the first failure is older than :attr:`RetryPolicy.max_age` the
next failure abandons it (state ``abandoned``, the reason kept). Environment:
``ANCRAGE_WATCH_RETRY_MINUTES`` (first delay, default 5), ``ANCRAGE_WATCH_MAX_AGE_HOURS``
(age limit, default 72).
"""

from __future__ import annotations

import os
import smtplib
import socket
from dataclasses import dataclass
from datetime import timedelta

from ancrage.watch.model import WatchError

RETRY_ENV = "ANCRAGE_WATCH_RETRY_MINUTES"
MAX_AGE_ENV = "ANCRAGE_WATCH_MAX_AGE_HOURS"


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise WatchError(
            f"réglage {name} illisible : {text!r}", hint="Donnez un nombre positif, ex. 5 ou 72."
        )
    return value


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(minutes=5)
    max_delay: timedelta = timedelta(hours=6)
    max_age: timedelta = timedelta(hours=72)

    @classmethod
    def from_env(cls) -> RetryPolicy:
        return cls(
            first_delay=timedelta(minutes=_env_number(RETRY_ENV, 5)),
            max_age=timedelta(hours=_env_number(MAX_AGE_ENV, 72)),
        )

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure."""
        doubled: timedelta = self.first_delay * (2 ** min(attempts - 1, 30))
        return min(doubled, self.max_delay)

    def age_text(self) -> str:
        hours = self.max_age.total_seconds() / 3600
        return f"{hours:g} h"


# Refusals of one message: the next messages may still go out. Anything else (no connection,
# greeting or login refused, connection cut) stops the run's sending: the rest waits.
PER_MESSAGE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)

_REFUSALS: tuple[tuple[type[smtplib.SMTPResponseException], str], ...] = (
    (smtplib.SMTPSenderRefused, "expéditeur refusé par le serveur SMTP"),
    (smtplib.SMTPDataError, "message refusé par le serveur SMTP"),
    (smtplib.SMTPConnectError, "le serveur SMTP refuse la connexion"),
    (smtplib.SMTPHeloError, "le serveur SMTP refuse la présentation (HELO)"),
    (smtplib.SMTPAuthenticationError, "identifiants SMTP refusés"),
)


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())


def reason(exc: BaseException) -> str:
    """Why a message could not be sent, in one French phrase (stored with the alert)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address} : {code} {_text(text)}" for address, (code, text) in exc.recipients.items()
        )
        return f"destinataire refusé par le serveur SMTP ({refused})"
    if isinstance(exc, smtplib.SMTPResponseException):
        label = next((lab for kind, lab in _REFUSALS if isinstance(exc, kind)), "erreur SMTP")
        return f"{label} ({exc.smtp_code} {_text(exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "connexion au serveur SMTP coupée (le message a pu être reçu : il sera renvoyé "\
            "avec le même Message-ID)"
    if isinstance(exc, TimeoutError):
        return "le serveur SMTP ne répond pas (délai dépassé)"
    if isinstance(exc, ConnectionRefusedError):
        return "serveur SMTP injoignable (connexion refusée)"
    if isinstance(exc, socket.gaierror):
        return "nom du serveur SMTP introuvable"
    if isinstance(exc, OSError):
        return f"serveur SMTP injoignable ({exc.strerror or _text(str(exc))})"
    return f"erreur SMTP ({_text(str(exc))})"
