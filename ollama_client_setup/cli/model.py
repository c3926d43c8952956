"""`model list | use | current`: the server's models, and switching the default everywhere."""

from __future__ import annotations

from typing import Any

import click

from ollama_client_setup.base import validate
from ollama_client_setup.base.errors import (
    LoadFailed,
    ServerAnswerError,
    SetupError,
    UnreachableError,
)
from ollama_client_setup.base.registry import CLIENTS
from ollama_client_setup.checks import fit, windows
from ollama_client_setup.cli import windowview
from ollama_client_setup.cli.app import Application, command_edge, dry_run_option, json_option
from ollama_client_setup.cli.planview import file_lines, show_dry_run
from ollama_client_setup.config import endpoints
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.flows import workflow

#: How long a load of the model may take: a cold 20 GB model over a slow disk takes minutes.
load_timeout_option = click.option(
    "--timeout",
    "load_timeout",
    type=click.FloatRange(1, 3600),
    default=windows.LOAD_DEADLINE,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the server to load the model.",
)


@click.group()
def command() -> None:
    """List the server's models, switch the model every client uses, show the current one."""


def _server(settings: Settings, timeout: float = 5.0) -> Any:
    from ollama_client_setup.net.connect import connect

    return connect(settings, timeout=timeout)


#: Failures where nothing answered; anything else is an answer the tool could not use.
_NO_ANSWER = ("dns", "refused", "timeout", "unreachable", "reset")


def _server_error(settings: Settings, exc: Any, extra_hint: str = "") -> SetupError:
    """Exit 6 only when the server could not be reached; an answer we cannot use is exit 3."""
    root = endpoints.server_root(settings)
    hint = f"Run `ollama-client-setup doctor` to see where the path breaks.{extra_hint}"
    if getattr(getattr(exc, "category", None), "value", None) in _NO_ANSWER:
        return UnreachableError(f"cannot reach the server at {root}: {exc}", hint=hint)
    from ollama_client_setup.checks.doctor import server_fix

    said = server_fix.for_answer(settings, exc)  # the server's own words (a Host check, ...)
    if said is not None:
        hint = f"{said.text}{extra_hint}"
    return ServerAnswerError(f"the server at {root} answered, but: {exc}", hint=hint)


@command.command("list")
@json_option
@command_edge("model list")
def list_models(app: Application, as_json: bool) -> None:
    """The server's models: size, parameters, quantisation, context, tools, loaded now."""
    from ollama_client_setup.checks.catalog import catalog, human_size, human_tokens
    from ollama_client_setup.net.ollama_types import ServerError

    settings = workflow.require_settings()
    try:
        with _server(settings) as client:
            infos = catalog(client)
    except ServerError as exc:
        raise _server_error(settings, exc) from None
    from ollama_client_setup.checks.catalog import offer

    used = fit.by_model(settings)
    fits: dict[str, dict[str, dict[str, Any]]] = {}
    for info in infos:
        info.used_by = used.get(info.name, [])
        measured = settings.window_for(info.name)
        fits[info.name] = fit.for_each_client(settings, info.name, offer(info, measured))
    if app.json:
        models = [{**i.to_dict(), "fit": fits[i.name]} for i in infos]
        app.emit({"server_root": endpoints.server_root(settings), "models": models})
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
        misfit = [k for k, v in fits[info.name].items() if not v["fits"]]
        if misfit:
            mark += f"  (not for {', '.join(misfit)})"
        if info.chat is False:
            used_by = f"  <- {', '.join(info.used_by)}" if info.used_by else ""
            mark = f"{used_by}  (an embedding model: cannot chat)"
        if not info.valid:
            mark += "  (a name no client can be given: rename it on the server)"
        app.echo(
            f"{info.name:<32} {info.parameter_size or '-':>7} {info.quantization or '-':<7} "
            f"{human_size(info.size):>8} {human_tokens(info.max_context):>5} {tools:<5} "
            f"{loaded}{mark}"
        )
        if info.error:
            app.echo(f"    (details unavailable: {info.error})")
    if any(i.capabilities is None and not i.error for i in infos):
        app.echo(
            "? : the server lists no capabilities (Ollama before 0.6.4), so tools are not "
            "known; upgrade Ollama on the server to see them."
        )


