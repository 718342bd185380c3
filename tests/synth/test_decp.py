"""The fictitious DECP generator: deterministic, valid formats, exact manifest, bounded memory.

The files are parsed with json / lxml / csv only (not with Ancrage's readers).
"""

from __future__ import annotations

import csv
import itertools
import json
import statistics
import weakref
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ancrage.synth import decp
from ancrage.synth.decp import (
    FICTITIOUS_NOTICE,
    MANIFEST_NAME,
    OLD_PROCEDURE,
    SOURCE_VALUE,
    TABULAR_COLUMNS,
    generate_decp,
    iter_contracts,
    luhn_valid,
)

CONTRACTS = 4000
SEED = 7


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], dict[str, Any]]:
    out = tmp_path_factory.mktemp("synth")
    paths = generate_decp(out, contracts=CONTRACTS, seed=SEED, files_per_format=2)
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    return paths, manifest


# --- format-neutral view of each file (json / lxml / csv only) ---------------------------------


def flat(rec: dict[str, Any], *, buyer_key: str, suppliers: list[dict[str, Any]],
         kind: str, amount_key: str, date_key: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "buyer": rec[buyer_key]["id"],
        "id": rec["id"],
        "suppliers": [s["id"] for s in suppliers],
        "cpv": rec.get("codeCPV"),
        "date": rec[date_key],
        "amount": rec.get(amount_key, "MISSING"),
        "object": rec["objet"],
        "duration": rec["dureeMois"],
        "procedure": rec["procedure"],
        "modifications": len(rec.get("modifications", [])),
        "subcontracts": len(rec.get("actesSousTraitance", [])),
    }


