"""The ``ancrage`` command."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import typer

from ancrage import __version__
from ancrage.cli import (
    demo,
    diagnose,
    enrich,
    export,
    fetch,
    load,
    notice,
    quarantine,
    report,
    serve,
    spend,
    status,
    update,
)
from ancrage.cli import profile as profile_cli
from ancrage.cli import user as user_cli
from ancrage.cli import watch as watch_cli
from ancrage.cli.common import (
    INTERRUPTED_EXIT,
    HomeOption,
    print_error,
    print_interrupted,
)
from ancrage.cli.french import use_french
from ancrage.errors import AncrageError
from ancrage.interrupts import remember_ctrl_c, signalled
from ancrage.settings import HOME_ENV

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
app.command("fetch")(fetch.fetch)
app.command("update")(update.update)
app.add_typer(notice.app, name="notice")
app.add_typer(profile_cli.app, name="profile")
app.add_typer(watch_cli.app, name="watch")
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.add_typer(user_cli.app, name="user")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"ancrage {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    home: HomeOption = None,
    _version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Affiche la version."
    ),
) -> None:
    """Ancrage : observatoire de la commande publique et veille des marchés."""
    if home is not None:
        _home_for_commands(ctx, home)


def _home_for_commands(ctx: typer.Context, home: Path) -> None:
    """``ancrage --home DIR COMMAND``: every command reads its ``--home`` from ``ANCRAGE_HOME``
    when it is not given after the command, so the root option sets that variable for the
    duration of the command (a ``--home`` after the command still wins)."""
    before = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(home)

    def restore() -> None:
        if before is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = before

    ctx.call_on_close(restore)


use_french(app)  # after every command is registered


def _exit_interrupted() -> NoReturn:
    print_interrupted()
    sys.exit(INTERRUPTED_EXIT)


def main() -> None:
    """Entry point: user errors become one line on stderr, never a traceback."""
    remember_ctrl_c()
    try:
        app(prog_name="ancrage")  # also under « python -m ancrage »
    except AncrageError as exc:
        print_error(exc.one_line())
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: one clear line, the traceback only on request
        if signalled():  # Ctrl+C turned into an error on the way (DuckDB: « Query interrupted »)
            _exit_interrupted()
        if os.environ.get("ANCRAGE_DEBUG"):
            raise
        print_error(
            f"{type(exc).__name__}: {exc}. Relancez avec ANCRAGE_DEBUG=1 pour le détail et "
            "signalez-le.",
            label="erreur interne",
        )
        sys.exit(70)
    except KeyboardInterrupt:
        _exit_interrupted()
