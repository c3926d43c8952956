"""The root command. Subcommands are imported only when run, so --help and --version stay
fast and never import httpx, tomlkit, keyring or ruamel.yaml."""

from __future__ import annotations

import importlib
import sys

import click

from ollama_client_setup import __version__
from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.cli.app import Application

#: Set by main() (the real entry point) to when the process started, so time budgets count
#: the user's whole wait; None when the CLI is driven in-process (tests).
STARTED: float | None = None

#: name -> module under ollama_client_setup.cli that defines `command`.
COMMANDS = {
    "doctor": "doctor",
    "init": "init",
    "model": "model",
    "env": "env",
    "status": "status",
    "smoke": "smoke",
    "uninstall": "uninstall",
}


#: Each command's one-line help, so `--help` lists them without importing every command
#: module (and what they import). tests/test_cli_files.py keeps these equal to the real ones.
SHORT_HELP = {
    "doctor": "Check, step by step, that this machine can use the server, and say how to fix "
    "what does not work.",
    "env": "Print the exports for a shell, for eval.",
    "init": "Set up this machine for the server: shells, clients, and a check that it answers.",
    "model": "List the server's models, switch the model every client uses, show the current one.",
    "smoke": "Send the model a few real, small requests (chat, streaming, JSON, a tool call, "
    "Anthropic) and report each with its timing; with --clients, run each client once too.",
    "status": "Show the settings, every managed file, and drift, in a few lines.",
    "uninstall": "Remove every managed block and file and restore earlier values.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SHORT_HELP[name]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        return importlib.import_module(f"{__package__}.{module}").command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As Click's, with the closest command names for a typo (`docter`)."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            import difflib

            close = difflib.get_close_matches(name, sorted(COMMANDS), n=2, cutoff=0.7)
            if close:
                shown = " or ".join(repr(c) for c in close)
                ctx.fail(f"No such command {name!r}. Did you mean {shown}?")
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name=CMD)
@click.option("-v", "--verbose", count=True, help="More detail (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less output (repeatable).")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """Set up this workstation to use a remote Ollama server (over Tailscale or any network).

    Start with `ollama-client-setup init`. Exit codes: 0 ok, 1 unexpected failure, 2 usage,
    3 checks failed, 4 refused (nothing changed), 5 not set up, 6 server unreachable,
    7 locked, 130 interrupted.
    """
    ctx.obj = Application(verbosity=verbose - quiet)


def main() -> None:
    """Run the CLI. With --json, usage errors and bugs also come as one JSON document, so a
    script reading stdout is never left with nothing (or a traceback) to parse."""
    global STARTED
    from ollama_client_setup import IMPORTED

    STARTED = IMPORTED
    as_json = "--json" in sys.argv[1:]
    try:
        code = cli.main(prog_name=CMD, standalone_mode=False)
    except click.ClickException as exc:
        if not as_json:
            exc.show()
            sys.exit(exc.exit_code)
        _emit_error(
            int(exc.exit_code),
            "usage",
            exc.format_message(),
            "Run the command with --help to see its options.",
        )
    except click.Abort:
        click.echo("\nInterrupted; nothing was changed.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:  # A bug: say so plainly, keep the traceback for the report.
        if as_json:
            _emit_error(
                int(ExitCode.FAILURE),
                "internal",
                f"{type(exc).__name__}: {exc}",
                "This is a bug in ollama-client-setup; please report it.",
            )
        click.echo(
            "error: ollama-client-setup failed unexpectedly; this is a bug. Please "
            "report it with the traceback below.",
            err=True,
        )
        raise
    sys.exit(code if isinstance(code, int) else 0)


def _emit_error(code: int, kind: str, message: str, hint: str) -> None:
    from ollama_client_setup.base.output import dumps, envelope

    command = " ".join(a for a in sys.argv[1:3] if not a.startswith("-")) or CMD
    click.echo(
        dumps(envelope(command, code, None, error={"code": kind, "message": message, "hint": hint}))
    )
    sys.exit(code)
