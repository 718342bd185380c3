"""DECP 2019 JSON reader: golden values on the real samples, tolerance, robustness."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ancrage.errors import InputFileError
from ancrage.sources.base import RawContract, ReadContext
from ancrage.sources.decp2019 import (
    SOURCE,
    Marche2019,
    decode_2019,
    map_2019,
    map_typed_2019,
)
from ancrage.synth.decp import generate_decp

V1 = "decp/v1_2019"


def read_all(path: Path) -> tuple[list[RawContract], ReadContext]:
    ctx = ReadContext(path)
    return list(SOURCE.read(path, ctx)), ctx


@pytest.fixture(scope="module")
def aife(shared_data: Path) -> list[RawContract]:
    records, ctx = read_all(shared_data / V1 / "data.gouv.fr_aife.json")
    assert ctx.rejections == []
    return records


def by_ref(records: list[RawContract], ref: str) -> RawContract:
    found = [record for record in records if record["ref"] == ref]
    assert len(found) == 1
    return found[0]


def test_identity() -> None:
    assert SOURCE.name == "decp-2019"
    assert SOURCE.label == "DECP format 2019 (JSON, arrêté du 22 mars 2019)"


@pytest.mark.parametrize(
    ("name", "marches", "concessions", "with_modifications", "extra_keys"),
    [
        ("e-marchespublics.json", 470, 0, 8, {}),
        ("data.gouv.fr_pes.json", 552, 0, 1, {}),
        ("data.gouv.fr_aife.json", 4508, 22, 31, {"donneesExecution": 22}),
    ],
)
def test_counts_and_extra_audit(
    shared_data: Path,
    name: str,
    marches: int,
    concessions: int,
    with_modifications: int,
    extra_keys: dict[str, int],
) -> None:
    path = shared_data / V1 / name
    assert SOURCE.sniff(path.read_bytes()[:65536], path)
    records, ctx = read_all(path)
    assert ctx.rejections == []
    kinds = Counter(r["kind"] for r in records)
    assert (kinds["marche"], kinds["concession"]) == (marches, concessions)
    assert sum(1 for r in records if r["modifications"]) == with_modifications
    # a new field in the source must show up here
    assert Counter(key for r in records for key in r["extra"]) == Counter(extra_keys)
    assert all(r["social"] is None and r["environmental"] is None for r in records)
    assert [r["ref"] for r in records[:2]] == ["marches[0]", "marches[1]"]


def test_golden_e_marchespublics(shared_data: Path) -> None:
    records, _ = read_all(shared_data / V1 / "e-marchespublics.json")
    first = records[0]
    assert first["id"] == "2018MA181101"
    assert first["source_name"] == "e-marchespublics"
    assert first["buyer"] == {"id_type": None, "id": "28850001000013", "name": "SDIS de la Vendée"}
    assert first["nature"] == "Accord-cadre"
    assert first["cpv"] == "45314000"
    assert (first["place_code"], first["place_type"]) == ("85", "Code département")
    assert first["amount"] == 80000
    assert first["duration_months"] == 12
    assert first["notification_date"] == "2018-12-03"
    assert first["price_form"] == "Révisable"
    assert first["suppliers"] == [
        {"id_type": "SIRET", "id": "82746233400018", "name": "SAS SHOW VISION ACRO"}
    ]
    assert first["modifications"] == []
    assert first["techniques"] is None and first["offers_received"] is None
    (modification,) = records[56]["modifications"]
    assert modification == {
        "id": None,
        "object": "Avenant n°1\nFourniture et pose de 8 globes supplémentaires extérieurs en "
        "remplacement de ceux existants au 1er groupe",
        "amount": 48451,
        "duration_months": None,
        "notification_date": "2018-11-23",
        "publication_date": "2018-12-20",
        "suppliers": None,
    }


def test_golden_pes_values_stay_raw(shared_data: Path) -> None:
    records, _ = read_all(shared_data / V1 / "data.gouv.fr_pes.json")
    first = records[0]
    assert first["uid"] == "200027159000172018A30600"
    assert first["cpv"] == "45320000-6"  # check digit kept: cleaning is done elsewhere
    assert first["notification_date"] == "2018-12-31+01:00"
    assert first["amount"] == 47600.87
    assert first["buyer"]["name"] == "VILLE DE DUNKERQUE - PRINCIPAL"
    assert first["suppliers"][0]["id"] == "41473937500023"
    (modification,) = records[93]["modifications"]
    assert modification["amount"] == 57379.41
    assert modification["duration_months"] == 3
    assert modification["notification_date"] == "2019-02-15+01:00"


def test_golden_aife(aife: list[RawContract]) -> None:
    first = aife[0]
    solideo = "Soci\ufffdt\ufffd de livraison des ouvrages olympiques (SOLIDEO)"
    assert first["buyer"]["name"] == solideo  # mojibake kept: repaired elsewhere
    assert first["notification_date"] is None
    assert first["nature"] == "Marché subséquent"

    concession = by_ref(aife, "marches[2359]")
    assert concession["kind"] == "concession"
    assert concession["id"] is None
    assert concession["buyer"] == {"id_type": None, "id": "80128543800017", "name": "Essentiel"}
    assert concession["notification_date"] == "2018-07-12"  # dateSignature
    assert concession["start_date"] == "2018-07-12"
    assert concession["amount"] == "7789456.56"  # valeurGlobale, raw string
    assert concession["public_subsidy"] == 12456.32
    assert concession["suppliers"] == [
        {"id_type": "SIRET", "id": "79858993300018", "name": "Nonna et Nonno"}
    ]
    assert concession["modifications"] == [
        {
            "id": None,
            "object": "Modification duree, valeurGlobale, concessionnaires",
            "amount": 123321123.12,
            "duration_months": 24,
            "notification_date": None,
            "publication_date": "2019-07-12",
            "suppliers": None,
        }
    ]
    assert concession["extra"]["donneesExecution"] == [
        {
            "depensesInvestissement": 12345.5,
            "tarifs": [
                {"intituleTarif": "pass Navigo", "tarif": 115.5},
                {"intituleTarif": "peage", "tarif": 12000.2},
            ],
        }
    ]

    marche = by_ref(aife, "marches[2336]")
    assert [s["id_type"] for s in marche["suppliers"]] == ["SIRET", "TAHITI"]
    (modification,) = marche["modifications"]
    assert modification["amount"] == 987654.32
    assert modification["suppliers"] == [
        {"id_type": "TVA", "id": "FR21483209383", "name": "APPLE RETAIL FRANCE"},
        {"id_type": "RIDET", "id": "1234567890", "name": "ADS Noumea Technic"},
    ]
    assert aife[212]["suppliers"][0]["id_type"] == "TVA_INTRACOMMUNAUTAIRE"


# --- tolerance -----------------------------------------------------------------------------------


def mapped(record: dict[str, object]) -> tuple[RawContract | None, ReadContext]:
    ctx = ReadContext(Path("x.json"))
    return map_2019(record, "marches[0]", ctx), ctx


@pytest.mark.parametrize(
    ("record", "kind"),
    [
        ({"_type": "March\ufffd"}, "marche"),
        ({"_type": "MarchÃ©"}, "marche"),
        ({"_type": " contrat de CONCESSION "}, "concession"),
        ({"autoriteConcedante": {"id": "1"}}, "concession"),
        ({"concessionnaires": []}, "concession"),
        ({"acheteur": {"id": "1"}}, "marche"),
    ],
)
def test_kind(record: dict[str, object], kind: str) -> None:
    contract, _ = mapped(record)
    assert contract is not None
    assert contract["kind"] == kind
    assert contract["extra"] == {}


def test_unknown_type_is_kept_in_extra() -> None:
    contract, _ = mapped({"_type": "Accord", "valeurGlobale": 3})
    assert contract is not None
    assert contract["kind"] == "concession"
    assert contract["extra"] == {"_type": "Accord"}


def test_odd_shapes() -> None:
    contract, ctx = mapped(
        {
            "id": "X",
            "acheteur.id": "123",
            "titulaires": [[{"id": "1", "typeIdentifiant": "SIRET"}], "2", None, [True]],
            "lieuExecution": "Paris",
            "modifications": {"objetModification": "seule"},
            "montant": 5,
            "valeurGlobale": 6,
            "nouveau": {"a": 1},
        }
    )
    assert contract is not None
    assert contract["buyer"] == {"id_type": None, "id": "123", "name": None}
    assert contract["suppliers"] == [
        {"id_type": "SIRET", "id": "1", "name": None},
        {"id_type": None, "id": "2", "name": None},
    ]
    assert contract["amount"] == 5
    assert contract["modifications"][0]["object"] == "seule"
    assert contract["extra"] == {"valeurGlobale": 6, "nouveau": {"a": 1}}
    assert [(r.field, r.reason, r.raw_value, r.record_id) for r in ctx.rejections] == [
        ("lieuExecution", "pas un objet lieu d'exécution", "Paris", "X"),
        ("titulaires", "pas un objet titulaire / acheteur", "True", "X"),
    ]


def test_buyer_given_twice_keeps_the_second_raw() -> None:
    contract, _ = mapped({"acheteur": {"id": "1"}, "autoriteConcedante": {"id": "2", "x": 1}})
    assert contract is not None
    assert contract["buyer"] == {"id_type": None, "id": "1", "name": None}
    assert contract["extra"] == {"autoriteConcedante": {"id": "2", "x": 1}}


def test_non_object_items_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text('{"marches": [{"id": "a"}, 3, "x", null, [], {"id": "b"}]}')
    records, ctx = read_all(path)
    assert [r["id"] for r in records] == ["a", "b"]
    assert [(r.ref, r.raw_value) for r in ctx.rejections] == [
        ("marches[1]", "3"),
        ("marches[2]", "x"),
        ("marches[3]", None),
        ("marches[4]", "[]"),
    ]


def test_sniff() -> None:
    assert SOURCE.sniff(b'\xef\xbb\xbf {"marches" : [', Path("a"))
    assert not SOURCE.sniff(b'{"marches": {"marche": []}}', Path("a"))
    assert not SOURCE.sniff(b'{"marches": {"marche": [{"marches": [1]}]}}', Path("a"))
    assert not SOURCE.sniff(b'[{"marches": []}]', Path("a"))
    assert not SOURCE.sniff(b"<marches>", Path("a"))


def test_2024_file_is_a_structure_error(shared_data: Path) -> None:
    path = shared_data / "decp/v2_2024/official_examples/concessions.json"
    with pytest.raises(InputFileError) as info:
        read_all(path)
    assert info.value.one_line() == (
        f"{path}: structure JSON inattendue : « marches » est un objet, un tableau était attendu. "
        'Format DECP 2019 attendu : {"marches": [...]} ; '
        'un fichier au format 2024 a {"marches": {"marche": [...]}}.'
    )


# --- hypothesis: random values in place of fields and records -------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "titulaire", "x", "nom"]), children, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = [
    "_type", "id", "acheteur", "autoriteConcedante", "titulaires", "concessionnaires",
    "lieuExecution", "modifications", "montant", "valeurGlobale", "donneesExecution", "acheteur.id",
]  # fmt: skip
BASE = {
    "id": "1",
    "_type": "Marché",
    "acheteur": {"id": "2", "nom": "A"},
    "titulaires": [{"typeIdentifiant": "SIRET", "id": "3", "denominationSociale": "T"}],
    "modifications": [{"objetModification": "m", "titulaires": [{"id": "4"}]}],
}


@settings(deadline=None, max_examples=300)
@given(changes=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4))
def test_random_field_values_never_crash(changes: dict[str, object]) -> None:
    contract, ctx = mapped(json.loads(json.dumps({**BASE, **changes})))
    assert contract is not None
    assert contract["kind"] in ("marche", "concession")
    assert all(isinstance(s, dict) for s in contract["suppliers"])
    assert all(r.field is not None for r in ctx.rejections)


@settings(
    deadline=None, max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(json_values, max_size=5))
def test_random_records(tmp_path: Path, values: list[object]) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps({"marches": values}))
    records, ctx = read_all(path)
    assert len(records) + len([r for r in ctx.rejections if r.field is None]) == len(values)


# --- typed decoding (shares of a big file): the same RawContract as map_2019 ----------------------


def _typed_and_reference(item: bytes, ref: str = "marches[0]") -> tuple[object, object, bool]:
    """(typed path, reference path) for one item's bytes, each with its rejections."""
    typed_ctx, ref_ctx = ReadContext(Path("f.json")), ReadContext(Path("f.json"))
    value = decode_2019(msgspec.Raw(item))
    typed = (
        map_typed_2019(value, ref)
        if isinstance(value, Marche2019)
        else map_2019(value, ref, typed_ctx)
    )
    reference = map_2019(json.loads(item), ref, ref_ctx)
    return (
        (typed, typed_ctx.rejections),
        (reference, ref_ctx.rejections),
        isinstance(value, Marche2019),
    )


