"""Targets: what each shell and client should look like, as changes. No file IO here."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from ollama_client_setup.base import paths
from ollama_client_setup.clients import base as clients
from ollama_client_setup.config import endpoints, secrets
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.edits.changes import Change, SecretFile
from ollama_client_setup.plan.own import SettingsFile
from ollama_client_setup.shells import profiles as shells


def shell_env(
    settings: Settings, environ: Mapping[str, str] | None = None, program: str | None = None
) -> shells.ShellEnv:
    """The variables and launchers every managed shell gets, clients' additions included,
    and the tool's own folder when the PATH in `environ` lacks it. `program` is how this
    process was started (sys.argv[0] unless given): with `environ`, the snapshot the PATH
    addition is decided from, so the same snapshot always plans the same env files."""
    environ = os.environ if environ is None else environ
    program = (sys.argv[0] if sys.argv else "") if program is None else program
    variables = endpoints.shell_variables(settings)
    launchers: list[shells.Launcher] = []
    for name in settings.clients:
        client = clients.get(name)
        ctx = clients.context(settings, name, environ)
        variables.update(client.shell_variables(ctx))
        launchers += client.launchers(ctx)
    secret = secrets.key_file() if settings.api_key_store else None
    path_append = shells.path_folder(environ, program)
    return shells.ShellEnv(variables, tuple(launchers), secret, path_append)


def build(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    secret: str | None = None,
    program: str | None = None,
) -> list[Change]:
    """Every change the settings call for; the settings file itself comes first. `secret`
    is the API key when the settings say there is one (read by the caller, not here);
    `program` as for shell_env."""
    environ = os.environ if environ is None else environ
    out: list[Change] = [SettingsFile(paths.settings_file(), settings)]
    if settings.api_key_store and secret:
        out.append(SecretFile(secrets.key_file(), "secret", secret + "\n", mode=0o600))
    out += shells.changes(
        settings.shells,
        shell_env(settings, environ, program),
        environ,
        completion=settings.completion,
    )
    for name in settings.clients:
        out += clients.get(name).changes(clients.context(settings, name, environ))
    return out


def scan_candidates(environ: Mapping[str, str] | None = None) -> list[Change]:
    """Every start-up file any supported shell could hold a block in (for uninstall)."""
    environ = os.environ if environ is None else environ
    return shells.changes(("bash", "zsh", "sh"), shells.ShellEnv({}), environ)
