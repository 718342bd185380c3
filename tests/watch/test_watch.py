"""Opportunity watch: matching on the real samples, outbox, SMTP, feeds, faults."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from icalendar import Calendar
from lxml import etree
from sqlalchemy import Engine, select

from ancrage.geo.radius import Locator
from ancrage.notices.store import NoticeStore
from ancrage.settings import Settings
from ancrage.watch.db import outbox
from ancrage.watch.feeds import ATOM, atom_feed, feed_alerts, ics_feed
from ancrage.watch.mail import SmtpConfig, build_message
from ancrage.watch.matching import ProfileIndex
from ancrage.watch.model import Profile, WatchError
from ancrage.watch.outbox import alerts_of, enqueue, not_sent_error, send_due
from ancrage.watch.profiles import add_profile, complete, get_profile
from ancrage.watch.retry import RetryPolicy
from ancrage.watch.runner import open_notices, run_watch
from tests.watch.conftest import refused_setting

NOW = datetime(2026, 1, 22, 8, 0, tzinfo=UTC)


def profiles() -> list[Profile]:
    return [
        complete(Profile("plombier-vienne", naf="43.22A", commune="86194", radius_km=100,
                         keywords=["sanitaire"], email="plombier@example.fr")),
        complete(Profile("electricien", naf="43.21A", commune="69123",
                         certifications=["Qualibat"], email="elec@example.fr")),
        complete(Profile("traiteur-normandie", naf="56.21Z", departements=["76", "27", "14"],
                         value_min=10_000, value_max=100_000, email="traiteur@example.fr")),
        complete(Profile("collecte-dechets", naf="38.11Z", email="dechets@example.fr")),
    ]


def _by_profile(settings: Settings, locator: Locator) -> dict[str, list[str]]:
    ps = profiles()
    for i, p in enumerate(ps):
        p.id = i + 1
    found = ProfileIndex(ps, locator).match(open_notices(settings), NOW)
    out: dict[str, list[str]] = {p.name: [] for p in ps}
    for m in found:
        out[m.profile_name].append(f"{m.display_id} | {m.explanation}")
    return out


def test_matching_explanations_on_real_samples(home: Settings, locator: Locator) -> None:
    got = _by_profile(home, locator)
    # No plumbing call in the samples, none near Poitiers: the plumber gets nothing.
    assert got["plombier-vienne"] == []
    # The caterer (76, 27, 14): URSSAF Normandie catering, 7 lots each in its town, 75 k€ for
    # the whole call: lots 1 to 5 are in Rouen, Le Havre, Dieppe, Évreux and Caen; lots 6
    # (Saint-Lô, 50) and 7 (Alençon, 61) are outside the caterer's zone.
    assert got["traiteur-normandie"] == [
        "boamp:26-7308 | CPV 55520000 traiteur = votre métier ; dans votre zone : lieu "
        "d'exécution : Rouen (76) ; lot 1, appel de 75 k€ au total ; il reste 36 jours ; "
        "considération sociale ; considération environnementale ; autres lots concernés : 2, "
        "3, 4, 5"
    ]
    # The electrician has no area (France): the Dutch offshore grid call listing 45315400 (HT
    # installation) is for work in the Netherlands, so it is not his.
    assert got["electricien"] == []
    # France-wide waste collection: the Guadeloupe call (971) is in France.
    assert got["collecte-dechets"] == [
        "ted:00219998-2024 | CPV 90500000 = votre métier ; dép. de l'acheteur 971 ; "
        "date limite non précisée"
    ]


def test_lot_distance_and_certifications(home: Settings, locator: Locator) -> None:
    """The works are in Argonay (74), not at the buyer's in Lyon: a joiner 60 km around Lyon
    gets nothing, one around Annecy gets lot 5 « Menuiserie » (the lot as the notice numbers
    it), at the distance of Argonay."""
    lyon = complete(Profile("menuisier-lyon", naf="43.32A", commune="69123", radius_km=60,
                            certifications=["RGE"]))
    lyon.id = 9
    assert ProfileIndex([lyon], locator).match(open_notices(home), NOW) == []
    annecy = complete(Profile("menuisier-annecy", naf="43.32A", commune="74010", radius_km=30,
                              certifications=["RGE"]))
    annecy.id = 10
    (m,) = ProfileIndex([annecy], locator).match(open_notices(home), NOW)
    assert m.notice_id == "boamp:26-7319"
    assert m.explanation.startswith(
        "CPV 45421000 menuiserie-bois-pvc = votre métier ; à 7 km (Argonay) ; "
        "lot 5 (montant non précisé) ; il reste 20 jours"
    )
    renov = Profile("renov", cpv=["4544"], departements=["57"], certifications=["RGE"], id=3)
    (m,) = ProfileIndex([renov], locator).match(open_notices(home), NOW)
    # the works are in Doulaincourt-Saucourt (52); 57 is only a département the BOAMP lists
    assert "dans votre zone : dép. 57 cité par l'avis ; travaux à Doulaincourt-Saucourt" in (
        m.reasons
    )
    assert "RGE demandé : vous l'avez" in m.reasons
    assert "Qualibat demandé : absent de votre profil" in m.warnings


def test_profile_validation_messages() -> None:
    with pytest.raises(WatchError) as err:
        complete(Profile("x", cpv=["45a"]))
    assert err.value.one_line() == (
        "code CPV « 45a » invalide. Donnez 2 à 8 chiffres (ex. 4533 ou 45330000)."
    )
    with pytest.raises(WatchError) as err:
        complete(Profile("Bad Name"))
    assert err.value.one_line().startswith("nom de profil « Bad Name » invalide")


def _setup(engine: Engine, home: Settings) -> None:
    for p in profiles():
        add_profile(engine, p)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_mail_sent_once_with_html_text_unsubscribe(
    engine: Engine, home: Settings, locator: Locator, smtp_server: tuple[object, int]
) -> None:
    box, port = smtp_server
    _setup(engine, home)
    config = SmtpConfig(host="127.0.0.1", port=port, sender="veille@ancrage.test",
                        base_url="https://ancrage.exemple.fr")
    report = run_watch(home, engine, now=NOW, smtp=config, locator=locator)
    assert report.enqueued == 2 and report.sent is not None and report.sent.messages == 2
    messages: list[EmailMessage] = box.messages  # type: ignore[attr-defined]
    traiteur = next(m for m in messages if m["To"] == "traiteur@example.fr")
    text = traiteur.get_body(("plain",))
    html = traiteur.get_body(("html",))
    assert text is not None and html is not None
    assert "Prestations traiteurs pour l'URSSAF Normandie" in text.get_content()
    token = get_profile(engine, "traiteur-normandie").unsubscribe_token
    link = ("https://ancrage.exemple.fr/veille/desabonnement?profil=traiteur-normandie"
            f"&jeton={token}")
    assert f"Pour ne plus recevoir ces messages : {link}\r\n" in text.get_content()
    assert f'<a href="{link.replace("&", "&amp;")}">Se désabonner</a>' in html.get_content()
    assert traiteur["List-Unsubscribe"] == f"<{link}>"
    assert traiteur["Content-Language"] == "fr"
    # Second run: nothing new, nothing sent again.
    again = run_watch(home, engine, now=NOW, smtp=config, locator=locator)
    assert again.enqueued == 0 and len(messages) == 2


def test_smtp_down_then_sent_once(engine: Engine, home: Settings, locator: Locator,
                                  smtp_server: tuple[object, int]) -> None:
    box, port = smtp_server
    _setup(engine, home)
    down = SmtpConfig(host="127.0.0.1", port=_free_port(), timeout=2)
    report = run_watch(home, engine, now=NOW, smtp=down, locator=locator)
    sent = report.sent
    assert sent is not None and sent.messages == 0 and sent.trouble
    # the server is out of reach: the first message failed, the other was not tried
    assert (sent.not_sent, sent.waiting, sent.stopped, sent.untried) == (1, 1, True, 1)
    assert sent.errors == ["serveur SMTP injoignable (connexion refusée)"]
    error = not_sent_error(sent, RetryPolicy())
    assert error is not None and error.one_line().startswith(
        "1 alerte non envoyée ; 1 alerte attend un nouvel essai (le prochain le 22/01/2026 à "
        "09:05 (heure de Paris)) ; 1 autre alerte reste en file (envoi arrêté) : serveur SMTP "
        "injoignable (connexion refusée). Vérifiez le serveur SMTP"
    )
    with engine.connect() as con:
        states = con.execute(select(outbox.c.state, outbox.c.attempts)).all()
    assert sorted(states) == [("pending", 0), ("pending", 1)]
    up = SmtpConfig(host="127.0.0.1", port=port)
    # the one not tried goes now; the failed one is not due yet (back-off)
    again = send_due(engine, up, NOW)
    assert again.messages == 1 and again.waiting == 1 and again.trouble
    later = NOW.replace(hour=9)
    done = send_due(engine, up, later)
    assert done.messages == 1 and not done.trouble
    assert send_due(engine, up, later).messages == 0
    assert len(box.messages) == 2  # type: ignore[attr-defined]


def test_crash_after_accept_reconciled_same_message_id(
    engine: Engine, home: Settings, locator: Locator, smtp_server: tuple[object, int]
) -> None:
    box, port = smtp_server
    _setup(engine, home)
    config = SmtpConfig(host="127.0.0.1", port=port)
    run_watch(home, engine, now=NOW, smtp=None, locator=locator)

    def crash(_message: EmailMessage) -> None:
        raise RuntimeError("crash after the server accepted")

    with pytest.raises(RuntimeError):
        send_due(engine, config, NOW, after_accept=crash)
    with engine.connect() as con:
        # both messages were claimed (Message-ID recorded) before the first one was sent
        assert {r.state for r in con.execute(select(outbox.c.state))} == {"sending"}
    first = list(box.messages)  # type: ignore[attr-defined]
    assert len(first) == 1
    report = send_due(engine, config, NOW)
    assert report.resent == 2 and report.alerts == 2
    messages = box.messages  # type: ignore[attr-defined]
    ids = [m["Message-ID"] for m in messages]
    # the accepted message came again with the same Message-ID (collapsed by mail stores);
    # the other one was sent for the first time: no alert lost, no distinct duplicate
    assert len(messages) == 3 and len(set(ids)) == 2
    assert ids.count(first[0]["Message-ID"]) == 2
    with engine.connect() as con:
        assert {r.state for r in con.execute(select(outbox.c.state))} == {"sent"}
    assert send_due(engine, config, NOW).messages == 0


def test_corrigendum_moving_deadline_gives_update(
    engine: Engine, home: Settings, locator: Locator
) -> None:
    _setup(engine, home)
    run_watch(home, engine, now=NOW, locator=locator)
    with engine.connect() as con:
        con.execute(outbox.update().values(state="sent"))
        con.commit()
    notices = {n.id: n for n in open_notices(home)}
    notice = notices["boamp:26-7308"]
    notice.deadline = notice.deadline.replace(day=28) if notice.deadline else None
    p = get_profile(engine, "traiteur-normandie")
    p.id = p.id
    matches = ProfileIndex([p], locator).match([notice], NOW)
    assert enqueue(engine, matches, notices, NOW) == 1
    assert enqueue(engine, matches, notices, NOW) == 0
    (alert, *_) = alerts_of(engine, p)
    assert alert["kind"] == "update"
    assert alert["old_deadline"] == "2026-02-27T12:00:00+01:00"


def test_feeds_parse_back(engine: Engine, home: Settings, locator: Locator) -> None:
    _setup(engine, home)
    run_watch(home, engine, now=NOW, locator=locator)
    p = get_profile(engine, "traiteur-normandie")
    alerts = alerts_of(engine, p)
    root = etree.fromstring(atom_feed(p, alerts, NOW))
    entries = root.findall(f"{{{ATOM}}}entry")
    assert len(entries) == 1
    title = entries[0].findtext(f"{{{ATOM}}}title")
    assert title == "Prestations traiteurs pour l'URSSAF Normandie"
    cal = Calendar.from_ical(ics_feed(p, alerts, NOW))
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 2, 27, 11, 0, tzinfo=UTC)
    assert str(event["summary"]).startswith("Date limite : Prestations traiteurs")


def test_history_without_warehouse(home: Settings) -> None:
    from ancrage.watch.history import market_history, sheet_with_history

    notice = NoticeStore(home).get("boamp:26-7308")
    result = market_history(home, notice)
    assert result["criteria"]["cpv_class"] == "5552"
    assert result["criteria"]["departement"] == "76"
    assert result["note"].startswith("entrepôt DECP vide")
    sheet = sheet_with_history(home, notice, today=NOW.date())
    assert sheet.sections[-1].title == "Historique du marché (DECP)"


def test_expired_calls_neither_counted_nor_matched(engine: Engine, home: Settings,
                                                   locator: Locator) -> None:
    today = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    every = {n.id for n in open_notices(home)}
    still = open_notices(home, now=today)
    assert "boamp:26-7319" in every  # « date limite dépassée depuis 299 jours »
    assert "boamp:26-7319" not in {n.id for n in still}
    assert all(n.deadline is None or n.deadline > today for n in still)
    _setup(engine, home)
    report = run_watch(home, engine, now=today, dry_run=True, locator=locator)
    assert report.notices == len(still) < len(every)
    given = run_watch(home, engine, now=today, dry_run=True, locator=locator,
                      notices=open_notices(home))
    assert given.notices == len(still)


def _queue_caterer_only(engine: Engine, home: Settings, locator: Locator) -> None:
    """The alerts of the samples queued on 2026-01-22 (36 days before the caterer's call
    closes); only the caterer's alert is due."""
    _setup(engine, home)
    run_watch(home, engine, now=NOW, smtp=None, locator=locator)
    traiteur = get_profile(engine, "traiteur-normandie")
    with engine.begin() as con:
        con.execute(outbox.update().where(outbox.c.profile_id != traiteur.id)
                    .values(next_try=datetime(2030, 1, 1)))