def _same_as_reference(items: list[bytes]) -> int:
    """How many items took the typed path; every item gives what map_2019 gives."""
    typed_n = 0
    for i, item in enumerate(items):
        typed, reference, was_typed = _typed_and_reference(item, f"marches[{i}]")
        assert repr(typed) == repr(reference), item  # repr: NaN, and the order of the keys
        typed_n += was_typed
    return typed_n


def test_typed_decoding_on_every_real_sample(shared_data: Path, tmp_path: Path) -> None:
    [synthetic] = generate_decp(
        tmp_path, contracts=3_000, seed=5, formats=("decp-2019",), files_per_format=1
    )
    typed = {}
    for path in [*sorted((shared_data / V1).glob("*.json")), synthetic]:
        members = msgspec.json.decode(path.read_bytes(), type=dict[str, msgspec.Raw])
        items = msgspec.json.decode(members["marches"], type=list[msgspec.Raw])
        typed[path.name] = _same_as_reference([bytes(raw) for raw in items])
    assert typed["data.gouv.fr_aife.json"] > 4_000  # the usual shape is the common case
    assert typed[synthetic.name] > 0


@pytest.mark.parametrize(
    "item",
    [
        b'{"id": "a", "id": "b", "acheteur": {"id": 1}, "acheteur": {"id": 2}}',
        b'{"_type": "Contrat de concession", "id": "x"}',
        b'{"_type": "Autre", "id": "x"}',
        b'{"_type": 5}',
        b'{"_type": true}',
        b'{"_type": ["March\xc3\xa9"], "id": "x"}',
        b'{"_type": {"type": "March\xc3\xa9"}, "id": "x"}',
        b'{"_type": "March\xc3\xa9", "id": "x"}',
        b'{"_type": " MARCHE ", "id": "y"}',
        b'{"_type": null, "id": "x", "titulaires": null, "modifications": null}',
        b'{"acheteur": null, "lieuExecution": null, "titulaires": []}',
        b'{"acheteur": "123", "lieuExecution": "Paris"}',
        b'{"acheteur": {"id": "1", "autre": 2}}',
        b'{"titulaires": [{"titulaire": {"id": "1"}}]}',
        b'{"titulaires": [{}, {"id": "1"}, {"denominationSociale": null, "nom": "N"}]}',
        b'{"titulaires": [null]}',
        b'{"titulaires": {"titulaire": [{"id": "1"}]}}',
        b'{"modifications": [{"montant": 1}]}',
        b'{"montant": 1e400, "dureeMois": NaN}',
        b'{"inconnu": 1}',
        b"{}",
        b"42",
    ],
)
def test_typed_decoding_of_odd_items(item: bytes) -> None:
    if b"NaN" in item or b"1e400" in item:  # msgspec refuses them: the streaming reader reads
        with pytest.raises(msgspec.DecodeError):
            decode_2019(msgspec.Raw(item))
        return
    typed, reference, _ = _typed_and_reference(item)
    assert repr(typed) == repr(reference)


