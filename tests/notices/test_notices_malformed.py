"""Malformed input never crashes a reader: a clear InputFileError or a recorded rejection."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ancrage.errors import InputFileError
from ancrage.notices import boamp_json, boamp_xml, ted
from ancrage.notices.context import NoticeReadContext

SAMPLES = {
    ted: "ted_eforms/sdk_examples/cn_24_FRA_comments.xml",
    boamp_xml: "boamp/dila_xml_v230/test-pub-2.xml",
    boamp_json: "boamp/ods_api_v2_1/boamp-where-date_2026-01-21_fnsimple.json",
}
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _run(module: ModuleType, path: Path, eforms_dir: Path) -> None:
    ctx = NoticeReadContext(path=path, eforms_dir=eforms_dir)
    try:
        for notice in module.read(path, ctx):
            assert notice.id.startswith(("ted:", "boamp:"))
    except InputFileError as err:
        line = err.one_line()
        assert "\n" not in line
        assert err.hint


@pytest.mark.parametrize("module", list(SAMPLES), ids=lambda m: m.name)
@SETTINGS
@given(cut=st.floats(min_value=0.0, max_value=1.0), noise=st.binary(max_size=40))
def test_truncated_or_noisy_sample(
    tmp_path: Path,
    notices_dir: Path,
    eforms_dir: Path,
    module: ModuleType,
    cut: float,
    noise: bytes,
) -> None:
    data = (notices_dir / SAMPLES[module]).read_bytes()
    path = tmp_path / "f"
    path.write_bytes(data[: int(len(data) * cut)] + noise)
    _run(module, path, eforms_dir)


@pytest.mark.parametrize("module", list(SAMPLES), ids=lambda m: m.name)
@SETTINGS
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "idweb",
                        "gestion",
                        "donnees",
                        "results",
                        "FNSimple",
                        "EFORMS",
                        "REFERENCE",
                        "IDWEB",
                        "organisme",
                        "initial",
                        "lots",
                        "lot",
                        "cpv",
                    ]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=20,
    )
)
def test_random_json_shapes(
    tmp_path: Path, eforms_dir: Path, module: ModuleType, value: object
) -> None:
    path = tmp_path / "f.json"
    path.write_text(json.dumps(value))
    _run(module, path, eforms_dir)


@SETTINGS
@given(
    records=st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "idweb",
                    "donnees",
                    "gestion",
                    "etat",
                    "criteres",
                    "annonce_lie",
                    "code_departement_prestation",
                    "descripteur_code",
                    "datelimitereponse",
                ]
            ),
            st.none()
            | st.integers()
            | st.text(max_size=12)
            | st.just('{"FNSimple": {"initial": {"lots": {"lot": [1, "x", null]}}}}')
            | st.just('{"EFORMS": {"ContractNotice": {"cbc:ID": "x"}}}')
            | st.just('{"IDENTITE": 3}'),
            max_size=6,
        ),
        max_size=4,
    )
)
def test_random_ods_records(tmp_path: Path, eforms_dir: Path, records: list[object]) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"total_count": len(records), "results": records}))
    _run(boamp_json, path, eforms_dir)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"<ANNONCE>\n<GESTION>\n</ANNONCE>",
            "XML mal formé à la ligne 3 : l'élément <GESTION> ouvert ligne 2 est fermé par "
            "</ANNONCE> (colonne 11). Le fichier est tronqué ou n'est pas du XML ; téléchargez "
            "l'avis à nouveau.",
        ),
        (  # libxml2's « Excessive depth … use XML_PARSE_HUGE option » is not a text too big
            b"<ANNONCE>" + b"<a>" * 300 + b"x" + b"</a>" * 300 + b"</ANNONCE>",
            "l'avis a des éléments imbriqués sur plus de 256 niveaux (ligne 1) : ce n'est pas un "
            "avis ordinaire. Vérifiez d'où vient ce fichier et téléchargez l'avis à nouveau "
            "depuis le BOAMP ou TED.",
        ),
    ],
)
def test_malformed_xml_message(
    tmp_path: Path, eforms_dir: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "n.xml"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as err:
        list(boamp_xml.read(path, NoticeReadContext(path=path)))
    assert err.value.one_line() == f"{path}: {message}"


def test_entities_are_not_expanded(tmp_path: Path, eforms_dir: Path) -> None:
    path = tmp_path / "n.xml"
    path.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<ANNONCE><GESTION><REFERENCE><IDWEB>&e;</IDWEB></REFERENCE></GESTION>"
        b"<DONNEES/></ANNONCE>"
    )
    ctx = NoticeReadContext(path=path)
    notices = list(boamp_xml.read(path, ctx))
    assert all("root:" not in n.source_id for n in notices)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.xml"
    with pytest.raises(InputFileError) as err:
        list(ted.read(path, NoticeReadContext(path=path)))
    assert err.value.one_line() == (
        f"{path}: fichier illisible (No such file or directory). "
        "Vérifiez le chemin et les droits du fichier."
    )
