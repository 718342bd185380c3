"""DECP 2024 JSON reader: golden values on the official examples and real data, tolerance."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ancrage.errors import InputFileError
from ancrage.sources.base import RawContract, ReadContext
from ancrage.sources.decp2024 import SOURCE, map_2024

V2 = "decp/v2_2024"


def read_all(path: Path) -> tuple[list[RawContract], ReadContext]:
    ctx = ReadContext(path)
    return list(SOURCE.read(path, ctx)), ctx


def test_identity() -> None:
    assert SOURCE.name == "decp-2024"
    assert SOURCE.label == "DECP format 2024 (JSON, arrêté du 22 décembre 2022)"


@pytest.mark.parametrize(
    ("name", "marches", "concessions", "extra_keys"),
    [
        ("official_examples/concessions.json", 0, 2, {}),
        ("official_examples/concessions_avec_modifications.json", 0, 2, {"donneesExecution": 2}),
        ("official_examples/marches_avec_modifications.json", 2, 0, {}),
        ("official_examples/marches_concessions.json", 2, 2, {"donneesExecution": 2}),
        ("real/megalis_decp-59920013600241-2024-07-09-01.json", 5, 0, {"_type": 5}),
    ],
)
def test_counts_and_extra_audit(
    shared_data: Path, name: str, marches: int, concessions: int, extra_keys: dict[str, int]
) -> None:
    path = shared_data / V2 / name
    assert SOURCE.sniff(path.read_bytes()[:65536], path)
    records, ctx = read_all(path)
    assert ctx.rejections == []
    kinds = Counter(r["kind"] for r in records)
    assert (kinds["marche"], kinds["concession"]) == (marches, concessions)
    # a new field in the source must show up here
    assert Counter(key for r in records for key in r["extra"]) == Counter(extra_keys)


def test_golden_marche_with_everything(shared_data: Path) -> None:
    records, _ = read_all(shared_data / V2 / "official_examples/marches_avec_modifications.json")
    first = records[0]
    assert first == {
        "ref": "marches.marche[0]",
        "kind": "marche",
        "uid": None,
        "source_name": None,
        "id": "TEST2022",
        "buyer": {"id_type": None, "id": "21750001630066", "name": None},
        "object": "envoi pour Json test 1",
        "cpv": "45000000-7",
        "nature": "Marché",
        "procedure": "Appel d'offres ouvert",
        "techniques": ["Concours", "Accord-cadre"],
        "execution_modes": ["Tranches"],
        "price_form": "Forfaitaire",
        "price_types": ["Définitif ferme"],
        "place_code": "75000",
        "place_type": "Code postal",
        "place_name": None,
        "duration_months": 48,
        "notification_date": "2024-05-15",
        "publication_date": "2024-05-25",
        "start_date": None,
        "amount": 575000,
        "public_subsidy": None,
        "offers_received": 4,
        "innovative": True,
        "ccag": "Travaux",
        "advance": True,
        "advance_rate": 0,
        "grouping_type": "Pas de groupement",
        "subcontracting_declared": True,
        "origin_eu": 0.1,
        "origin_fr": 0.1,
        "social": ["Clause sociale", "Critère social"],
        "environmental": ["Clause environnementale"],
        "framework_id": "1234567890",
        "suppliers": [{"id_type": "SIRET", "id": "55204599900869", "name": None}],
        "modifications": [
            {
                "id": 1,
                "object": None,
                "amount": 123457.87,
                "duration_months": 12,
                "notification_date": "2022-10-18",
                "publication_date": "2022-10-20",
                "suppliers": [{"id_type": "SIRET", "id": "868768687576575", "name": None}],
            }
        ],
        "subcontracts": [
            {
                "id": 1,
                "subcontractor": {"id_type": "SIRET", "id": "214356", "name": None},
                "amount": 123456.89,
                "duration_months": 12,
                "notification_date": "2023-10-11",
                "publication_date": "2023-10-12",
                "price_variation": "Révisable",
            }
        ],
        "subcontract_changes": [
            {
                "id": 1,
                "amount": 23465.87,
                "duration_months": 12,
                "notification_date": "2022-10-20",
                "publication_date": "2022-12-15",
            }
        ],
        "extra": {},
    }
    assert records[1]["id"] == "TEST2022Bis"
    assert records[1]["buyer"]["id"] == "21750001630040"


def test_golden_concession(shared_data: Path) -> None:
    path = shared_data / V2 / "official_examples/concessions_avec_modifications.json"
    records, _ = read_all(path)
    first = records[0]
    assert first["ref"] == "marches.contrat-concession[0]"
    assert first["kind"] == "concession"
    assert first["id"] == "0612202306122024"
    assert first["buyer"] == {"id_type": None, "id": "12345678901250", "name": None}
    assert first["nature"] == "Concession de travaux"
    assert first["notification_date"] == "2024-04-02"  # dateSignature
    assert first["start_date"] == "2024-04-01"
    assert first["amount"] == 10.3  # valeurGlobale
    assert first["public_subsidy"] == 0.5
    assert [s["id"] for s in first["suppliers"]] == ["38103128500491", "38103128500574"]
    assert first["social"] == ["Clause sociale", "Critère social"]
    assert first["environmental"] == ["Clause environnementale", "Critère environnemental"]
    assert first["techniques"] is None  # not reported for concessions
    assert first["modifications"] == [
        {
            "id": 1,
            "object": None,
            "amount": 25.0,
            "duration_months": 14,
            "notification_date": "2023-04-19",
            "publication_date": "2023-04-20",
            "suppliers": None,
        }
    ]
    tarifs = first["extra"]["donneesExecution"][0]["donneesAnnuelles"]["tarifs"]  # type: ignore[index]
    assert tarifs[1] == {"tarif": {"intituleTarif": "Intitulé du tarif2", "tarif": 19.29}}


def test_golden_megalis_real_dirty(shared_data: Path) -> None:
    path = shared_data / V2 / "real/megalis_decp-59920013600241-2024-07-09-01.json"
    records, _ = read_all(path)
    assert {r["buyer"]["id"] for r in records} == {"59920013600241"}
    assert {r["notification_date"] for r in records} == {"2024-05-30"}
    first = records[0]
    assert first["id"] == "H9O2024T0000256"
    assert first["cpv"] == "45111100"
    assert first["techniques"] == ["Sans objet"]
    assert first["offers_received"] == 11
    assert first["innovative"] is False
    assert first["subcontracting_declared"] is False
    assert first["amount"] == 32122.0
    assert (first["place_code"], first["place_type"]) == ("22", "Code département")
    assert first["social"] == ["Pas de considération sociale"]
    assert first["suppliers"] == [{"id_type": "SIRET", "id": "32933888305269", "name": None}]
    # the real file's acts carry only id and sousTraitant (invalid against the schema)
    assert first["subcontracts"] == [
        {
            "id": 58696,
            "subcontractor": {"id_type": "SIRET", "id": "32933888305269", "name": None},
            "amount": None,
            "duration_months": None,
            "notification_date": None,
            "publication_date": None,
            "price_variation": None,
        }
    ]
    assert first["modifications"] == [] and first["subcontract_changes"] == []
    assert first["extra"] == {"_type": "Marché"}
    assert records[1]["subcontracts"][0]["subcontractor"]["id"] == "35294162900029"
    assert records[1]["amount"] == 146780.0


# --- tolerance -----------------------------------------------------------------------------------


def mapped(record: dict[str, object]) -> tuple[RawContract | None, ReadContext]:
    ctx = ReadContext(Path("x.json"))
    return map_2024(record, "marches.marche[0]", "marche", ctx), ctx


def test_unwrapped_variants_in_the_wild() -> None:
    contract, ctx = mapped(
        {
            "titulaires": [{"id": "1", "typeIdentifiant": "SIRET"}, {"titulaire": [{"id": "2"}]}],
            "techniques": ["Concours"],
            "modalitesExecution": {"modaliteExecution": "Tranches"},
            "typesPrix": [{"typePrix": "Ferme"}],
            "considerationsSociales": "Clause sociale",
            "considerationsEnvironnementales": {"considerationEnvironnementale": None},
            "modifications": [{"id": 2, "montant": 5, "titulaires": {"titulaire": {"id": "9"}}}],
            "actesSousTraitance": {"acteSousTraitance": [{"id": 3, "sousTraitant": {"id": "4"}}]},
            "modificationsActesSousTraitance": [{"modificationActesSousTraitance": {"id": 3}}],
        }
    )
    assert contract is not None
    assert ctx.rejections == []
    assert [s["id"] for s in contract["suppliers"]] == ["1", "2"]
    assert contract["techniques"] == ["Concours"]
    assert contract["execution_modes"] == ["Tranches"]
    assert contract["price_types"] == ["Ferme"]
    assert contract["social"] == ["Clause sociale"]
    assert contract["environmental"] == []
    assert contract["modifications"][0]["suppliers"] == [{"id_type": None, "id": "9", "name": None}]
    assert contract["subcontracts"][0]["subcontractor"]["id"] == "4"
    assert contract["subcontract_changes"][0]["id"] == 3
    assert contract["extra"] == {}


def test_bad_shapes_are_rejected_with_the_field() -> None:
    contract, ctx = mapped(
        {
            "id": "Z",
            "techniques": {"autre": 1},
            "actesSousTraitance": [5],
            "modifications": "aucune",
            "acteur": 1,
            "titulaires": [{"titulaire": {"id": "1", "adresse": "x"}}],
        }
    )
    assert contract is not None
    assert contract["techniques"] is None
    assert contract["subcontracts"] == []
    assert contract["extra"] == {"acteur": 1, "titulaires.adresse": "x"}
    assert [(r.field, r.reason) for r in ctx.rejections] == [
        ("techniques", "pas une liste de libellés"),
        ("modifications", "pas une liste"),
        ("actesSousTraitance[0]", "pas un objet acte de sous-traitance"),
    ]
    assert {r.record_id for r in ctx.rejections} == {"Z"}


def test_sniff() -> None:
    assert SOURCE.sniff(b'{\n  "marches": {\n "marche": [', Path("a"))
    assert not SOURCE.sniff(b'{"marches": [', Path("a"))


def test_2019_file_is_a_structure_error(shared_data: Path) -> None:
    path = shared_data / "decp/v1_2019/e-marchespublics.json"
    with pytest.raises(InputFileError) as info:
        read_all(path)
    assert info.value.one_line() == (
        f"{path}: structure JSON inattendue : « marches » est un tableau, un objet était attendu. "
        'Format DECP 2024 attendu : {"marches": {"marche": [...], "contrat-concession": [...]}} ; '
        'un fichier au format 2019 a {"marches": [...]}.'
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "titulaire", "modification", "acteSousTraitance", "technique"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=8,
)
FIELDS = [
    "acheteur", "titulaires", "techniques", "modalitesExecution", "typesPrix",
    "considerationsSociales", "modifications", "actesSousTraitance",
    "modificationsActesSousTraitance", "lieuExecution", "montant",
]  # fmt: skip


@settings(deadline=None, max_examples=300)
@given(changes=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4))
def test_random_field_values_never_crash(shared_data: Path, changes: dict[str, object]) -> None:
    text = (shared_data / V2 / "official_examples/marches_avec_modifications.json").read_text()
    base = json.loads(text)["marches"]["marche"][0]
    contract, ctx = mapped({**base, **changes})
    assert contract is not None
    for list_field in ("techniques", "execution_modes", "price_types", "social"):
        assert contract[list_field] is None or isinstance(contract[list_field], list)  # type: ignore[literal-required]
    assert all(isinstance(s, dict) for s in contract["suppliers"])
    assert all(isinstance(s, dict) for s in contract["subcontracts"])
    assert all(r.field is not None for r in ctx.rejections)


@settings(deadline=None, max_examples=100)
@given(
    marches=st.lists(json_values, max_size=4),
    concessions=st.lists(json_values, max_size=4),
)
def test_random_records(
    tmp_path_factory: pytest.TempPathFactory, marches: list[object], concessions: list[object]
) -> None:
    path = tmp_path_factory.mktemp("r") / "f.json"
    document = {"marches": {"contrat-concession": concessions, "marche": marches}}
    path.write_text(json.dumps(document))
    records, ctx = read_all(path)
    record_rejections = [r for r in ctx.rejections if r.field is None]
    assert len(records) + len(record_rejections) == len(marches) + len(concessions)
    expected = [isinstance(v, dict) for v in concessions] + [isinstance(v, dict) for v in marches]
    assert [r["kind"] for r in records] == [
        kind
        for kind, ok in zip(
            ["concession"] * len(concessions) + ["marche"] * len(marches), expected, strict=True
        )
        if ok
    ]
