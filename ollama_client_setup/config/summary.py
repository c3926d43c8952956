"""The settings as `--json` shows them (init's result; status shows some of the same keys)."""

from __future__ import annotations

from typing import Any

from ollama_client_setup.config import endpoints
from ollama_client_setup.config.settings import Settings


def as_dict(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "model": settings.model,
        "shells": list(settings.shells),
        "clients": list(settings.clients),
        "client_options": {k: v.to_table() for k, v in settings.client_options.items()},
        "windows": dict(settings.windows),
        "server_root": endpoints.server_root(settings),
    }
