"""ancrage report through the CLI."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ancrage.cli.app import app

runner = CliRunner()


def test_report_html(enriched_home, postal_base: Path, tmp_path: Path) -> None:
    target = tmp_path / "rapport.html"
    res = runner.invoke(
        app,
        [
            "report",
            "--territory",
            "dep:74",
            "--years",
            "2024",
            "--out",
            str(target),
            "--postal-base",
            str(postal_base),
            "--home",
            str(enriched_home.home),
        ],
    )
    assert res.exit_code == 0, res.output
    assert f"rapport écrit : {target}" in res.stdout
    html = target.read_text(encoding="utf-8")
    assert "Années de notification : 2024" in html
    assert "map-communes" in html


def test_report_bad_suffix(enriched_home, tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["report", "--out", str(tmp_path / "r.odt"), "--home", str(enriched_home.home)]
    )
    assert res.exit_code != 0
    assert str(res.exception) == (
        f"{tmp_path / 'r.odt'}: format de rapport inconnu « .odt ». "
        "Nommez la sortie rapport.html ou rapport.pdf."
    )


def test_report_has_help() -> None:
    res = runner.invoke(app, ["report", "--help"])
    assert res.exit_code == 0
    assert "--out" in res.stdout
