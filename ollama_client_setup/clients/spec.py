"""What the rest of the tool knows about a client, as data its module declares: what it
needs from a model, the oldest server it works with, how to install it, how to run it once
headless and read its answer, and its own doctor lint. fit, compat, the client runner and
doctor read these through clients/registry.py and name no client themselves."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ollama_client_setup.base.results import Result

#: Ollama's guidance for coding agents.
AGENT_CONTEXT = 64 * 1024


@dataclass(frozen=True)
class Need:
    """What one use of a client (its chat, or Continue's autocomplete) needs from a model."""

    client: str
    role: str  # "chat" or "autocomplete"
    capabilities: tuple[str, ...]
    min_context: int | None
    #: The client can ask for a window per request (num_ctx), so `init --context N` helps.
    requests_context: bool
    why: str
    #: Unpinned, it sizes num_ctx to each prompt (so it must be pinned, docs/server.md).
    sizes_per_prompt: bool = False


@dataclass(frozen=True)
class Floor:
    """The oldest Ollama a client works with, and why."""

    client: str
    title: str
    minimum: str
    needs: str


@dataclass(frozen=True)
class Headless:
    """How to run the client once without a terminal (docs/clients/, "Running it once")."""

    #: The arguments after the program, given the prompt and the client's mode.
    args: Callable[[str, str | None], tuple[str, ...]]
    #: Variables the run sets, shown before the command as a user would type them.
    env: Mapping[str, str] = field(default_factory=dict)
    #: Whether a mode's run goes through the client's launcher (its variables too).
    via_launcher: Callable[[str | None], bool] = lambda mode: False
    #: The answer and whether the client itself said it failed, from its whole output, when
    #: it prints a document (Claude Code's --output-format json); None: read the text.
    answer: Callable[[str], tuple[str, bool] | None] | None = None
    #: A line that proves the server answered, whatever else the output says (Aider).
    answered: re.Pattern[str] | None = None
    #: Runs after the others: while the server is down it only ends at its timeout.
    last: bool = False


@dataclass(frozen=True)
class ClientSpec:
    name: str
    title: str
    #: The executable a user runs; used to detect the client and to run it.
    program: str
    #: How to install it (the package manager its own docs name).
    install: str
    needs: tuple[Need, ...]
    headless: Headless
    floor: Floor | None = None
    #: doctor's extra check of this client's own files (None when it has none).
    lint: Callable[[Any, Mapping[str, str]], Result | None] | None = None
    #: A second request of its own on the same model before the answer, which evicts the
    #: answer's cached prompt when the server keeps one per model (docs/server.md).
    side_request: str | None = None

    def need(self, role: str) -> Need | None:
        return next((n for n in self.needs if n.role == role), None)
