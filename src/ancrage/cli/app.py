"""The ``ancrage`` command."""

from __future__ import annotations

import os
import sys

import typer

from ancrage import __version__
from ancrage.cli import (
    demo,
    diagnose,
    enrich,
    export,
    load,
    notice,
    quarantine,
    report,
    serve,
    spend,
    status,
)
from ancrage.cli import profile as profile_cli
from ancrage.cli import user as user_cli
from ancrage.cli import watch as watch_cli
from ancrage.cli.common import err
from ancrage.errors import AncrageError

app = typer.Typer(
    name="ancrage",
    help="Ancrage : observatoire de la commande publique et veille des marchés, "
    "sur données ouvertes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command("load")(load.load)
app.command("status")(status.status)
app.command("quarantine")(quarantine.quarantine)
app.command("demo")(demo.demo)
app.command("diagnose")(diagnose.diagnose_cmd)
app.command("report")(report.report)
app.command("export")(export.export)
app.command("enrich")(enrich.enrich)
app.command("load-spend")(spend.load_spend_cmd)
app.add_typer(notice.app, name="notice")
app.add_typer(profile_cli.app, name="profile")
app.add_typer(watch_cli.app, name="watch")
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.add_typer(user_cli.app, name="user")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ancrage {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Affiche la version."
    ),
) -> None:
    """Ancrage : observatoire de la commande publique et veille des marchés."""


def main() -> None:
    """Entry point: user errors become one line on stderr, never a traceback."""
    try:
        app()
    except AncrageError as exc:
        err().print(f"[red]erreur[/red] : {exc.one_line()}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: one clear line, the traceback only on request
        if os.environ.get("ANCRAGE_DEBUG"):
            raise
        err().print(
            f"[red]erreur interne[/red] : {type(exc).__name__}: {exc}. Relancez avec "
            "ANCRAGE_DEBUG=1 pour le détail et signalez-le.",
            soft_wrap=True,
        )
        sys.exit(70)
    except KeyboardInterrupt:
        err().print("interrompu : rien n'a été écrit à moitié (chargements atomiques).")
        sys.exit(130)
