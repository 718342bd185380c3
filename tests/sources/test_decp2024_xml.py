"""DECP 2024 XML reader: same mapping as the JSON reader, streaming, errors."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ancrage.errors import InputFileError
from ancrage.sources import decp2024
from ancrage.sources.base import RawContract, ReadContext
from ancrage.sources.decp2024_xml import SOURCE

XML = "decp/v2_2024/official_examples_xml"
JSON = "decp/v2_2024/official_examples"


def read_all(path: Path) -> tuple[list[RawContract], ReadContext]:
    ctx = ReadContext(path)
    return list(SOURCE.read(path, ctx)), ctx


def read_json(path: Path) -> list[RawContract]:
    return list(decp2024.SOURCE.read(path, ReadContext(path)))


def error(path: Path) -> str:
    with pytest.raises(InputFileError) as info:
        read_all(path)
    return info.value.one_line()


def test_identity() -> None:
    assert SOURCE.name == "decp-2024-xml"
    assert SOURCE.label == "DECP format 2024 (XML)"


@pytest.mark.parametrize(
    ("name", "marches", "concessions", "extra_keys"),
    [
        ("Marche.xml", 2, 0, {}),
        ("Contrat-concession.xml", 0, 2, {"donneesExecution": 2}),
        ("Contrat-concession-modification.xml", 0, 2, {"donneesExecution": 2}),
    ],
)
def test_counts_and_extra_audit(
    shared_data: Path, name: str, marches: int, concessions: int, extra_keys: dict[str, int]
) -> None:
    path = shared_data / XML / name
    assert SOURCE.sniff(path.read_bytes()[:65536], path)
    assert not decp2024.SOURCE.sniff(path.read_bytes()[:65536], path)
    records, ctx = read_all(path)
    assert ctx.rejections == []
    kinds = Counter(r["kind"] for r in records)
    assert (kinds["marche"], kinds["concession"]) == (marches, concessions)
    assert Counter(key for r in records for key in r["extra"]) == Counter(extra_keys)


def test_golden_marche(shared_data: Path) -> None:
    records, _ = read_all(shared_data / XML / "Marche.xml")
    first = records[0]
    assert first["ref"] == "marches.marche[0]"
    assert first["buyer"] == {"id_type": None, "id": "21750001630040", "name": None}
    assert first["amount"] == "575000"  # XML text, cleaned later
    assert first["innovative"] == "oui"
    assert first["social"] == ["Clause sociale", "Critère social"]
    assert first["techniques"] == ["Concours", "Accord-cadre"]
    assert first["subcontracts"] == [
        {
            "id": "1",
            "subcontractor": {"id_type": "SIRET", "id": "214356", "name": None},
            "amount": "123456.89",
            "duration_months": "12",
            "notification_date": "2024-10-11",
            "publication_date": "2024-10-12",
            "price_variation": "Révisable",
        }
    ]
    assert records[1]["ref"] == "marches.marche[1]"


def test_golden_concession_modification(shared_data: Path) -> None:
    records, _ = read_all(shared_data / XML / "Contrat-concession-modification.xml")
    first = records[0]
    assert first["ref"] == "marches.contrat-concession[0]"
    assert first["kind"] == "concession"
    assert first["amount"] == "10.3"
    assert first["notification_date"] == "2024-04-02"
    assert [s["id"] for s in first["suppliers"]] == ["38103128500491", "38103128500574"]
    assert first["modifications"] == [
        {
            "id": "1",
            "object": None,
            "amount": "25.0",
            "duration_months": "14",
            "notification_date": "2024-04-19",
            "publication_date": "2024-04-20",
            "suppliers": None,
        }
    ]
    assert first["extra"]["donneesExecution"] == [
        {
            "donneesAnnuelles": {
                "datePublicationDonneesExecution": "2024-04-18",
                "depensesInvestissement": "15.3",
                "tarifs": [{"tarif": {"intituleTarif": "Intitulé du tarif", "tarif": "14.29"}}],
            }
        }
    ]


# --- same content, same RawContract ---------------------------------------------------------------


def as_text(value: object) -> object:
    """What the XML gives for a JSON value: booleans as oui/non, numbers as text."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if isinstance(value, dict):
        return {key: as_text(item) for key, item in value.items()}
    return value


