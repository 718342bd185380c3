"""ancrage watch: match calls for tenders against profiles, send alerts, write feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ancrage.cli.common import (
    HomeOption,
    TableFormat,
    err,
    out,
    print_json,
    print_note,
    print_text,
    rich_table,
    settings,
)
from ancrage.cli.profile import DbOption
from ancrage.fmt import count
from ancrage.watch.model import WatchError

app = typer.Typer(
    name="watch",
    help="Veille : appels d'offres pour chaque profil, alertes e-mail, flux Atom et agenda.",
    no_args_is_help=True,
)


class FeedFormat(StrEnum):
    atom = "atom"
    ics = "ics"


FormatOption = Annotated[TableFormat, typer.Option("--format", help="table (défaut) ou json.")]
DateOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="Date de référence AAAA-MM-JJ (délais restants ; défaut : maintenant).",
        show_default=False,
    ),
]


def _now(text: str | None) -> datetime:
    day = _since(text)
    return datetime.now(UTC) if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


def _since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise WatchError(f"date « {text} » invalide", hint="AAAA-MM-JJ (ex. 2026-01-01).") from exc


@app.command("run")
def run(
    home: HomeOption = None,
    db: DbOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Avis publiés depuis cette date (AAAA-MM-JJ).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Affiche qui recevrait quoi, sans rien écrire ni envoyer."),
    ] = False,
    no_mail: Annotated[
        bool, typer.Option("--no-mail", help="Met les alertes en file sans envoyer d'e-mail.")
    ] = False,
    output: FormatOption = TableFormat.table,
    when: DateOption = None,
) -> None:
    """Rapproche les avis ouverts des profils, met les alertes en file et les envoie (SMTP :
    variables ANCRAGE_SMTP_HOST, _PORT, _FROM…)."""
    from ancrage.watch.db import open_db
    from ancrage.watch.mail import SmtpConfig
    from ancrage.watch.outbox import not_sent_error
    from ancrage.watch.retry import RetryPolicy
    from ancrage.watch.runner import run_watch

    cfg = settings(home)
    policy = RetryPolicy.from_env()
    report = run_watch(
        cfg,
        open_db(cfg, db),
        since=_since(since),
        dry_run=dry_run,
        now=_now(when),
        smtp=None if (dry_run or no_mail) else SmtpConfig.from_env(),
        policy=policy,
    )
    if report.taken_over is not None:
        print_note(
            f"la veille précédente ({report.taken_over.describe()}) s'est interrompue : "
            "ses envois en cours sont repris"
        )
    trouble = not_sent_error(report.sent, policy) if report.sent else None
    if output is TableFormat.json:
        print_json(
            {
                "notices": report.notices,
                "profiles": report.profiles,
                "matches": [
                    {
                        "profile": m.profile_name,
                        "notice": m.display_id,
                        "score": m.score,
                        "explanation": m.explanation,
                    }
                    for m in report.matches
                ],
                "enqueued": report.enqueued,
                "sent": report.sent.as_json() if report.sent else None,
            }
        )
        if trouble is not None:
            raise trouble
        return
    rows = [
        [m.profile_name, m.display_id, (m.title or "")[:50], m.score, m.explanation]
        for m in report.matches
    ]
    title = (
        f"{count(report.notices, 'avis ouvert')} × {count(report.profiles, 'profil')} : "
        f"{count(len(rows), 'alerte')}"
    )
    if dry_run:
        title += " (simulation)"
    out().print(rich_table(title, ["profil", "avis", "objet", "score", "pourquoi"], rows))
    if not dry_run:
        sent = report.sent
        err().print(
            count(report.enqueued, "nouvelle alerte", "nouvelles alertes") + " en file"
            + (f", {count(sent.alerts, 'envoyée')} en {count(sent.messages, 'e-mail')}"
               if sent else "")
        )
    if trouble is not None:
        raise trouble


@app.command("outbox")
def outbox(
    profile: Annotated[
        str | None,
        typer.Argument(metavar="PROFIL", help="Seulement ce profil.", show_default=False),
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="Lignes montrées (défaut 100).")
    ] = 100,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
    retry: Annotated[
        bool,
        typer.Option(
            "--relancer",
            help="Avancer à maintenant le nouvel essai des alertes en échec (une fois le "
            "serveur SMTP réparé) : la prochaine exécution qui envoie les essaie ; leurs essais "
            "et leur Message-ID sont gardés.",
        ),
    ] = False,
) -> None:
    """Les alertes pas encore envoyées et pourquoi : à envoyer, nouvel essai prévu après un
    échec, en cours d'envoi, abandonnées (avec la raison)."""
    from ancrage.watch.db import open_db
    from ancrage.watch.profiles import get_profile
    from ancrage.watch.waiting import STATE_LABELS, retry_now, waiting

    engine = open_db(settings(home), db)
    if profile is not None:
        get_profile(engine, profile)  # « profil inconnu » when it does not exist
    if retry:
        n = retry_now(engine, datetime.now(UTC), profile=profile)
        them = "l'essaiera" if n == 1 else "les essaiera"
        err().print(
            f"{count(n, 'alerte en échec', 'alertes en échec')} : nouvel essai avancé à "
            "maintenant ; la prochaine exécution qui envoie (« ancrage watch run », « ancrage "
            f"update ») {them}."
            if n
            else "Aucune alerte n'attend de nouvel essai : rien à relancer.",
            markup=False,
            soft_wrap=True,
        )
    found = waiting(engine, profile=profile, limit=limit)
    if output is TableFormat.json:
        print_json(found.as_json())
        return
    if found.total == 0:
        out().print(
            "Aucune alerte en attente"
            + (f" pour le profil « {profile} »" if profile else "")
            + " : toutes celles mises en file ont été envoyées.",
            markup=False,
            soft_wrap=True,
        )
        return
    rows = [
        [w.profile, w.notice, (w.title or "")[:40], STATE_LABELS[w.state], w.attempts, w.why]
        for w in found.items
    ]
    title = f"{count(found.total, 'alerte en attente', 'alertes en attente')}" + (
        f" (les {len(rows)} premières)" if len(rows) < found.total else ""
    )
    out().print(rich_table(title, ["profil", "avis", "objet", "état", "essais", "pourquoi"], rows))
    if found.counts:
        err().print(
            " ; ".join(f"{STATE_LABELS[k]} : {n}" for k, n in found.counts.items()), markup=False
        )


