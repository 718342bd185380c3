"""typer's own texts in French: help pages and usage errors.

typer writes its help pages and usage errors in English (« Usage: », « Show this message and
exit. », « [default: …] », « Missing option … »). :func:`use_french` gives every command and
group of an application the classes below, which set those texts in French, and makes usage
errors one French line on stderr, like every other error of Ancrage::

    erreur : option inconnue : --nope. Aide : « ancrage load --help ».

An English message this table does not know is shown as typer wrote it (a test renders the help
of every command and checks no English is left).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

HELP_OPTION = "Affiche cette aide."
USAGE = "Utilisation : "
COMMAND_METAVAR = "COMMANDE [ARGUMENTS]..."

# typer.rich_utils texts (set when a help page is rendered: that module is slow to import)
RICH_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commandes",
    "ERRORS_PANEL_TITLE": "Erreur",
    "DEFAULT_STRING": "[défaut : {}]",
    "ENVVAR_STRING": "[variable : {}]",
    "REQUIRED_LONG_STRING": "[obligatoire]",
    "DEPRECATED_STRING": "(obsolète) ",
    "ABORTED_TEXT": "Abandon.",
    "RICH_HELP": "Aide : [blue]{command_path} {help_option}[/]",
}

# The value a parameter takes, as typer names its type → as the help shows it
TYPE_LABELS = {
    "<bool>": "",  # a flag takes no value
    "<str>": "TEXTE",
    "<list[str]>": "TEXTE",
    "<path>": "CHEMIN",
    "<list[Path]>": "CHEMIN",
    "<int>": "ENTIER",
    "<int range>": "ENTIER",
    "<float>": "NOMBRE",
    "<float range>": "NOMBRE",
    "<datetime>": "DATE",
}

# typer's usage errors (what the English message says → the French line); {n} are the groups
ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Missing argument '(.+)'\.?"), "argument {1} manquant"),
    (re.compile(r"Missing option '(.+)'\.?"), "option {1} manquante"),
    (re.compile(r"Missing parameter: (.+)"), "paramètre {1} manquant"),
    (re.compile(r"Missing command\.?"), "commande manquante"),
    (
        re.compile(r"No such option: (\S+) \(Possible options: (.+)\)"),
        "option inconnue : {1} (options proches : {2})",
    ),
    (re.compile(r"No such option: (.+)"), "option inconnue : {1}"),
    (
        re.compile(r"No such command '(.+)'\. Did you mean (.+)\?"),
        "commande inconnue : {1} (vouliez-vous dire {2} ?)",
    ),
    (re.compile(r"No such command '(.+)'\.?"), "commande inconnue : {1}"),
    (re.compile(r"Option '(.+)' requires an argument\.?"), "l'option {1} attend une valeur"),
    (re.compile(r"Option '(.+)' requires (\d+) arguments\.?"), "l'option {1} attend {2} valeurs"),
    (re.compile(r"Option '(.+)' does not take a value\.?"), "l'option {1} ne prend pas de valeur"),
    (
        re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)"),
        "argument(s) en trop : {1}",
    ),
    (re.compile(r"Invalid value for '(.+?)': (.+)", re.S), "valeur invalide pour {1} : {2*}"),
    (re.compile(r"Invalid value: (.+)", re.S), "valeur invalide : {1*}"),
    # what is wrong with a value ({n*} above: translated by this same table)
    (re.compile(r"Input should be greater than or equal to (.+)"), "au moins {1} attendu"),
    (re.compile(r"Input should be greater than (.+)"), "plus de {1} attendu"),
    (re.compile(r"Input should be less than or equal to (.+)"), "au plus {1} attendu"),
    (re.compile(r"Input should be less than (.+)"), "moins de {1} attendu"),
    (re.compile(r"Input should be a valid integer.*"), "nombre entier attendu"),
    (re.compile(r"Input should be a finite number.*"), "nombre fini attendu"),
    (re.compile(r"Input should be a valid number.*"), "nombre attendu"),
    (re.compile(r"Input should be a valid boolean.*"), "oui ou non attendu"),
    (re.compile(r"Input should be a valid date.*"), "date attendue (AAAA-MM-JJ)"),
    (
        re.compile(r"(?:Value error, )?'(.*)' is not one of (.+?)\.?", re.S),
        "« {1} » n'est pas une valeur possible ({2})",
    ),
]
_GROUP = re.compile(r"\{(\d)(\*?)\}")


def french_error(message: str) -> str:
    """typer's English usage error → French (unknown messages are kept as they are)."""
    for pattern, template in ERRORS:
        match = pattern.fullmatch(message.strip())
        if match is not None:

            def group(ref: re.Match[str], match: re.Match[str] = match) -> str:
                value = match.group(int(ref.group(1)))
                return french_error(value) if ref.group(2) else value

            return _GROUP.sub(group, template)
    return message


