"""CPV 2008: code rules (pure) and the vocabulary read from the real file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ancrage.errors import AncrageError, InputFileError
from ancrage.reference._common import InvalidCodeError, ReferenceDataError
from ancrage.reference.cpv import (
    CPV_MILLESIME,
    CpvNomenclature,
    cpv_hierarchy,
    cpv_level,
    cpv_prefix,
    load_cpv,
    normalise_cpv,
    purchase_type,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("45320000", "45320000"),
        ("45320000-6", "45320000"),  # check digit dropped
        (" 45320000 - 6 ", "45320000"),  # spaces anywhere
        ("9310000", "09310000"),  # 7 digits: leading zero lost by a number column
        ("09310000-5", "09310000"),
        ("3000000", "03000000"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise_cpv(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "NC", "4532", "453200006", "45320000-", "45320000-66", "4532o000"]
)
def test_normalise_rejects(raw: str) -> None:
    with pytest.raises(InvalidCodeError) as err:
        normalise_cpv(raw)
    problem = f"code CPV « {raw} » invalide" if raw else "code CPV vide"
    assert err.value.one_line() == (
        f"champ cpv: {problem}. "
        "Écrivez le code CPV en 8 chiffres, avec ou sans sa clé de contrôle (45320000-6)."
    )


@given(st.text(max_size=20))
def test_normalise_never_crashes(raw: str) -> None:
    try:
        code = normalise_cpv(raw)
    except AncrageError:
        return
    assert len(code) == 8 and code.isdigit()


@pytest.mark.parametrize(
    ("code", "prefix", "level"),
    [
        ("45000000", "45", "division"),
        ("03000000-1", "03", "division"),
        ("30000000", "30", "division"),  # 30 ends with a zero: still the division
        ("45400000", "454", "group"),
        ("45420000-7", "4542", "class"),
        ("45421000", "45421", "category"),
        ("45421100", "454211", "code"),
        ("30192121-5", "30192121", "code"),
        ("9310000", "0931", "class"),
    ],
)
def test_prefix_and_level(code: str, prefix: str, level: str) -> None:
    assert cpv_prefix(code) == prefix
    assert cpv_level(code) == level


def test_hierarchy_pure() -> None:
    assert cpv_hierarchy("45421100-5") == {
        "division": "45000000",
        "group": "45400000",
        "class": "45420000",
        "category": "45421000",
        "code": "45421100",
    }
    assert cpv_hierarchy("45000000") == {"division": "45000000"}
    assert cpv_hierarchy("33600000") == {"division": "33000000", "group": "33600000"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("03000000-1", "fournitures"),
        ("09310000", "fournitures"),
        ("9310000", "fournitures"),
        ("44000000", "fournitures"),
        ("45000000", "travaux"),
        ("45320000-6", "travaux"),
        ("48000000", "fournitures"),
        ("49000000", "services"),
        ("50110000", "services"),
        ("98000000", "services"),
        ("46000000", None),
        ("47000000", None),
        ("01000000", None),
        ("99000000", None),
    ],
)
def test_purchase_type(code: str, expected: str | None) -> None:
    assert purchase_type(code) == expected


# ---- the vocabulary (real file) ----


def test_labels(cpv: CpvNomenclature) -> None:
    assert len(cpv) == 9454
    assert cpv.millesime == CPV_MILLESIME == "CPV 2008"
    assert cpv.label("45421000-4") == "Travaux de menuiserie"
    assert cpv.label("45320000-6") == "Travaux d'isolation"
    assert cpv.label("9310000") == "Électricité"
    assert cpv.label("45421000", lang="en") == "Joinery work"
    assert cpv.label("45999999") is None  # well formed, not in the vocabulary
    assert "45421000-4" in cpv and "9310000" in cpv and "NC" not in cpv
    entry = cpv.get("45421000")
    assert entry is not None and entry.check_digit == "4"


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("45421000", "45420000"),
        ("45420000", "45400000"),
        ("45400000", "45000000"),
        ("45000000", None),
        ("33000000", None),  # a division has no parent (not 30000000)
        ("45262500-6", "45262000"),
        ("30192100", "30192000"),
        # 30192120 does not exist: the longest existing prefix is 30192100 (Effaceurs), a known
        # limit of the positional rule at 7-8 digits
        ("30192121", "30192100"),
        ("45999999", "45000000"),  # not a code: nearest existing ancestor
    ],
)
def test_parent(cpv: CpvNomenclature, code: str, parent: str | None) -> None:
    assert cpv.parent(code) == parent


def test_ancestors_and_descendants(cpv: CpvNomenclature) -> None:
    assert cpv.ancestors("45262500") == ["45262000", "45260000", "45200000", "45000000"]
    assert cpv.ancestors("45000000") == []
    joinery = cpv.descendants("4542")
    assert joinery == cpv.descendants("45420000-7")
    assert len(joinery) == 25  # grep -c '^4542' = 26 codes, minus 45420000 itself
    assert joinery[:3] == ["45421000", "45421100", "45421110"]
    assert cpv.descendants("45421100") == [
        c for c in cpv.codes() if c.startswith("454211") and c != "45421100"
    ]


def test_full_tree(cpv: CpvNomenclature) -> None:
    divisions = [c for c in cpv.codes() if cpv_level(c) == "division"]
    assert len(divisions) == 45
    for code in cpv.codes():
        chain = cpv.ancestors(code)
        if code in divisions:
            assert chain == []
            continue
        assert chain[-1] == code[:2] + "000000", code
        lengths = [len(cpv_prefix(c)) for c in [code, *chain]]
        assert lengths == sorted(lengths, reverse=True) and len(set(lengths)) == len(lengths)


def test_purchase_type_on_full_list(cpv: CpvNomenclature) -> None:
    counts: dict[str | None, int] = {}
    for code in cpv.codes():
        kind = purchase_type(code)
        counts[kind] = counts.get(kind, 0) + 1
    # grep -c '^45' = 822; divisions 03-44 + 48 = 6543; divisions 50-98 = 2089
    assert counts == {"fournitures": 6543, "travaux": 822, "services": 2089}


def test_english_file_has_same_codes(cpv: CpvNomenclature, cpv_dir: Path) -> None:
    assert all(entry.label_en for entry in cpv.entries.values())
    with (cpv_dir / "cpv_2008_en.csv").open(encoding="utf-8") as handle:
        codes = {normalise_cpv(row["code"]) for row in csv.DictReader(handle)}
    assert codes == set(cpv.entries)


# ---- loader errors ----


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError) as err:
        load_cpv(tmp_path / "nowhere")
    assert err.value.one_line() == (
        f"{tmp_path / 'nowhere'}: les libellés CPV 2008 ne sont pas dans le dossier de "
        "référence (cpv_2008_fr.csv manquant). Téléchargez-les une fois avec fetch_cpv() (réseau "
        "nécessaire) ou choisissez comme dossier de référence un dossier contenant "
        "cpv_2008_fr.csv."
    )


def test_wrong_header(tmp_path: Path) -> None:
    (tmp_path / "cpv_2008_fr.csv").write_text("code;libelle\n45000000-7;Travaux\n", "utf-8")
    with pytest.raises(InputFileError) as err:
        load_cpv(tmp_path)
    assert err.value.one_line() == (
        f"{tmp_path / 'cpv_2008_fr.csv'}: en-tête inattendu « code;libelle », attendu "
        "« code,fr ». Téléchargez le fichier à nouveau ou vérifiez que c'est le bon."
    )


def test_bad_code_row(tmp_path: Path) -> None:
    (tmp_path / "cpv_2008_fr.csv").write_text(
        "CODE,FR\n45000000-7,Travaux de construction\nXX,oops\n", "utf-8"
    )
    with pytest.raises(InputFileError) as err:
        load_cpv(tmp_path)
    assert err.value.one_line() == (
        f"{tmp_path / 'cpv_2008_fr.csv'}: enregistrement ligne 3: champ code: "
        "code CPV « XX » invalide. Téléchargez le fichier à nouveau ou vérifiez que c'est le bon."
    )


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "cpv_2008_fr.csv").write_bytes("CODE,FR\n45000000-7,Trav\xe9\n".encode("latin-1"))
    with pytest.raises(InputFileError) as err:
        load_cpv(tmp_path)
    assert err.value.one_line().endswith(
        "le fichier n'est pas un texte UTF-8. Téléchargez le fichier à nouveau ou vérifiez "
        "que c'est le bon."
    )


def test_minimal_file_without_english(tmp_path: Path) -> None:
    (tmp_path / "cpv_2008_fr.csv").write_text("CODE,FR\n45000000-7,Travaux\n", "utf-8")
    cpv = load_cpv(tmp_path)
    assert cpv.label("45000000") == "Travaux"
    assert cpv.label("45000000", lang="en") is None


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_random_label_file(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "cpv_2008_fr.csv").write_bytes(b"CODE,FR\n" + content)
    try:
        cpv = load_cpv(tmp_path)
    except AncrageError:
        return
    assert len(cpv) >= 1


def test_broken_csv(tmp_path: Path) -> None:
    (tmp_path / "cpv_2008_fr.csv").write_text('CODE,FR\n45000000-7,"Travaux\n', "utf-8")
    with pytest.raises(InputFileError) as err:
        load_cpv(tmp_path)
    assert err.value.one_line() == (
        f"{tmp_path / 'cpv_2008_fr.csv'}: enregistrement ligne 2: le fichier n'est pas un "
        "CSV valide (fin de données inattendue). Téléchargez le fichier à nouveau ou vérifiez "
        "que c'est le bon."
    )
