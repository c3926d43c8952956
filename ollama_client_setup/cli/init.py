"""`init`: probe the server, choose model, shells and clients, show the plan, apply."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import Any

import click

from ollama_client_setup.base import paths, validate
from ollama_client_setup.base.registry import CLIENTS, MODES
from ollama_client_setup.checks import windows
from ollama_client_setup.cli.app import Application, command_edge, dry_run_option, json_option
from ollama_client_setup.cli.init_prompts import ask, show_probe
from ollama_client_setup.cli.planview import confirm, file_lines, show_dry_run
from ollama_client_setup.config import endpoints, summary
from ollama_client_setup.config import settings as settings_mod
from ollama_client_setup.config.settings import SHELLS, Settings
from ollama_client_setup.flows import init_steps, workflow
from ollama_client_setup.flows.choices import Choices
from ollama_client_setup.flows.reachability import Probe, probe
from ollama_client_setup.shells import profiles as shell_target


def _validated(kind: str, value: Any) -> Any:
    check = {
        "host": validate.parse_server,
        "port": validate.check_port,
        "model": validate.check_model,
    }[kind]
    try:
        return check(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{kind}") from None


@click.command()
@click.option(
    "--host",
    help="Server name or address, also as HOST:PORT or http://HOST:PORT. [default: ollama-server]",
)
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
@click.option(
    "--completion/--no-completion",
    default=None,
    help="Tab completion for ollama-client-setup in bash, zsh and fish. [default: on]",
)
@click.option(
    "--api-key-stdin",
    is_flag=True,
    help="Read an API key (for a proxy that authenticates in front of Ollama) from "
    "standard input; it is kept in the keyring, never on the command line.",
)
@click.option("--no-api-key", is_flag=True, help="Forget the API key.")
@click.option("--no-probe", is_flag=True, help="Do not contact the server before writing.")
@click.option("--no-smoke", is_flag=True, help="Skip the smoke test after applying.")
@click.option(
    "--load-timeout",
    type=click.FloatRange(1, 3600),
    default=windows.LOAD_DEADLINE,
    show_default=True,
    metavar="SECONDS",
    help="How long the server may take to load the models in use, which init does to learn "
    "their window (--no-probe skips it).",
)
@click.option(
    "--context",
    type=click.IntRange(1024, 1 << 21),
    metavar="TOKENS",
    help="Context window for the clients that can ask for one per request "
    "(Continue, Aider); never above the model's maximum.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Stop when the model lacks what a managed client needs (tools, insert, "
    "context) instead of warning.",
)
@click.option("-y", "--yes", is_flag=True, help="Apply without asking (never prompts).")
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
    completion: bool | None,
    api_key_stdin: bool,
    no_api_key: bool,
    no_probe: bool,
    no_smoke: bool,
    load_timeout: float,
    context: int | None,
    strict: bool,
    yes: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Set up this machine for the server: shells, clients, and a check that it answers.

    On a terminal it asks; with --yes (or without a terminal) it uses the flags, the current
    settings and the defaults. Running it again changes nothing unless the settings changed.
    Undo everything with `ollama-client-setup uninstall`.
    """
    key, store = _api_key(api_key_stdin, no_api_key)
    server = _validated("host", host) if host is not None else None
    if server and server[1] and port is not None and port != server[1]:
        raise click.BadParameter(
            f"the host names port {server[1]}, but --port says {port}; give one of them",
            param_hint="--host",
        )
    given = Choices(
        host=server[0] if server else None,
        port=_validated("port", port) if port is not None else (server[1] if server else None),
        model=_validated("model", model) if model is not None else None,
        shells=shells,
        no_shells=no_shells,
        clients=clients,
        no_clients=no_clients,
        claude_code_mode=claude_code_mode,
        codex_mode=codex_mode,
        context=context,
        completion=completion,
        api_key_store=store,
    )
    overrides = given.overrides()
    current = settings_mod.load(overrides=overrides)
    interactive = app.interactive() and not (yes or as_json or dry_run)
    found: Probe | None = None
    if interactive:
        given, found = ask(app, current, given, os.environ)
        _say(app, init_steps.check_model(found, given.apply(current, os.environ), given))
    elif not no_probe:
        target = given.apply(current, os.environ)
        with app.progress(f"Checking {endpoints.server_root(target)}"):
            found = probe(target, os.environ)
        show_probe(
            app,
            found,
            target,
            "The settings are written anyway; `ollama-client-setup doctor` checks again.",
        )
        _say(app, init_steps.check_model(found, target, given))
        given, clamped = init_steps.clamp_context(found, target, given)
        _say(app, clamped)
        if found.reachable:
            from ollama_client_setup.checks import fit
            from ollama_client_setup.cli.model import fit_warnings

            chosen = given.apply(current, os.environ)
            fit_warnings(app, chosen, fit.uses(chosen), strict, chosen=chosen.model)

    if found is not None and found.reachable:
        given = init_steps.server_spelling(found, given)
        if not dry_run:
            target = given.apply(current, os.environ)
            given = _measure_windows(app, found, target, given, load_timeout)

    outcome = workflow.reconcile(
        lambda s: given.apply(s, os.environ),
        dry_run=dry_run,
        secret=key,
        overrides=overrides,
        confirm=confirm(app, "Apply these changes?") if interactive else None,
    )
    app.applied = outcome.applied
    _say(app, init_steps.keep_key(outcome.applied, key, store))
    load = shell_target.load_hint(outcome.settings.shells, os.environ)
    if app.json:
        app.emit(
            {
                "dry_run": dry_run,
                "applied": outcome.applied,
                "settings": summary.as_dict(outcome.settings),
                "probe": found.to_dict() if found else None,
                "files": [f.to_dict() for f in outcome.plan.files],
                "load_command": load,
            }
        )
        return
    settings = outcome.settings
    app.echo(
        f"Server: {endpoints.server_root(settings)}   "
        f"Model: {settings.model or '(none chosen yet; use --model)'}   "
        f"Shells: {', '.join(settings.shells) or '(none)'}   "
        f"Clients: {', '.join(settings.clients) or '(none)'}"
    )
    if dry_run:
        show_dry_run(app, outcome.plan, "Every file is already up to date.")
        return
    for note in outcome.notes:
        app.echo(note)
    if not outcome.applied:
        return
    lines = file_lines(outcome.plan, done=True)
    app.echo("\n".join(lines) if lines else "Nothing to change: every file is up to date.")
    _describe_clients(app, settings)
    _hint_clients(app, settings)
    app.echo(f"Settings: {paths.display(paths.settings_file())}")
    if settings.shells:
        app.echo(f"New terminals pick this up. To load it into this one, run:\n  {load}")
    else:
        app.echo(f"No shell is set up; to load the variables into this one, run:\n  {load}")
    if interactive and not no_smoke and found is not None and found.reachable and settings.model:
        from ollama_client_setup.cli.smoke import run_with_progress, show_report

        app.echo("")
        show_report(app, run_with_progress(app, settings))


