"""Codex's files the tool owns: the profile and the model catalog (the window per model)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ollama_client_setup.base import names, paths
from ollama_client_setup.clients.base import ClientContext
from ollama_client_setup.edits.changes import OwnedFile
from ollama_client_setup.formats import toml_edit as tomlx

PROVIDER = "ollama-server"
PROVIDER_NAME = "Ollama server"
PROFILE = "ollama-server"
TABLE = ("model_providers", PROVIDER)
#: The top-level keys of config.toml the tool sets in default mode.
TOP_KEYS = ("model", "model_provider", "model_catalog_json")


STREAM_IDLE_TIMEOUT_MS = 900_000


def codex_home(environ: Mapping[str, str]) -> Path:
    custom = environ.get("CODEX_HOME")
    return Path(custom).expanduser() if custom else paths.home() / ".codex"


def _provider_lines(base_url: str) -> list[str]:
    return [
        f"[model_providers.{PROVIDER}]",
        f"name = {tomlx.toml_string(PROVIDER_NAME)}",
        f"base_url = {tomlx.toml_string(base_url)}",
        # Codex gives up on a silent stream after 5 minutes; a cold load of a large model
        # can take longer (field failure 7).
        f"stream_idle_timeout_ms = {STREAM_IDLE_TIMEOUT_MS}",
    ]


def profile_text(model: str | None, base_url: str, catalog: Path | None = None) -> str:
    lines = [
        f"# Written by ollama-client-setup for `codex --profile {PROFILE}`. It is rewritten by",
        "# `ollama-client-setup init` and `model use`, and removed by `uninstall`.",
    ]
    if model:
        lines.append(f"model = {tomlx.toml_string(model)}")
    lines.append(f"model_provider = {tomlx.toml_string(PROVIDER)}")
    if catalog is not None:
        lines.append(f"model_catalog_json = {tomlx.toml_string(str(catalog))}")
    lines += ["", *_provider_lines(base_url)]
    return "\n".join(lines) + "\n"


# --- the model catalog ----------------------------------------------------------------------
# Codex knows the windows of OpenAI's models only; for any other it warns "Model metadata for
# `NAME` not found" on every run and guesses the window it compacts at. A catalog named by
# `model_catalog_json` tells it the server's real window (docs/clients/codex.md, "Model
# catalog"); the entry's fields are the ones Codex 0.169 requires.


def catalog_path(home: Path) -> Path:
    return home / f"{PROFILE}.models.json"


def catalog_entry(model: str, window: int) -> dict[str, Any]:
    return {
        "slug": model,
        "display_name": model,
        "context_window": window,
        "shell_type": "default",
        "visibility": "list",
        "supported_in_api": True,
        "priority": 0,
        "truncation_policy": {"mode": "bytes", "limit": 10000},
        "input_modalities": ["text"],
        "base_instructions": "",
        "support_verbosity": True,
        "default_verbosity": "low",
        "supports_parallel_tool_calls": False,
        "supports_reasoning_summaries": False,
        "supported_reasoning_levels": [],
        "experimental_supported_tools": [],
    }


def catalog_models(ctx: ClientContext) -> list[tuple[str, int]]:
    """Codex's model first, then every other model with a measured window."""
    found: dict[str, int] = {}
    if ctx.model and ctx.window:
        found[ctx.model] = ctx.window
    for model, window in sorted(ctx.windows.items()):
        if not any(names.same(model, have) for have in found):
            found[model] = window
    return list(found.items())


def catalog_text(models: list[tuple[str, int]]) -> str:
    doc = {"models": [catalog_entry(model, window) for model, window in models]}
    return json.dumps(doc, indent=2) + "\n"


class CodexCatalog(OwnedFile):
    """$CODEX_HOME/ollama-server.models.json, owned by the tool outright."""

    kind = "codex:catalog"


class CodexProfile(OwnedFile):
    """$CODEX_HOME/ollama-server.config.toml, owned by the tool outright."""

    kind = "codex:profile"
