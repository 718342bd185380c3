"""ancrage notice load / show / search through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from ancrage.cli.app import app

runner = CliRunner()


def test_load_show_search(tmp_path: Path, notices_dir: Path, eforms_dir: Path) -> None:
    home = str(tmp_path / "home")
    ods = notices_dir / "boamp" / "ods_api_v2_1" / "boamp-where-date_2026-01-21_fnsimple.json"
    result = runner.invoke(
        app,
        [
            "notice",
            "load",
            str(ods),
            "--home",
            home,
            "--format",
            "json",
            "--eforms-dir",
            str(eforms_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    (report,) = orjson.loads(result.stdout)
    assert (report["read"], report["loaded"], report["quarantined"], report["duplicates"]) == (
        5,
        5,
        0,
        0,
    )
    result = runner.invoke(
        app, ["notice", "search", "menuiseries", "--home", home, "--format", "json", "--cpv", "45"]
    )
    assert result.exit_code == 0, result.output
    assert [h["id"] for h in orjson.loads(result.stdout)] == ["boamp:26-7319", "boamp:26-7113"]
    out_file = tmp_path / "fiche.html"
    result = runner.invoke(
        app,
        [
            "notice",
            "show",
            "boamp:26-7113",
            "--home",
            home,
            "--format",
            "html",
            "--out",
            str(out_file),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "SGAMI EST" in out_file.read_text(encoding="utf-8")
    result = runner.invoke(app, ["notice", "show", "boamp:26-7113", "--home", home])
    assert "RGE QUALIBAT" in result.stdout


def test_unknown_notice_id(tmp_path: Path, notices_dir: Path) -> None:
    home = str(tmp_path / "home")
    xml = notices_dir / "boamp" / "dila_xml_v230" / "test-pub-2.xml"
    assert runner.invoke(app, ["notice", "load", str(xml), "--home", home]).exit_code == 0
    result = runner.invoke(app, ["notice", "show", "boamp:99-1", "--home", home])
    assert result.exit_code != 0
    assert str(result.exception) == (
        "aucun avis « boamp:99-1 » dans la base des avis. Donnez le numéro d'avis BOAMP "
        "(ex. boamp:26-7113) ou le numéro de publication TED (ex. ted:00047522-2024) ; "
        "cherchez-les avec « ancrage notice search »."
    )


def test_search_rebuilds_a_missing_index_with_a_french_note(
    tmp_path: Path, notices_dir: Path
) -> None:
    import shutil

    from ancrage.notices.index import index_dir
    from ancrage.settings import Settings

    home = tmp_path / "home"
    ods = notices_dir / "boamp" / "ods_api_v2_1" / "boamp-where-date_2026-01-21_fnsimple.json"
    assert runner.invoke(app, ["notice", "load", str(ods), "--home", str(home)]).exit_code == 0
    search = ["notice", "search", "menuiseries", "--home", str(home), "--format", "json"]
    before = runner.invoke(app, search)
    assert before.exit_code == 0, before.output
    assert before.stderr == ""
    shutil.rmtree(index_dir(Settings.resolve(home)))
    result = runner.invoke(app, search)
    assert result.exit_code == 0, result.output
    assert result.stdout == before.stdout
    assert result.stderr.strip() == (
        "L'index de recherche ne correspond pas à la base des avis (index absent) : "
        "reconstruction à partir des 5 avis de la base…"
    )
    assert runner.invoke(app, search).stderr == ""  # rebuilt once


def test_search_table_whole_ids_and_no_result_sentence(
    tmp_path: Path, notices_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into a pipe, the table keeps ids whole (rich would cut at 80 columns); no result is one
    sentence with what to try, not a title over an empty table."""
    monkeypatch.delenv("COLUMNS", raising=False)
    home = str(tmp_path / "home")
    ods = notices_dir / "boamp" / "ods_api_v2_1" / "boamp-where-date_2026-01-21_fnsimple.json"
    assert runner.invoke(app, ["--home", home, "notice", "load", str(ods)]).exit_code == 0
    result = runner.invoke(app, ["--home", home, "notice", "search", "menuiseries"])
    assert result.exit_code == 0, result.output
    assert "boamp:26-7319" in result.stdout and "boamp:26-7113" in result.stdout
    result = runner.invoke(app, ["--home", home, "notice", "search", "zzqqx introuvable"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Aucun avis ne correspond à « zzqqx introuvable » : essayez moins de mots, un mot plus "
        "courant ou un métier (« menuiserie », « nettoyage »).\n"
    )
    result = runner.invoke(app, ["--home", home, "notice", "search", "zzqqx", "--open"])
    assert result.stdout.startswith("Aucun avis ne correspond à « zzqqx » avec ces filtres")