def _api_key(from_stdin: bool, forget: bool) -> tuple[str | None, str | None]:
    """(the new key, where it will be kept: "keyring", "file", "" to forget, None to keep)."""
    from ollama_client_setup.config import secrets

    if from_stdin and forget:
        raise click.UsageError("--api-key-stdin and --no-api-key contradict each other")
    if forget:
        return None, ""
    if not from_stdin:
        return None, None
    raw = click.prompt("API key", hide_input=True) if sys.stdin.isatty() else sys.stdin.readline()
    try:
        key = secrets.check_key(raw)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--api-key-stdin") from None
    return key, "keyring" if secrets.keyring_usable() else "file"


def _measure_windows(
    app: Application, found: Probe, target: Settings, given: Choices, timeout: float
) -> Choices:
    """The server's window for each model in use that it has (one request each, which
    loads the model), so every client is pinned to or told the same number."""
    from ollama_client_setup.checks.catalog import resolve_name
    from ollama_client_setup.cli import windowview

    models = [m for m in windows.models_in_use(target) if resolve_name(m, found.models)]
    learnt = windowview.measure(app, target, models, timeout, skip="--no-probe")
    measured = windows.merged(target, learnt)
    windowview.warn_reloads(app, target.with_changes(windows=measured))
    return replace(given, windows=measured)


def _describe_clients(app: Application, settings: Settings) -> None:
    """How to use each configured client now (e.g. `claude-ollama`, a Codex profile)."""
    from ollama_client_setup.clients import base as clients
    from ollama_client_setup.plan.machine import look

    machine = look(settings, os.environ, shells_planned=())
    for name in settings.clients:
        ctx = clients.context(settings, name, machine)
        app.echo(f"  {clients.get(name).describe(ctx)}")


def _hint_clients(app: Application, settings: Settings) -> None:
    from ollama_client_setup.clients import base as clients
    from ollama_client_setup.plan.machine import look_for_clients

    found = [c for c in clients.detect(look_for_clients(os.environ)) if c not in settings.clients]
    if found:
        flags = " ".join(f"--client {c}" for c in found)
        app.echo(
            f"Also found on this machine: {', '.join(found)}. "
            f"Configure them with: ollama-client-setup init {flags}"
        )


def _say(app: Application, warning: str | None) -> None:
    if warning:
        app.warn(warning)
