"""A practical SIRENE path: placeholders never asked, « hors ligne » said plainly, the advice
(stock files, size, command, API time), and La Poste's file remembered for the report."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.diagnose import build_scope, diagnose
from ancrage.enrich import enrich
from ancrage.ingest.pipeline import load_paths
from ancrage.report import build_report
from ancrage.settings import Settings
from ancrage.sirene.api import RechercheEntreprisesClient
from ancrage.sirene.errors import SireneApiError
from ancrage.sirene.ids import lookable_siret
from ancrage.sirene.model import SireneRecord

AIFE = "decp/v1_2019/data.gouv.fr_aife.json"  # holds the placeholder SIRET 00000000000000
POSTAL = "geo/laposte_hexasmal_2022.csv"


@pytest.fixture(scope="module")
def aife(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("aife") / "home")
    assert not load_paths(settings, [shared_data / AIFE]).errors
    return settings


def test_lookable_siret() -> None:
    assert lookable_siret("21860194700011")  # a real-looking SIRET with a valid key
    assert not lookable_siret("00000000000000")  # passes the key, never assigned
    assert not lookable_siret("21860194700013")  # wrong key
    assert not lookable_siret("2186019470001")
    assert not lookable_siret(None)


class Recorder:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def lookup_siret(self, siret: str) -> SireneRecord | None:
        self.asked.append(siret)
        return None


def test_placeholders_are_never_asked(aife: Settings, tmp_path: Path) -> None:
    recorder = Recorder()
    report = enrich(aife, use_api=True, api_client=recorder)
    assert recorder.asked and report.looked_up_api == len(recorder.asked)
    assert "00000000000000" not in recorder.asked
    assert all(lookable_siret(s) for s in recorder.asked)


def test_offline_says_hors_ligne_without_a_siret(shared_data: Path, tmp_path: Path) -> None:
    settings = Settings.resolve(tmp_path / "home")
    assert not load_paths(settings, [shared_data / AIFE]).errors

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")

    client = RechercheEntreprisesClient(
        tmp_path / "cache", transport=httpx.MockTransport(offline), sleep=lambda _: None
    )
    with pytest.raises(SireneApiError) as err:
        enrich(settings, use_api=True, api_client=client)
    client.close()
    line = err.value.one_line()
    assert line.startswith("hors ligne : l'API Recherche d'entreprises")
    assert "0000000" not in line and "enregistrement" not in line


def test_advice_where_sizes_are_unknown(shared_data: Path, tmp_path: Path) -> None:
    aife = Settings.resolve(tmp_path / "home")
    assert not load_paths(aife, [shared_data / AIFE]).errors
    enrich(aife, postal_base_dir=shared_data / POSTAL)
    d = diagnose(aife, build_scope())
    assert d.supplier_size.rows_known == 0
    advice = d.sirene
    assert advice is not None
    assert advice.files == (
        ("StockEtablissement_utf8.parquet", "1,9 Go"),
        ("StockUniteLegale_utf8.parquet", "0,7 Go"),
    )
    assert advice.command == "ancrage enrich --sirene-stock DOSSIER"
    # every valid SIRET of the warehouse, the placeholder and invalid keys left out
    assert 0 < advice.unknown_sirets < 4_000
    assert advice.api_minutes == -(-advice.unknown_sirets // (7 * 60))
    assert "data.gouv.fr" in advice.sentence
    assert f"environ {advice.api_minutes} minutes" in advice.sentence
    res = CliRunner().invoke(app, ["diagnose", "--home", str(aife.home)])
    assert "puis lancez « ancrage enrich --sirene-stock DOSSIER »" in " ".join(res.stdout.split())


def test_laposte_is_remembered_for_the_report(tmp_path: Path, shared_data: Path) -> None:
    settings = Settings.resolve(tmp_path / "home")
    tabular = shared_data / "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
    assert not load_paths(settings, [tabular]).errors
    res = CliRunner().invoke(
        app, ["enrich", "--laposte", str(shared_data / POSTAL), "--home", str(settings.home)]
    )
    assert res.exit_code == 0, res.output
    assert "« ancrage report » l'utilisera sans --postal-base" in " ".join(res.stdout.split())
    report = build_report(settings, build_scope(territory="dep:74"))  # no postal_base given
    assert "map_communes" in report.figures
