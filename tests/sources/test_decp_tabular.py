"""The consolidated tabular DECP reader, on the real extract and on small hand-made files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ancrage.errors import InputFileError
from ancrage.sources.base import RawContract, ReadContext
from ancrage.sources.decp_tabular import SOURCE

SAMPLE = "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
HEADER = (
    "uid,id,type,codeCPV,acheteur_id,acheteur_nom,titulaire_id,titulaire_nom,montant,"
    "dateNotification,procedure,dureeMois,offresRecues,acheteur_departement_code,"
    "titulaire_departement_code,acheteur_region_code,titulaire_region_code"
)


def read_all(path: Path) -> tuple[list[RawContract], ReadContext]:
    ctx = ReadContext(path)
    return list(SOURCE.read(path, ctx)), ctx


@pytest.fixture(scope="module")
def sample_path(shared_data: Path) -> Path:
    return shared_data / SAMPLE


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> list[RawContract]:
    records, ctx = read_all(sample_path)
    assert ctx.rejections == []
    return records


def by_uid(records: list[RawContract], uid: str) -> RawContract:
    found = [r for r in records if r.get("uid") == uid]
    assert len(found) == 1
    return found[0]


def test_identity() -> None:
    assert SOURCE.name == "decp-tabular"
    assert SOURCE.label == "DECP consolidé, format tabulaire (CSV/Parquet)"


def test_sniff(sample_path: Path, tmp_path: Path) -> None:
    head = sample_path.read_bytes()[:65536]
    assert SOURCE.sniff(head, sample_path)
    assert SOURCE.sniff(b"\xef\xbb\xbfuid;acheteur_siret;titulaire_id\n", tmp_path / "x.csv")
    assert not SOURCE.sniff(b'{"marches": []}', tmp_path / "x.json")
    assert not SOURCE.sniff(b"uid,acheteur_id,montant\n", tmp_path / "x.csv")
    assert not SOURCE.sniff(b"PAR1garbage", tmp_path / "missing.parquet")


def test_sample_counts(sample: list[RawContract]) -> None:
    # 8,957 rows, 5,180 distinct uid (SOURCES.md)
    assert len(sample) == 5180
    assert len({r["uid"] for r in sample}) == 5180
    assert all(r["kind"] == "marche" for r in sample)
    assert all(r["extra"] == {"type": "Travaux"} for r in sample)


def test_golden_three_suppliers(sample: list[RawContract]) -> None:
    # lines 208-210 of the file: one contract, three co-contractors, same amount on each row
    rec = by_uid(sample, "21380314100018202323TEC09L7A01")
    assert rec == {
        "ref": "uid 21380314100018202323TEC09L7A01 (lignes 208, 209, 210)",
        "kind": "marche",
        "uid": "21380314100018202323TEC09L7A01",
        "id": "202323TEC09L7A01",
        "cpv": "45210000",
        "amount": "764223.17",
        "notification_date": "2024-12-24",
        "procedure": "Appel d'offres ouvert",
        "duration_months": "20",
        "offers_received": "2",
        "buyer": {
            "id": "21380314100018",
            "name": "COMMUNE DE PONTCHARRA (MAIRIE)",
            "department": "38",
            "region": "84",
        },
        "suppliers": [
            {"id": "45235898900021", "name": "MEANDRE CREATION (MEANDRE OGGI)",
             "department": "38", "region": "84"},
            {"id": "88054623900026", "name": "JULIEN PERES FOUILLARD",
             "department": "38", "region": "84"},
            {"id": "53438671900023", "name": "P.B.F PLOMBIERS - MIROITIERS",
             "department": "38", "region": "84"},
        ],
        "modifications": [],
        "extra": {"type": "Travaux"},
    }


def test_golden_two_states(sample: list[RawContract]) -> None:
    # lines 113 and 2649: same uid, two states (amount, duration and titulaire differ);
    # the earliest notification is the record, the later one a modification.
    rec = by_uid(sample, "200036077000102024MA24038")
    assert rec["ref"] == "uid 200036077000102024MA24038 (lignes 113, 2649)"
    assert rec["amount"] == "1383922.7"
    assert rec["notification_date"] == "2024-11-14"
    assert rec["duration_months"] == "4"
    assert rec["offers_received"] == "3"
    assert [s["id"] for s in rec["suppliers"]] == ["32933888301466", "49470399400033"]
    assert rec["suppliers"][1]["department"] == "13"
    assert rec["modifications"] == [
        {
            "amount": "63478.6",
            "duration_months": "12",
            "notification_date": "2024-12-30",
            "suppliers": [
                {"id": "49470399400033",
                 "name": "E G S O (E G S O  ENTREPRISE GENERALE SECOND OEUVRE)",
                 "department": "13", "region": "93"}
            ],
        }
    ]


def test_golden_many_rows_deduplicated(sample: list[RawContract]) -> None:
    # Hautes-Pyrénées: 30 rows = 15 states x 2 titulaires; amount moves 9,355,690.54 -> 9,376,511.54
    rec = by_uid(sample, "226500015000122022220129")
    assert [s["name"] for s in rec["suppliers"]] == ["SOGEBA TRAVAUX PUBLICS", "SEG FAYAT"]
    assert rec["notification_date"] == "2024-07-08"
    assert rec["amount"] == "9355690.54"
    assert len(rec["modifications"]) == 14
    assert rec["modifications"][-1]["amount"] == "9376511.54"
    assert rec["modifications"][-1]["notification_date"] == "2024-12-03"
    assert all(m["suppliers"] is None for m in rec["modifications"])


def test_parquet_gives_same_records(sample_path: Path, sample: list[RawContract],
                                    tmp_path: Path) -> None:
    out = tmp_path / "decp.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_csv('{sample_path}', all_varchar=true)) "
        f"TO '{out}' (FORMAT parquet)"
    )
    con.close()
    assert SOURCE.sniff(out.read_bytes()[:65536], out)
    records, _ = read_all(out)
    assert len(records) == len(sample)
    strip = [{k: v for k, v in r.items() if k != "ref"} for r in records]
    assert strip == [{k: v for k, v in r.items() if k != "ref"} for r in sample]
    assert records[0]["ref"] == "uid 2000625860015720241300104 (rangées 1)"


def test_semicolon_and_bom(sample_path: Path, sample: list[RawContract], tmp_path: Path) -> None:
    out = tmp_path / "decp_semicolon.csv"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_csv('{sample_path}', all_varchar=true)) "
        f"TO '{out}' (HEADER, DELIMITER ';')"
    )
    con.close()
    out.write_bytes(b"\xef\xbb\xbf" + out.read_bytes())
    records, ctx = read_all(out)
    assert ctx.rejections == []
    assert records == sample


def write(tmp_path: Path, text: str | bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_fallback_key_full_file_columns_and_extra(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id;acheteur_siret;titulaire_id;titulaire_typeIdentifiant;nature;objet;montant;"
        "modification_id;donneesActuelles;considerationsSociales;colonneInconnue\n"
        "C1;21860194000013;CDL;SIRET;Concession de service;Cantine;1000;0;false;"
        "Clause sociale;x\n"
        "C1;21860194000013;12345678900011;SIRET;Concession de service;Cantine;1200;1;true;"
        "Clause sociale;x\n"
        "C2;21860194000013;;;Marché;Voirie;5;0;true;;y\n",
    )
    records, _ = read_all(path)
    assert len(records) == 2
    first, second = records
    assert first["ref"] == "uid 21860194000013 / id C1 (lignes 2, 3)"
    assert first["kind"] == "concession"
    assert first["buyer"] == {"id": "21860194000013"}
    assert first["suppliers"] == [
        {"id": "CDL", "id_type": "SIRET"},  # sentinel kept raw: the normaliser handles it
        {"id": "12345678900011", "id_type": "SIRET"},
    ]
    assert first["amount"] == "1000"
    assert first["social"] == ["Clause sociale"]
    assert first["modifications"] == [
        {"id": "1", "amount": "1200",
         "suppliers": [{"id": "12345678900011", "id_type": "SIRET"}]}
    ]
    assert first["extra"] == {"colonneInconnue": "x"}
    assert second["kind"] == "marche"
    assert second["suppliers"] == []
    assert second["social"] is None


def test_header_only_is_zero_records(tmp_path: Path) -> None:
    records, ctx = read_all(write(tmp_path, "\ufeff" + HEADER + "\n"))
    assert records == []
    assert ctx.rejections == []


def test_malformed_line_is_rejected_not_fatal(tmp_path: Path) -> None:
    path = write(tmp_path, "uid,acheteur_id,titulaire_id\nU1,A,T\nU2,A\nU3,A,T\n")
    records, ctx = read_all(path)
    assert [r["uid"] for r in records] == ["U1", "U3"]
    assert [(r.ref, r.reason) for r in ctx.rejections] == [
        ("ligne 3", "ligne CSV mal formée : Expected Number of Columns: 3 Found: 2")
    ]


def error_of(path: Path) -> str:
    with pytest.raises(InputFileError) as info:
        list(SOURCE.read(path, ReadContext(path)))
    return info.value.one_line()


def test_error_empty(tmp_path: Path) -> None:
    path = write(tmp_path, b"")
    assert error_of(path) == (
        f"{path}: fichier vide. Le fichier ne contient aucun octet : téléchargez-le à nouveau"
    )


def test_error_blank_header(tmp_path: Path) -> None:
    path = write(tmp_path, b"\n\n")
    assert error_of(path) == (
        f"{path}: fichier vide. "
        "Le fichier ne contient pas d'en-tête : téléchargez-le à nouveau"
    )


def test_error_missing_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "uid,acheteur_nom,montant\nU1,X,3\n")
    assert error_of(path) == (
        f"{path}: colonnes obligatoires absentes : acheteur_id, titulaire_id. "
        "Un fichier DECP tabulaire doit avoir les colonnes uid (ou id), acheteur_id "
        "(ou acheteur_siret) et titulaire_id"
    )


def test_error_undecodable(tmp_path: Path) -> None:
    path = write(tmp_path, b"uid,acheteur_id,titulaire_id\nU1,A,\xe9t\xe9\n")
    assert error_of(path) == (
        f"{path}: fichier non décodable en UTF-8. "
        "Réenregistrez le fichier en UTF-8 (avec ou sans BOM)"
    )


def test_error_duplicate_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "uid,acheteur_id,titulaire_id,uid\nU1,A,T,U1\n")
    assert error_of(path) == (
        f"{path}: colonnes en double : uid. Chaque nom de colonne doit être unique dans l'en-tête"
    )


def test_error_broken_parquet(tmp_path: Path) -> None:
    path = write(tmp_path, b"PAR1 not really parquet", "x.parquet")
    assert error_of(path) == (
        f"{path}: fichier Parquet illisible. "
        "Le fichier est tronqué ou n'est pas un Parquet valide"
    )


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.sampled_from([*'ab1,;"\n\r\ufeff é\x00', "uid", "id",
                                       "acheteur_id", "titulaire_id", "modification_id"]),
                     max_size=40).map("".join),
       header=st.sampled_from([
           "uid,acheteur_id,titulaire_id,montant\n",
           "uid;acheteur_id;titulaire_id\n",
           "id,acheteur_siret,titulaire_id\n",
           "",
       ]))
def test_malformed_csv_never_crashes(tmp_path: Path, header: str, body: str) -> None:
    path = write(tmp_path, header + body, "h.csv")
    try:
        records, _ = read_all(path)
    except InputFileError:
        return
    for rec in records:
        assert rec["ref"]
        assert rec["kind"] == "marche"