_KEYS_2019 = [
    "uid", "source", "id", "_type", "objet", "codeCPV", "nature", "procedure", "formePrix",
    "dureeMois", "dateNotification", "datePublicationDonnees", "montant", "acheteur",
    "lieuExecution", "titulaires", "modifications", "valeurGlobale", "autoriteConcedante",
    "concessionnaires", "dateSignature", "acheteur.id", "autre", "dateDebutExecution",
    "montantSubventionPublique",
]  # fmt: skip
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
_party = st.fixed_dictionaries(
    {},
    optional={
        "typeIdentifiant": _scalars,
        "id": _scalars,
        "denominationSociale": _scalars,
        "nom": _scalars,
        "autre": _scalars,
    },
)
_values = (
    _scalars
    | _party
    | st.lists(_party | st.fixed_dictionaries({"titulaire": _party}) | _scalars, max_size=3)
    | st.fixed_dictionaries({}, optional={"code": _scalars, "typeCode": _scalars, "nom": _scalars})
)


@settings(deadline=None, max_examples=300)
@given(
    record=st.dictionaries(st.sampled_from(_KEYS_2019), _values, max_size=12),
    kind=st.sampled_from([None, "Marché", "March\u00c3\u00a9", "Contrat de concession", "x", 1]),
)
def test_typed_decoding_of_generated_records(record: dict[str, object], kind: object) -> None:
    if kind is not None:
        record["_type"] = kind
    item = json.dumps(record, ensure_ascii=False).encode()
    typed, reference, _ = _typed_and_reference(item)
    assert repr(typed) == repr(reference)
