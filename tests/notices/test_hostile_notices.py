"""Hostile notice files and concurrent use (issue 17): one wrong-typed record is quarantined
and the rest of the file loads; a UTF-8 BOM is read; a 10 MB+ text is a clear French error; a
huge --limit is refused in French; a second load at once is « occupée », exit 3."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.errors import InputFileError
from ancrage.notices.base import detect
from ancrage.notices.errors import NoticeStoreBusyError
from ancrage.notices.ingest import load_notices
from ancrage.notices.store import NoticeStore
from ancrage.settings import Settings

runner = CliRunner()
ODS = Path("boamp") / "ods_api_v2_1" / "boamp-where-date_2026-01-21_fnsimple.json"


def _ods_with(notices_dir: Path, tmp_path: Path, index: int, donnees: object) -> Path:
    data = json.loads((notices_dir / ODS).read_bytes())
    data["data"]["results"][index]["donnees"] = json.dumps(donnees)
    path = tmp_path / "boamp.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("donnees", "reason"),
    [
        (
            {"FNSimple": "string"},
            "enregistrement illisible : donnees.FNSimple devrait être un objet JSON, c'est une "
            "chaîne",
        ),
        (
            {"FNSimple": [1, 2]},
            "enregistrement illisible : donnees.FNSimple devrait être un objet JSON, c'est une "
            "liste",
        ),
        (
            {"EFORMS": {}},
            "enregistrement illisible : donnees.EFORMS devrait contenir un seul avis "
            "(ContractNotice…)",
        ),
    ],
)
def test_a_wrong_typed_record_is_quarantined_and_the_rest_loads(
    tmp_path: Path, notices_dir: Path, donnees: object, reason: str
) -> None:
    path = _ods_with(notices_dir, tmp_path, 1, donnees)
    settings = Settings.resolve(tmp_path / "home")
    (report,) = load_notices(settings, [path])
    assert report.error is None
    assert (report.read, report.loaded, report.quarantined) == (5, 4, 1)
    with NoticeStore(settings).reading() as con:
        assert con.execute("SELECT record, record_id, reason FROM quarantine").fetchall() == [
            ("results[1]", "26-7308", reason)
        ]
        assert con.execute("SELECT count(*) FROM notices").fetchone() == (4,)


def test_a_notice_json_with_a_bom_loads(tmp_path: Path, notices_dir: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (notices_dir / ODS).read_bytes())
    assert detect(path).name == "boamp-json"
    (report,) = load_notices(Settings.resolve(tmp_path / "home"), [path])
    assert (report.error, report.loaded) == (None, 5)


def test_a_huge_text_is_a_clear_error(tmp_path: Path, notices_dir: Path) -> None:
    source = (notices_dir / "boamp" / "dila_xml_v230" / "test-pub-5.xml").read_bytes()
    at = source.index(b"<INTITULE>") + len(b"<INTITULE>")
    path = tmp_path / "huge.xml"
    path.write_bytes(source[:at] + b"A" * (11 * 1024 * 1024) + source[at:])
    (report,) = load_notices(Settings.resolve(tmp_path / "home"), [path])
    assert isinstance(report.error, InputFileError)
    assert report.error.one_line() == (
        f"{path}: un texte de l'avis dépasse la taille qu'Ancrage accepte (10 Mo d'un seul "
        "tenant, ligne 78) : ce n'est pas un avis ordinaire. Un avis fait au plus quelques "
        "centaines de Ko ; vérifiez d'où vient ce fichier et téléchargez l'avis à nouveau "
        "depuis le BOAMP ou TED."
    )
    assert "mal formé" not in report.error.one_line()


@pytest.mark.parametrize("limit", ["4294967296", "0", "-3", "1001"])
def test_search_limit_is_bounded(samples_home: Settings, limit: str) -> None:
    started = time.perf_counter()
    result = runner.invoke(
        app, ["notice", "search", "travaux", "--limit", limit, "--home", str(samples_home.home)]
    )
    assert time.perf_counter() - started < 10
    assert result.exit_code != 0 and getattr(result.exception, "exit_code", None) == 2
    assert str(result.exception) == (
        f"--limit doit être entre 1 et 1000 (reçu {limit}). Ex. --limit 20 ; affinez la "
        "recherche (mots, --territory, --cpv) plutôt que de tout lister."
    )


HOLD = """
import sys, time
from pathlib import Path
from ancrage.notices.store import NoticeStore
from ancrage.settings import Settings
with NoticeStore(Settings.resolve(Path(sys.argv[1]))).writing():
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_second_load_at_once_is_busy_not_an_internal_error(
    tmp_path: Path, notices_dir: Path
) -> None:
    home = tmp_path / "home"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(home)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with pytest.raises(NoticeStoreBusyError) as err:
            load_notices(Settings.resolve(home), [notices_dir / ODS])
        line = err.value.one_line()
        assert line.startswith(
            f"{home / 'notices'}: la base des avis est occupée par un autre chargement (« -c "
        )
        assert f"processus {holder.pid}, depuis " in line
        assert err.value.exit_code == 3
        result = runner.invoke(app, ["notice", "load", str(notices_dir / ODS), "--home", str(home)])
        assert getattr(result.exception, "exit_code", None) == 3
        assert "occupée par un autre chargement" in str(result.exception)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    # the lock died with its process: the next load starts at once
    (report,) = load_notices(Settings.resolve(home), [notices_dir / ODS])
    assert report.loaded == 5
    assert (home / "notices" / "write.lock").exists()
