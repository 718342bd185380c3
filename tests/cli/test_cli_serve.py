"""ancrage user add, serve and worker: French help, a confirmed account, no web library
imported by the command line until a web command runs."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.settings import Settings
from ancrage.web import accounts
from ancrage.web.config import WebConfig
from ancrage.web.db import open_app_db


def test_user_add_creates_a_confirmed_account(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = CliRunner().invoke(
        app,
        ["user", "add", "admin@exemple.fr", "--home", str(home)],
        env={"ANCRAGE_NEW_PASSWORD": "un mot de passe solide", "ANCRAGE_DATABASE_URL": ""},
    )
    assert result.exit_code == 0, result.output
    assert (
        result.output.strip() == "compte créé : admin@exemple.fr (administrateur, Administration)"
    )
    engine = open_app_db(WebConfig.resolve(Settings.resolve(home)))
    [user] = accounts.list_users(engine)
    assert (user.role, user.confirmed) == ("admin", True)
    again = CliRunner().invoke(
        app,
        ["user", "add", "admin@exemple.fr", "--home", str(home)],
        env={"ANCRAGE_NEW_PASSWORD": "un mot de passe solide"},
    )
    assert again.exit_code != 0


def test_help_is_french_and_imports_no_web_library() -> None:
    for command in (["serve", "--help"], ["worker", "--help"], ["user", "add", "--help"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0
    assert "Application web et API" in CliRunner().invoke(app, ["serve", "--help"]).output
    code = (
        "import sys, ancrage.cli.app; "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'argon2', 'starlette') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_serve_uses_the_compiled_http_parser_and_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's pure-Python HTTP parser and event loop cost about a millisecond a request:
    the server asks for httptools, and uvloop (a dependency) is there for uvicorn's "auto"."""
    import uvicorn

    asked: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: asked.update(kwargs))
    result = CliRunner().invoke(
        app,
        ["serve", "--home", str(tmp_path / "home"), "--no-worker", "--workers", "1"],
        env={"ANCRAGE_DATABASE_URL": ""},
    )
    assert result.exit_code == 0, result.output
    assert asked["http"] == "httptools"
    assert asked.get("loop", "auto") == "auto"
    config = uvicorn.Config(lambda: None, http=asked["http"], loop="auto")
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    assert importlib.util.find_spec("uvloop") is not None
