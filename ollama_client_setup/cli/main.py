"""The root command. Subcommands are imported only when run, so --help and --version stay
fast and never import httpx, tomlkit, keyring or ruamel.yaml."""

from __future__ import annotations

import importlib

import click

from .. import __version__
from .app import Application

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


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        return importlib.import_module(f"{__package__}.{module}").command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ollama-client-setup")
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
    cli(prog_name="ollama-client-setup")