@app.command("matches")
def matches(
    profile: Annotated[str, typer.Argument(metavar="PROFIL", help="Nom du profil.")],
    home: HomeOption = None,
    db: DbOption = None,
    output: FormatOption = TableFormat.table,
    when: DateOption = None,
) -> None:
    """Les avis ouverts qui correspondent à un profil, avec l'explication."""
    from ancrage.geo.radius import Locator
    from ancrage.watch.db import open_db
    from ancrage.watch.matching import ProfileIndex
    from ancrage.watch.profiles import get_profile
    from ancrage.watch.runner import open_notices

    cfg = settings(home)
    p = get_profile(open_db(cfg, db), profile)
    moment = _now(when)
    index = ProfileIndex([p], Locator.for_settings(cfg))
    found = index.match(open_notices(cfg, now=moment), moment)
    if output is TableFormat.json:
        print_json(
            [
                {
                    "notice": m.display_id,
                    "title": m.title,
                    "score": m.score,
                    "explanation": m.explanation,
                }
                for m in found
            ]
        )
        return
    rows = [[m.display_id, (m.title or "")[:50], m.score, m.explanation] for m in found]
    out().print(
        rich_table(
            f"{count(len(rows), 'avis')} pour « {profile} »",
            ["avis", "objet", "score", "pourquoi"],
            rows,
        )
    )


