"""The questions `init` asks on a terminal. Nothing is written until the final confirmation,
so Ctrl-C at any prompt leaves every file as it was."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import click

from ollama_client_setup.base import names as model_names
from ollama_client_setup.base import validate
from ollama_client_setup.base.registry import CLIENTS
from ollama_client_setup.cli.app import Application
from ollama_client_setup.config import endpoints
from ollama_client_setup.config.settings import SHELLS, Settings
from ollama_client_setup.flows.choices import Choices
from ollama_client_setup.flows.reachability import Probe, probe
from ollama_client_setup.shells import profiles as shell_target


def _names(allowed: tuple[str, ...]) -> Any:
    def convert(text: str) -> tuple[str, ...]:
        words = [w.lower() for w in text.replace(",", " ").split() if w]  # "Aider" is aider
        if words == ["none"]:
            return ()
        unknown = [w for w in words if w not in allowed]
        if unknown:
            raise click.BadParameter(
                f"unknown: {', '.join(unknown)} (choose from {', '.join(allowed)}, or 'none')"
            )
        return tuple(dict.fromkeys(words))

    return convert


def _checked(check: Any) -> Any:
    def convert(value: Any) -> Any:
        try:
            return check(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return convert


def ask(
    app: Application, current: Settings, given: Choices, environ: Mapping[str, str]
) -> tuple[Choices, Probe]:
    host, typed_port = given.host, None
    if not host:
        # Also HOST:PORT or http://HOST:PORT/, as people copy it from OLLAMA_HOST and docs.
        host, typed_port = click.prompt(
            "Ollama server (name or address)",
            default=current.host,
            value_proc=_checked(validate.parse_server),
        )
    port = given.port or click.prompt(
        "Port", default=typed_port or current.port, value_proc=_checked(validate.check_port)
    )
    target = current.with_changes(host=host, port=port)
    with app.progress(f"Checking {endpoints.server_root(target)}"):
        found = probe(target, environ)
    show_probe(
        app, found, target, "You can still write the settings; the server may come up later."
    )

    from ollama_client_setup.plan.machine import look_for_clients, look_for_shells

    detected_shells = list(current.shells) or shell_target.detect(look_for_shells(environ))
    shells = given.shells or click.prompt(
        "Shells to set up", default=" ".join(detected_shells) or "none", value_proc=_names(SHELLS)
    )

    from ollama_client_setup.clients import base as client_targets

    default_clients = list(current.clients) or client_targets.detect(look_for_clients(environ))
    clients = given.clients or click.prompt(
        "Coding clients to configure",
        default=" ".join(default_clients) or "none",
        value_proc=_names(CLIENTS),
    )

    claude_mode = given.claude_code_mode
    if "claude-code" in clients and not claude_mode:
        click.echo(
            "Claude Code can use the server two ways:\n"
            "  1. a `claude-ollama` command; plain `claude` keeps using Anthropic\n"
            "  2. every `claude` run goes to the server (~/.claude/settings.json)"
        )
        answer = click.prompt(
            "Choose",
            type=click.Choice(["1", "2"]),
            default="1" if current.mode_for("claude-code") == "launcher" else "2",
        )
        claude_mode = "launcher" if answer == "1" else "settings"

    model = given.model or _pick_model(found, current.model, target, tuple(clients))
    chosen = replace(
        given,
        host=host,
        port=port,
        model=model,
        shells=tuple(shells),
        clients=tuple(clients),
        claude_code_mode=claude_mode,
        replace_clients=True,
    )
    return chosen, found


def show_probe(app: Application, found: Probe, settings: Settings, closing: str) -> None:
    """Where the path to the server stands, before anything is written."""
    root = endpoints.server_root(settings)
    if found.reachable:
        count = len(found.models)
        app.echo(
            f"{root}: Ollama {found.version or '?'} answers, "
            f"{count} model{'s' if count != 1 else ''}."
        )
        return
    if found.failure is None:
        return
    check_id, summary, fix, command = found.failure
    # A server that answers but refuses (a 403, a 500) is reached: say what it answered.
    state = "answers but does not work" if check_id.startswith("server.") else "is not reachable"
    app.warn(f"{root} {state} now ({check_id}: {summary}).")
    if fix:
        app.echo(f"  fix: {fix}")
    if command:
        app.echo(f"    $ {command}")
    app.echo(f"  {closing}")


def _misfits(info: Any, clients: tuple[str, ...]) -> list[str]:
    """The chosen clients this model cannot serve, with the reason in a word or two."""
    from ollama_client_setup.checks import fit
    from ollama_client_setup.checks.catalog import offer

    out = []
    for client in clients:
        verdict = fit.judge(client, "chat", info.name, offer(info))
        if verdict.missing:
            out.append(f"{client} (needs {', '.join(verdict.missing)})")
        elif verdict.small_window:
            out.append(f"{client} (needs a larger window)")
    return out


def _pick_model(
    found: Probe, current: str | None, settings: Settings, clients: tuple[str, ...] = ()
) -> str | None:
    from ollama_client_setup.checks.catalog import usable_name

    offered = sorted(filter(usable_name, found.models)) if found.reachable else []
    if not offered:
        return _ask_name("Model name (the server could not list its models)", current)
    every = _catalog(settings)
    # An embedding model can never chat: it is not offered (model list shows it).
    infos = [i for i in every if i.valid and i.chat is not False]
    if every and not infos:
        click.echo(
            "None of the server's models can chat (they are embedding models). Pull a chat "
            "model on the server, e.g. `ollama pull qwen2.5-coder:7b`, then run init again."
        )
        return _ask_name("Model name (empty: none yet)", current)
    names = [i.name for i in infos] if infos else offered
    click.echo("Models on the server:")
    misfit = {i.name: _misfits(i, clients) for i in infos}
    for number, name in enumerate(names, 1):
        info = next((i for i in infos if i.name == name), None)
        warning = f"  - not for {', '.join(misfit[name])}" if misfit.get(name) else ""
        click.echo(f"  {number:>2}. {name}{_describe(info)}{warning}")
    fitting = [i for i in infos if not misfit.get(i.name)]
    if current in names and not misfit.get(current):
        default = current
    else:
        default = _preferred(fitting or infos, names)

    def convert(text: str) -> str:
        text = text.strip()
        if text.isdigit() and 1 <= int(text) <= len(names):
            return names[int(text) - 1]
        found = model_names.find(text, names)  # testmodel for testmodel:latest, as elsewhere
        if found:
            return found
        raise click.BadParameter(f"type a number from 1 to {len(names)} or a listed name")

    chosen = click.prompt("Model", default=default, value_proc=convert)
    if misfit.get(chosen):
        click.echo(
            f"Note: {chosen} is not a good fit: {'; '.join(misfit[chosen])}. "
            "Those clients will fail or cut long prompts with it."
        )
    return chosen


def _ask_name(label: str, current: str | None) -> str | None:
    """A model name typed in; a bad one is said and asked again, empty is none yet."""
    answer = click.prompt(
        label,
        default=current or "",
        show_default=bool(current),
        value_proc=lambda text: (
            _checked(validate.check_model)(text.strip()) if text.strip() else ""
        ),
    )
    return answer or None


def _catalog(settings: Settings) -> list[Any]:
    from ollama_client_setup.checks.catalog import catalog
    from ollama_client_setup.net.connect import connect
    from ollama_client_setup.net.ollama_types import ServerError

    try:
        with connect(settings, timeout=5.0) as client:
            return catalog(client)
    except ServerError:
        return []


def _describe(info: Any) -> str:
    if info is None:
        return ""
    from ollama_client_setup.checks.catalog import human_size, human_tokens

    parts = [p for p in (info.parameter_size, info.quantization) if p]
    parts.append(human_size(info.size))
    if info.max_context:
        parts.append(f"{human_tokens(info.max_context)} context")
    if info.tools is False:
        parts.append("no tools")
    if info.loaded:
        parts.append("loaded")
    return "  (" + ", ".join(parts) + ")"


def _preferred(infos: list[Any], names: list[str]) -> str:
    """A sensible default: a loaded model with tools, else any with tools, else the first."""
    for wanted in (lambda i: i.loaded and i.tools, lambda i: i.tools):
        for info in infos:
            if wanted(info):
                return str(info.name)
    return names[0]