def records_2019(path: Path) -> Iterator[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["_avertissement"] == FICTITIOUS_NOTICE
    for rec in data["marches"]:
        assert rec["source"] == SOURCE_VALUE
        if rec["_type"] == "Marché":
            yield flat(rec, buyer_key="acheteur", suppliers=rec["titulaires"], kind="marche",
                       amount_key="montant", date_key="dateNotification")
        else:
            assert rec["_type"] == "Contrat de concession"
            yield flat(rec, buyer_key="autoriteConcedante", suppliers=rec["concessionnaires"],
                       kind="concession", amount_key="valeurGlobale", date_key="dateSignature")


def records_2024(path: Path) -> Iterator[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["_avertissement"] == FICTITIOUS_NOTICE
    assert set(data["marches"]) == {"marche", "contrat-concession"}
    for rec in data["marches"]["marche"]:
        assert "nom" not in rec["acheteur"]  # the 2024 format has no names
        yield flat(rec, buyer_key="acheteur", kind="marche", amount_key="montant",
                   suppliers=[t["titulaire"] for t in rec["titulaires"]],
                   date_key="dateNotification")
    for rec in data["marches"]["contrat-concession"]:
        yield flat(rec, buyer_key="autoriteConcedante", kind="concession",
                   suppliers=[t["concessionnaire"] for t in rec["concessionnaires"]],
                   amount_key="valeurGlobale", date_key="dateSignature")


def _xml_dict(el: Any) -> Any:
    """Element -> dict (leaf -> text; repeated children -> list)."""
    children = list(el)
    if not children:
        return el.text
    out: dict[str, Any] = {}
    for child in children:
        value = _xml_dict(child)
        if child.tag in out:
            if not isinstance(out[child.tag], list):
                out[child.tag] = [out[child.tag]]
            out[child.tag].append(value)
        else:
            out[child.tag] = value
    return out


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def records_xml(path: Path) -> Iterator[dict[str, Any]]:
    tree = etree.parse(str(path))
    comments = [c.text for c in tree.xpath("/comment()")]
    assert comments == [f" {FICTITIOUS_NOTICE} "]
    root = tree.getroot()
    assert root.tag == "marches"
    for el in root:
        rec = _xml_dict(el)
        for key in ("modifications", "actesSousTraitance"):
            if key in rec:
                rec[key] = _as_list(next(iter(rec[key].values())))
        if el.tag == "marche":
            sup = _as_list(rec["titulaires"]["titulaire"])
            yield flat(rec, buyer_key="acheteur", suppliers=sup, kind="marche",
                       amount_key="montant", date_key="dateNotification")
        else:
            assert el.tag == "contrat-concession"
            sup = _as_list(rec["concessionnaires"]["concessionnaire"])
            yield flat(rec, buyer_key="autoriteConcedante", suppliers=sup, kind="concession",
                       amount_key="valeurGlobale", date_key="dateSignature")


def records_tabular(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == TABULAR_COLUMNS
        current: list[dict[str, str]] = []
        for row in itertools.chain(reader, [None]):
            # a record is a run of rows with one uid and distinct suppliers (a duplicate
            # written right after its original restarts the supplier list)
            if current and (row is None or row["uid"] != current[0]["uid"]
                            or row["titulaire_id"] in {r["titulaire_id"] for r in current}):
                first = current[0]
                assert first["source"] == SOURCE_VALUE
                yield {
                    "kind": "concession" if "Concession" in first["nature"] else "marche",
                    "buyer": first["acheteur_id"], "id": first["id"],
                    "suppliers": [r["titulaire_id"] for r in current],
                    "cpv": first["codeCPV"] or None,
                    "date": first["dateNotification"],
                    "amount": first["montant"] if first["montant"] != "" else "MISSING",
                    "object": first["objet"], "duration": first["dureeMois"],
                    "procedure": first["procedure"], "modifications": 0, "subcontracts": 0,
                    "rows": len(current),
                }
                current = []
            if row is not None:
                assert row["montant"] == (current[0]["montant"] if current else row["montant"])
                current.append(row)


READERS = {"decp-2019": records_2019, "decp-2024": records_2024,
           "decp-2024-xml": records_xml, "decp-tabular": records_tabular}


def dirt_of(rec: dict[str, Any]) -> Counter[str]:
    found: Counter[str] = Counter()
    if any(" " in s for s in rec["suppliers"]):
        found["siret_spaces"] += 1
    cpv = rec["cpv"]
    if cpv is not None:
        found["cpv_check_digit"] += "-" in cpv
        found["cpv_7_digits"] += len(cpv) == 7
    found["date_timezone"] += len(rec["date"]) > 10
    found["date_year_typo"] += rec["date"].startswith("0")
    amount = rec["amount"]
    found["amount_zero"] += str(amount) == "0"
    found["amount_missing"] += amount == "MISSING"
    found["amount_placeholder"] += str(amount) == "999999999"
    found["object_mojibake"] += "\ufffd" in rec["object"]
    found["duration_nc"] += rec["duration"] == "NC"
    found["duration_out_of_range"] += str(rec["duration"]) in ("0", "1500")
    found["old_procedure"] += rec["procedure"] == OLD_PROCEDURE
    return +found


def scan(path: Path, fmt: str) -> list[dict[str, Any]]:
    return list(READERS[fmt](path))


# --- tests -------------------------------------------------------------------------------------


def test_returns_one_file_per_format_and_slot(
        generated: tuple[list[Path], dict[str, Any]]) -> None:
    paths, manifest = generated
    assert [p.name for p in paths] == [
        "synth_decp-2019_001.json", "synth_decp-2019_002.json",
        "synth_decp-2024_001.json", "synth_decp-2024_002.json",
        "synth_decp-2024-xml_001.xml", "synth_decp-2024-xml_002.xml",
        "synth_decp-tabular_001.csv", "synth_decp-tabular_002.csv",
    ]
    assert [f["file"] for f in manifest["files"]] == [p.name for p in paths]
    assert manifest["_avertissement"] == FICTITIOUS_NOTICE
    assert not list(paths[0].parent.glob("*.part"))


def test_counts_and_dirt_match_manifest(generated: tuple[list[Path], dict[str, Any]]) -> None:
    paths, manifest = generated
    total_dirt: Counter[str] = Counter()
    keys: Counter[tuple[str, str]] = Counter()
    for path, entry in zip(paths, manifest["files"], strict=True):
        recs = scan(path, entry["format"])
        assert len(recs) == entry["records"], path.name
        counts = entry["counts"]
        assert sum(r["kind"] == "marche" for r in recs) == counts["marches"]
        assert sum(r["kind"] == "concession" for r in recs) == counts["concessions"]
        if "modifications" in counts:
            assert sum(r["modifications"] for r in recs) == counts["modifications"]
        if "subcontracts" in counts:
            assert sum(r["subcontracts"] for r in recs) == counts["subcontracts"]
        if "rows" in counts:
            assert sum(r["rows"] for r in recs) == counts["rows"]
        dirt: Counter[str] = Counter()
        for rec in recs:
            dirt += dirt_of(rec)
            keys[(rec["buyer"], rec["id"])] += 1
        assert {k: dirt[k] for k in entry["dirt"]} == entry["dirt"], path.name
        total_dirt += dirt
    assert {k: total_dirt[k] for k in manifest["dirt"]} == manifest["dirt"]
    assert manifest["records"] == CONTRACTS + manifest["duplicates"] == sum(keys.values())
    assert len(keys) == CONTRACTS  # duplicates share buyer + id, nothing else does
    assert sum(n - 1 for n in keys.values()) == manifest["duplicates"]


def test_dirt_proportions(generated: tuple[list[Path], dict[str, Any]]) -> None:
    _, manifest = generated
    dirt, n = manifest["dirt"], manifest["records"]
    assert 0.17 < dirt["cpv_check_digit"] / n < 0.23
    assert 0.035 < dirt["date_timezone"] / n < 0.065
    assert 0.01 < dirt["object_mojibake"] / n < 0.03
    assert 0.005 < manifest["duplicates"] / CONTRACTS < 0.015
    for kind in ("siret_spaces", "cpv_7_digits", "amount_zero", "duration_nc", "old_procedure"):
        assert dirt[kind] > 0, kind


def test_deterministic(tmp_path: Path) -> None:
    a = generate_decp(tmp_path / "a", contracts=300, seed=3)
    b = generate_decp(tmp_path / "b", contracts=300, seed=3)
    c = generate_decp(tmp_path / "c", contracts=300, seed=4)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]
    assert (tmp_path / "a" / MANIFEST_NAME).read_bytes() == (
        tmp_path / "b" / MANIFEST_NAME).read_bytes()


def test_realism(generated: tuple[list[Path], dict[str, Any]]) -> None:
    paths, _ = generated
    data = json.loads(paths[0].read_text(encoding="utf-8"))["marches"]
    marches = [r for r in data if r["_type"] == "Marché"]
    buyers = {r["acheteur"]["id"]: r["acheteur"]["nom"] for r in marches}
    for siret, name in buyers.items():
        assert len(siret) == 14 and luhn_valid(siret) and luhn_valid(siret[:9]), siret
        assert "fictif" in name or "fictive" in name, name
        if name.startswith("Commune fictive"):
            assert siret.startswith("21")
    names = {t["denominationSociale"] for r in marches for t in r["titulaires"]}
    assert all(" Fictive " in n for n in names)
    natures = Counter(r["nature"] for r in marches)
    assert 0.32 < natures["Accord-cadre"] / len(marches) < 0.42
    amounts = [r["montant"] for r in marches if r.get("montant") not in (None, 0, 999999999)]
    assert 40_000 < statistics.median(amounts) < 200_000
    # supplier concentration: Zipf pool, the top supplier wins far more than the median one
    wins = Counter(t["id"] for r in marches for t in r["titulaires"]).most_common()
    assert wins[0][1] > 10 * wins[len(wins) // 2][1]
    years = Counter(r["dateNotification"][:4] for r in marches)
    assert set(years) >= {str(y) for y in range(2019, 2026)}
    # ~1.7 contract x supplier rows per contract, as the consolidated DECP (1.73), frameworks
    # (multi-attributaires) having more suppliers than the other contracts
    rows = [len(r["titulaires"]) for r in marches]
    assert 1.55 < statistics.mean(rows) < 1.85
    framework = [len(r["titulaires"]) for r in marches if r["nature"] == "Accord-cadre"]
    assert statistics.mean(framework) > 2.0 and max(framework) >= 6
    data24 = json.loads(paths[2].read_text(encoding="utf-8"))["marches"]["marche"]
    env = sum(r["considerationsEnvironnementales"]["considerationEnvironnementale"]
              != ["Pas de considération environnementale"] for r in data24)
    social = sum(r["considerationsSociales"]["considerationSociale"]
                 != ["Pas de considération sociale"] for r in data24)
    assert 0.20 < env / len(data24) < 0.30
    assert 0.11 < social / len(data24) < 0.19


def test_embedded_cpv_codes_are_real(shared_data: Path) -> None:
    with (shared_data / "nomenclatures/cpv/cpv_2008_fr.csv").open(encoding="utf-8") as fh:
        official = {row["CODE"] for row in csv.DictReader(fh)}
    assert len(decp.CPV_CODES) >= 80
    assert {code for code, _ in decp.CPV_CODES} <= official
    divisions = Counter("works" if c.startswith("45") else
                        "supplies" if int(c[:2]) <= 44 or c.startswith("48") else "services"
                        for c, _ in decp.CPV_CODES)
    assert min(divisions.values()) >= 20


def test_luhn() -> None:
    # real SIRET / SIREN of public buyers, from the tabular sample
    assert luhn_valid("21380314100018") and luhn_valid("213803141")
    assert luhn_valid("22650001500012") and luhn_valid("226500015")
    assert not luhn_valid("21380314100019")
    assert decp.luhn_digit("2138031410001") == "8"


def test_iter_contracts_is_lazy() -> None:
    # a million contracts asked: only the first three are ever built
    first = list(itertools.islice(iter_contracts(1_000_000, seed=1), 3))
    assert [c.seq for c in first] == [0, 1, 2]


def test_memory_bounded_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """50,000 contracts: never more than a small window of contracts alive at once."""
    alive = 0
    peak = 0
    real = decp.iter_contracts

    def freed() -> None:
        nonlocal alive
        alive -= 1

    def spy(contracts: int, *, seed: int = 0) -> Iterator[decp.Contract]:
        nonlocal alive, peak
        for contract in real(contracts, seed=seed):
            weakref.finalize(contract, freed)
            alive += 1
            peak = max(peak, alive)
            yield contract

    monkeypatch.setattr(decp, "iter_contracts", spy)
    paths = generate_decp(tmp_path, contracts=50_000, seed=2)
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["contracts"] == 50_000
    assert sum(p.stat().st_size for p in paths) > 10_000_000
    assert 0 < peak <= 300  # the duplicate window (256) + the one being written


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown formats"):
        generate_decp(tmp_path, contracts=1, formats=("decp-1999",))
