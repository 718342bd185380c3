"""The environmental obligation in force since 21 August 2026, on a 2024-format file whose
contracts are notified before and after the date (built from an official example)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.diagnose import Share, build_scope, diagnose
from ancrage.ingest.pipeline import load_paths
from ancrage.report import build_report, render_html
from ancrage.settings import Settings

EXAMPLE = "decp/v2_2024/official_examples/marches_avec_modifications.json"
MAIRIE, HOPITAL = "21750001600019", "26860031600013"
CLAUSE = ["Clause environnementale"]
CRITERION = ["Critère environnemental"]
NONE = ["Pas de considération environnementale"]
# (id, buyer, notification date, environmental considerations)
CONTRACTS = [
    ("A1", MAIRIE, "2026-05-10", NONE),
    ("A2", MAIRIE, "2026-08-20", NONE),  # the day before: not under the obligation
    ("A3", MAIRIE, "2026-08-21", CRITERION),
    ("A4", MAIRIE, "2026-10-01", CLAUSE),
    ("B1", HOPITAL, "2026-09-15", NONE),
    ("B2", HOPITAL, "2026-11-02", NONE),
    ("B3", HOPITAL, "2026-11-20", CRITERION),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    base = tmp_path_factory.mktemp("obligation")
    template = json.loads((shared_data / EXAMPLE).read_text(encoding="utf-8"))
    model = template["marches"]["marche"][0]
    model.pop("modifications", None)
    marches = []
    for cid, buyer, date, env in CONTRACTS:
        m = copy.deepcopy(model)
        m.update(id=cid, dateNotification=date, datePublicationDonnees=date)
        m["acheteur"] = {"id": buyer}
        m["considerationsEnvironnementales"] = {"considerationEnvironnementale": env}
        marches.append(m)
    path = base / "decp_2026.json"
    path.write_text(json.dumps({"marches": {"marche": marches}}), encoding="utf-8")
    settings = Settings.resolve(base / "home")
    assert not load_paths(settings, [path]).errors
    return settings


def test_obligation_per_buyer_and_quarter(home: Settings) -> None:
    o = diagnose(home, build_scope()).obligation
    assert (o.contracts, o.reported) == (5, 5)  # A3, A4, B1, B2, B3
    assert o.share == Share(3 / 5, 5) and o.criterion_share == Share(2 / 5, 5)
    assert o.verdict == "base trop faible"  # 5 declaring contracts only
    # furthest from 100 % first: the hospital (1 of 3), then the town hall (2 of 2)
    assert [(b.buyer, b.reported, b.share.value) for b in o.buyers] == [
        (HOPITAL, 3, pytest.approx(1 / 3)),
        (MAIRIE, 2, 1.0),
    ]
    assert o.buyers[1].criterion_share.value == 0.5
    trend = o.trend()
    assert [(q.quarter, q.in_force, q.reported) for q in trend] == [
        ("2026-T2", False, 1),
        ("2026-T3", None, 3),  # A2 before the date, A3 and B1 after
        ("2026-T4", True, 3),
    ]
    assert trend[0].share.value == 0.0
    assert trend[2].share.value == pytest.approx(2 / 3)


def test_obligation_in_the_table_and_the_report(home: Settings) -> None:
    res = CliRunner().invoke(app, ["diagnose", "--home", str(home.home)])
    assert res.exit_code == 0, res.output
    assert "Obligation environnementale (depuis le 21/08/2026)" in res.stdout
    assert "Acheteurs les plus loin de 100 % (2 sur 2)" in res.stdout
    assert "à partir du 21 août" in res.stdout
    report = build_report(home, build_scope())
    assert "obligation" in report.figures
    assert (
        "Depuis le 21/08/2026, 60\u00a0% des contrats déclarants ont une considération "
        "environnementale (obligation : 100 % ; base trop faible pour un constat, 5 contrats "
        "déclarants). Acheteur le plus loin de l'objectif : 26860031600013, 33\u00a0% sur 3 "
        "contrats." in report.key_messages
    )
    html = render_html(report)
    assert "Acheteurs les plus loin de 100 %" in html
    assert HOPITAL in html


def test_obligation_in_json(home: Settings) -> None:
    res = CliRunner().invoke(app, ["diagnose", "--format", "json", "--home", str(home.home)])
    data = json.loads(res.stdout)
    assert data["obligation"]["since"] == "2026-08-21"
    assert data["obligation"]["buyers"][0]["buyer"] == HOPITAL