def flatten(value: object, prefix: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}{key}.")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}{index}.")
    else:
        yield prefix.rstrip("."), value


def differences(xml: RawContract, json: RawContract) -> set[str]:
    a, b = dict(flatten(xml)), dict(flatten(as_text(json)))
    return {key for key in a.keys() | b.keys() if a.get(key, "∅") != b.get(key, "∅")}


def test_official_xml_and_json_examples_agree(shared_data: Path) -> None:
    """The official XML and JSON examples differ in a few values only: everything else is equal."""
    (xml, _), (json, _) = (
        read_all(shared_data / XML / "Marche.xml")[0],
        read_json(shared_data / JSON / "marches_avec_modifications.json"),
    )
    assert differences(xml, json) == {
        "object",
        "buyer.id",
        "subcontracts.0.notification_date",
        "subcontracts.0.publication_date",
        *(f"modifications.0.{key}" for key in ("id", "amount", "duration_months")),
        *(f"modifications.0.{key}" for key in ("notification_date", "publication_date")),
        *(f"modifications.0.suppliers.0.{key}" for key in ("id_type", "id", "name")),
        "modifications.0.object",
        *(f"subcontract_changes.0.{key}" for key in ("id", "amount", "duration_months")),
        *(f"subcontract_changes.0.{key}" for key in ("notification_date", "publication_date")),
    }
    xml_concession = read_all(shared_data / XML / "Contrat-concession-modification.xml")[0][0]
    json_concession = read_json(shared_data / JSON / "concessions_avec_modifications.json")[1]
    tarif = "extra.donneesExecution.0.donneesAnnuelles.tarifs.1.tarif"
    assert differences(xml_concession, json_concession) == {
        "ref",  # marches.contrat-concession[0] / [1]
        "object",
        "modifications.0.notification_date",
        "modifications.0.publication_date",
        f"{tarif}.intituleTarif",
        f"{tarif}.tarif",
    }


