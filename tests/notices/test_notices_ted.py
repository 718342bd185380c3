"""TED eForms notices, golden values checked by hand against the XML."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from ancrage.errors import ConfigError, InputFileError
from ancrage.notices import ted
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.eforms_sdk import load_fields
from ancrage.notices.model import AwardCriterion, Consideration, Money, Notice, Reservation

TedNotice = Callable[[str], Notice]


def test_french_design_contest(ted_notice: TedNotice) -> None:
    n = ted_notice("real/2024-OJS015-00041387.xml")
    assert n.id == "ted:0a3077fe-1b45-4446-be7e-30f75cd98316-01"
    assert n.url == "https://ted.europa.eu/en/notice/-/detail/00041387-2024"
    assert n.buyer.name == "Région Nouvelle-Aquitaine"
    assert n.buyer.siret == "20005375900011"
    assert (n.buyer.city, n.buyer.postal_code, n.buyer.departement) == ("Bordeaux", "33000", "33")
    assert n.procedure == "restricted"
    assert n.purchase_type == "services"
    assert n.publication_date is not None and n.publication_date.isoformat() == "2024-01-22"
    # BT-131: 2024-03-04+02:00 / 12:00:00+02:00, offset kept as given
    assert n.deadline == datetime(2024, 3, 4, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert n.deadline.astimezone(UTC).hour == 10
    assert n.award_criteria == [
        AwardCriterion(
            "cost", None, "Economie du projet y compris approche coût global", Decimal(20), "20"
        ),
        AwardCriterion(
            "quality",
            None,
            "Valeur architecturale, technique et environnementale",
            Decimal(30),
            "30",
        ),
        AwardCriterion(
            "quality", None, "Fonctionnement général et organisation spatiale", Decimal(50), "50"
        ),
    ]
    assert n.documents_url == (
        "https://demat-ampa.fr/?page=Entreprise.EntrepriseAdvancedSearch&AllCons&id=586509"
        "&orgAcronyme=craquitaine"
    )
    (lot,) = n.lots
    assert lot.number == "LOT-0001"
    assert lot.place is not None
    assert (lot.place.nuts, lot.place.commune, lot.place.departements) == (
        ["FRI23"],
        "Saint-Yrieix-la-Perche",
        ["87"],
    )
    assert lot.variants_allowed is False
    assert lot.submission_url == "https://demat-ampa.fr"


def test_maximal_cn_strategic_reserved_sme(ted_notice: TedNotice) -> None:
    n = ted_notice("sdk_examples/cn_24_maximal.xml")
    assert n.sme_suitable is True
    assert n.considerations == [
        Consideration("strategic", "env-imp", None, "BT-06-Lot"),
        Consideration("environmental", "clim-mitig", None, "BT-774-Lot"),
        Consideration("social", "acc-all", None, "BT-775-Lot"),
    ]
    # BT-71 "res-pub-ser" on one lot and "none" on the other; BT-736 "yes" on both
    assert [r.code for r in n.reserved] == ["res-pub-ser", "reserved-execution"]
    assert [r.source_field for r in n.reserved] == ["BT-71-Lot", "BT-736-Lot"]
    assert [lot.number for lot in n.lots] == ["LOT-0001", "LOT-0002"]
    assert n.lots[1].reserved == [
        Reservation("reserved-execution", "exécution en emplois protégés", "BT-736-Lot")
    ]


def test_green_fields_and_sme_on_lots_group(ted_notice: TedNotice) -> None:
    n = ted_notice("real/2024-OJS047-00137599.xml")
    assert n.kind == "prior_information"
    # BT-774 "other" kept; BT-805 "none" (no GPP criteria) is not a consideration
    assert n.considerations == [Consideration("environmental", "other", None, "BT-774-Lot")]
    assert n.lots[0].sme_suitable is None
    assert n.sme_suitable is True  # BT-726-LotsGroup


def test_french_award_results(ted_notice: TedNotice) -> None:
    n = ted_notice("sdk_examples/can_24_FRA_comments.xml")
    assert n.kind == "award"
    assert n.procedure_id == "e3cdabf1-e057-47a5-9210-b1f6fc757228"
    assert [(a.lot_id, a.winners, a.amount, a.result) for a in n.awards] == [
        ("LOT-0001", ["Espaces Verts Lemire"], Money(Decimal(95414), "EUR"), "selec-w"),
        ("LOT-0002", ["ID Verde SASU"], Money(Decimal(26500), "EUR"), "selec-w"),
    ]


def test_change_notice_points_to_its_notice(ted_notice: TedNotice) -> None:
    n = ted_notice("sdk_examples/change-cn_24_open_dates.xml")
    assert n.kind == "corrigendum"
    assert n.changes_notice == "ted:c4c415ee-ac08-4465-8fa6-57568cf69462-01"
    assert n.deadline == datetime(2020, 6, 12, 12, 0, tzinfo=timezone(timedelta(hours=1)))


def test_pin_parts_are_lots(ted_notice: TedNotice) -> None:
    n = ted_notice("sdk_examples/pin-only_24_lots.xml")
    assert n.kind == "prior_information"
    assert len(n.lots) == 10
    assert n.lots[0].number == "PAR-0001"


def test_multilingual_text_prefers_french(ted_notice: TedNotice) -> None:
    n = ted_notice("sdk_examples/cn_24_multilingual.xml")
    assert n.buyer.name == "Office des publications de l'Union européenne"
    assert [(c.type, c.weight) for c in n.award_criteria] == [
        ("quality", Decimal(70)),
        ("price", Decimal(30)),
    ]


def test_free_text_facts_keep_their_sentence(ted_notice: TedNotice) -> None:
    n = ted_notice("sdk_examples/cn_24_open.xml")
    assert "ISO 9001" in n.qualification_labels
    fact = next(f for f in n.facts_from_text if f.fact == "label:ISO 9001")
    assert "9001" in fact.sentence
    assert fact.source_field.startswith("BT-")


def test_invalid_example_is_rejected(notices_dir: Path, eforms_dir: Path) -> None:
    path = notices_dir / "ted_eforms" / "sdk_examples" / "INVALID_cn_24_empty.xml"
    ctx = NoticeReadContext(path=path, eforms_dir=eforms_dir)
    assert list(ted.read(path, ctx)) == []
    assert [(r.ref, r.reason) for r in ctx.rejections] == [
        ("INVALID_cn_24_empty.xml", "identifiant de l'avis absent (BT-701)")
    ]


def test_not_an_eforms_notice(tmp_path: Path, eforms_dir: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(b"<Other/>")
    with pytest.raises(InputFileError) as err:
        list(ted.read(path, NoticeReadContext(path=path, eforms_dir=eforms_dir)))
    assert err.value.one_line() == (
        f"{path}: ce n'est pas un avis eForms (élément racine « Other »). Fichier attendu : un "
        "avis UBL ContractNotice, PriorInformationNotice ou ContractAwardNotice."
    )


def test_sdk_table_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_fields(tmp_path)
    assert err.value.one_line() == (
        f"table des champs du SDK eForms introuvable dans {tmp_path}. Mettez-y le fields.json "
        "d'un SDK eForms (https://raw.githubusercontent.com/OP-TED/eForms-SDK/1.15.1/fields/"
        "fields.json), ou n'indiquez pas --eforms-dir : la table livrée avec Ancrage est utilisée."
    )


def test_sdk_table_unreadable(tmp_path: Path) -> None:
    (tmp_path / "fields.json").write_text('{"fields": 3}')
    with pytest.raises(ConfigError) as err:
        load_fields(tmp_path)
    assert "la table des champs du SDK eForms est illisible (TypeError)" in err.value.one_line()


def test_no_sdk_directory_reads_with_the_shipped_table(notices_dir: Path) -> None:
    path = notices_dir / "ted_eforms" / "sdk_examples" / "cn_24_minimal.xml"
    (notice,) = ted.read(path, NoticeReadContext(path=path))
    assert notice.kind == "contract_notice" and notice.lots
