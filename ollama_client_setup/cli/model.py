"""`model list | use | current`: the server's models, and switching the default everywhere."""

from __future__ import annotations

from typing import Any

import click

from .. import endpoints, validate, workflow
from ..errors import RefusedError, UnreachableError
from ..settings import CLIENTS, Settings
from .app import Application, command_edge, dry_run_option, json_option
from .planview import file_lines


@click.group()
def command() -> None:
    """List the server's models, switch the model every client uses, show the current one."""


def uses(settings: Settings) -> dict[str, list[str]]:
    """model -> who uses it ("default", a client, "continue autocomplete")."""
    out: dict[str, list[str]] = {}
    if settings.model:
        out.setdefault(settings.model, []).append("default")
    for client in settings.clients:
        model = settings.model_for(client)
        if model:
            out.setdefault(model, []).append(client)
        auto = settings.options(client).autocomplete_model
        if auto:
            out.setdefault(auto, []).append(f"{client} autocomplete")
    return out


def _server(settings: Settings, timeout: float = 5.0) -> Any:
    from ..server import OllamaClient

    return OllamaClient(endpoints.server_root(settings), timeout=timeout)


def _unreachable(settings: Settings, exc: Exception, extra_hint: str = "") -> UnreachableError:
    return UnreachableError(
        f"cannot reach the server at {endpoints.server_root(settings)}: {exc}",
        hint=f"Run `ollama-client-setup doctor` to see where the path breaks.{extra_hint}",
    )


@command.command("list")
@json_option
@command_edge("model list")
def list_models(app: Application, as_json: bool) -> None:
    """The server's models: size, parameters, quantisation, context, tools, loaded now."""
    from ..models import catalog, human_size, human_tokens
    from ..server import ServerError

    settings = workflow.require_settings()
    try:
        with _server(settings) as client:
            infos = catalog(client)
    except ServerError as exc:
        raise _unreachable(settings, exc) from None
    used = uses(settings)
    for info in infos:
        info.used_by = used.get(info.name, [])
    if app.json:
        app.emit(
            {"server_root": endpoints.server_root(settings), "models": [i.to_dict() for i in infos]}
        )
        return
    if not infos:
        app.echo("The server has no models yet. Pull one on the server: ollama pull MODEL")
        return
    header = f"{'NAME':<32} {'PARAMS':>7} {'QUANT':<7} {'SIZE':>8} {'CTX':>5} TOOLS LOADED"
    app.echo(header)
    for info in infos:
        tools = {None: "?", True: "yes", False: "no"}[info.tools]
        loaded = f"yes ({human_tokens(info.loaded_context)})" if info.loaded else ""
        mark = f"  <- {', '.join(info.used_by)}" if info.used_by else ""
        app.echo(
            f"{info.name:<32} {info.parameter_size or '-':>7} {info.quantization or '-':<7} "
            f"{human_size(info.size):>8} {human_tokens(info.max_context):>5} {tools:<5} "
            f"{loaded}{mark}"
        )
        if info.error:
            app.echo(f"    (details unavailable: {info.error})")


@command.command("current")
@json_option
@command_edge("model current")
def current(app: Application, as_json: bool) -> None:
    """The model each managed client will use."""
    settings = workflow.require_settings()
    rows = [("default", settings.model)]
    for client in settings.clients:
        rows.append((client, settings.model_for(client)))
        auto = settings.options(client).autocomplete_model
        if auto:
            rows.append((f"{client} autocomplete", auto))
    if app.json:
        app.emit({"models": {who: model for who, model in rows}})
        return
    for who, model in rows:
        app.echo(f"{who:<24} {model or '(none chosen)'}")


@command.command("use")
@click.argument("name")
@click.option(
    "--client",
    type=click.Choice(CLIENTS),
    help="Only this client uses the model (the default stays as it is).",
)
@click.option(
    "--role",
    type=click.Choice(["chat", "autocomplete"]),
    default="chat",
    show_default=True,
    help="autocomplete: Continue's autocomplete model.",
)
@click.option(
    "--no-check",
    is_flag=True,
    help="Do not ask the server whether it has the model (when it is offline).",
)
@dry_run_option
@json_option
@command_edge("model use")
def use(
    app: Application,
    name: str,
    client: str | None,
    role: str,
    no_check: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Switch to NAME everywhere (or for one client); only lines naming the model change."""
    try:
        validate.check_model(name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    if role == "autocomplete":
        if client not in (None, "continue"):
            raise click.BadParameter("only Continue has an autocomplete model", param_hint="--role")
        client = "continue"
    settings = workflow.require_settings()
    if not no_check:
        name = _checked(settings, name)
    if client and client not in settings.clients:
        app.warn(
            f"{client} is not managed yet; add it with `ollama-client-setup init --client {client}`"
        )

    def update(current: Settings) -> Settings:
        if role == "autocomplete":
            return current.with_options("continue", autocomplete_model=name)
        if client:
            return current.with_options(client, model=name)
        return current.with_changes(model=name)

    outcome = workflow.reconcile(update, dry_run=dry_run)
    if app.json:
        app.emit(
            {
                "model": name,
                "client": client,
                "role": role,
                "dry_run": dry_run,
                "files": [f.to_dict() for f in outcome.plan.changed],
            }
        )
        return
    if dry_run:
        diff = outcome.plan.diff()
        app.echo(diff.rstrip("\n") if diff else "Every file already uses it.")
        app.echo("Dry run: nothing was changed.")
        return
    who = f"{client} {role}" if role == "autocomplete" else (client or "every client")
    lines = file_lines(outcome.plan, done=True)
    app.echo(f"{who} now uses {name}.")
    app.echo("\n".join(lines) if lines else "Nothing to change: every file already uses it.")


def _checked(settings: Settings, name: str) -> str:
    """The server's own name for the model; refuses names the server does not have."""
    from ..models import closest, resolve_name
    from ..server import ServerError

    try:
        with _server(settings) as server:
            available = [m.name for m in server.tags()]
    except ServerError as exc:
        raise _unreachable(
            settings, exc, f" To switch anyway: `ollama-client-setup model use {name} --no-check`."
        ) from None
    found = resolve_name(name, available)
    if found:
        return found
    close = closest(name, available)
    hint = f"Did you mean {', '.join(close)}? " if close else ""
    raise RefusedError(
        f"the server has no model called {name!r}; nothing was changed",
        hint=f"{hint}`ollama-client-setup model list` shows what it has; pull a new one on "
        f"the server with `ollama pull {name}`.",
    )
