"""The command line starts fast: no heavy library is imported until a command runs."""

from __future__ import annotations

import json
import subprocess
import sys

# Libraries that take tens to hundreds of milliseconds to import: only the commands that use
# them may import them, inside the command. (pydantic is not listed: typer itself imports it to
# read the value of any parameter.)
HEAVY = (
    "alembic",
    "duckdb",
    "fastapi",
    "ftfy",
    "httpx",
    "ibis",
    "icalendar",
    "jinja2",
    "lxml",
    "matplotlib",
    "numpy",
    "openpyxl",
    "pandas",
    "polars",
    "psycopg",
    "pyarrow",
    "sqlalchemy",
    "starlette",
    "tantivy",
    "uvicorn",
    "weasyprint",
    "xlsxwriter",
)

# Builds the whole command tree and renders the help of every command and sub-command, in a
# fresh interpreter, then lists the heavy top-level packages it imported.
PROBE = """
import json, sys
import typer
from typer.testing import CliRunner
from ancrage.cli.app import app

def paths(command, prefix):
    yield prefix
    for name, sub in getattr(command, "commands", {}).items():
        yield from paths(sub, [*prefix, name])

seen = []
for path in paths(typer.main.get_command(app), []):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, (path, result.output)
    seen.append(path)
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[1])))
print(json.dumps({"heavy": heavy, "helps": len(seen)}))
"""


def probe(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter, the heavy libraries' names as its first argument."""
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.splitlines()


def test_help_of_every_command_imports_no_heavy_library() -> None:
    report = json.loads(probe(PROBE)[-1])
    assert report["heavy"] == []
    assert report["helps"] > 20  # the root, every command, every group and its sub-commands


def test_version_imports_no_heavy_library() -> None:
    code = (
        "import json, sys\n"
        "heavy = set(json.loads(sys.argv[1]))\n"
        "sys.argv = ['ancrage', '--version']\n"
        "from ancrage.cli.app import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    assert probe(code) == ["ancrage 0.1.0", "[]"]
