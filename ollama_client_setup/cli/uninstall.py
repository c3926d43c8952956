"""`uninstall`: take every change back; untouched files come back byte for byte."""

from __future__ import annotations

import click

from ollama_client_setup.base.errors import RefusedError
from ollama_client_setup.cli.app import Application, command_edge, dry_run_option, json_option
from ollama_client_setup.cli.planview import confirm, file_lines, show_dry_run
from ollama_client_setup.flows import workflow


@click.command()
@click.option("-y", "--yes", is_flag=True, help="Do it without asking.")
@click.option(
    "--keep-backups",
    is_flag=True,
    help="Keep the backups of your original files in the state folder.",
)
@dry_run_option
@json_option
@command_edge("uninstall")
def command(app: Application, yes: bool, keep_backups: bool, dry_run: bool, as_json: bool) -> None:
    """Remove every managed block and file and restore earlier values."""
    ask = None
    if not (yes or dry_run):
        if as_json or not app.interactive():
            raise RefusedError(
                "uninstall needs --yes when it cannot ask (no terminal, or "
                "--json); nothing was changed",
                hint="Run `ollama-client-setup uninstall --dry-run` to see what "
                "it would do, then `ollama-client-setup uninstall --yes`.",
            )
        ask = confirm(app, "Undo these changes?")
    outcome = workflow.uninstall(dry_run=dry_run, keep_backups=keep_backups, confirm=ask)
    if app.json:
        app.emit(
            {
                "dry_run": dry_run,
                "applied": outcome.applied,
                "files": [f.to_dict() for f in outcome.plan.changed],
            }
        )
        return
    if dry_run:
        show_dry_run(app, outcome.plan, "Nothing to undo.")
        return
    for note in outcome.notes:
        app.echo(note)
    lines = file_lines(outcome.plan, done=True)
    if outcome.applied or not lines:
        app.echo("\n".join(lines) if lines else "Nothing to undo.")
