"""Every command that writes the warehouse says what it repaired on its way in, as
``ancrage load`` does: one French line each on stderr (« note : … »)."""

from __future__ import annotations

import json
from pathlib import Path

from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.synth.decp import generate_decp
from tests.cli.cli_helpers import run
from tests.warehouse.notes import dead_writer_lock

SPEND = Path(__file__).parents[1] / "spend" / "fixtures" / "mandats_2024_helios.csv"
BUYER = "21860194600013"


def loaded(tmp_path: Path) -> Settings:
    settings = Settings.resolve(tmp_path / "home")
    [path] = generate_decp(tmp_path / "data", contracts=20, seed=3, formats=("decp-2019",))
    assert load_paths(settings, [path]).errors == []
    return settings


def test_load_prints_the_note_of_a_dead_writer(tmp_path: Path) -> None:
    settings = Settings.resolve(tmp_path / "home")
    [path] = generate_decp(tmp_path / "data", contracts=20, seed=3, formats=("decp-2019",))
    note = dead_writer_lock(settings)
    done = run("load", str(path), home=settings.home)
    assert done.returncode == 0, done.stderr
    assert done.stderr == note


def test_enrich_prints_the_note_of_a_dead_writer(tmp_path: Path) -> None:
    settings = loaded(tmp_path)
    note = dead_writer_lock(settings)
    done = run("enrich", home=settings.home)
    assert done.returncode == 0, done.stderr
    assert done.stderr == note
    assert "Enrichissement" in done.stdout
    dead_writer_lock(settings)
    as_json = run("enrich", "--format", "json", home=settings.home)
    assert as_json.stderr == note
    assert json.loads(as_json.stdout)["notes"] == [note.removeprefix("note : ").rstrip("\n")]
    assert run("enrich", home=settings.home).stderr == ""  # a writer that ends lets go cleanly


def test_load_spend_prints_the_note_of_a_dead_writer(tmp_path: Path) -> None:
    settings = Settings.resolve(tmp_path / "home")
    note = dead_writer_lock(settings)
    done = run("load-spend", str(SPEND), "--buyer", BUYER, home=settings.home)
    assert done.returncode == 0, done.stderr
    assert done.stderr == note
    dead_writer_lock(settings)
    again = run("load-spend", str(SPEND), "--buyer", BUYER, home=settings.home)
    assert "(déjà chargé)" in again.stdout
    assert again.stderr == note
