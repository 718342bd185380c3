"""Browser journeys (Playwright driving Debian's Chromium), with axe-core injected into every
page: no serious or critical accessibility violation. Screenshots are written to the folder
named by ``ANCRAGE_SCREENSHOTS`` when it is set (the user guide's come from there)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, People, queued_mails

REPO = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("ANCRAGE_AXE", REPO / ".ci-node/node_modules/axe-core/axe.min.js"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = os.environ.get("ANCRAGE_SCREENSHOTS")
PHONE = {"width": 390, "height": 844}


def _missing() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "le paquet Python playwright n'est pas installé"
    if not Path(CHROMIUM).exists():
        return "Chromium absent (paquet Debian chromium)"
    if not AXE.exists():
        return f"axe-core absent ({AXE}) : npm install axe-core dans .ci-node"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def server(app: Any) -> Iterator[str]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "le serveur de test n'a pas démarré"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def check_page(page: Any, name: str) -> None:
    """axe-core over the page: no serious or critical violation; a screenshot if asked."""
    page.evaluate(AXE.read_text("utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))"
        ".slice(0, 3)}))"
    )
    serious = [v for v in found if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: {serious}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"{name}: défilement horizontal ({width} px)"
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _context(browser: Any, phone: bool = False) -> Any:
    options: dict[str, Any] = {"bypass_csp": True, "accept_downloads": True, "locale": "fr-FR"}
    if phone:
        options |= {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True}
    else:
        options |= {"viewport": {"width": 1280, "height": 900}}
    return browser.new_context(**options)


def test_explore_a_territory_and_download_its_report(browser: Any, server: str) -> None:
    ctx = _context(browser)
    page = ctx.new_page()
    page.goto(server + "/")
    check_page(page, "accueil")
    page.get_by_role("link", name="Observatoire", exact=True).first.click()
    page.get_by_label("Territoire", exact=True).fill("Haute-Savoie")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(r"territoire=Haute-Savoie"))
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == "Commande publique : Haute-Savoie (dep:74)"
    )
    check_page(page, "observatoire-haute-savoie")
    with page.expect_download() as info:
        page.get_by_role("link", name="HTML").click()
    report = Path(info.value.path()).read_text("utf-8")
    assert "Haute-Savoie" in report and "<svg" in report
    page.get_by_role("link", name="voir les contrats : contrats", exact=True).click()
    assert "contrat" in page.get_by_role("status").inner_text()
    check_page(page, "marches-haute-savoie")
    page.locator("table.list a").first.click()
    check_page(page, "marche")
    ctx.close()


def test_firm_signs_up_sets_a_profile_sees_matches_opens_a_sheet(
    browser: Any, server: str, people: People
) -> None:
    ctx = _context(browser, phone=True)
    page = ctx.new_page()
    page.goto(server + "/inscription")
    check_page(page, "inscription-telephone")
    page.get_by_label("Nom de l'entreprise ou de l'organisme").fill("Menuiserie du Clain")
    page.get_by_label("SIRET").fill("12345678900011")
    page.get_by_label("Adresse e-mail").fill("contact@menuiserie-clain.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer le compte").click()
    assert "Vérifiez vos e-mails" in page.get_by_role("heading", level=1).inner_text()
    link = queued_mails(people.engine)[-1].body.split("/confirmer/")[1].split()[0]
    page.goto(f"{server}/confirmer/{link}")
    page.get_by_role("link", name="Se connecter").last.click()
    page.get_by_label("Adresse e-mail").fill("contact@menuiserie-clain.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/veille$"))
    check_page(page, "veille-telephone")
    assert page.get_by_label("SIRET").first.input_value() == "12345678900011"
    page.get_by_label("Codes CPV (début)").first.fill("45")
    page.get_by_role("button", name="Créer le profil").click()
    page.wait_for_url(re.compile(r"/veille/profils/\d+$"))
    heading = page.get_by_role("heading", level=2).first.inner_text()
    assert re.match(r"\d+ appels? ouverts? pour ce profil", heading)
    assert not heading.startswith("0 ")
    assert "Pourquoi" in page.locator("ol.results").inner_text()
    check_page(page, "profil-correspondances-telephone")
    page.locator("ol.results h3 a").first.click()
    page.wait_for_url(re.compile(r"/avis/"))
    check_page(page, "fiche-de-lecture-telephone")
    page.get_by_role("button", name="Suivre cet appel").click()
    assert page.get_by_role("button", name="Ne plus suivre cet appel").is_visible()
    page.goto(server + "/veille")
    assert "Agenda des dates limites" in page.locator("main").inner_text()
    ctx.close()


def test_advisor_sees_their_firms_and_no_others(browser: Any, server: str, people: People) -> None:
    from ancrage.watch.model import Profile
    from ancrage.web import desk

    desk.create_profile(
        people.engine,
        people.firm_c.id,
        Profile(name="p", denomination="Plomberie C", cpv=["45"], email="c@plomberie-c.fr"),
    )
    desk.create_profile(
        people.engine, people.firm_d.id, Profile(name="p", denomination="Peinture D", cpv=["45"])
    )
    ctx = _context(browser)
    page = ctx.new_page()
    page.goto(server + "/connexion")
    page.get_by_label("Adresse e-mail").fill(people.advisor.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/conseiller$"))
    text = page.locator("main").inner_text()
    assert "Plomberie C" in text and "Peinture D" not in text
    check_page(page, "conseiller")
    page.get_by_role("link", name="Plomberie C").click()
    assert "Résumé de la semaine" in page.locator("main").inner_text()
    check_page(page, "conseiller-entreprise")
    page.get_by_role("button", name="Envoyer le résumé à l'entreprise").click()
    assert "mis en file" in page.get_by_role("status").inner_text()
    response = page.goto(f"{server}/conseiller/entreprises/{people.firm_d.id}")
    assert response is not None and response.status == 404
    assert "Peinture D" not in page.locator("main").inner_text()
    page.goto(server + "/conseiller?territoire=dep:59")
    assert "COMMUNE DE LA MADELEINE" in page.locator("main").inner_text()
    ctx.close()
