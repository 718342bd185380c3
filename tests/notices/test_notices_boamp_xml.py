"""BOAMP DILA XML (Boamp_v230), golden values checked by hand against the XML."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ancrage.errors import InputFileError
from ancrage.notices import boamp_xml
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.model import (
    AwardCriterion,
    Consideration,
    Duration,
    Money,
    Notice,
    Reservation,
)
from ancrage.notices.values import PARIS

XmlNotice = Callable[[str], Notice]


def test_joue_single_lot_with_weights(boamp_xml_notice: XmlNotice) -> None:
    n = boamp_xml_notice("test-pub-2.xml")
    assert n.id == "boamp:16-181902"
    assert n.url == "https://www.boamp.fr/pages/avis/?q=idweb:16-181902"
    assert n.kind == "contract_notice"
    assert n.buyer.name == "Grand Port Maritime de Marseille"
    assert (n.buyer.postal_code, n.buyer.departement, n.buyer.nuts) == ("13226", "13", "FR824")
    assert n.deadline == datetime(2017, 1, 30, 16, 0, tzinfo=PARIS)
    assert n.deadline.utcoffset() is not None
    assert n.documents_url == "http://www.marches-publics.gouv.fr"
    assert n.buyer_profile_url == "http://www.marseille-publics.gouv.fr"
    assert n.trade_descriptors == [("118", "Etude"), ("197", "Maîtrise d'oeuvre")]
    assert n.reserved == []  # MARCHE_RESERVE_NON
    assert n.variants_allowed is True  # VARIANTES_OUI on the lot
    (lot,) = n.lots
    assert (lot.cpv_main, lot.cpv_additional) == ("71240000", ["79311000", "71335000"])
    assert lot.value == Money(Decimal(50000), "EUR")
    assert lot.duration == Duration(Decimal(24), "month")
    assert lot.place is not None and lot.place.nuts == ["FR824"]
    assert lot.award_criteria == [
        AwardCriterion(
            "quality",
            "Valeur technique appréciée suivant le mémoire technique",
            weight=Decimal(50),
            weight_as_given="50",
        ),
        AwardCriterion("price", "Prix", weight=Decimal(50), weight_as_given="50"),
    ]
    assert n.award_criteria == lot.award_criteria


def test_contest_reserved_to_a_profession(boamp_xml_notice: XmlNotice) -> None:
    n = boamp_xml_notice("test-pub-3.xml")
    assert n.reserved == [
        Reservation("profession", "Architecte", "CONDITION_PARTICIPATION.PRESTATION_RESERVEE_OUI")
    ]
    assert n.procedure == "restreint"


def test_social_environmental_and_execution_clause(boamp_xml_notice: XmlNotice) -> None:
    n = boamp_xml_notice("test-pub.xml")
    assert n.considerations == [
        Consideration(
            "environmental", "ENVIRONNEMENTAUX", None, "GESTION.INDEXATION.CRITERES_SOCIAUX_ENV"
        ),
        Consideration(
            "execution",
            None,
            "Les marchés comportent des dispositions à caractère environnementale décrites à "
            "l'article 1.5.2 du CCAP.",
            "CONDITION_PARTICULIERE_EXECUTION",
        ),
    ]
    assert [lot.number for lot in n.lots] == ["1", "2"]


def test_award_with_21_lots(boamp_xml_notice: XmlNotice) -> None:
    n = boamp_xml_notice("test-attribution-12.xml")
    assert n.kind == "award"
    assert n.changes_notice == "boamp:16-107438"
    assert n.buyer.siret == "26830066200015"
    assert len(n.lots) == 21
    assert n.awards[0].lot_id == "1"
    assert n.awards[0].winners == ["Brake France Service"]
    assert n.awards[0].amount == Money(Decimal(130000), "EUR")
    assert n.lots[0].award_criteria[-1] == AwardCriterion(
        "price", "Prix", weight=Decimal(40), weight_as_given="40"
    )


def test_award_with_several_winners(boamp_xml_notice: XmlNotice) -> None:
    n = boamp_xml_notice("test-attribution-8.xml")
    assert n.changes_notice == "boamp:16-652"
    assert n.awards[0].winners == [
        "ARC INTERIM (Rang 1)",
        "PROMAN MEDICAL (Rang 2)",
        "ADECCO MEDECINS (Rang 3)",
    ]


def test_not_a_boamp_file(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_bytes(b"<?xml version='1.0'?><root/>")
    with pytest.raises(InputFileError) as err:
        list(boamp_xml.read(path, NoticeReadContext(path=path)))
    assert err.value.one_line() == (
        f"{path}: ce n'est pas un avis BOAMP (élément racine « root »). Fichier attendu : un "
        "avis <ANNONCE> Boamp_v230 de la DILA."
    )


def test_annonce_without_idweb_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_bytes(b"<ANNONCE><GESTION><REFERENCE/></GESTION><DONNEES/></ANNONCE>")
    ctx = NoticeReadContext(path=path)
    assert list(boamp_xml.read(path, ctx)) == []
    assert [r.reason for r in ctx.rejections] == ["IDWEB absent"]