def test_days_left_at_send_time(
    engine: Engine, home: Settings, locator: Locator, smtp_server: tuple[object, int]
) -> None:
    box, port = smtp_server
    _queue_caterer_only(engine, home, locator)
    later = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    assert send_due(engine, SmtpConfig(host="127.0.0.1", port=port), later).messages == 1
    (message,) = box.messages  # type: ignore[attr-defined]
    text = message.get_body(("plain",)).get_content()
    assert "il reste 17 jours" in text and "il reste 36 jours" not in text


def test_days_left_in_a_feed_read_later(engine: Engine, home: Settings, locator: Locator) -> None:
    """An alert not sent yet is written in the feed as of the day the feed is read."""
    _queue_caterer_only(engine, home, locator)
    later = datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    traiteur = get_profile(engine, "traiteur-normandie")
    alerts = feed_alerts(engine, traiteur, open_notices(home, now=later), locator, later)
    (caterer,) = [a for a in alerts if "Rouen" in a["explanation"]]
    assert "il reste 17 jours" in caterer["explanation"]


def test_no_alert_sent_once_the_deadline_has_passed(
    engine: Engine, home: Settings, locator: Locator, smtp_server: tuple[object, int]
) -> None:
    box, port = smtp_server
    _queue_caterer_only(engine, home, locator)
    closed = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)  # the call closed on 2026-02-27
    assert send_due(engine, SmtpConfig(host="127.0.0.1", port=port), closed).messages == 0
    assert box.messages == []  # type: ignore[attr-defined]
    traiteur = get_profile(engine, "traiteur-normandie")
    with engine.connect() as con:
        states = con.execute(select(outbox.c.profile_id, outbox.c.state)).all()
    assert {s for p, s in states if p == traiteur.id} == {"expired"}


