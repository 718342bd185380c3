"""The HTTP client of the connectors: polite pauses, back-off, one French line per failure."""

from __future__ import annotations

import httpx
import pytest

from ancrage.fetch.errors import FetchError, OfflineError, SourceChangedError
from ancrage.fetch.http import Http
from tests.fetch.conftest import Sleeps

URL = "https://api.example.fr/v1/items"


def client(handler: httpx.MockTransport, sleeps: Sleeps, **kw: float) -> Http:
    return Http(transport=handler, sleep=sleeps, clock=lambda: 0.0, **kw)  # type: ignore[arg-type]


def answers(*replies: httpx.Response | Exception) -> httpx.MockTransport:
    queue = list(replies)

    def handle(request: httpx.Request) -> httpx.Response:
        reply = queue.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    return httpx.MockTransport(handle)


def test_5xx_and_429_are_retried_with_back_off_and_retry_after(sleeps: Sleeps) -> None:
    http = client(
        answers(
            httpx.Response(503),
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"ok": True}),
        ),
        sleeps,
        min_interval=0.0,
        backoff=1.0,
    )
    assert http.get_json(URL, what="l'API test") == {"ok": True}
    assert sleeps == [1.0, 7.0]  # 1 s, then 2 s raised to the server's Retry-After
    assert http.requests == 3


def test_polite_pause_between_two_requests_to_one_host(sleeps: Sleeps) -> None:
    now = [100.0]
    http = Http(
        transport=answers(httpx.Response(200, json={}), httpx.Response(200, json={})),
        sleep=sleeps,
        clock=lambda: now[0],
        min_interval=0.5,
    )
    http.get_json(URL, what="l'API test")
    now[0] += 0.1
    http.get_json(URL, what="l'API test")
    assert sleeps == [pytest.approx(0.4)]


def test_http_error_is_one_line_naming_the_source(sleeps: Sleeps) -> None:
    http = client(answers(httpx.Response(404)), sleeps)
    with pytest.raises(FetchError) as err:
        http.get_json(URL, what="l'API test")
    assert err.value.one_line() == (
        f"{URL}: l'API test a répondu HTTP 404. Rien à cette "
        "adresse : la source a peut-être déplacé ses fichiers ; signalez-le."
    )
    assert sleeps == []  # a 404 is not retried


def test_server_errors_that_persist(sleeps: Sleeps) -> None:
    http = client(answers(*[httpx.Response(500)] * 4), sleeps, backoff=1.0, min_interval=0.0)
    with pytest.raises(FetchError) as err:
        http.get_json(URL, what="l'API test")
    assert err.value.one_line() == (
        "l'API test a encore répondu HTTP 500 après 4 tentatives (api.example.fr). Le service "
        "est indisponible ou limite le débit ; réessayez plus tard. Relancez la même commande : "
        "les téléchargements reprennent où ils se sont arrêtés."
    )
    assert sleeps == [1.0, 2.0, 4.0]


def test_offline(sleeps: Sleeps) -> None:
    refused = httpx.ConnectError("[Errno -3] Temporary failure in name resolution")
    http = client(answers(*[refused] * 2), sleeps, min_interval=0.0)
    with pytest.raises(OfflineError) as err:
        http.get_json(URL, what="l'API test")
    assert sleeps == [1.0]  # one more try, a second later
    assert err.value.one_line() == (
        "hors ligne : impossible de joindre api.example.fr (ConnectError). Vérifiez la connexion "
        "internet (et le proxy HTTPS_PROXY s'il y en a un). Relancez la même commande : les "
        "téléchargements reprennent où ils se sont arrêtés."
    )
    assert err.value.exit_code == 5


def test_timeout_then_success_and_timeout_for_good(sleeps: Sleeps) -> None:
    slow = httpx.ReadTimeout("timed out")
    http = client(answers(slow, httpx.Response(200, json=[1])), sleeps, timeout=30.0)
    assert http.get_json(URL, what="l'API test") == [1]
    http = client(answers(*[slow] * 4), sleeps, timeout=30.0)
    with pytest.raises(FetchError) as err:
        http.get_json(URL, what="l'API test")
    assert err.value.one_line() == (
        "l'API test ne répond pas (api.example.fr : plus de 30 s d'attente, 4 tentatives). "
        "Le service est lent ou surchargé. Relancez la même commande : les téléchargements "
        "reprennent où ils se sont arrêtés."
    )


def test_an_answer_that_is_not_json_is_a_changed_source(sleeps: Sleeps) -> None:
    html = {"Content-Type": "text/html"}
    page = httpx.Response(200, text="<html>maintenance</html>", headers=html)
    http = client(answers(page), sleeps)
    with pytest.raises(SourceChangedError) as err:
        http.get_json(URL, what="l'API test")
    assert err.value.one_line() == (
        f"{URL}: l'API test a répondu autre chose que du JSON (text/html). La "
        "source a peut-être changé de format ; rien n'a été écrit. Signalez-le si cela persiste."
    )
