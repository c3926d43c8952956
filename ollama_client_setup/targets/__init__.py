"""Targets: what each shell and client should look like, as changes. No file IO here."""

from __future__ import annotations

import os
from collections.abc import Mapping

from .. import endpoints, paths
from ..edits.changes import Change
from ..settings import Settings
from . import clients, shells
from .own import SettingsFile


def shell_env(settings: Settings, environ: Mapping[str, str] | None = None) -> shells.ShellEnv:
    """The variables and launchers every managed shell gets, clients' additions included."""
    environ = os.environ if environ is None else environ
    variables = endpoints.shell_variables(settings)
    launchers: list[shells.Launcher] = []
    for name in settings.clients:
        client = clients.get(name)
        ctx = clients.context(settings, name, environ)
        variables.update(client.shell_variables(ctx))
        launchers += client.launchers(ctx)
    return shells.ShellEnv(variables, tuple(launchers))


def build(settings: Settings, environ: Mapping[str, str] | None = None) -> list[Change]:
    """Every change the settings call for; the settings file itself comes first."""
    environ = os.environ if environ is None else environ
    out: list[Change] = [SettingsFile(paths.settings_file(), settings)]
    out += shells.changes(
        settings.shells, shell_env(settings, environ), environ, completion=settings.completion
    )
    for name in settings.clients:
        out += clients.get(name).changes(clients.context(settings, name, environ))
    return out


def scan_candidates(environ: Mapping[str, str] | None = None) -> list[Change]:
    """Every start-up file any supported shell could hold a block in (for uninstall)."""
    environ = os.environ if environ is None else environ
    return shells.changes(("bash", "zsh", "sh"), shells.ShellEnv({}), environ)
