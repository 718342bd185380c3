"""Hostile values from data or from the user are printed as they are: never read as rich markup
(``[/b]`` does not crash, ``[link=…]`` does not become a hidden link) and never as terminal
control sequences (an escape character is shown, not sent)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from ancrage.cli import common
from ancrage.cli.app import main

MARKUP = "[/b] [link=https://evil.example]clic[/link] [bold red]"
ESCAPE = "\x1b]8;;https://evil.example\x1b\\lien\x1b]8;;\x1b\\"
HOSTILE = f"{MARKUP} {ESCAPE}"
# In a path « // » is one « / »
HOSTILE_PATH = HOSTILE.replace("//", "/")
# A file name cannot hold « / »: markup that would still vanish if it were read as markup.
FILE_MARKUP = "[bold red]rouge[link=https:evil.example]clic"
EVENT_DAY = "2026-01-22"
BUYER = "21860194600013"


class Ancrage:
    """Runs ``ancrage ARGS`` through the real entry point, as a user's terminal would."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("COLUMNS", "400")

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "argv", ["ancrage", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def ancrage(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Ancrage:
    return Ancrage(capsys, monkeypatch)


def shown(text: str, *values: str) -> None:
    """Each value appears literally (escape characters made visible), nothing is sent raw."""
    flat = " ".join(text.split())
    assert "\x1b" not in text
    assert "Traceback" not in text
    for value in values:
        visible = value.replace("\x1b", "\\x1b")
        assert " ".join(visible.split()) in flat, (value, text)


def _replace(node: Any, old: str, new: str) -> Any:
    """``old`` → ``new`` everywhere in a JSON document, JSON held in strings included."""
    if isinstance(node, dict):
        return {k: _replace(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace(v, old, new) for v in node]
    if isinstance(node, str):
        if node.startswith(("{", "[")):
            try:
                inner = json.loads(node)
            except ValueError:
                pass
            else:
                return json.dumps(_replace(inner, old, new), ensure_ascii=False)
        return node.replace(old, new)
    return node


@pytest.fixture
def decp_file(tmp_path: Path, shared_data: Path) -> Path:
    """Two real DECP 2019 records, the second with a hostile id and no buyer (quarantined)."""
    data = json.loads((shared_data / "decp/v1_2019/data.gouv.fr_pes.json").read_text("utf-8"))
    first, second = data["marches"][:2]
    second["id"], second["acheteur"]["id"] = HOSTILE, ""
    path = tmp_path / f"{FILE_MARKUP}.json"
    path.write_text(json.dumps({"marches": [first, second]}), "utf-8")
    return path


@pytest.fixture
def hostile_home(tmp_path: Path) -> Path:
    return tmp_path / "[" / "b] [link=https:" / "evil.example]clic"


def test_load_status_quarantine(ancrage: Ancrage, decp_file: Path, hostile_home: Path) -> None:
    code, out, err = ancrage("load", str(decp_file), "--home", str(hostile_home))
    assert code == 0, err
    shown(out, f"{FILE_MARKUP}.json")
    code, out, err = ancrage("status", "--home", str(hostile_home))
    assert code == 0, err
    shown(out, f"Entrepôt : {hostile_home}")
    code, out, err = ancrage("quarantine", "--home", str(hostile_home))
    assert code == 0, err
    shown(out, MARKUP, ESCAPE, f"{FILE_MARKUP}.json")


def test_demo_home(ancrage: Ancrage, decp_file: Path, hostile_home: Path) -> None:
    code, out, err = ancrage(
        "demo", "--from", str(decp_file.parent), "--home", str(hostile_home / "demo")
    )
    assert code == 0, err
    shown(out, str(hostile_home / "demo"), f"{FILE_MARKUP}.json")


def test_load_spend(ancrage: Ancrage, tmp_path: Path, hostile_home: Path) -> None:
    column = f"Montant {MARKUP}"
    path = tmp_path / f"{FILE_MARKUP}.csv"
    path.write_text(f"SIRET;Tiers;Date;{column}\n32610037800024;ELEC;01/02/2024;12,00\n", "utf-8")
    code, out, err = ancrage(
        "load-spend", str(path), "--buyer", BUYER, "--map", f"amount={column}",
        "--home", str(hostile_home),
    )  # fmt: skip
    assert code == 0, err
    shown(out, f"{FILE_MARKUP}.csv", column)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("load", f"{HOSTILE_PATH}.json"), HOSTILE_PATH),
        (("profile", "add", HOSTILE), HOSTILE),
        (("diagnose", "--territory", HOSTILE), HOSTILE),
    ],
)
def test_errors_naming_a_hostile_argument(
    ancrage: Ancrage, tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    code, _, err = ancrage(*args, "--home", str(tmp_path / "home"))
    assert code not in (0, 1, 70), err
    assert err.startswith("erreur : ")
    shown(err, named)


@pytest.fixture
def notice_home(tmp_path: Path, shared_data: Path, ancrage: Ancrage) -> Path:
    """Real BOAMP notices, the first titled and bought by hostile text, with a profile that
    matches it."""
    source = shared_data / "notices/boamp/ods_api_v2_1/boamp-where-date_2026-01-21_fnsimple.json"
    data = json.loads(source.read_text("utf-8"))
    first = data["data"]["results"][0]
    title, buyer = first["objet"], first["nomacheteur"]
    data["data"]["results"][0] = _replace(
        _replace(first, title, f"{MARKUP} AMENAGEMENTS {ESCAPE}"), buyer, HOSTILE
    )
    path = tmp_path / f"{FILE_MARKUP}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    home = tmp_path / "home"
    eforms = shared_data / "nomenclatures" / "eforms"
    code, out, err = ancrage("notice", "load", str(path), "--home", str(home),
                             "--eforms-dir", str(eforms))  # fmt: skip
    assert code == 0, err
    shown(out, f"{FILE_MARKUP}.json")
    code, _, err = ancrage("profile", "add", "amenageur", "--mot", "amenagements",
                           "--dep", "59", "--home", str(home))  # fmt: skip
    assert code == 0, err
    return home


def test_notice_search_and_show(ancrage: Ancrage, notice_home: Path) -> None:
    code, out, err = ancrage("notice", "search", "amenagements", "--home", str(notice_home))
    assert code == 0, err
    shown(out, "[/b] [link=https://evil.example]clic[/link]", HOSTILE[:40])
    code, out, err = ancrage("notice", "show", "boamp:26-7298", "--home", str(notice_home))
    assert code == 0, err
    shown(out, MARKUP, ESCAPE)


@pytest.mark.parametrize("command", [("notice", "show"), ("watch", "history")])
def test_unknown_notice_named_by_a_hostile_argument(
    ancrage: Ancrage, notice_home: Path, command: tuple[str, str]
) -> None:
    code, _, err = ancrage(*command, HOSTILE, "--home", str(notice_home))
    assert code not in (0, 1, 70), err
    assert err.startswith("erreur : ")
    shown(err, HOSTILE)


def test_watch_matches_and_run(ancrage: Ancrage, notice_home: Path) -> None:
    code, out, err = ancrage(
        "watch", "matches", "amenageur", "--date", EVENT_DAY, "--home", str(notice_home)
    )
    assert code == 0, err
    shown(out, "[/b] [link=https://evil.example]clic[/link]")
    code, out, err = ancrage(
        "watch", "run", "--no-mail", "--date", EVENT_DAY, "--home", str(notice_home)
    )
    assert code == 0, err
    shown(out, "[/b] [link=https://evil.example]clic[/link]")
    code, out, err = ancrage("watch", "history", "boamp:26-7298", "--home", str(notice_home))
    assert code == 0, err
    shown(out, MARKUP, ESCAPE)


def test_progress_bar_shows_a_hostile_file_name(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=200, markup=False)
    monkeypatch.setattr(common, "err", lambda: terminal)
    with common.RichLoadProgress() as progress:
        progress.start_file(f"{MARKUP}.json", 10)
        progress.advance(5)
        progress.end_file()
    assert "[/b] [link=https://evil.example]clic[/link]" in screen.getvalue()


@pytest.mark.parametrize(
    ("command", "target", "said"),
    [
        ("export", "tables", "tableaux écrits dans {out}"),
        ("report", "rapport.html", "rapport écrit : {out}"),
    ],
)
def test_output_paths_shown_as_written(
    ancrage: Ancrage, decp_file: Path, hostile_home: Path, command: str, target: str, said: str
) -> None:
    code, _, err = ancrage("load", str(decp_file), "--home", str(hostile_home))
    assert code == 0, err
    out_path = hostile_home / target
    code, out, err = ancrage(command, "--out", str(out_path), "--home", str(hostile_home))
    assert code == 0, err
    shown(out, said.format(out=out_path))
