"""The streaming JSON record reader: layouts, chunk boundaries, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ancrage.errors import InputFileError
from ancrage.sources.base import ReadContext
from ancrage.sources.jsonstream import JsonRecords

V2019 = {("marches",): "marches"}
V2024 = {("marches", "marche"): "marches.marche", ("marches", "contrat-concession"): "marches.cc"}


def read(path: Path, targets: dict[tuple[str, ...], str] = V2019, chunk: int = 4 << 20) -> list:
    return list(
        JsonRecords(path, ReadContext(path), targets, structure_hint="H.", chunk_size=chunk)
    )


def write(tmp_path: Path, content: str | bytes, name: str = "f.json") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def error(path: Path, targets: dict[tuple[str, ...], str] = V2019, chunk: int = 4 << 20) -> str:
    with pytest.raises(InputFileError) as info:
        read(path, targets, chunk)
    return info.value.one_line()


def test_big_file_same_records_as_json_load(tmp_path: Path, shared_data: Path) -> None:
    """A file bigger than the chunk size, read with the default 4 MiB chunks."""
    records = json.loads((shared_data / "decp/v1_2019/data.gouv.fr_aife.json").read_text())[
        "marches"
    ]
    records = records * 2  # ~8 MB pretty-printed
    path = write(tmp_path, json.dumps({"marches": records}, indent=2, ensure_ascii=False))
    assert path.stat().st_size > 4 << 20
    got = read(path)
    assert [value for _, value in got] == json.loads(path.read_text())["marches"]
    assert got[-1][0] == f"marches[{len(records) - 1}]"


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000])
def test_any_chunk_boundary(tmp_path: Path, chunk: int) -> None:
    doc = {
        "autre": {"x": [1, 2.5e10, '\\u00e9\u00e9"}]'], "y": None},
        "marches": [
            {"id": 'é\u00e9\\"', "montant": 123456789012345678901234567890, "ok": True},
            12345678,
            "chaîne",
            {"nested": [{"a": [{}], "b": -0.5e-3}]},
            None,
        ],
        "fin": 1.25,
    }
    path = write(tmp_path, json.dumps(doc, ensure_ascii=False))
    assert [v for _, v in read(path, chunk=chunk)] == doc["marches"]


def test_layouts(tmp_path: Path) -> None:
    text = (
        '\ufeff \n{ "x" : {"marches": [1]}, "marches" :\n{\t"autre": [1, 2], '
        '"contrat-concession" : [ {"a": 1} ] , "marche":[{"b":2},{"b":3}]}, "z": null}\n\n'
    )
    path = write(tmp_path, text)
    assert read(path, V2024) == [
        ("marches.cc[0]", {"a": 1}),
        ("marches.marche[0]", {"b": 2}),
        ("marches.marche[1]", {"b": 3}),
    ]


def test_empty_list_null_and_key_twice(tmp_path: Path) -> None:
    assert read(write(tmp_path, '{"marches": []}')) == []
    assert read(write(tmp_path, '{"marches": {"marche": null}}'), V2024) == []
    twice = write(tmp_path, '{"marches": [{"a": 1}], "marches": [{"a": 2}]}')
    assert read(twice) == [("marches[0]", {"a": 1}), ("marches[1]", {"a": 2})]


def test_progress_reports_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps({"marches": [{"a": "x" * 100}] * 50}))
    seen: list[int] = []
    ctx = ReadContext(path, on_progress=seen.append)
    assert len(list(JsonRecords(path, ctx, V2019, structure_hint="", chunk_size=1000))) == 50
    assert seen == sorted(seen)
    assert seen[-1] == path.stat().st_size


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "fichier vide. Téléchargez-le à nouveau depuis sa source."),
        (b"\xef\xbb\xbf \n ", "fichier vide. Téléchargez-le à nouveau depuis sa source."),
        (
            b'{"marches": [{"a": 1}, {"b": "x',
            "JSON tronqué : le fichier s'arrête dans l'enregistrement marches[1] (octet 31). "
            "Le fichier a sans doute été coupé pendant le téléchargement ; "
            "téléchargez-le à nouveau.",
        ),
        (
            b'{"marches": [{"a": 1}',
            "JSON tronqué : le fichier s'arrête après l'enregistrement marches[0] (octet 21). "
            "Le fichier a sans doute été coupé pendant le téléchargement ; "
            "téléchargez-le à nouveau.",
        ),
        (
            '{"marches": [{"objet": "Réfection"}]}'.encode("latin-1"),
            "pas en UTF-8 : octet invalide 0xe9 à la position 25. "
            "Réencodez-le en UTF-8, par exemple : iconv -f latin1 -t utf-8 IN > OUT.",
        ),
        (
            b'<?xml version="1.0"?>\n<marches><marche/></marches>',
            "ressemble à du XML, pas à du JSON. Lisez un fichier XML avec le format decp-2024-xml.",
        ),
        (
            b"<!DOCTYPE html><html><body>404</body></html>",
            "ressemble à du HTML, pas à du JSON. "
            "Le téléchargement a sans doute renvoyé une page web : vérifiez l'adresse.",
        ),
        (
            b"id;montant\n1;2\n",
            "pas du JSON : le fichier commence par 'id;montant'. "
            "Vérifiez que c'est un fichier DECP au format JSON.",
        ),
        (
            b'[{"a": 1}]',
            "structure JSON inattendue : le premier niveau est un tableau, "
            "un objet était attendu. H.",
        ),
        (
            b'{"records": []}',
            "structure JSON inattendue : pas de clé « marches » au premier niveau. H.",
        ),
        (
            b'{"marches": {"marche": []}}',
            "structure JSON inattendue : « marches » est un objet, un tableau était attendu. H.",
        ),
        (
            b'{"marches": [{"a": 1} {"b": 2}]}',
            "JSON invalide à l'octet 22 (l'enregistrement marches[0]) : Expecting ',' or ']'. "
            "Le fichier est abîmé : téléchargez-le à nouveau ou signalez-le à son éditeur.",
        ),
        (
            b'{"marches": [{"a": 1}]} trailing',
            "JSON invalide à l'octet 24 (après la fin du JSON) : Extra data. "
            "Le fichier est abîmé : téléchargez-le à nouveau ou signalez-le à son éditeur.",
        ),
    ],
)
def test_error_messages(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path, content)
    assert error(path) == f"{path}: {message}"


def test_structure_error_2024(tmp_path: Path) -> None:
    path = write(tmp_path, '{"marches": [{"a": 1}]}')
    assert error(path, V2024) == (
        f"{path}: structure JSON inattendue : « marches » est un tableau, "
        "un objet était attendu. H."
    )


def test_latin1_offset_in_a_later_chunk(tmp_path: Path) -> None:
    body = b'{"marches": [' + b'{"a": "abc"},' * 100 + '{"objet": "é"}]}'.encode("latin-1")
    path = write(tmp_path, body)
    offset = body.index(b"\xe9")
    for chunk in (5, 64, 1 << 20):
        assert f"octet invalide 0xe9 à la position {offset}." in error(path, chunk=chunk)


def test_truncation_names_the_record(tmp_path: Path) -> None:
    full = json.dumps({"marches": [{"id": i, "objet": "x" * 50} for i in range(20)]}).encode()
    cut = full[: full.index(b'"id": 7') + 10]
    message = error(write(tmp_path, cut), chunk=16)
    assert f"dans l'enregistrement marches[7] (octet {len(cut)})" in message


# --- hypothesis: never anything but records or an InputFileError --------------------------------

VALID = json.dumps(
    {"x": [1, {"y": "z"}], "marches": [{"id": "é1", "m": [1.5, None, True]}, 7, {"id": 2}]},
    ensure_ascii=False,
).encode()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


def _outcome(path: Path, chunk: int) -> list | str:
    try:
        return read(path, V2019, chunk)
    except InputFileError as exc:
        assert exc.one_line().startswith(f"{path}: ")
        assert "\n" not in exc.message
        return exc.message


@settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200), chunk=st.integers(1, 64))
def test_random_bytes(tmp_path: Path, data: bytes, chunk: int) -> None:
    _outcome(write(tmp_path, data), chunk)


@settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(0, len(VALID) - 1), chunk=st.integers(1, 64))
def test_every_truncation_is_an_error(tmp_path: Path, cut: int, chunk: int) -> None:
    outcome = _outcome(write(tmp_path, VALID[:cut]), chunk)
    assert isinstance(outcome, str)
    assert outcome.startswith("JSON tronqué : le fichier s'arrête " if cut else "fichier vide")


@settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(json_values, max_size=4), chunk=st.integers(1, 64))
def test_random_values_as_records(tmp_path: Path, values: list, chunk: int) -> None:
    path = write(tmp_path, json.dumps({"marches": values}, ensure_ascii=False))
    assert [v for _, v in read(path, V2019, chunk)] == values


@settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=json_values, chunk=st.integers(1, 64))
def test_random_value_as_document(tmp_path: Path, value: object, chunk: int) -> None:
    path = write(tmp_path, json.dumps(value, ensure_ascii=False))
    outcome = _outcome(path, chunk)
    if isinstance(value, dict) and isinstance(value.get("marches"), list):
        assert [v for _, v in outcome] == value["marches"]
    elif not (isinstance(value, dict) and value.get("marches", 0) is None):
        assert isinstance(outcome, str)


@pytest.mark.parametrize("chunk", [1, 5, 4 << 20])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"marches": [{"a": 1, "b": x}]}', "JSON invalide à l'octet 27"),
        (b'{"marches": [{"a": 1, "b" 2}]}', "JSON invalide à l'octet 26"),
        (b'{"marches": [{"a": 1, "b": tru', "JSON tronqué : le fichier s'arrête dans"),
        (b'{"marches": [{"a": 1, "b": "x', "JSON tronqué : le fichier s'arrête dans"),
        (b'{"marches": [{"a": 1, "b": 1.', "JSON tronqué : le fichier s'arrête dans"),
    ],
)
def test_invalid_is_not_reported_as_truncated(
    tmp_path: Path, body: bytes, message: str, chunk: int
) -> None:
    """The same diagnosis whatever the chunk size: an error near the end is not a cut."""
    assert error(write(tmp_path, body), chunk=chunk).split(": ", 1)[1].startswith(message)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.tuples(st.integers(0, 40), st.integers(0, 40)),
    block=st.integers(1, 7),
    shares=st.integers(1, 4),
)
def test_shares_deal_every_item_once_in_blocks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sizes: tuple[int, int],
    block: int,
    shares: int,
) -> None:
    """Share k of n yields the items of blocks k, k + n…, counted over both arrays in file
    order, with their position among all the items; together the shares are the whole file."""
    monkeypatch.setattr("ancrage.sources.jsonstream.SHARE_BLOCK", block)
    marche = [{"i": i} if i % 5 else i for i in range(sizes[0])]  # numbers are items too
    cc = [{"c": i} for i in range(sizes[1])]
    path = write(tmp_path, json.dumps({"marches": {"marche": marche, "contrat-concession": cc}}))
    everything = [*(("marches.marche", i, v) for i, v in enumerate(marche)),
                  *(("marches.cc", i, v) for i, v in enumerate(cc))]  # fmt: skip
    seen: list[tuple[int, str, object]] = []
    for k in range(shares):
        ctx = ReadContext(path, share=(k, shares))
        for ref, value in JsonRecords(path, ctx, V2024, structure_hint="H."):
            assert ctx.position is not None
            assert (ctx.position // block) % shares == k
            prefix, index, expected = everything[ctx.position]
            assert (ref, value) == (f"{prefix}[{index}]", expected)
            seen.append((ctx.position, ref, value))
    assert sorted(p for p, _, _ in seen) == list(range(len(everything)))


def test_every_share_sees_a_broken_file(tmp_path: Path) -> None:
    """An error after the items of a share still stops that share: the file is read whole."""
    items = ",".join(json.dumps({"i": i}) for i in range(10))
    path = write(tmp_path, '{"marches": [' + items + ", }")
    for k in range(2):
        ctx = ReadContext(path, share=(k, 2))
        with pytest.raises(InputFileError):
            list(JsonRecords(path, ctx, V2019, structure_hint="H."))


# --- shares: msgspec's scanner gives what the streaming reader gives ------------------------------


def _shares(path: Path, targets: dict[tuple[str, ...], str], n: int, scan: bool) -> list:
    """What each share of ``n`` yields (position, ref, value), or the error that stopped it."""
    out: list = []
    for k in range(n):
        ctx = ReadContext(path, share=(k, n))
        records = JsonRecords(path, ctx, targets, structure_hint="H.", chunk_size=7, scan=scan)
        try:
            out.append([(ctx.position, ref, value) for ref, value in records])
        except InputFileError as exc:
            out.append(exc.one_line())
    return out


def _same_shares(path: Path, targets: dict[tuple[str, ...], str] = V2019) -> None:
    """The shares give what the streaming reader gives; for a file that is not UTF-8, every
    share fails with the stream's message, or yields what the stream yields (the load fails as
    a whole when one of its shares fails, with that message)."""
    for n in (2, 3):
        scanned = _shares(path, targets, n, scan=True)
        streamed = _shares(path, targets, n, scan=False)
        if "pas en UTF-8" not in repr(streamed):
            assert repr(scanned) == repr(streamed)  # NaN is not equal to itself; its repr is
            continue
        errors = {o for o in scanned if isinstance(o, str)}
        assert errors == {o for o in streamed if isinstance(o, str)}
        for got, expected in zip(scanned, streamed, strict=True):
            assert got == expected or isinstance(got, list)


@pytest.mark.parametrize(
    "content",
    [
        b'{"marches": [{"a": 1}, {"a": NaN}, {"a": 3}]}',
        b'{"marches": [{"a": 1}, {"a": 1e400}, {"a": 3}, {"a": 4}]}',
        b'{"marches": [{"a": 1}, {"a": "x\x01y"}, {"a": 3}]}',
        b'{"marches": [{"a": 1}, {"a": "\\ud800"}, {"a": 3}]}',
        b'{"marches": [{"a": 1}, {"a": 2}, {"a": "\xe9"}, {"a": 4}]}',
        b'{"marches": [{"a": 1}, {"a": 2}], "marches": [{"a": 3}, {"a": 4}, {"a": 5}]}',
        b'{"marches"  : [1, 2, 3] ,"x":{"marches":[4]},\n"marches"\t:[5]}',
        b'{"x": "\\"marches\\": [9]", "marches": [{"a": "\\"}"}, 2, 3]}',
        b'\xef\xbb\xbf {"marches": [1, 2, 3, 4, 5]} \n',
        b'{"marches": null}',
        b'{"marches": {}}',
        b"{}",
        b'{"marches": [1, 2, 3]} trailing',
        b'{"marches": [1, 2, 3]',
        b'{"marches": [{"a": 1} {"b": 2}]}',
        b'[{"a": 1}]',
        b"",
    ],
)
def test_shares_scanned_as_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    """Values msgspec refuses (NaN, out-of-range numbers, control characters, lone surrogates,
    invalid UTF-8), a key given twice, errors: the share reads exactly what the streaming reader
    reads, from the item where the scanner stopped."""
    monkeypatch.setattr("ancrage.sources.jsonstream.SHARE_BLOCK", 1)
    _same_shares(write(tmp_path, content))


def test_shares_scanned_as_streamed_2024(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ancrage.sources.jsonstream.SHARE_BLOCK", 2)
    for content in (
        '{"marches": {"marche": [1, 2, 3], "autre": [0], "contrat-concession": [4, 5]}}',
        '{"marches": {"marche": [1, 2, 3], "marche": [4]}}',
        '{"marches": {"marche": [1]}, "marches": {"contrat-concession": [2, 3]}}',
        '{"marches": {"marche": null, "contrat-concession": {"a": 1}}}',
        '{"marches": [1, 2]}',
        '{"marches": null}',
    ):
        _same_shares(write(tmp_path, content), V2024)


def test_real_samples_scanned_as_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path
) -> None:
    monkeypatch.setattr("ancrage.sources.jsonstream.SHARE_BLOCK", 100)
    samples = sorted((shared_data / "decp").glob("v*/**/*.json"))
    assert len(samples) >= 8
    for path in samples:
        head = path.read_bytes()[:4096]
        _same_shares(path, V2024 if b'"marche"' in head else V2019)


@settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
            lambda children: (
                st.lists(children, max_size=3)
                | st.dictionaries(st.text(max_size=5), children, max_size=3)
            ),
            max_leaves=10,
        ),
        max_size=6,
    ),
    indent=st.none() | st.integers(0, 2),
    cut=st.none() | st.integers(0, 200),
)
def test_random_shares_scanned_as_streamed(
    tmp_path: Path, values: list, indent: int | None, cut: int | None
) -> None:
    text = json.dumps({"marches": values, "x": values[:1]}, ensure_ascii=False, indent=indent)
    content = text.encode()[:cut] if cut is not None else text.encode()
    _same_shares(write(tmp_path, content))


@settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200))
def test_random_bytes_scanned_as_streamed(tmp_path: Path, data: bytes) -> None:
    _same_shares(write(tmp_path, b'{"marches": [' + data))
