"""``ancrage fetch``, ``ancrage update`` and ``ancrage demo --live`` as a user runs them."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ancrage.cli.app import app
from ancrage.fetch.manifest import fetch_lock
from ancrage.settings import Settings
from tests.fetch.mirror import Mirror
from tests.fetch.replay import Replay, Reply
from tests.warehouse.notes import dead_writer_lock


@pytest.fixture
def on_mirror(world: Mirror, monkeypatch: pytest.MonkeyPatch) -> Mirror:
    for key, value in world.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("ANCRAGE_HOME", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # tables of a wide terminal, whole lines
    return world


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def words(text: str) -> str:
    return " ".join(text.split())


def test_fetch_shows_what_it_took(on_mirror: Mirror, home: Settings) -> None:
    h = str(home.home)
    result = run("fetch", "boamp", "--since", "2026-12-07", "--home", h)
    assert result.exit_code == 0, result.output
    out = words(result.stdout)
    assert "│ boamp │ downloads/boamp/france/boamp-2026-12-07.json │ nouveau │ 30,8 Ko │" in out
    assert "1 fichier(s) nouveau(x) ou mis à jour ; manifeste :" in out
    again = run("fetch", "boamp", "--since", "2026-12-07", "--home", h, "--format", "json")
    data = json.loads(again.stdout)
    assert [f["status"] for f in data["files"]] == ["unchanged"]
    assert data["error"] is None


def test_fetch_user_errors_are_one_line(on_mirror: Mirror, home: Settings) -> None:
    h = str(home.home)
    unknown = run("fetch", "bodacc", "--home", h)
    assert unknown.exception.exit_code == 2  # type: ignore[union-attr]
    assert str(unknown.exception) == (
        "source inconnue « bodacc ». Sources possibles : decp, decp-officiel, boamp, ted, "
        "sirene, cog, laposte."
    )
    url = run("fetch", "boamp", "--url", "https://exemple.fr/decp.json", "--home", h)
    assert str(url.exception) == (
        "--url ne vaut que pour la source decp. Ex. ancrage fetch decp --url https://…"
    )
    update = run("update", "--source", "bodacc", "--home", h)
    assert str(update.exception) == str(unknown.exception)
    assert not (home.home / "fetch").exists()  # said before anything ran
    day = run("fetch", "boamp", "--since", "2026-13-01", "--home", h)
    assert str(day.exception) == (
        "date « 2026-13-01 » illisible pour --since. Écrivez-la AAAA-MM-JJ (2026-01-31)."
    )


def test_a_source_that_changed_its_format_is_one_line_on_stderr(
    on_mirror: Mirror, replay: Replay, home: Settings
) -> None:
    replay.route(
        "/boamp/api/explore/v2.1/catalog/datasets/boamp/records",
        lambda _r: Reply.json({"total_count": 0}),
    )
    result = run("fetch", "boamp", "--since", "2026-12-07", "--home", str(home.home))
    assert result.exit_code == 6
    assert result.stderr.strip() == (
        "erreur : l'API BOAMP (Opendatasoft) a répondu sans liste results (2026-12-07). L'API "
        "BOAMP a peut-être changé ; rien n'a été écrit pour ce jour. Signalez-le."
    )


def test_a_second_fetch_on_the_same_home_is_refused(on_mirror: Mirror, home: Settings) -> None:
    with fetch_lock(home):
        result = run("fetch", "cog", "--home", str(home.home))
    assert str(result.exception) == (
        f"{home.home}: un autre téléchargement ou une autre mise à jour est en cours sur ce "
        "dossier de données. Attendez qu'il se termine, puis relancez."
    )


def test_update_table_and_json(on_mirror: Mirror, home: Settings) -> None:
    h = str(home.home)
    result = run("update", "--territory", "dep:59", "--no-api", "--home", h)
    assert result.exit_code == 0, result.output
    out = words(result.stdout)
    for line in (
        "decp-dep-59.csv : 191 lignes contrat × titulaire.",
        "Contrats : 1 fichier(s) DECP chargé(s). Avis : 4 nouveau(x). Alertes mises en file : 1.",
        "Veille : alertes mises en file sans envoi (réglez ANCRAGE_SMTP_HOST pour les envoyer "
        "par e-mail).",
    ):
        assert line in out
    steps = "".join(result.stderr.split())
    assert "▸Téléchargement:decp" in steps and "▸Veille:avisouverts×1profil(s)" in steps
    again = run("update", "--territory", "dep:59", "--no-api", "--home", h, "--format", "json")
    data = json.loads(again.stdout)
    assert data["steps"]["load"] == "rien à faire"
    assert data["errors"] == []


def test_update_prints_the_notes_of_the_warehouse(on_mirror: Mirror, home: Settings) -> None:
    note = dead_writer_lock(home)
    result = run("update", "--territory", "dep:59", "--no-api", "--home", str(home.home))
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if not line.startswith("▸")] == [
        note.rstrip("\n")
    ]


def test_demo_live_fetches_updates_and_diagnoses(on_mirror: Mirror, home: Settings) -> None:
    result = run("demo", "--live", "--territory", "dep:59", "--home", str(home.home))
    assert result.exit_code == 0, result.output
    out = words(result.stdout)
    assert out.startswith(
        f"Démonstration en direct : Nord (dep:59), données officielles téléchargées dans "
        f"{home.home}."
    )
    assert "Diagnostic : Nord (dep:59)" in out
    assert "DONNÉES FICTIVES" not in out


def test_demo_live_says_plainly_when_offline(
    monkeypatch: pytest.MonkeyPatch, home: Settings
) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    monkeypatch.setenv("ANCRAGE_SOURCES_MIRROR", f"http://127.0.0.1:{port}")
    result = run("demo", "--live", "--territory", "dep:86", "--home", str(home.home))
    assert result.exit_code == 5
    assert words(result.stderr) == (
        f"▸ Téléchargement : cog Hors ligne : impossible de joindre 127.0.0.1:{port}. La "
        "démonstration en direct télécharge les données officielles et a besoin d'une connexion "
        "internet ; sans connexion, « ancrage demo » montre des données fictives."
    )
    missing = run("demo", "--live", "--home", str(home.home))
    assert str(missing.exception) == (
        "--live demande un --territory. Ex. ancrage demo --live --territory dep:86 (un "
        "département, une région, un EPCI ou une commune)."
    )


def test_the_help_of_the_new_commands(tmp_path: Path) -> None:
    for command in ("fetch", "update"):
        result = run(command, "--help")
        assert result.exit_code == 0
    assert "--live" in words(run("demo", "--help").stdout)
