"""The alert e-mail: data from public notices is escaped in the HTML part, kept as is in the
text part, and never breaks the headers."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

from ancrage.watch.mail import SmtpConfig, build_message, new_message_id
from ancrage.watch.model import Profile
from ancrage.watch.outbox import smtp_send

SCRIPT = "<script>alert(1)</script> Travaux d'entretien & réparations"
IMG = '<img src=x onerror="alert(2)">'


def _hostile() -> dict[str, object]:
    return {
        "title": SCRIPT,
        "buyer": IMG,
        "url": "javascript:alert(3)",
        "deadline": "2026-02-27T12:00:00+01:00",
        "explanation": "<b>CPV</b> 45000000",
    }


def test_hostile_notice_escaped_in_received_html(smtp_server: tuple[object, int]) -> None:
    box, port = smtp_server
    config = SmtpConfig(host="127.0.0.1", port=port, sender="veille@ancrage.test")
    profile = Profile("plombier", email="plombier@example.fr", unsubscribe_token="t")
    when = datetime(2026, 1, 22, 8, 0, tzinfo=UTC)
    message = build_message(
        config, profile, [("new", _hostile())], new_message_id(config, 1), when
    )
    smtp_send(config, message)
    (received,) = box.messages  # type: ignore[attr-defined]
    assert isinstance(received, EmailMessage)
    html_part = received.get_body(("html",))
    text_part = received.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html = html_part.get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert "&lt;b&gt;CPV&lt;/b&gt;" in html
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript:' not in html  # a link only for http(s) addresses
    # the plain-text part is text: the title as published, not HTML entities
    assert SCRIPT in text_part.get_content()


def test_line_break_in_title_cannot_add_a_header() -> None:
    config = SmtpConfig(sender="veille@ancrage.test")
    profile = Profile("plombier", email="plombier@example.fr", unsubscribe_token="t")
    alert = {**_hostile(), "title": "Voirie\r\nBcc: victime@example.fr"}
    when = datetime(2026, 1, 22, 8, 0, tzinfo=UTC)
    message = build_message(config, profile, [("new", alert)], "<1@ancrage.test>", when)
    assert message["Bcc"] is None
    assert message["Subject"] == "Appel d'offres : Voirie Bcc: victime@example.fr"
