"""``ancrage profile`` and ``ancrage watch`` as a user runs them (real notice samples)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from icalendar import Calendar
from lxml import etree
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.settings import Settings
from ancrage.watch.feeds import ATOM

DAY = "2026-01-22"


def cli(home: Settings, *args: str) -> Any:
    result = CliRunner().invoke(app, [*args[:2], "--home", str(home.home), *args[2:]])
    assert result.exit_code == 0, result.output
    return result


def run(home: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANCRAGE_HOME": str(home.home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "ancrage", *args],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )


def _add_profiles(home: Settings) -> None:
    cli(home, "profile", "add", "traiteur-normandie", "--naf", "56.21Z", "--dep", "76,27",
        "--dep", "14", "--montant-min", "10000", "--montant-max", "100000",
        "--email", "traiteur@example.fr")
    cli(home, "profile", "add", "electricien", "--naf", "43.21A", "--commune", "69123",
        "--certification", "Qualibat", "--email", "elec@example.fr")
    cli(home, "profile", "add", "collecte-dechets", "--naf", "38.11Z",
        "--email", "dechets@example.fr")


def test_profile_add_list_show_edit_remove(home: Settings) -> None:
    added = CliRunner().invoke(app, ["profile", "add", "plombier-vienne", "--home", str(home.home),
                                     "--naf", "43.22A", "--commune", "86194", "--rayon", "100",
                                     "--mot", "sanitaire"])
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == "profil « plombier-vienne » créé ; CPV : 4533, 5071"
    listed = json.loads(cli(home, "profile", "list", "--format", "json").stdout)
    assert [(p["name"], p["cpv"], p["departement"]) for p in listed] == [
        ("plombier-vienne", ["4533", "5071"], "86")
    ]
    shown = json.loads(cli(home, "profile", "show", "plombier-vienne").stdout)
    assert shown["radius_km"] == 100.0 and shown["keywords"] == ["sanitaire"]
    assert shown["cpv_labels"] == {"4533": "plomberie", "5071": "plomberie"}
    edited = cli(home, "profile", "edit", "plombier-vienne", "--mot", "chauffage,sanitaire",
                 "--montant-max", "80000", "--inactif")
    assert edited.stdout.strip() == "profil « plombier-vienne » modifié"
    shown = json.loads(cli(home, "profile", "show", "plombier-vienne").stdout)
    assert shown["keywords"] == ["chauffage", "sanitaire"]
    assert shown["value_max"] == 80_000.0 and shown["active"] is False
    table = cli(home, "profile", "list").stdout
    assert "1 profil " in table and "1 profils" not in table and "100 km" in table
    removed = cli(home, "profile", "remove", "plombier-vienne")
    assert removed.stdout.strip() == "profil « plombier-vienne » supprimé"
    assert json.loads(cli(home, "profile", "list", "--format", "json").stdout) == []


def test_unknown_profile_and_bad_siret_exact_messages(home: Settings) -> None:
    unknown = run(home, "profile", "show", "inconnu")
    assert unknown.returncode == 3
    assert unknown.stderr.strip() == (
        "erreur : aucun profil « inconnu ». Listez les profils avec « ancrage profile list »."
    )
    assert unknown.stdout == ""
    bad = run(home, "profile", "add", "macon", "--siret", "1234")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "erreur : SIRET « 1234 » invalide. 14 chiffres attendus."
    for command in (("watch", "matches", "inconnu"), ("profile", "remove", "inconnu")):
        again = run(home, *command)
        assert again.returncode == 3 and "aucun profil « inconnu »" in again.stderr


def test_watch_run_dry_run_and_matches(home: Settings) -> None:
    _add_profiles(home)
    report = json.loads(cli(home, "watch", "run", "--dry-run", "--date", DAY,
                            "--format", "json").stdout)
    assert report["profiles"] == 3 and report["enqueued"] == 0 and report["sent"] is None
    got = {(m["profile"], m["notice"]) for m in report["matches"]}
    assert got == {
        ("traiteur-normandie", "boamp:26-7308"),
        ("collecte-dechets", "ted:00219998-2024"),  # the TED publication number users know
    }
    # a dry run writes nothing: the feeds stay empty
    table = cli(home, "watch", "run", "--dry-run", "--date", DAY).stdout
    assert "(simulation)" in table and "2 alertes" in table
    (match,) = json.loads(cli(home, "watch", "matches", "traiteur-normandie", "--date", DAY,
                              "--format", "json").stdout)
    assert match["notice"] == "boamp:26-7308"
    assert match["explanation"].startswith(
        "CPV 55520000 traiteur = votre métier ; dans votre zone : lieu d'exécution : Rouen (76) ; "
        "lot 1, appel de 75 k€ au total ; il reste 36 jours"
    )
    later = json.loads(cli(home, "watch", "matches", "traiteur-normandie", "--date",
                           "2026-03-01", "--format", "json").stdout)
    assert later == []  # deadline passed


def test_watch_feeds(home: Settings, tmp_path: Path) -> None:
    _add_profiles(home)
    atom = tmp_path / "flux" / "traiteur.atom"  # a folder not made yet
    before = CliRunner().invoke(app, ["watch", "feed", "traiteur-normandie", "--home",
                                      str(home.home), "--atom", "--out", str(atom),
                                      "--date", DAY])
    assert before.exit_code == 0, before.output
    # no run yet: the feed already holds the call the profile matches
    (entry,) = etree.fromstring(atom.read_bytes()).findall(f"{{{ATOM}}}entry")
    assert entry.findtext(f"{{{ATOM}}}title") == "Prestations traiteurs pour l'URSSAF Normandie"
    queued = cli(home, "watch", "run", "--no-mail", "--date", DAY)
    assert "2 nouvelles alertes en file" in queued.stderr
    cli(home, "watch", "feed", "traiteur-normandie", "--atom", "--out", str(atom), "--date", DAY)
    (entry,) = etree.fromstring(atom.read_bytes()).findall(f"{{{ATOM}}}entry")
    assert entry.findtext(f"{{{ATOM}}}title") == "Prestations traiteurs pour l'URSSAF Normandie"
    ics = tmp_path / "traiteur.ics"
    written = cli(home, "watch", "feed", "traiteur-normandie", "--ics", "--out", str(ics),
                  "--date", DAY)
    assert " ".join(written.stderr.split()) == f"1 avis écrit dans {ics}"
    (event,) = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert str(event["summary"]).startswith("Date limite : Prestations traiteurs")
    both = run(home, "watch", "feed", "traiteur-normandie", "--atom", "--ics", "--out", str(ics))
    assert both.returncode == 2
    assert both.stderr.strip() == "erreur : choisissez un format. Donnez --atom ou --ics (un seul)."


def test_atom_entry_of_a_ted_notice_has_link_and_content(home: Settings, tmp_path: Path) -> None:
    """RFC 4287: an entry without content needs an alternate link; ours have both, and the
    number users know."""
    _add_profiles(home)
    atom = tmp_path / "dechets.atom"
    cli(home, "watch", "feed", "collecte-dechets", "--atom", "--out", str(atom), "--date", DAY)
    (entry,) = etree.fromstring(atom.read_bytes()).findall(f"{{{ATOM}}}entry")
    link = entry.find(f"{{{ATOM}}}link")
    assert link is not None and link.get("rel") == "alternate"
    assert link.get("href") == "https://ted.europa.eu/en/notice/-/detail/00219998-2024"
    content = entry.find(f"{{{ATOM}}}content")
    assert content is not None and content.get("type") == "text"
    assert (content.text or "").splitlines()[:2] == [
        "Avis ted:00219998-2024", "Acheteur : Communauté d'agglomération CAP Excellence"
    ]
    help_text = run(home, "watch", "feed", "--help").stdout
    assert "qu'une veille" in " ".join(help_text.replace("│", " ").split())


def test_out_into_a_missing_folder(home: Settings, tmp_path: Path) -> None:
    sheet = tmp_path / "fiches" / "2026" / "avis.html"
    cli(home, "notice", "show", "boamp:26-7319", "--format", "html", "--out", str(sheet))
    assert sheet.read_text("utf-8").startswith("<!DOCTYPE html>")
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    bad = run(home, "notice", "show", "boamp:26-7319", "--out", str(blocker / "avis.txt"))
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        f"erreur : {blocker / 'avis.txt'}: impossible d'écrire le fichier (un élément du "
        "chemin est un fichier, pas un dossier). Donnez avec --out un chemin de fichier dans "
        "un dossier accessible en écriture."
    )


def test_profile_without_trade_refused_and_matches_never_crash(home: Settings) -> None:
    refused = run(home, "profile", "add", "tabac-poitiers", "--naf", "47.76Z")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "erreur : profil « tabac-poitiers » sans code CPV ni mot-clé : il ne recevrait aucune "
        "alerte. Le code NAF 47.76Z ne suggère aucun code CPV ; ajoutez un code CPV (ex. "
        "4533) ou un mot-clé (ex. fleuriste)."
    )
    cli(home, "profile", "add", "tabac-poitiers", "--naf", "47.76Z", "--mot", "tabac")
    found = cli(home, "watch", "matches", "tabac-poitiers", "--format", "json")
    assert json.loads(found.stdout) == []
    cli(home, "profile", "edit", "tabac-poitiers", "--inactif")
    report = json.loads(cli(home, "watch", "run", "--dry-run", "--format", "json").stdout)
    assert report["profiles"] == 0 and report["matches"] == []
