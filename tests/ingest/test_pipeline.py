"""Loading the real samples: every record accounted for, golden canonical values, idempotence."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ancrage.errors import InputFileError
from ancrage.ingest.pipeline import FileReport, load_paths
from ancrage.settings import Settings
from ancrage.warehouse import Warehouse

TODAY = dt.date(2026, 11, 23)

# file (relative to shared/data/decp) -> (format, records read), from SOURCES.md
SAMPLES: dict[str, tuple[str, int]] = {
    "v1_2019/data.gouv.fr_aife.json": ("decp-2019", 4530),
    "v1_2019/data.gouv.fr_pes.json": ("decp-2019", 552),
    "v1_2019/e-marchespublics.json": ("decp-2019", 470),
    "v2_2024/official_examples/concessions.json": ("decp-2024", 2),
    "v2_2024/official_examples/concessions_avec_modifications.json": ("decp-2024", 2),
    "v2_2024/official_examples/marches_avec_modifications.json": ("decp-2024", 2),
    "v2_2024/official_examples/marches_concessions.json": ("decp-2024", 4),
    "v2_2024/real/megalis_decp-59920013600241-2024-07-09-01.json": ("decp-2024", 5),
    "v2_2024/official_examples_xml/Marche.xml": ("decp-2024-xml", 2),
    "v2_2024/official_examples_xml/Contrat-concession.xml": ("decp-2024-xml", 2),
    "v2_2024/official_examples_xml/Contrat-concession-modification.xml": ("decp-2024-xml", 2),
    "tabular/decp_2024H2_travaux_cpv4521_filtered.csv": ("decp-tabular", 5180),
}


@pytest.fixture(scope="module")
def loaded(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> tuple[Settings, dict[str, FileReport]]:
    settings = Settings.resolve(tmp_path_factory.mktemp("home"))
    paths = [shared_data / "decp" / rel for rel in SAMPLES]
    result = load_paths(settings, paths, today=TODAY)
    assert result.errors == []
    reports = {str(Path(r.file).relative_to(shared_data / "decp")): r for r in result.reports}
    return settings, reports


def rows(settings: Settings, sql: str, *params: Any) -> list[dict[str, Any]]:
    con = Warehouse(settings).connect()
    try:
        cur = con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("rel", list(SAMPLES))
def test_every_record_is_accounted_for(
    loaded: tuple[Settings, dict[str, FileReport]], rel: str
) -> None:
    _, reports = loaded
    report = reports[rel]
    fmt, expected_read = SAMPLES[rel]
    assert report.detected_format == fmt
    assert report.read == expected_read
    assert report.read == report.loaded + report.quarantined + report.duplicates
    assert 0 <= report.repaired <= report.loaded


def test_counts_of_the_dirty_files(loaded: tuple[Settings, dict[str, FileReport]]) -> None:
    _, reports = loaded
    aife = reports["v1_2019/data.gouv.fr_aife.json"]
    # one record has no buyer at all -> quarantined; 249 re-publications of the same contract
    assert (aife.loaded, aife.quarantined, aife.duplicates) == (4280, 1, 249)
    pes = reports["v1_2019/data.gouv.fr_pes.json"]
    assert (pes.loaded, pes.duplicates) == (550, 2)
    assert pes.repaired == 550  # every PES record has a CPV check digit and dates with time zone


def test_canonical_table_counts(loaded: tuple[Settings, dict[str, FileReport]]) -> None:
    settings, reports = loaded
    total_loaded = sum(r.loaded for r in reports.values())
    [row] = rows(settings, "SELECT count(*) AS n, count(DISTINCT contract_id) AS d FROM contracts")
    assert row["n"] == row["d"] == total_loaded
    [q] = rows(settings, "SELECT count(*) AS n FROM quarantine")
    assert q["n"] == sum(r.quarantined for r in reports.values())


def test_golden_pes_record(loaded: tuple[Settings, dict[str, FileReport]]) -> None:
    settings, _ = loaded
    [c] = rows(settings, "SELECT * FROM contracts WHERE raw_id = '2018A30600'")
    assert c["buyer_siret"] == "20002715900017"
    assert c["buyer_name"] == "VILLE DE DUNKERQUE - PRINCIPAL"
    assert c["cpv"] == "45320000"
    assert c["notification_date"] == dt.date(2018, 12, 31)
    assert c["amount"] == 47600.87
    assert c["amount_flag"] is None
    assert (c["place_code"], c["place_type"]) == ("59183", "Code commune")
    assert c["procedure"] == "Procédure adaptée"
    assert c["env_reported"] is False and c["env_clause"] is None
    [s] = rows(settings, "SELECT * FROM contract_suppliers WHERE contract_id = ?", c["contract_id"])
    assert (s["id_type"], s["supplier_siret"], s["supplier_name"]) == (
        "SIRET",
        "41473937500023",
        "DEPITRE DEVELOPPEMENT",
    )
    assert s["amount_share"] == 47600.87
    repairs = rows(
        settings,
        "SELECT field, raw_value, new_value, rule FROM repairs WHERE contract_id = ?"
        " ORDER BY field",
        c["contract_id"],
    )
    assert repairs == [
        {"field": "cpv", "raw_value": "45320000-6", "new_value": "45320000",
         "rule": "cpv_check_digit_removed"},
        {"field": "notification_date", "raw_value": "2018-12-31+01:00",
         "new_value": "2018-12-31", "rule": "date_timezone_removed"},
        {"field": "publication_date", "raw_value": "2019-02-06+01:00",
         "new_value": "2019-02-06", "rule": "date_timezone_removed"},
    ]


def test_golden_aife_modified_record(loaded: tuple[Settings, dict[str, FileReport]]) -> None:
    """The AIFE test record: a modification changes amount, duration and suppliers."""
    settings, _ = loaded
    # AIFE's test buyer published this id 25 times (lots, re-publications): the versions naming
    # the same initial suppliers are one contract; the one with a modification wins
    [c] = rows(
        settings,
        "SELECT * FROM contracts WHERE raw_id = '2018123456789100'"
        " AND buyer_id = '80128543800017' AND n_modifications = 1",
    )
    assert c["source_record"] == "marches[2417]"
    assert c["amount_initial"] == 123456.78
    assert c["amount"] == 987654.32
    assert c["amount_flag"] == "placeholder"
    assert (c["duration_initial_months"], c["duration_months"]) == (8, 10)
    sups = rows(
        settings,
        "SELECT id_type, supplier_id, supplier_name, amount_share, origin"
        " FROM contract_suppliers WHERE contract_id = ? ORDER BY rank",
        c["contract_id"],
    )
    assert sups == [
        {"id_type": "TVA", "supplier_id": "FR21483209383",
         "supplier_name": "APPLE RETAIL FRANCE", "amount_share": 493827.16,
         "origin": "modification"},
        {"id_type": "RIDET", "supplier_id": "1234567890", "supplier_name": "ADS Noumea Technic",
         "amount_share": 493827.16, "origin": "modification"},
    ]
    [m] = rows(settings, "SELECT * FROM modifications WHERE contract_id = ?", c["contract_id"])
    assert m["object"] == "Modification delai, montant, titulaire"
    assert m["amount"] == 987654.32
    assert [s["id"] for s in m["suppliers"]] == ["FR21483209383", "1234567890"]


def test_golden_2024_record(loaded: tuple[Settings, dict[str, FileReport]]) -> None:
    settings, _ = loaded
    [c] = rows(
        settings,
        "SELECT * FROM contracts WHERE raw_id = 'TEST2022' AND buyer_id = '21750001630066'",
    )
    assert c["cpv"] == "45000000"
    assert c["is_framework"] is True
    assert c["techniques"] == ["Concours", "Accord-cadre"]
    assert c["execution_modes"] == ["Tranches"]
    assert (c["amount_initial"], c["amount"]) == (575000.0, 123457.87)
    assert (c["duration_initial_months"], c["duration_months"]) == (48, 12)
    assert c["offers_received"] == 4
    assert (c["innovative"], c["advance"], c["subcontracting_declared"]) == (True, True, True)
    assert (c["origin_eu"], c["origin_fr"]) == (0.1, 0.1)
    assert (c["env_reported"], c["env_clause"], c["env_criterion"], c["env_none"]) == (
        True, True, False, False)
    assert (c["social_clause"], c["social_criterion"], c["social_reserved"]) == (
        True, True, False)
    [s] = rows(settings, "SELECT * FROM contract_suppliers WHERE contract_id = ?", c["contract_id"])
    assert s["supplier_id"] == "868768687576575"  # after the modification
    assert s["supplier_siret"] is None  # 15 digits: not a SIRET
    [sub] = rows(settings, "SELECT * FROM subcontracting WHERE contract_id = ?", c["contract_id"])
    assert (sub["amount_initial"], sub["amount"]) == (123456.89, 23465.87)


def test_golden_megalis_real_record(loaded: tuple[Settings, dict[str, FileReport]]) -> None:
    settings, _ = loaded
    found = rows(
        settings,
        "SELECT * FROM contracts WHERE buyer_id = '59920013600241' ORDER BY raw_id",
    )
    assert len(found) == 5
    assert all(c["env_none"] and c["social_none"] for c in found)
    assert all(c["notification_date"] == dt.date(2024, 5, 30) for c in found)
    assert all("subcontracting_undeclared" in c["flags"] for c in found if c["n_subcontracts"])


def test_golden_tabular_record(loaded: tuple[Settings, dict[str, FileReport]]) -> None:
    settings, _ = loaded
    [c] = rows(settings, "SELECT * FROM contracts WHERE uid = '2000625860015720241300104'")
    assert (c["buyer_siret"], c["amount"], c["cpv"]) == ("20006258600157", 61100.0, "45214200")
    assert c["notification_date"] == dt.date(2025, 1, 1)
    assert c["buyer_department"] == "74"
    [s] = rows(settings, "SELECT * FROM contract_suppliers WHERE contract_id = ?", c["contract_id"])
    assert (s["supplier_siret"], s["supplier_name"], s["department"]) == (
        "42199758600035", "ALU CONCEPT HABITAT", "73")


def test_concession_without_id_gets_stable_content_id(
    loaded: tuple[Settings, dict[str, FileReport]],
) -> None:
    settings, _ = loaded
    found = rows(settings, "SELECT raw_id, contract_id, kind FROM contracts WHERE raw_id = 'None'")
    assert found and all(r["kind"] == "concession" for r in found)
    reasons = rows(settings, "SELECT DISTINCT rule FROM repairs WHERE field = 'id'")
    assert {"rule": "id_derived_from_content"} in reasons


def test_reloading_changes_nothing(
    loaded: tuple[Settings, dict[str, FileReport]], shared_data: Path, tmp_path: Path
) -> None:
    settings, _ = loaded
    before = rows(settings, "SELECT count(*) AS n, sum(amount) AS a FROM contracts")
    # the same content under another name is recognised too
    copy = tmp_path / "copie.json"
    shutil.copy(shared_data / "decp/v1_2019/data.gouv.fr_pes.json", copy)
    result = load_paths(settings, [copy], today=TODAY)
    [again] = result.reports
    assert again.already_loaded
    assert (again.read, again.loaded, again.duplicates) == (552, 0, 552)
    assert rows(settings, "SELECT count(*) AS n, sum(amount) AS a FROM contracts") == before


def test_same_contracts_from_another_file_are_duplicates(
    loaded: tuple[Settings, dict[str, FileReport]], shared_data: Path, tmp_path: Path
) -> None:
    settings, _ = loaded
    before = rows(settings, "SELECT count(*) AS n FROM contracts")
    # same records, different bytes (re-indented): a re-publication by another channel
    text = (shared_data / "decp/v2_2024/real/megalis_decp-59920013600241-2024-07-09-01.json")
    import json

    other = tmp_path / "republication.json"
    other.write_text(json.dumps(json.loads(text.read_text()), indent=4))
    [report] = load_paths(settings, [other], today=TODAY).reports
    assert (report.read, report.loaded, report.duplicates) == (5, 0, 5)
    assert rows(settings, "SELECT count(*) AS n FROM contracts") == before


def test_bad_file_is_atomic(
    loaded: tuple[Settings, dict[str, FileReport]], shared_data: Path, tmp_path: Path
) -> None:
    settings, _ = loaded
    before = rows(settings, "SELECT count(*) AS n FROM contracts")
    files_before = rows(settings, "SELECT count(*) AS n FROM loaded_files")
    good = (shared_data / "decp/v1_2019/e-marchespublics.json").read_bytes()
    truncated = tmp_path / "tronque.json"
    truncated.write_bytes(good[: len(good) * 2 // 3])
    result = load_paths(settings, [truncated], today=TODAY)
    assert result.reports == []
    [error] = result.errors
    assert isinstance(error, InputFileError)
    assert "tronque.json" in error.one_line()
    assert rows(settings, "SELECT count(*) AS n FROM contracts") == before
    assert rows(settings, "SELECT count(*) AS n FROM loaded_files") == files_before
    staging = Warehouse(settings).staging_dir
    assert list(staging.iterdir()) == []


def test_warehouse_is_plain_parquet(loaded: tuple[Settings, dict[str, FileReport]]) -> None:
    settings, _ = loaded
    wh = Warehouse(settings)
    con = wh.connect()
    try:
        path = wh.table_path(con, "contracts")
    finally:
        con.close()
    n = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()
    assert n is not None and n[0] > 10_000


def test_odd_shapes_are_accounted_for(tmp_path: Path) -> None:
    """A number among the records is quarantined; a field of the wrong shape is dropped and
    logged, and its record still loads."""
    import json

    doc = {
        "marches": [
            42,
            {
                "id": "2024-01",
                "_type": "Marché",
                "acheteur": {"id": "21860194400013"},
                "lieuExecution": "Poitiers",
                "titulaires": [7, {"typeIdentifiant": "SIRET", "id": "41473937500023"}],
                "montant": "12 500,50 €",
                "dateNotification": "2024-03-01",
            },
            {"id": "2024-02", "_type": "Marché", "montant": 1000},
        ]
    }
    path = tmp_path / "formes.json"
    path.write_text(json.dumps(doc))
    settings = Settings.resolve(tmp_path / "home")
    [report] = load_paths(settings, [path], today=TODAY).reports
    assert (report.read, report.loaded, report.quarantined, report.duplicates) == (3, 1, 2, 0)
    assert report.repaired == 1
    quarantine = rows(settings, "SELECT source_record, field, reason FROM quarantine")
    assert sorted((q["source_record"], q["field"] or "") for q in quarantine) == [
        ("marches[0]", ""),
        ("marches[2]", "buyer.id"),
    ]
    [c] = rows(settings, "SELECT * FROM contracts")
    # a bare value among the titulaires is read as an identifier (not a valid SIRET)
    assert c["amount"] == 12500.5 and c["n_suppliers"] == 2
    rules = {(r["field"], r["rule"]) for r in rows(settings, "SELECT field, rule FROM repairs")}
    assert ("amount", "number_text_parsed") in rules
    assert any(rule == "wrong_type_dropped" for _, rule in rules)
