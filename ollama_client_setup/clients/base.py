"""The coding clients: the interface each client module implements, and the registry.

A client contributes file changes (its own config), and may add shell variables or a
launcher command to the env files. Client modules are imported only when used. Planning and
detection read a Machine (shells/machine.py) and do no I/O: what a client needs looked at is
its program, its config_dir and its `probes`, which plan.machine looks at beforehand.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from ollama_client_setup.base import names
from ollama_client_setup.base.registry import CLIENTS, MODULES
from ollama_client_setup.config import endpoints
from ollama_client_setup.config.settings import ClientOptions, Settings
from ollama_client_setup.edits.changes import LOADERS, Change
from ollama_client_setup.shells.machine import Machine
from ollama_client_setup.shells.profiles import Launcher


@dataclass(frozen=True)
class ClientContext:
    """Everything a client needs to describe its files: the settings, and what the machine
    looks like (looked at before planning)."""

    name: str
    #: The server root, e.g. http://ollama-server:11434 (no /v1, no trailing slash).
    root: str
    #: The OpenAI-compatible base, root + "/v1".
    openai_base: str
    #: The model this client uses (its override, else the default); None if none chosen.
    model: str | None
    options: ClientOptions
    #: The client's mode (claude-code: launcher|settings; codex: profile|default), or None.
    mode: str | None
    machine: Machine
    #: The server's measured window per model (canonical names; see Settings.windows).
    windows: Mapping[str, int] = field(default_factory=dict)

    def window_of(self, model: str | None) -> int | None:
        """The window the server gives `model` when a request names none (None: unknown)."""
        return names.lookup(self.windows, model)

    @property
    def window(self) -> int | None:
        return self.window_of(self.model)

    def num_ctx_of(self, model: str | None) -> int | None:
        """What a client that sends num_ctx itself must send for `model`: the user's
        --context, else the server's own window, so every client shares one runner."""
        return self.options.context or self.window_of(model)

    @property
    def home(self) -> Path:
        return self.machine.home

    @property
    def skip_flag(self) -> str:
        return f"--no-client {self.name}"


class Client(ABC):
    name: ClassVar[str]
    title: ClassVar[str]
    #: The executable a user runs; used to detect the client and, later, to run it.
    program: ClassVar[str]

    @abstractmethod
    def config_dir(self, environ: Mapping[str, str]) -> Path:
        """The folder whose existence says the client has been used on this machine."""

    def probes(self, environ: Mapping[str, str]) -> list[Path]:
        """The paths whose existence this client's planning or detection asks the Machine
        about (besides config_dir): plan.machine looks at them first."""
        return []

    def detected(self, machine: Machine) -> bool:
        found = machine.which(self.program)
        return bool(found) or machine.is_dir(self.config_dir(machine.environ))

    @abstractmethod
    def changes(self, ctx: ClientContext) -> list[Change]:
        """The file changes for this client (no IO: the engine reads and writes)."""

    def shell_variables(self, ctx: ClientContext) -> dict[str, str]:
        return {}

    def launchers(self, ctx: ClientContext) -> list[Launcher]:
        return []

    def describe(self, ctx: ClientContext) -> str:
        """One line for `init` and `model current`: how this client reaches the server."""
        return f"{self.title} uses {ctx.model or '(no model chosen)'}"


def get(name: str) -> Client:
    module = importlib.import_module(f"{__package__}.{MODULES[name]}")
    return module.CLIENT


def _load_kinds(client: str) -> None:
    if client in MODULES:
        get(client)


# The edit layer asks for a client's change kinds this way when it reverts from receipts.
LOADERS.append(_load_kinds)


def context(settings: Settings, name: str, machine: Machine) -> ClientContext:
    return ClientContext(
        name=name,
        root=endpoints.server_root(settings),
        openai_base=endpoints.openai_base(settings),
        model=settings.model_for(name),
        options=settings.options(name),
        mode=settings.mode_for(name),
        machine=machine,
        windows=settings.windows,
    )


def detect(machine: Machine) -> list[str]:
    """The clients installed or used here, from a Machine plan.machine.look_for_clients made."""
    return [name for name in CLIENTS if get(name).detected(machine)]
