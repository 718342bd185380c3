"""Honest figures: unknown is not zero, an empty scope says what to try, no claim on a thin base,
buyers that could not be placed in the territory are counted and named."""

from __future__ import annotations

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.diagnose import Share, build_scope, diagnose
from ancrage.diagnose.assemble import verdict
from ancrage.report import build_report, render_html

runner = CliRunner()


def test_unknown_is_never_zero(all_home, all_enriched) -> None:
    """Not enriched: no supplier is located, no size is known: « — » with the reason."""
    d = diagnose(all_home, build_scope())
    (unknown,) = d.segments  # without enrichment no CPV is read into a segment
    for share in (unknown.local_share, unknown.leaving_share):
        assert share.value is None and share.status == "inconnu"
        assert share.reason.startswith("aucun titulaire localisé")
    assert d.supplier_size.by_amount.sme.value is None
    assert d.locality.local_of_located.value is None
    res = runner.invoke(app, ["diagnose", "--home", str(all_home.home)])
    line = next(x for x in res.stdout.splitlines() if x.startswith("│ Segment"))
    cells = [c.strip() for c in line.split("│")[1:-1]]
    assert cells[3:6] == ["0,0\u00a0%", "—", "—"]  # localisé, part locale, part qui sort
    assert "— : aucun titulaire localisé" in res.stdout
    # enriched without SIRENE: Énergie (457 M€) has 1 located supplier row out of 72 contracts:
    # its shares are read on that one row, and said so
    energy = next(s for s in diagnose(all_enriched, build_scope()).segments if s.label == "Énergie")
    assert energy.amount_eur > 450e6
    assert energy.located_share.value is not None and energy.located_share.value < 0.001
    assert energy.leaving_share.base == 1 and energy.leaving_share.status == "base faible"


def test_an_empty_scope_says_so_with_what_to_try(all_enriched) -> None:
    d = diagnose(all_enriched, build_scope(years="2030"))
    assert d.empty == (
        "Aucun marché dans le périmètre « tout l'entrepôt » : l'entrepôt couvre les années 2018 "
        "à 2025 (--years)."
    )
    res = runner.invoke(app, ["diagnose", "--years", "2030", "--home", str(all_enriched.home)])
    assert res.exit_code == 0, res.output
    assert "Aucun marché dans le périmètre" in res.stdout
    assert "%" not in res.stdout  # no table of 0 %
    report = build_report(all_enriched, build_scope(years="2030"))
    assert report.figures == {}
    assert report.key_messages == [d.empty]
    html = render_html(report)
    assert "<svg" not in html
    assert str(escape(d.empty)) in html


def test_not_enriched_no_buyer_is_said_to_be_of_the_area(all_home) -> None:
    """Without enrichment no buyer is placed anywhere: they are the warehouse's buyers, not
    « du département Vienne », and the reason is given once."""
    d = diagnose(all_home, build_scope(territory="Grand Poitiers"))
    assert d.placement is not None
    assert d.placement.area == "de l'entrepôt" and d.placement.wider_territory is None
    assert [r.reason for r in d.placement.reasons] == [
        "l'entrepôt n'est pas enrichi : lancez « ancrage enrich »"
    ]
    assert "Vienne" not in d.placement.sentence


def test_unplaced_buyers_named_with_their_accents(all_enriched) -> None:
    """The real name « Communaut� d'agglom�ration … Saint-F�licien » (letters lost upstream) is
    shown repaired, as the market history shows names."""
    d = diagnose(all_enriched, build_scope(territory="dep:74"))
    assert d.placement is not None
    assert (
        "Communauté d'agglomération Hermitage-Tournonais-Herbasse-Pays de Saint-Félicien"
        in d.placement.examples
    )
    assert "\ufffd" not in d.placement.sentence


def test_poitiers_names_the_buyer_it_could_not_place(all_enriched) -> None:
    d = diagnose(all_enriched, build_scope(territory="Poitiers"))
    assert d.totals.contracts == 0
    assert d.placement is not None and d.placement.buyers == 1
    assert d.placement.examples == ("OFFICE PUBLIC DE L'HABITAT DE GRAND POITIERS (EKIDOM)",)
    assert d.quality.buyers_unlocated == 1  # not 0 by construction any more
    assert d.empty == (
        "Aucun marché dans le périmètre « Poitiers (commune:86194) » : 1 acheteur du "
        "département Vienne (86) n'a pas pu être placé dans une commune : chargez le stock "
        "SIRENE (ancrage enrich --sirene-stock DOSSIER) ou élargissez à --territory dep:86."
    )
    assert d.placement.sentence.startswith(
        "1 acheteur du département Vienne (86) (OFFICE PUBLIC DE L'HABITAT DE GRAND POITIERS "
        "(EKIDOM)), pour 1 contrat et 110\u00a0k€, n'a pas pu être placé dans une commune : seul "
        "le département publié dans les données est connu"
    )
    res = runner.invoke(
        app, ["diagnose", "--territory", "Grand Poitiers", "--home", str(all_enriched.home)]
    )
    assert res.exit_code == 0, res.output
    assert "Diagnostic : CU du Grand Poitiers (epci:200069854)" in res.stdout
    assert "acheteurs de la zone non placés (peut-être dans le territoire)" in res.stdout


def test_no_claim_on_a_thin_base(all_home) -> None:
    assert verdict(Share(0.58, 12), 12, 10_487, 0.3) == "base trop faible"
    assert verdict(Share(0.58, 40), 40, 100, 0.3) == "base trop faible"  # 40 % of the scope
    assert verdict(Share(0.58, 60), 60, 100, 0.3) == "atteinte"
    assert verdict(Share(0.2, 60), 60, 100, 0.3) == "non atteinte"
    assert verdict(Share(None, 0), 0, 100, 0.3) == "non mesurable"
    d = diagnose(all_home, build_scope(years="2024"))
    social = d.considerations.social
    assert (social.reported, social.verdict) == (8, "base trop faible")
    report = build_report(all_home, build_scope(years="2024"))
    message = next(m for m in report.key_messages if "sociale" in m)
    assert "atteinte" not in message
    assert "base trop faible pour juger de la cible de 30\u00a0%" in message
    assert "sur 8 contrats déclarants seulement pour 5\u202f183 contrats" in message


def test_small_sample_warnings(all_enriched) -> None:
    d = diagnose(all_enriched, build_scope(territory="Grand Poitiers"))
    assert d.locality.local.status == "base faible"
    res = runner.invoke(
        app, ["diagnose", "--territory", "epci:200069854", "--home", str(all_enriched.home)]
    )
    assert "Base faible (2 lignes contrat × titulaire) : à lire avec prudence." in res.stdout
    assert "0,0\u00a0% (sur 2)" in res.stdout  # the single-offer share of 2 contracts
    report = build_report(all_enriched, build_scope(territory="Grand Poitiers"))
    assert any("Base faible" in m for m in report.key_messages)


@pytest.mark.parametrize("territory", ["dep:86", None])
def test_installed_in_the_territory_only_with_one(all_enriched, territory) -> None:
    report = build_report(all_enriched, build_scope(territory=territory))
    text = " ".join(report.key_messages)
    if territory is None:
        assert "installés dans le territoire" not in text
        assert "installés dans le département de leur acheteur (ou plus près)" in text
    else:
        assert "restent dans le département" in text
