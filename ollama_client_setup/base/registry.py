"""The clients this tool configures, listed cheaply: each one's name, the module under
`ollama_client_setup/clients/` that holds everything else about it (its ClientSpec and its
files), and the modes it can be written in, the first being the default. Settings and the
command line read this list without importing any client; adding a client is one line here
and one module (docs/architecture.md, "Adding a client")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Listed:
    name: str
    module: str
    modes: tuple[str, ...] = ()


LISTED: tuple[Listed, ...] = (
    Listed("aider", "aider"),
    Listed("continue", "continue_"),
    # launcher: a `claude-ollama` command; settings: ~/.claude/settings.json routes every run.
    Listed("claude-code", "claude_code", ("launcher", "settings")),
    # profile: `codex --profile ollama-server`; default: config.toml's top-level provider.
    Listed("codex", "codex", ("profile", "default")),
    Listed("opencode", "opencode"),
)

CLIENTS: tuple[str, ...] = tuple(entry.name for entry in LISTED)
#: The modes a client can be written in; the first is the default.
MODES: dict[str, tuple[str, ...]] = {entry.name: entry.modes for entry in LISTED if entry.modes}
MODULES: dict[str, str] = {entry.name: entry.module for entry in LISTED}