def test_profiles_without_cpv_never_crash(engine: Engine, home: Settings,
                                          locator: Locator) -> None:
    with pytest.raises(WatchError) as refused:
        complete(Profile("tabac-poitiers", naf="47.76Z"))
    assert refused.value.one_line() == (
        "profil « tabac-poitiers » sans code CPV ni mot-clé : il ne recevrait aucune "
        "alerte. Le code NAF 47.76Z ne suggère aucun code CPV ; ajoutez un code CPV (ex. "
        "4533) ou un mot-clé (ex. fleuriste)."
    )
    assert run_watch(home, engine, now=NOW, locator=locator).matches == []  # no profile
    add_profile(engine, Profile("tabac-poitiers", naf="47.76Z"))  # as stored before the check
    report = run_watch(home, engine, now=NOW, locator=locator)
    assert report.profiles == 1 and report.matches == []
    assert ProfileIndex([Profile("vide")], locator).match(open_notices(home), NOW) == []


def test_unsubscribe_link_only_with_a_public_address(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, home: Settings, locator: Locator,
    smtp_server: tuple[object, int],
) -> None:
    monkeypatch.delenv("ANCRAGE_PUBLIC_URL", raising=False)
    assert SmtpConfig.from_env().base_url is None
    monkeypatch.setenv("ANCRAGE_PUBLIC_URL", "https://veille.exemple.fr/")
    assert SmtpConfig.from_env().base_url == "https://veille.exemple.fr"
    refused = refused_setting(
        monkeypatch, "ANCRAGE_PUBLIC_URL", "veille.exemple.fr", SmtpConfig.from_env
    )
    assert refused == (
        "adresse publique illisible : 'veille.exemple.fr'. Donnez à ANCRAGE_PUBLIC_URL une "
        "adresse comme https://ancrage.exemple.fr."
    )
    box, port = smtp_server
    _setup(engine, home)
    run_watch(home, engine, now=NOW, smtp=SmtpConfig(host="127.0.0.1", port=port),
              locator=locator)
    messages: list[EmailMessage] = box.messages  # type: ignore[attr-defined]
    assert len(messages) == 2
    for message in messages:
        assert message["List-Unsubscribe"] is None
        for part in message.walk():
            if part.get_content_maintype() == "text":
                content = part.get_content()
                assert "désabonn" not in content and "localhost" not in content


def test_html_mail_escapes_notice_text() -> None:
    payload = {"notice_id": "boamp:26-1", "title": "Voirie & réseaux <lot 2>", "buyer": None,
               "deadline": None, "explanation": "mots-clés : voirie", "url": None}
    message = build_message(SmtpConfig(), Profile("voirie", cpv=["4523"]), [("new", payload)],
                            "<id@ancrage.test>", NOW)
    html = message.get_body(("html",))
    assert html is not None
    assert "Voirie &amp; réseaux &lt;lot 2&gt;" in html.get_content()