def fit_warnings(
    app: Application,
    settings: Settings,
    affected: list[tuple[str, str, str]],
    strict: bool,
    chosen: str | None = None,
) -> None:
    """Say each misfit flows.fit_policy finds (it refuses what must not be written)."""
    from ollama_client_setup.flows import fit_policy

    for message in fit_policy.misfits(settings, affected, strict, chosen):
        app.warn(message)


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
@click.option(
    "--no-warm",
    is_flag=True,
    help="Do not load the model on the server now (loading can take a while); its window "
    "is then not measured, so Aider is not pinned to it.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse a model that lacks what a managed client needs (tools, insert, context) "
    "instead of warning.",
)
@load_timeout_option
@dry_run_option
@json_option
@command_edge("model use")
def use(
    app: Application,
    name: str,
    client: str | None,
    role: str,
    no_check: bool,
    no_warm: bool,
    strict: bool,
    load_timeout: float,
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

    if not no_check:
        new = update(settings)
        fit_warnings(app, new, fit.affected(new, client, role), strict, chosen=name)
    measured: dict[str, int] = {}
    if not (no_check or no_warm or dry_run):
        # Loads the model, so the first answer is quick, and learns the window every client
        # is then pinned to or told (docs/server.md, "One window per model").
        measured = windowview.measure(
            app, update(settings), [name], load_timeout, skip="--no-warm", refuse=True
        )

    def switched(current: Settings) -> Settings:
        new = update(current)
        return new.with_changes(windows=windows.merged(new, measured))

    outcome = workflow.reconcile(switched, dry_run=dry_run)
    if not (no_check or no_warm or dry_run):
        windowview.warn_reloads(app, outcome.settings)
    app.applied = outcome.applied
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
        show_dry_run(app, outcome.plan, "Every file already uses it.")
        return
    who = f"{client} {role}" if role == "autocomplete" else (client or "every client")
    lines = file_lines(outcome.plan, done=True)
    app.echo(f"{who[0].upper()}{who[1:]} now uses {name}.")
    app.echo("\n".join(lines) if lines else "Nothing to change: every file already uses it.")


@command.command("warm")
@click.argument("name", required=False)
@load_timeout_option
@json_option
@command_edge("model warm")
def warm(app: Application, name: str | None, load_timeout: float, as_json: bool) -> None:
    """Load the model (default: the configured one) on the server now, so the first real
    request does not wait for it; slow first answers are usually this load."""
    from ollama_client_setup.checks.catalog import warm as load
    from ollama_client_setup.net.ollama_types import ServerError

    settings = workflow.require_settings()
    name = name or settings.model
    if not name:
        raise click.UsageError("no model is configured; name one: model warm NAME")
    try:
        waiting = f"Loading {name} on the server (up to {load_timeout:g} s)"
        with _server(settings) as server, app.progress(waiting):
            loaded, total = load(server, name, deadline=load_timeout)
    except ServerError as exc:
        if exc.category.value in ("dns", "refused", "timeout", "unreachable", "reset"):
            raise _server_error(settings, exc) from None
        from ollama_client_setup.checks.doctor import server_fix

        fix = server_fix.for_failure(settings, exc, name)
        raise LoadFailed(
            f"the server could not load {name}: {exc}",
            hint=fix.text if fix else f"The server's log says why ({server_fix.SERVER_LOG}).",
        ) from None
    if app.json:
        app.emit({"model": name, "load_s": round(loaded, 3), "total_s": round(total, 3)})
        return
    if loaded >= 0.05:
        app.echo(
            f"Loaded {name} in {loaded:.1f} s ({total:.1f} s in all). It stays loaded "
            "for the server's keep-alive (5 minutes unless OLLAMA_KEEP_ALIVE says more)."
        )
    else:
        app.echo(f"{name} was already loaded ({total:.1f} s round trip).")


def _checked(settings: Settings, name: str) -> str:
    """The server's own name for the model; refuses names the server does not have."""
    from ollama_client_setup.checks.catalog import require
    from ollama_client_setup.net.ollama_types import ServerError

    try:
        with _server(settings) as server:
            available = [m.name for m in server.tags()]
    except ServerError as exc:
        raise _server_error(
            settings, exc, f" To switch anyway: `ollama-client-setup model use {name} --no-check`."
        ) from None
    return require(name, available, f"switch anyway with `model use {name} --no-check`")