@app.command("feed")
def feed(
    profile: Annotated[str, typer.Argument(metavar="PROFIL", help="Nom du profil.")],
    out_file: Annotated[
        Path, typer.Option("--out", help="Fichier à écrire (son dossier est créé au besoin).")
    ],
    home: HomeOption = None,
    db: DbOption = None,
    atom: Annotated[bool, typer.Option("--atom", help="Flux Atom (lecteur de flux).")] = False,
    ics: Annotated[
        bool, typer.Option("--ics", help="Agenda iCalendar des dates limites.")
    ] = False,
    when: DateOption = None,
) -> None:
    """Écrit le flux Atom ou l'agenda iCalendar d'un profil : ses alertes, puis les avis
    ouverts qui lui correspondent aujourd'hui, qu'une veille (« watch run ») ait tourné ou
    non. Un lecteur de flux ou un agenda (Thunderbird, Outlook…) s'y abonne."""
    if atom == ics:
        raise WatchError("choisissez un format", hint="Donnez --atom ou --ics (un seul).")
    from ancrage.cli.common import write_output
    from ancrage.geo.radius import Locator
    from ancrage.watch.db import open_db
    from ancrage.watch.feeds import atom_feed, feed_alerts, ics_feed
    from ancrage.watch.profiles import get_profile
    from ancrage.watch.runner import open_notices

    cfg = settings(home)
    engine = open_db(cfg, db)
    p = get_profile(engine, profile)
    now = _now(when)
    notices = open_notices(cfg, now=now)
    alerts = feed_alerts(engine, p, notices, Locator.for_settings(cfg), now)
    write_output(out_file, atom_feed(p, alerts, now) if atom else ics_feed(p, alerts, now))
    written = "écrit" if len(alerts) < 2 else "écrits"
    err().print(f"{count(len(alerts), 'avis')} {written} dans {out_file}")


@app.command("digest")
def digest(
    group: Annotated[
        str, typer.Option("--groupe", "--group", help="Groupe des profils (ex. cma-86).")
    ],
    home: HomeOption = None,
    db: DbOption = None,
    output: FormatOption = TableFormat.table,
    when: DateOption = None,
) -> None:
    """Pour un conseiller : quelles entreprises d'un groupe correspondent à quels avis
    ouverts, en un seul tableau (sans rien envoyer)."""
    from ancrage.geo.radius import Locator
    from ancrage.watch.db import open_db
    from ancrage.watch.digest import group_digest
    from ancrage.watch.runner import open_notices

    cfg = settings(home)
    moment = _now(when)
    found = group_digest(
        open_db(cfg, db), group, open_notices(cfg, now=moment), Locator.for_settings(cfg), moment
    )
    if output is TableFormat.json:
        print_json(found.as_json())
        return
    rows: list[list[object]] = []
    for firm in found.firms:
        name = firm.profile.denomination or firm.profile.name
        if not firm.matches:
            rows.append([name, "—", "aucun appel ouvert", "", "", ""])
        for m in firm.matches:
            deadline = f"{m.deadline:%d/%m/%Y}" if m.deadline else "non précisée"
            rows.append([name, m.display_id, (m.title or "")[:50], deadline, m.score,
                         m.explanation])
    title = (
        f"Groupe « {group} » : {count(len(found.firms), 'entreprise')}, "
        f"{found.matched} avec un appel ouvert au moins, {count(found.matches, 'correspondance')}"
    )
    out().print(
        rich_table(title, ["entreprise", "avis", "objet", "date limite", "score", "pourquoi"], rows)
    )


@app.command("history")
def history(
    notice_id: Annotated[
        str,
        typer.Argument(
            metavar="AVIS",
            help="Numéro de l'avis : BOAMP (ex. boamp:26-7113) ou TED (ex. ted:00047522-2024).",
        ),
    ],
    home: HomeOption = None,
    lot: Annotated[int | None, typer.Option("--lot", help="Rang du lot (1, 2…).")] = None,
) -> None:
    """Fiche de lecture de l'avis, avec l'historique du marché (DECP)."""
    from ancrage.notices.sheet import render_text
    from ancrage.notices.store import NoticeStore
    from ancrage.watch.history import sheet_with_history

    cfg = settings(home)
    notice = NoticeStore(cfg).get(notice_id)
    chosen = notice.lots[lot - 1] if lot is not None and 0 < lot <= len(notice.lots) else None
    print_text(render_text(sheet_with_history(cfg, notice, today=date.today(), lot=chosen)))
