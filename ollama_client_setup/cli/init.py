"""`init`: choose the server, model and shells, then write everything in one step."""

from __future__ import annotations

import os
from typing import Any

import click

from .. import endpoints, paths, validate, workflow
from ..settings import CLIENTS, MODES, SHELLS, Settings
from ..targets import shells as shell_target
from .app import Application, command_edge, dry_run_option, json_option
from .planview import confirm, file_lines


def _validated(kind: str, value: Any) -> Any:
    check = {
        "host": validate.check_host,
        "port": validate.check_port,
        "model": validate.check_model,
    }[kind]
    try:
        return check(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{kind}") from None


@click.command()
@click.option("--host", help="Server name or address. [default: ollama-server]")
@click.option("--port", type=int, help="Server port. [default: 11434]")
@click.option("--model", help="Default model, as the server names it (e.g. qwen2.5-coder:7b).")
@click.option(
    "--shell",
    "shells",
    multiple=True,
    type=click.Choice(SHELLS),
    help="Shell to set up (repeatable). [default: your login shell plus every "
    "shell whose start-up file exists]",
)
@click.option(
    "--no-shell",
    "no_shells",
    multiple=True,
    type=click.Choice(SHELLS),
    help="Leave this shell out (repeatable).",
)
@click.option(
    "--client",
    "clients",
    multiple=True,
    type=click.Choice(CLIENTS),
    help="Coding client to configure (repeatable).",
)
@click.option(
    "--no-client",
    "no_clients",
    multiple=True,
    type=click.Choice(CLIENTS),
    help="Stop managing this client (repeatable); its files are restored.",
)
@click.option(
    "--claude-code-mode",
    type=click.Choice(MODES["claude-code"]),
    help="launcher: a `claude-ollama` command, plain `claude` unchanged (default); "
    "settings: ~/.claude/settings.json sends every `claude` run to the server.",
)
@click.option(
    "--codex-mode",
    type=click.Choice(MODES["codex"]),
    help="profile: `codex --profile ollama-server` (default); default: make the "
    "server Codex's default provider in config.toml.",
)
@click.option("-y", "--yes", is_flag=True, help="Apply without asking.")
@dry_run_option
@json_option
@command_edge("init")
def command(
    app: Application,
    host: str | None,
    port: int | None,
    model: str | None,
    shells: tuple[str, ...],
    no_shells: tuple[str, ...],
    clients: tuple[str, ...],
    no_clients: tuple[str, ...],
    claude_code_mode: str | None,
    codex_mode: str | None,
    yes: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Write the server's settings into your shells (and clients), in one step.

    Running it again changes nothing unless the settings changed. Undo everything with
    `ollama-client-setup uninstall`.
    """
    host = _validated("host", host) if host is not None else None
    port = _validated("port", port) if port is not None else None
    model = _validated("model", model) if model is not None else None

    def update(current: Settings) -> Settings:
        chosen = list(shells) or list(current.shells) or shell_target.detect(os.environ)
        managed = list(dict.fromkeys([*current.clients, *clients]))
        new = current.with_changes(
            host=host or current.host,
            port=port or current.port,
            model=model or current.model,
            shells=tuple(s for s in chosen if s not in no_shells),
            clients=tuple(c for c in managed if c not in no_clients),
        )
        if claude_code_mode:
            new = new.with_options("claude-code", mode=claude_code_mode)
        if codex_mode:
            new = new.with_options("codex", mode=codex_mode)
        return new

    ask = None
    if not (yes or dry_run or as_json) and app.interactive():
        ask = confirm(app, "Apply these changes?")
    outcome = workflow.reconcile(update, dry_run=dry_run, confirm=ask)
    login = shell_target.login_shell(os.environ)
    load = shell_target.load_command(login)
    result = {
        "dry_run": dry_run,
        "applied": outcome.applied,
        "settings": _settings_dict(outcome.settings),
        "files": [f.to_dict() for f in outcome.plan.files],
        "load_command": load,
    }
    if app.json:
        app.emit(result)
        return
    settings = outcome.settings
    app.echo(
        f"Server: {endpoints.server_root(settings)}   "
        f"Model: {settings.model or '(none chosen yet; use --model)'}   "
        f"Shells: {', '.join(settings.shells) or '(none)'}"
    )
    if dry_run:
        diff = outcome.plan.diff()
        app.echo(diff.rstrip("\n") if diff else "Every file is already up to date.")
        app.echo("Dry run: nothing was changed.")
        return
    for note in outcome.notes:
        app.echo(note)
    if not outcome.applied:
        return
    lines = file_lines(outcome.plan, done=True)
    app.echo("\n".join(lines) if lines else "Nothing to change: every file is up to date.")
    app.echo(f"Settings: {paths.display(paths.settings_file())}")
    app.echo(f"New terminals pick this up. To load it into this one, run:\n  {load}")


def _settings_dict(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "model": settings.model,
        "shells": list(settings.shells),
        "clients": list(settings.clients),
        "server_root": endpoints.server_root(settings),
    }
