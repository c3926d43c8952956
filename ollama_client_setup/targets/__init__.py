"""Targets: what each shell and client should look like, as changes. No file IO here."""

from __future__ import annotations

import os
from collections.abc import Mapping

from .. import endpoints, paths
from ..edits.changes import Change
from ..settings import Settings
from . import shells
from .own import SettingsFile


def shell_env(settings: Settings) -> shells.ShellEnv:
    return shells.ShellEnv(endpoints.shell_variables(settings))


def build(settings: Settings, environ: Mapping[str, str] | None = None) -> list[Change]:
    """Every change the settings call for; the settings file itself comes first."""
    environ = os.environ if environ is None else environ
    out: list[Change] = [SettingsFile(paths.settings_file(), settings)]
    out += shells.changes(settings.shells, shell_env(settings), environ)
    return out


def scan_candidates(environ: Mapping[str, str] | None = None) -> list[Change]:
    """Every start-up file any supported shell could hold a block in (for uninstall)."""
    environ = os.environ if environ is None else environ
    return shells.changes(("bash", "zsh", "sh"), shells.ShellEnv({}), environ)
