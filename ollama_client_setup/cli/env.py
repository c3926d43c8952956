"""`env`: print the exports for a shell, for `eval "$(ollama-client-setup env)"`."""

from __future__ import annotations

import os

import click

from ollama_client_setup import plan as targets
from ollama_client_setup.cli.app import Application, command_edge, json_option
from ollama_client_setup.config.settings import SHELLS
from ollama_client_setup.flows import workflow
from ollama_client_setup.plan.machine import look_for_env
from ollama_client_setup.shells import profiles as shell_target


@click.command(short_help="Print the exports for a shell, for eval.")
@click.option(
    "--shell",
    type=click.Choice(SHELLS),
    help="Dialect to print. [default: your login shell, else sh]",
)
@json_option
@command_edge("env")
def command(app: Application, shell: str | None, as_json: bool) -> None:
    """Print the environment for a shell, e.g. eval "$(ollama-client-setup env)"."""
    settings = workflow.require_settings()
    login = shell_target.login_shell(os.environ)
    shell = shell or (login if login in SHELLS else "sh")
    env = targets.shell_env(settings, look_for_env())
    if app.json:
        app.emit({"shell": shell, "variables": env.variables})
        return
    click.echo(shell_target.RENDER[shell_target.dialect(shell)](env), nl=False)
