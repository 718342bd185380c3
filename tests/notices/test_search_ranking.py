"""Search ranking: every word first, then most words; stop words dropped; CPV labels indexed
below the title; trade synonyms; what the score means; titles cut at a word."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.cli.notice import cut_at_word
from ancrage.notices.analysis import query_terms, stem
from ancrage.notices.ingest import load_notices
from ancrage.notices.model import Notice
from ancrage.notices.search import search
from ancrage.notices.store import NoticeStore, NoticeWriter
from ancrage.settings import Settings

runner = CliRunner()
NOW = datetime(2026, 1, 22, tzinfo=UTC)
GUADELOUPE = "ted:00219998-2024"  # « Gestion et Exploitation de la déchetterie… », CPV 90500000


def test_several_words_never_give_an_empty_page(samples_home: Settings) -> None:
    for query in ("menuiseries bois", "nettoyage des locaux"):
        hits = search(samples_home, query, now=NOW)
        assert hits, query
        assert {h.words for h in hits} == {2}
        assert [h.matched for h in hits] == sorted((h.matched for h in hits), reverse=True)
    (first, *_) = search(samples_home, "menuiseries bois", now=NOW)
    assert first.id == "boamp:26-7319" and first.matched == 1


def test_stop_words_are_dropped() -> None:
    assert len(query_terms("nettoyage des locaux")) == 2
    assert len(query_terms("travaux dans l'école avec une cour")) == 3


def test_cpv_labels_are_searched(samples_home: Settings) -> None:
    """« ordures » is only in the label of its CPV code 90500000 « Services liés aux déchets et
    aux ordures »; « déchets » finds it too (the issue's example)."""
    notice = NoticeStore(samples_home).get(GUADELOUPE)
    assert "ordure" not in f"{notice.title} {notice.description}".lower()
    assert [h.id for h in search(samples_home, "ordures", now=NOW)] == [GUADELOUPE]
    assert search(samples_home, "déchets", now=NOW)[0].id == GUADELOUPE


def test_trade_synonyms(samples_home: Settings) -> None:
    assert stem("menuisier") != stem("menuiserie")
    assert [t[:2] for t in query_terms("menuisier")] == [(stem("menuisier"), stem("menuiserie"))]
    ids = [h.id for h in search(samples_home, "menuisier", now=NOW)]
    assert "boamp:26-7319" in ids
    assert [h.id for h in search(samples_home, "couvreur", territory="dep:52", now=NOW)] == [
        "boamp:26-7113"  # « TOITURE » (couverture, couvreur, toiture)
    ]


def _notice(i: int, title: str, description: str, cpv: str) -> Notice:
    fictitious = Notice(f"synth:{i}", "synth", str(i), "contract_notice", "synth (fictitious)")
    fictitious.title, fictitious.description, fictitious.cpv_main = title, description, cpv
    return fictitious


@pytest.fixture(scope="module")
def weights_home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("weights"))
    notices = [
        _notice(1, "Travaux divers", "Reprise des sols et de la menuiserie.", "45000000"),
        _notice(2, "Travaux divers", "Reprise des sols.", "45421000"),  # Travaux de menuiserie
        _notice(3, "Menuiserie", "Reprise des sols.", "45000000"),
    ]
    with NoticeStore(settings).writing() as con:
        con.execute("BEGIN")
        writer = NoticeWriter(con)
        for notice in notices:
            writer.add(notice)
        writer.flush()
        con.execute("COMMIT")
    return settings


def test_title_then_cpv_labels_then_text(weights_home: Settings) -> None:
    hits = search(weights_home, "menuiserie", now=NOW)
    assert [h.id for h in hits] == ["synth:3", "synth:2", "synth:1"]
    assert hits[0].score > hits[1].score > hits[2].score


def test_what_the_score_means(samples_home: Settings) -> None:
    home = str(samples_home.home)
    result = runner.invoke(
        app, ["notice", "search", "menuiseries bois", "--home", home, "--format", "json"]
    )
    first = orjson.loads(result.stdout)[0]
    assert (first["rank"], first["matched_words"], first["query_words"]) == (1, 1, 2)
    result = runner.invoke(
        app, ["notice", "search", "menuiseries bois", "--home", home], env={"COLUMNS": "200"}
    )
    assert "mots trouvés" in result.stdout and "1/2" in result.stdout
    assert "note : classés par nombre de mots trouvés, puis pertinence" in result.stderr


@pytest.mark.parametrize(
    ("text", "width", "cut"),
    [
        ("Rénovation de la caserne de gendarmerie", 60, "Rénovation de la caserne de gendarmerie"),
        (
            "Relance_Lot 2_FINITIONS et Lot 5_MENUISERIE_Travaux de mise en accessibilité",
            32,
            "Relance_Lot 2_FINITIONS et Lot…",
        ),
        ("Mise en conformité, des locaux scolaires", 24, "Mise en conformité…"),
        ("A" * 40, 30, "A" * 29 + "…"),
        ("Titre\nsur deux lignes", 60, "Titre sur deux lignes"),
    ],
)
def test_titles_are_cut_at_a_word(text: str, width: int, cut: str) -> None:
    assert cut_at_word(text, width) == cut
    assert len(cut_at_word(text, width)) <= width


def test_fresh_home_searches(tmp_path: Path, notices_dir: Path) -> None:
    settings = Settings.resolve(tmp_path / "home")
    load_notices(settings, [notices_dir])
    assert search(settings, "déchets", now=NOW)[0].id == GUADELOUPE
    assert [h.id for h in search(settings, "menuiserie", territory="dep:74", now=NOW)] == [
        "boamp:26-7319"
    ]
