"""`status`: the settings, the managed files, and whether any of them drifted."""

from __future__ import annotations

import click

from ollama_client_setup.base import paths
from ollama_client_setup.cli.app import Application, command_edge, json_option
from ollama_client_setup.config import endpoints, summary
from ollama_client_setup.flows import workflow
from ollama_client_setup.plan import state

_MARK = {"ok": "ok", "drifted": "drifted", "missing": "missing", "pending": "pending"}


@click.command()
@json_option
@command_edge("status")
def command(app: Application, as_json: bool) -> None:
    """Show the settings, every managed file, and drift, in a few lines."""
    settings = workflow.require_settings()
    states = state.file_states(settings)
    in_sync = all(s.state == "ok" for s in states)
    if app.json:
        shown = summary.as_dict(settings)
        app.emit(
            {
                "settings_file": str(paths.settings_file()),
                **{key: shown[key] for key in ("server_root", "model", "shells", "clients")},
                "files": [s.to_dict() for s in states],
                "in_sync": in_sync,
            }
        )
        return
    app.echo(f"Settings  {paths.display(paths.settings_file())}")
    app.echo(f"Server    {endpoints.server_root(settings)}")
    app.echo(f"Model     {settings.model or '(none)'}")
    app.echo(f"Shells    {', '.join(settings.shells) or '(none)'}")
    app.echo(f"Clients   {', '.join(settings.clients) or '(none)'}")
    app.echo("Files")
    for item in states:
        mark = _MARK[item.state]
        if item.state != "ok":
            mark = app.style(mark, fg="yellow")
        detail = "" if item.state == "ok" else f"  {item.detail}"
        app.echo(f"  {mark:<8} {paths.display(item.path)}{detail}")
    if not in_sync:
        app.echo(
            "Run `ollama-client-setup init --yes` to bring every file back in line "
            "(`--dry-run` first shows the diff)."
        )