def label_parameters(command: _click.Command, ctx: _click.Context) -> None:
    """Show each parameter's value as a French word (TEXTE, CHEMIN…) unless it names its own."""
    for param in command.params:
        if isinstance(param, TyperArgument):  # named by its metavar (a test asks for one)
            _no_type_column(param)
        elif isinstance(param, TyperOption):
            if "défaut" in (param.help or ""):  # « table (défaut) ou json » says it already
                param.show_default = False
            label = TYPE_LABELS.get(param.display_type(ctx)) if param.metavar is None else None
            if label is not None:
                param.metavar = label


def _no_type_column(argument: TyperArgument) -> None:
    """An argument's help row shows its name (metavar), not a second, English, type column."""
    argument.display_type_rich = _empty  # type: ignore[method-assign]


def _empty(ctx: _click.Context) -> str:  # noqa: ARG001 - typer's signature
    return ""


def _rich_texts() -> None:
    from typer import rich_utils

    for name, text in RICH_TEXTS.items():
        setattr(rich_utils, name, text)


class _French:
    """What the French command and group classes share (mixed in before typer's classes)."""

    def __init__(self, *args: Any, **attrs: Any) -> None:
        super().__init__(*args, **attrs)
        command: Any = self
        if command.help:
            # a docstring's line breaks are not the help's: typer would keep them
            paragraphs = [" ".join(p.split()) for p in command.help.split("\n\n")]
            command.help = "\n\n".join(p for p in paragraphs if p)
        if command.short_help is None and command.help:
            # the line in the list of commands: the first paragraph
            command.short_help = command.help.split("\n\n")[0]

    def get_help_option(self, ctx: _click.Context) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_OPTION
            option.metavar = ""  # a flag: no value
        return option

    def format_usage(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        command: Any = self
        label_parameters(command, ctx)
        formatter.write_usage(
            ctx.command_path, " ".join(command.collect_usage_pieces(ctx)), prefix=USAGE
        )

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _rich_texts()
        label_parameters(self, ctx)  # type: ignore[arg-type]
        super().format_help(ctx, formatter)  # type: ignore[misc]


class FrenchCommand(_French, TyperCommand):
    pass


class FrenchGroup(_French, TyperGroup):
    def __init__(self, **attrs: Any) -> None:
        attrs["subcommand_metavar"] = attrs.get("subcommand_metavar") or COMMAND_METAVAR
        super().__init__(**attrs)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """typer's ``main``, usage errors in French on one line (exit code 2)."""
        try:
            result = super().main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except _click.exceptions.NoArgsIsHelpError:
            # the help page was printed when the error was made
            if not standalone_mode:
                raise
            sys.exit(2)
        except _click.exceptions.ClickException as exc:
            if not standalone_mode:
                raise
            _print_usage_error(exc)
            sys.exit(exc.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            from ancrage.cli.common import print_error

            print_error("abandon", label="interrompu")
            sys.exit(1)
        if not standalone_mode:
            return result
        from ancrage.cli.common import INTERRUPTED_EXIT, print_interrupted

        if result == INTERRUPTED_EXIT:  # typer turns KeyboardInterrupt into a silent exit 130
            print_interrupted()
        sys.exit(result if isinstance(result, int) else 0)


def _print_usage_error(exc: _click.exceptions.ClickException) -> None:
    from ancrage.cli.common import print_error

    message = french_error(exc.format_message()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f". Aide : « {ctx.command_path} --help »"
    print_error(message + ".")


def use_french(app: typer.Typer) -> None:
    """Give every command and group of ``app`` (sub-applications included) the French classes.

    Call it once every command is registered; commands added later by other modules are
    covered as long as they are registered before the call.
    """
    if app.registered_callback is not None:
        app.registered_callback.cls = FrenchGroup
    app.info.cls = FrenchGroup
    for command in app.registered_commands:
        command.cls = FrenchCommand
    for group in app.registered_groups:
        group.cls = FrenchGroup
        if group.typer_instance is not None:
            use_french(group.typer_instance)
