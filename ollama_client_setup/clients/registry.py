"""Every client's ClientSpec, loaded on first use (base/registry.py lists them cheaply)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from ollama_client_setup.base.registry import CLIENTS, MODULES
from ollama_client_setup.clients.spec import ClientSpec


def spec(name: str) -> ClientSpec:
    module = importlib.import_module(f"ollama_client_setup.clients.{MODULES[name]}")
    found: ClientSpec = module.SPEC
    return found


def specs(names: Iterable[str] | None = None) -> list[ClientSpec]:
    """The specs of `names` (default: every client), in the registry's order."""
    wanted = set(CLIENTS if names is None else names)
    return [spec(name) for name in CLIENTS if name in wanted]
