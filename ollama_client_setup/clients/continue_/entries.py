"""The tool's entries in Continue's config: their names, which roles want which model."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.clients.base import ClientContext

OWN_SUFFIX = " (ollama-client-setup)"
#: The names of the tool's chat and autocomplete entries, the same whatever the model.
CHAT_NAME = "Ollama server" + OWN_SUFFIX
AUTOCOMPLETE_NAME = "Ollama server autocomplete" + OWN_SUFFIX
AUTOCOMPLETE = "autocomplete"
#: The top of a config.yaml the tool creates (Continue requires name and version).
SCAFFOLD = {"name": "Local Config", "version": "1.0.0", "schema": "v1"}


def global_dir(environ: Mapping[str, str]) -> Path:
    custom = environ.get("CONTINUE_GLOBAL_DIR")
    return Path(custom).expanduser() if custom else paths.home() / ".continue"


def entry_name(autocomplete: bool = False) -> str:
    """The name (title in config.json) of the tool's entry for a role: stable across model
    switches, so Continue's saved selection of it still matches after `model use`."""
    return AUTOCOMPLETE_NAME if autocomplete else CHAT_NAME


def is_own(name: object) -> bool:
    """The tool's entries, under their names now and under the model-based names earlier
    versions wrote (`MODEL (ollama-client-setup)`, `MODEL autocomplete (...)`)."""
    return isinstance(name, str) and name.endswith(OWN_SUFFIX)


def wanted(ctx: ClientContext) -> list[tuple[str, str]]:
    """(role, model) pairs: "chat" for the default roles, "autocomplete" for tab completion."""
    out = [("chat", ctx.model)] if ctx.model else []
    if ctx.options.autocomplete_model:
        out.append((AUTOCOMPLETE, ctx.options.autocomplete_model))
    return out
