"""BOAMP JSON records (Opendatasoft v2.1, DILA API v1, EFORMS-shaped), checked by hand."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ancrage.errors import InputFileError
from ancrage.notices import boamp_json, ted
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.model import AwardCriterion, Consideration, Money, Notice
from ancrage.notices.values import PARIS


def test_fnsimple_works_with_rge_qualibat_and_visit(ods_notices: dict[str, Notice]) -> None:
    n = ods_notices["26-7113"]
    assert n.source_format == "boamp-ods-v2.1/FNSimple"
    assert n.url == "https://www.boamp.fr/pages/avis/?q=idweb:26-7113"
    assert (n.buyer.name, n.buyer.siret, n.buyer.city, n.buyer.departement) == (
        "SGAMI EST",
        "11000201100044",
        "METZ",
        "57",
    )
    # dateReceptionOffres "2026-02-20T11:00:00.000" (Paris time); the flat field says 11:00+00:00
    assert n.deadline == datetime(2026, 2, 20, 11, 0, tzinfo=PARIS)
    assert n.publication_date == date(2026, 1, 21)
    assert n.purchase_type == "travaux"
    assert n.cpv_main == "45443000"
    assert [lot.cpv_main for lot in n.lots] == ["45443000", "45261900", "45421000", "45442100"]
    assert n.duration is not None and n.duration.value == Decimal(10)
    assert n.variants_allowed is False
    assert n.site_visit is True
    assert n.qualification_labels == ["Qualibat", "RGE"]
    facts = {(f.fact, f.sentence, f.source_field) for f in n.facts_from_text}
    rge = "RGE QUALIBAT - Reconnu garant de l'environnement ou équivalent"
    assert ("label:Qualibat", rge, "capaciteTech") in facts
    assert ("label:RGE", rge, "capaciteTech") in facts
    assert (
        "site_visit:mandatory",
        "La visite est obligatoire, 2 créneaux par lot sont indiqués dans le règlement de "
        "consultation",
        "informComplementaire.visiteDetail",
    ) in facts
    assert n.considerations == [
        Consideration("social", "sociaux", None, "criteres"),
        Consideration("environmental", "environnementaux", None, "criteres"),
    ]
    assert n.trade_descriptors == [
        ("169", "Isolation"),
        ("222", "Menuiserie"),
        ("264", "Peinture (travaux)"),
    ]
    assert n.buyer_profile_url is not None and "id=2920347" in n.buyer_profile_url
    # the works site (« 2 rue de la Gendarmerie à Doulaincourt-Saucourt 52270 ») resolved to
    # the COG; code_departement (where it is published, the buyer's 57 among them) kept apart
    assert (n.place.commune, n.place.departements) == ("Doulaincourt-Saucourt", ["52"])
    assert n.listed_departements == ["02", "08", "10", "51", "52", "54", "55", "57", "77"]


def test_fnsimple_catering_lots_and_value_range(ods_notices: dict[str, Notice]) -> None:
    n = ods_notices["26-7308"]
    assert len(n.lots) == 7
    assert n.lots[0].description == "1- Prestations pour l’URSSAF de Rouen (Seine Maritime)"
    assert n.estimated_value == Money(Decimal(75000), "EUR")  # upper bound of 1..75000
    assert n.documents_url == (
        "https://www.marches-publics.gouv.fr/entreprise/consultation/2927597?orgAcronyme=s7h"
    )
    assert n.deadline == datetime(2026, 2, 27, 12, 0, tzinfo=PARIS)


def test_fnsimple_offset_given(ods_notices: dict[str, Notice]) -> None:
    n = ods_notices["26-7298"]
    assert n.deadline is not None and n.deadline.isoformat() == "2026-02-16T12:00:00+01:00"
    assert n.award_criteria == [
        AwardCriterion(None, None, "Critères énoncés dans les documents de la consultation")
    ]
    assert n.place.text == "(59) Nord"


def test_dila_api_v1_record(notices_dir: Path, read_all: Any) -> None:
    (n,) = read_all(boamp_json, notices_dir / "boamp" / "dila_api_v1_json" / "20-152081.json")
    assert n.source_format == "boamp-dila-api-v1"
    assert n.deadline == datetime(2021, 3, 1, 12, 0, tzinfo=PARIS)  # 1614596400000 ms
    assert n.publication_date == date(2020, 12, 14)
    assert n.buyer.postal_code == "13130"
    assert n.procedure == "procedureadapte"
    assert n.variants_allowed is False
    assert n.buyer_profile_url == "http://laprovencemarchespublics.com"
    assert [(c.order, c.type, c.name) for c in n.award_criteria] == [
        (1, None, "caractères artistiques, esthétiques et d'originalité"),
        (2, "quality", "valeur technique de la prestation"),
        (3, "cost", "coût global de la prestation pour la mairie"),
    ]
    assert n.trade_descriptors == [("274", "Prestations de services"), ("472", "Spectacle")]


def _xml_to_json(element: etree._Element) -> Any:
    """xmltodict-style conversion (keys ``cac:…``, ``@attr``, ``#text``), for the test only."""
    prefixes = {v: k for k, v in (element.nsmap or {}).items() if k}
    out: dict[str, Any] = {f"@{k}": v for k, v in element.attrib.items()}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        key = f"{prefixes.get(qname.namespace, '')}:{qname.localname}"
        value = _xml_to_json(child)
        if key in out:
            out[key] = [*out[key], value] if isinstance(out[key], list) else [out[key], value]
        else:
            out[key] = value
    text = (element.text or "").strip()
    if not out:
        return text
    if text:
        out["#text"] = text
    return out


@pytest.mark.parametrize(
    "sample",
    [
        "real/2024-OJS015-00041387.xml",
        "sdk_examples/cn_24_maximal.xml",
        "sdk_examples/can_24_FRA_comments.xml",
    ],
)
def test_eforms_shaped_record_reads_like_ted(
    tmp_path: Path, notices_dir: Path, eforms_dir: Path, sample: str
) -> None:
    xml_path = notices_dir / "ted_eforms" / sample
    root = etree.parse(str(xml_path)).getroot()
    local = etree.QName(root).localname
    donnees = {"EFORMS": {local: _xml_to_json(root)}}
    record = {
        "idweb": "24-1",
        "url_avis": "https://www.boamp.fr/pages/avis/?q=idweb:24-1",
        "etat": "INITIAL",
        "donnees": json.dumps(donnees),
        "gestion": "{}",
    }
    path = tmp_path / "eforms.json"
    path.write_text(json.dumps({"total_count": 1, "results": [record]}))
    ctx = NoticeReadContext(path=path, eforms_dir=eforms_dir)
    (from_json,) = boamp_json.read(path, ctx)
    (from_xml,) = ted.read(xml_path, NoticeReadContext(path=xml_path, eforms_dir=eforms_dir))
    assert from_json.id == "boamp:24-1"
    assert from_json.source_format == "boamp-ods-v2.1/EFORMS"
    for name in (
        "kind",
        "deadline",
        "cpv_main",
        "lots",
        "award_criteria",
        "buyer",
        "reserved",
        "considerations",
        "sme_suitable",
        "documents_url",
        "awards",
    ):
        assert getattr(from_json, name) == getattr(from_xml, name), name


def test_bad_embedded_json_is_a_rejection(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"idweb": "26-1", "donnees": "{oops", "gestion": "{}"}, 7]))
    ctx = NoticeReadContext(path=path)
    assert list(boamp_json.read(path, ctx)) == []
    assert [(r.ref, r.record_id) for r in ctx.rejections] == [
        ("results[0]", "26-1"),
        ("results[1]", None),
    ]
    assert ctx.rejections[1].reason == "l'enregistrement n'est pas un objet JSON"


def test_not_boamp_json(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(InputFileError) as err:
        list(boamp_json.read(path, NoticeReadContext(path=path)))
    assert err.value.one_line() == (
        f"{path}: ce n'est pas un fichier JSON BOAMP (ni results, ni liste d'enregistrements, "
        "ni gestion/donnees). Fichier attendu : une réponse ou un export de l'API Opendatasoft "
        "« boamp » v2.1, ou un enregistrement de l'API DILA v1."
    )


def test_truncated_json(tmp_path: Path, notices_dir: Path) -> None:
    data = (notices_dir / "boamp" / "dila_api_v1_json" / "20-152081.json").read_bytes()
    path = tmp_path / "t.json"
    path.write_bytes(data[:500])
    with pytest.raises(InputFileError) as err:
        list(boamp_json.read(path, NoticeReadContext(path=path)))
    assert err.value.one_line().startswith(f"{path}: JSON mal formé (")
    assert err.value.one_line().endswith(
        "). Le fichier est tronqué ou n'est pas du JSON ; téléchargez-le à nouveau."
    )
