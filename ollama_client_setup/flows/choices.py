"""What the user chose for `init` (flags or answers), and the settings that makes: merging
with the current settings, detecting shells, the modes, the windows, `--context` for the
clients that can send one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ollama_client_setup.config.settings import Overrides, Settings
from ollama_client_setup.shells import profiles as shell_target


@dataclass(frozen=True)
class Choices:
    """What the user decided; None (or empty) keeps the current setting."""

    host: str | None = None
    port: int | None = None
    model: str | None = None
    shells: tuple[str, ...] = ()
    no_shells: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    no_clients: tuple[str, ...] = ()
    claude_code_mode: str | None = None
    codex_mode: str | None = None
    #: --context: the window for clients that can ask for one per request.
    context: int | None = None
    #: --completion / --no-completion (None keeps the current setting).
    completion: bool | None = None
    #: Where the API key is kept: "keyring", "file", "" (forget it), None (unchanged).
    api_key_store: str | None = None
    #: Interactive answers replace the client list instead of adding to it.
    replace_clients: bool = False
    #: The server's windows per model, measured now (None keeps the current ones).
    windows: dict[str, int] | None = None

    def overrides(self) -> Overrides:
        """The values these flags set in the settings file, which replace the file's before
        they are checked: a bad value there must not stop the flag that sets it again."""
        given = {
            ("server", "host"): self.host,
            ("server", "port"): self.port,
            ("model", "default"): self.model,
        }
        return {key: value for key, value in given.items() if value is not None}

    def apply(self, current: Settings, environ: Mapping[str, str]) -> Settings:
        from ollama_client_setup.plan.machine import look_for_shells

        chosen = list(self.shells) or list(current.shells)
        chosen = chosen or shell_target.detect(look_for_shells(environ))
        if self.replace_clients:
            managed = list(self.clients)
        else:
            managed = list(dict.fromkeys([*current.clients, *self.clients]))
        new = current.with_changes(
            host=self.host or current.host,
            port=self.port or current.port,
            model=self.model or current.model,
            shells=tuple(s for s in chosen if s not in self.no_shells),
            clients=tuple(c for c in managed if c not in self.no_clients),
            completion=current.completion if self.completion is None else self.completion,
            api_key_store=current.api_key_store
            if self.api_key_store is None
            else (self.api_key_store or None),
        )
        # Windows of models no client uses any more go (they would linger in Codex's catalog).
        from ollama_client_setup.checks import windows

        measured = self.windows if self.windows is not None else new.windows
        new = new.with_changes(windows=windows.merged(new.with_changes(windows={}), measured))
        if self.claude_code_mode:
            new = new.with_options("claude-code", mode=self.claude_code_mode)
        if self.codex_mode:
            new = new.with_options("codex", mode=self.codex_mode)
        if self.context:
            from ollama_client_setup.checks.fit import needs

            for need in needs():
                if need.requests_context and need.role == "chat" and need.client in new.clients:
                    new = new.with_options(need.client, context=self.context)
        return new
