"""fetch_cpv on a synthetic archive in the official layout (never the live site).

The official file (TED, ``cpv_2008_xml``) is a ZIP holding ``cpv_2008.xml`` (``<CPV_CODE><CPV
CODE="03000000-1"><TEXT LANG="BG">…</TEXT>…``, one TEXT per language) and
``code_cpv_suppl_2008.xml`` (the supplementary vocabulary, ignored).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ancrage.reference._common import ReferenceDataError
from ancrage.reference.cpv import CPV_URL, fetch_cpv, load_cpv, parse_cpv_archive

FR_03 = (
    "Produits agricoles, de l'élevage, de la pêche, de la sylviculture et produits connexes"
)
XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<CPV_CODE>\n'
    '<CPV CODE="03000000-1"><TEXT LANG="DE">Landwirtschaftliche Erzeugnisse</TEXT>\n'
    '<TEXT LANG="EN">Agricultural, farming, fishing, forestry and related products</TEXT>\n'
    f'<TEXT LANG="FR">{FR_03}</TEXT></CPV>\n'
    '<CPV CODE="45421000-4"><TEXT LANG="EN">Joinery work</TEXT>'
    '<TEXT LANG="FR">Travaux de menuiserie</TEXT></CPV>\n'
    '<CPV CODE="09310000-5"><TEXT LANG="EN">Electricity</TEXT>'
    '<TEXT LANG="FR">Électricité, "courant"</TEXT></CPV>\n'
    "</CPV_CODE>\n"
)
SUPPL = '<CPV_SUPPL><SUPPL CODE="AA01-1"><TEXT LANG="FR">Métal</TEXT></SUPPL></CPV_SUPPL>'
HINT = "L'UE a peut-être modifié le fichier ; copiez cpv_2008_fr.csv dans le dossier de référence."


def archive(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def client_for(status: int, content: bytes, seen: list[str] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(str(request.url))
        return httpx.Response(status, content=content)

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_fetch_writes_loadable_files(tmp_path: Path) -> None:
    content = archive({"cpv_2008.xml": XML, "code_cpv_suppl_2008.xml": SUPPL})
    seen: list[str] = []
    with client_for(200, content, seen) as client:
        out = fetch_cpv(tmp_path / "cache", client)
    assert seen == [CPV_URL]
    assert (out / "cpv_2008_fr.csv").read_text("utf-8") == (
        "CODE,FR\n"
        "03000000-1,\"Produits agricoles, de l'élevage, de la pêche, de la sylviculture et "
        "produits connexes\"\n"
        "45421000-4,Travaux de menuiserie\n"
        '09310000-5,"Électricité, ""courant"""\n'
    )
    cpv = load_cpv(out)
    assert len(cpv) == 3
    assert cpv.label("9310000") == 'Électricité, "courant"'
    assert cpv.label("45421000-4", lang="en") == "Joinery work"
    meta = json.loads((out / "cpv_2008.source.json").read_text("utf-8"))
    assert meta["sha256"] == hashlib.sha256(content).hexdigest()
    assert meta["url"] == CPV_URL and meta["codes"] == 3 and meta["millesime"] == "CPV 2008"
    assert not list(out.glob("*.tmp"))


def test_fetch_follows_redirect(tmp_path: Path) -> None:
    final = "https://ted.europa.eu/documents/10184/cpv_2008_xml.zip"
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if str(request.url) == CPV_URL:
            return httpx.Response(302, headers={"Location": final})
        return httpx.Response(200, content=archive({"cpv_2008.xml": XML}))

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        fetch_cpv(tmp_path, client)
    assert seen == [CPV_URL, final]
    assert load_cpv(tmp_path).label("45421000") == "Travaux de menuiserie"


@pytest.mark.parametrize(
    ("status", "content", "message"),
    [
        (
            404, b"not found",
            f"{CPV_URL}: impossible de télécharger le fichier CPV 2008 (HTTP 404). L'UE a "
            "peut-être déplacé le fichier ; copiez vous-même cpv_2008_fr.csv dans le dossier de "
            "référence.",
        ),
        (200, b"<html>maintenance</html>",
         f"{CPV_URL}: le fichier CPV téléchargé n'est pas une archive ZIP. {HINT}"),
        (200, archive({"code_cpv_suppl_2008.xml": SUPPL}),
         f"{CPV_URL}: cpv_2008.xml absent de l'archive téléchargée. {HINT}"),
        (200, archive({"cpv_2008.xml": "<CPV_CODE><CPV CODE='1'>"}),
         f"{CPV_URL}: cpv_2008.xml n'est pas un XML valide (no element found: line 1, column 24). "
         f"{HINT}"),
        (200, archive({"cpv_2008.xml": '<CPV_CODE><CPV CODE="45000000-7"><TEXT LANG="EN">Works'
                                       "</TEXT></CPV></CPV_CODE>"}),
         f"{CPV_URL}: aucun code CPV avec un libellé français dans cpv_2008.xml. {HINT}"),
    ],
)
def test_fetch_errors(tmp_path: Path, status: int, content: bytes, message: str) -> None:
    with client_for(status, content) as client, pytest.raises(ReferenceDataError) as err:
        fetch_cpv(tmp_path, client)
    assert err.value.one_line() == message
    assert not (tmp_path / "cpv_2008_fr.csv").exists()


def test_network_error(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route", request=request)

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(ReferenceDataError) as err,
    ):
        fetch_cpv(tmp_path, client)
    assert err.value.one_line() == (
        f"{CPV_URL}: impossible de télécharger le fichier CPV 2008 (ConnectError). Vérifiez la "
        "connexion réseau, ou copiez vous-même cpv_2008_fr.csv dans le dossier de référence."
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_archive_bytes(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(ReferenceDataError):
        parse_cpv_archive(content)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=2000))
def test_corrupted_archive(noise: bytes) -> None:
    good = bytearray(archive({"cpv_2008.xml": XML}))
    # overwrite a slice of the compressed data (after the 30-byte local header + name)
    start = 30 + len("cpv_2008.xml")
    good[start : start + len(noise)] = noise[: max(0, len(good) - start)]
    try:
        rows = parse_cpv_archive(bytes(good))
    except ReferenceDataError:
        return
    assert all(code and fr for code, fr, _ in rows)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_random_xml(text: str) -> None:
    try:
        rows = parse_cpv_archive(archive({"cpv_2008.xml": text}))
    except ReferenceDataError:
        return
    assert rows
