"""The decisions `init` makes around the probe, without a terminal: the model named with
--model, --context within the model's maximum, the server's spelling of the name, the API
key kept after the settings are written. Each returns what to say; cli/init.py says it."""

from __future__ import annotations

from dataclasses import replace

from ollama_client_setup.base import paths
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.flows.choices import Choices
from ollama_client_setup.flows.reachability import Probe


def keep_key(applied: bool, key: str | None, store: str | None) -> str | None:
    """Store or forget the API key once the settings are written; the warning to give."""
    from ollama_client_setup.config import secrets

    if not applied:
        return None
    if store == "":
        secrets.forget()
    elif key and store == "keyring":
        secrets.store(key)
    elif key and store == "file":
        return (
            f"no keyring is available here: the API key is kept only in "
            f"{paths.display(secrets.key_file())} (readable by you alone)"
        )
    return None


def check_model(found: Probe, settings: Settings, given: Choices) -> str | None:
    """A model named with --model must be on the server (model use refuses the same way);
    one kept from the settings is only warned about (the warning is returned): the server
    may have lost it."""
    from ollama_client_setup.checks.catalog import did_you_mean, require, resolve_name

    if not (found.reachable and settings.model):
        return None
    if given.model:
        require(given.model, found.models, "write it anyway with `init --no-probe`")
        return None
    if resolve_name(settings.model, found.models) is None:
        hint = did_you_mean(settings.model, found.models)
        return (
            f"the server has no model called {settings.model!r}.{hint} Pull it on the "
            f"server (`ollama pull {settings.model}`) or choose another with "
            "`ollama-client-setup model use`."
        )
    return None


def clamp_context(found: Probe, settings: Settings, given: Choices) -> tuple[Choices, str | None]:
    """--context never above what the model supports (the server would cap it anyway,
    but a client asking for more makes the server reload the model); with the warning."""
    if not (given.context and found.reachable and settings.model):
        return given, None
    from ollama_client_setup.checks.catalog import details_for, resolve_name
    from ollama_client_setup.net.connect import connect
    from ollama_client_setup.net.ollama_types import ServerError

    name = resolve_name(settings.model, found.models)
    if name is None:
        return given, None
    try:
        with connect(settings, timeout=5.0) as client:
            most = details_for(client, [name])[name].max_context
    except ServerError:
        return given, None
    if most and given.context > most:
        warning = f"{name} supports at most {most} tokens; using --context {most}"
        return replace(given, context=most), warning
    return given, None


def server_spelling(found: Probe, given: Choices) -> Choices:
    """--model testmodel is kept as the server names it (testmodel:latest), so what the
    files say matches /api/ps and /api/tags exactly (docs/server.md, "Model names")."""
    from ollama_client_setup.checks.catalog import resolve_name

    name = resolve_name(given.model, found.models) if given.model else None
    return replace(given, model=name) if name and name != given.model else given
