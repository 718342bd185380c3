"""Resumable, verified, atomic downloads, against a local HTTP server."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ancrage.fetch.download import download
from ancrage.fetch.errors import FetchError, SourceChangedError
from ancrage.fetch.http import Http
from ancrage.fetch.manifest import FileEntry
from tests.fetch.conftest import Sleeps
from tests.fetch.replay import Fault, Replay

DATA = os.urandom(300_000)
PATH = "/static/stock.bin"


def entry(got: object) -> FileEntry:
    return FileEntry(
        source="test",
        kind="decp",
        url=got.url,  # type: ignore[attr-defined]
        size=got.size,  # type: ignore[attr-defined]
        sha256=got.sha256,  # type: ignore[attr-defined]
        fetched_at="",
        checked_at="",
        etag=got.etag,  # type: ignore[attr-defined]
        last_modified=got.last_modified,  # type: ignore[attr-defined]
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_new_download_then_unchanged_by_conditional_request(
    replay: Replay, http: Http, tmp_path: Path
) -> None:
    url = replay.file(PATH, DATA)
    target = tmp_path / "stock.bin"
    got = download(http, url, target, what="le serveur de test")
    assert (got.status, got.size, got.resumed_from) == ("new", len(DATA), 0)
    assert target.read_bytes() == DATA
    assert got.sha256 == hashlib.sha256(DATA).hexdigest()
    again = download(http, url, target, what="le serveur de test", previous=entry(got))
    assert again.status == "unchanged"
    last = replay.requests_to(PATH)[-1]
    assert last.headers["if-none-match"] == replay.file_tags[PATH]
    assert leftovers(tmp_path) == ["stock.bin"]


def test_a_transfer_cut_in_the_middle_goes_on_with_a_range(
    replay: Replay, http: Http, tmp_path: Path, sleeps: Sleeps
) -> None:
    url = replay.file(PATH, DATA)
    replay.fault(PATH, Fault(cut_after=100_000))
    got = download(http, url, tmp_path / "stock.bin", what="le serveur de test")
    assert got.status == "new"
    assert got.resumed_from == 100_000
    assert (tmp_path / "stock.bin").read_bytes() == DATA
    first, second = replay.requests_to(PATH)
    assert "range" not in first.headers
    assert second.headers["range"] == "bytes=100000-"
    assert second.headers["if-range"] == replay.file_tags[PATH]
    assert sleeps == [2.0]  # back-off before going on
    assert leftovers(tmp_path) == ["stock.bin"]


def test_a_download_killed_in_one_run_resumes_in_the_next(
    replay: Replay, tmp_path: Path, sleeps: Sleeps
) -> None:
    url = replay.file(PATH, DATA)
    replay.fault(PATH, Fault(cut_after=120_000))
    target = tmp_path / "stock.bin"
    with (
        Http(min_interval=0.0, sleep=sleeps, max_attempts=1) as impatient,
        pytest.raises(FetchError) as err,
    ):
        download(impatient, url, target, what="le serveur de test")
    assert err.value.one_line() == (
        f"{target}: téléchargement interrompu ({url.split('/')[2]}, RemoteProtocolError) "
        "après 1 tentative ; 0,1 Mo déjà reçus sont gardés. Relancez la même commande : les "
        "téléchargements reprennent où ils se sont arrêtés."
    )
    assert not target.exists()
    assert leftovers(tmp_path) == ["stock.bin.part", "stock.bin.part.json"]
    with Http(min_interval=0.0, sleep=sleeps) as patient:
        got = download(patient, url, target, what="le serveur de test")
    assert (got.status, got.resumed_from) == ("new", 120_000)
    assert target.read_bytes() == DATA
    assert replay.requests_to(PATH)[-1].headers["range"] == "bytes=120000-"
    assert leftovers(tmp_path) == ["stock.bin"]


def test_a_file_changed_on_the_server_since_the_part_started_is_taken_whole(
    replay: Replay, http: Http, tmp_path: Path, sleeps: Sleeps
) -> None:
    url = replay.file(PATH, DATA)
    replay.fault(PATH, Fault(cut_after=50_000))
    target = tmp_path / "stock.bin"
    with Http(min_interval=0.0, sleep=sleeps, max_attempts=1) as once, pytest.raises(FetchError):
        download(once, url, target, what="test")
    new = os.urandom(200_000)
    replay.file(PATH, new)  # a new version: a new ETag, the If-Range no longer matches
    got = download(http, url, target, what="test")
    assert target.read_bytes() == new
    assert got.resumed_from == 0
    assert replay.requests_to(PATH)[-1].headers["range"] == "bytes=50000-"


def test_a_checksum_that_does_not_match_leaves_nothing(
    replay: Replay, http: Http, tmp_path: Path
) -> None:
    url = replay.file(PATH, DATA)
    target = tmp_path / "stock.bin"
    with pytest.raises(FetchError) as err:
        download(http, url, target, what="test", checksum=("sha1", "0" * 40))
    got = hashlib.sha1(DATA).hexdigest()
    assert err.value.one_line() == (
        f"{target}: somme de contrôle sha1 différente de celle publiée (attendu {'0' * 40}, "
        f"obtenu {got}). Le fichier est corrompu ou a changé pendant le téléchargement : relancez."
    )
    assert leftovers(tmp_path) == []
    ok = download(http, url, target, what="test", checksum=("sha1", got), expected_size=len(DATA))
    assert ok.status == "new"


def test_a_file_that_fails_its_format_check_is_not_kept_and_the_old_copy_stays(
    replay: Replay, http: Http, tmp_path: Path
) -> None:
    url = replay.file(PATH, DATA)
    target = tmp_path / "stock.bin"
    first = download(http, url, target, what="test")
    replay.file(PATH, b"<html>nouvelle page</html>")

    def refuse(path: Path) -> None:
        assert path.name == "stock.bin.part"
        raise SourceChangedError("ce n'est plus le format attendu", hint="Signalez-le.")

    with pytest.raises(SourceChangedError):
        download(http, url, target, what="test", previous=entry(first), validate=refuse)
    assert target.read_bytes() == DATA
    assert leftovers(tmp_path) == ["stock.bin"]


def test_http_error_then_timeout_then_success(
    replay: Replay, tmp_path: Path, sleeps: Sleeps
) -> None:
    url = replay.file(PATH, DATA)
    replay.fault(PATH, Fault(status=503), Fault(delay=1.5))
    with Http(min_interval=0.0, sleep=sleeps, timeout=0.5) as http:
        got = download(http, url, tmp_path / "stock.bin", what="test")
    assert got.status == "new"
    assert len(replay.requests_to(PATH)) == 3
    assert sleeps == [2.0, 4.0]


def test_a_part_already_complete_is_finished_without_transfer(
    replay: Replay, http: Http, tmp_path: Path, sleeps: Sleeps
) -> None:
    url = replay.file(PATH, DATA)
    replay.fault(PATH, Fault(cut_after=len(DATA) - 1))
    target = tmp_path / "stock.bin"
    with Http(min_interval=0.0, sleep=sleeps, max_attempts=1) as once, pytest.raises(FetchError):
        download(once, url, target, what="test")
    part = tmp_path / "stock.bin.part"
    with part.open("ab") as fh:  # the last byte arrived just before the process was killed
        fh.write(DATA[-1:])
    got = download(http, url, target, what="test")
    assert target.read_bytes() == DATA
    assert replay.requests_to(PATH)[-1].headers["range"] == f"bytes={len(DATA)}-"
    assert got.resumed_from == 0
