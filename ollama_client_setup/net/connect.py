"""One way to open the server: its root URL from the settings, plus the API key if any."""

from __future__ import annotations

from typing import Any

from ollama_client_setup.config import endpoints, secrets
from ollama_client_setup.config.settings import Settings


def connect(settings: Settings, timeout: float = 5.0) -> Any:
    from ollama_client_setup.net.ollama_client import OllamaClient

    key = secrets.load(settings.api_key_store)
    return OllamaClient(endpoints.server_root(settings), timeout=timeout, api_key=key)