def to_xml(tag: str, value: object) -> str:
    """The XML the 2024 XSD gives for a JSON value (the inverse of the reader's conversion)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        inner = ""
        for key, item in value.items():
            if isinstance(item, list) and all(not isinstance(x, dict | list) for x in item):
                inner += "".join(to_xml(key, x) for x in item)  # a list of labels
            else:
                inner += to_xml(key, item)
        return f"<{tag}>{inner}</{tag}>"
    if isinstance(value, list):  # a list of one-key wrappers
        inner = "".join(to_xml(key, x) for item in value for key, x in item.items())
        return f"<{tag}>{inner}</{tag}>"
    text = as_text(value)
    assert isinstance(text, str)
    return f"<{tag}>{escape(text)}</{tag}>"


@pytest.mark.parametrize(
    "name",
    [
        "official_examples/concessions.json",
        "official_examples/concessions_avec_modifications.json",
        "official_examples/marches_avec_modifications.json",
        "official_examples/marches_concessions.json",
        "real/megalis_decp-59920013600241-2024-07-09-01.json",
    ],
)
def test_json_rewritten_as_xml_maps_to_the_same_records(
    tmp_path: Path, shared_data: Path, name: str
) -> None:
    import json

    source = shared_data / "decp/v2_2024" / name
    document = json.loads(source.read_text())
    path = tmp_path / "same.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<marches>'
        + "".join(
            to_xml(kind, record)
            for kind in ("marche", "contrat-concession")
            for record in document["marches"].get(kind, [])
        )
        + "</marches>\n"
    )
    from_json = sorted(read_json(source), key=lambda r: r["ref"])
    from_xml, ctx = read_all(path)
    assert ctx.rejections == []
    assert sorted(from_xml, key=lambda r: r["ref"]) == [as_text(r) for r in from_json]


# --- errors and safety -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "fichier vide. Téléchargez-le à nouveau depuis sa source."),
        (
            b' {"marches": {}}',
            "ressemble à du JSON, pas à du XML. "
            "Lisez un fichier JSON avec le format decp-2019 ou decp-2024.",
        ),
        (
            b"id;montant\n",
            "pas du XML : le fichier commence par 'id;montant'. "
            "Vérifiez que c'est un fichier DECP au format XML.",
        ),
        (
            b"<?xml version='1.0'?>\n<html><body/></html>",
            "pas un fichier DECP XML : l'élément racine est <html>, <marches> attendu. "
            "Vérifiez que c'est un fichier DECP 2024 au format XML.",
        ),
        (
            b"<marches>\n<marche><id>1</id></marche>\n<marche><id>2</i",
            "XML mal formé à la ligne 3 : « > » attendu (colonne 17). "
            "Le fichier est tronqué ou abîmé : téléchargez-le à nouveau.",
        ),
        (
            b"<marches>\n<marche><id>1</id></marche>\n",
            "XML mal formé à la ligne 3 : le fichier s'arrête au milieu de l'élément <marches> "
            "(colonne 1). Le fichier est tronqué ou abîmé : téléchargez-le à nouveau.",
        ),
        (
            b"<marches>\n<marche><id>1</id></objet>\n</marches>",
            "XML mal formé à la ligne 2 : l'élément <marche> ouvert ligne 2 est fermé par "
            "</objet> (colonne 27). Le fichier est tronqué ou abîmé : téléchargez-le à nouveau.",
        ),
        (
            b"<marches>" + b"<a>" * 300 + b"x" + b"</a>" * 300 + b"</marches>",
            "XML mal formé à la ligne 1 : éléments imbriqués sur plus de 256 niveaux. Aucun "
            "fichier DECP n'est fait ainsi : vérifiez d'où vient ce fichier et téléchargez-le à "
            "nouveau depuis sa source officielle.",
        ),
    ],
)
def test_error_messages(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "f.xml"
    path.write_bytes(content)
    assert error(path) == f"{path}: {message}"


def test_latin1_without_declaration(tmp_path: Path) -> None:
    path = tmp_path / "f.xml"
    path.write_bytes(
        "<marches><marche><objet>Réfection</objet></marche></marches>".encode("latin-1")
    )
    assert error(path) == (
        f"{path}: XML mal formé à la ligne 1 : octets invalides pour l'encodage du fichier "
        "(UTF-8 s'il n'en déclare pas) (colonne 26). Réencodez-le en UTF-8, par exemple : "
        "iconv -f latin1 -t utf-8 IN > OUT."
    )
    declared = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<marches><marche><objet>Réfection'
    path.write_bytes((declared + "</objet></marche></marches>").encode("latin-1"))
    assert read_all(path)[0][0]["object"] == "Réfection"


def test_entities_are_not_expanded(tmp_path: Path) -> None:
    path = tmp_path / "f.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE marches [<!ENTITY x SYSTEM "file:///etc/passwd">'
        '<!ENTITY y "EXPANDED">]>\n<marches><marche><id>&x;</id><objet>a&y;</objet>'
        "</marche></marches>"
    )
    records, _ = read_all(path)
    assert records[0]["id"] is None
    assert records[0]["object"] == "a"


def test_unknown_elements_and_namespaces(tmp_path: Path) -> None:
    path = tmp_path / "f.xml"
    path.write_text(
        '<d:marches xmlns:d="urn:x"><d:marche><d:id>1</d:id></d:marche>'
        "<autre>x</autre><!-- c --><marche><id>2</id></marche></d:marches>"
    )
    records, ctx = read_all(path)
    assert [(r["ref"], r["id"]) for r in records] == [
        ("marches.marche[0]", "1"),
        ("marches.marche[1]", "2"),
    ]
    assert [(r.ref, r.reason) for r in ctx.rejections] == [
        ("marches.autre", "élément <autre> inconnu dans <marches>")
    ]


def test_progress(shared_data: Path) -> None:
    path = shared_data / XML / "Marche.xml"
    seen: list[int] = []
    list(SOURCE.read(path, ReadContext(path, on_progress=seen.append)))
    assert seen[-1] == path.stat().st_size


@settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200))
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "f.xml"
    path.write_bytes(b"<marches>" + data)
    try:
        read_all(path)
    except InputFileError as exc:
        assert "\n" not in exc.message


@settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_truncations(tmp_path: Path, shared_data: Path, data: st.DataObject) -> None:
    full = (shared_data / XML / "Contrat-concession-modification.xml").read_bytes()
    end = full.index(b"</marches>") + len(b"</marches>")
    cut = data.draw(st.integers(0, len(full)))
    path = tmp_path / "f.xml"
    path.write_bytes(full[:cut])
    if cut >= end:
        assert len(read_all(path)[0]) == 2
    else:
        assert error(path)
