"""Looking at the machine before planning: every probe the planners once made themselves
(which programs are on PATH, which files exist, where zsh and PowerShell read their start-up
files, the tool's own folder on PATH) made once, into a Machine (shells/machine.py) that
plan.build, shell_env, shells.changes and the clients read without any I/O.

Nothing is looked at lazily. The slow probes (asking zsh, up to ZSH_TIMEOUT seconds; asking
pwsh, up to 15 s; Click's bash completion script runs bash for its version) are made only
for the shells the caller says it plans, exactly when planning made them before; a planner
that asks for one not looked at fails (NotLookedAt) instead of looking itself.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.base.registry import CLIENTS
from ollama_client_setup.clients import base as clients
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.edits import fsio
from ollama_client_setup.shells import completion as comp
from ollama_client_setup.shells import profiles as shells
from ollama_client_setup.shells.files import bash_login_file, pwsh_profile, startup_files
from ollama_client_setup.shells.machine import Machine
from ollama_client_setup.shells.zdotdir import locate_zdotdir


def look_at_shells(
    environ: Mapping[str, str], shells_planned: Sequence[str], completion: bool = False
) -> Machine:
    """Where the start-up files of `shells_planned` are, and which of them are one file
    under two names (uninstall's scan needs no more); with `completion`, their completion
    scripts."""
    home = paths.home()
    machine = Machine(
        home,
        environ,
        zdotdir=locate_zdotdir(environ) if "zsh" in shells_planned else None,
        bash_login=bash_login_file() if "bash" in shells_planned else None,
        pwsh_profile=pwsh_profile(environ) if "pwsh" in shells_planned else None,
    )
    files = [home / ".profile"]
    for shell in shells_planned:
        if shell == "zsh":
            found = machine.zsh_dotdir()
            files += [found / ".zshrc"] if isinstance(found, Path) else []
        elif shell != "fish":  # fish gets a drop-in of the tool's own: no link to follow.
            files += startup_files(shell, machine)
    scripts = {s: comp.script(s) for s in shells_planned if completion and s in comp.SHELLS}
    file_ids = {path: fsio.file_id(path) for path in files}
    return dataclasses.replace(machine, file_ids=file_ids, completion_scripts=scripts)


def look(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    program: str | None = None,
    *,
    shells_planned: Sequence[str] | None = None,
) -> Machine:
    """What planning `settings` needs to know about this machine: the start-up files of
    `shells_planned` (default: the settings' shells; () for the clients' descriptions
    alone), the files the settings' clients ask about, and the folder the env files
    append to PATH.

    `program` and `environ` as for look_for_env."""
    environ = os.environ if environ is None else environ
    planned = settings.shells if shells_planned is None else shells_planned
    machine = look_at_shells(environ, planned, settings.completion)
    probes = [path for name in settings.clients for path in clients.get(name).probes(environ)]
    return dataclasses.replace(
        machine,
        existing=frozenset(path for path in probes if path.exists()),
        path_append=look_for_env(environ, program).path_append,
    )


def look_for_env(environ: Mapping[str, str] | None = None, program: str | None = None) -> Machine:
    """What shell_env needs alone (`env`, doctor, running a client): the folder the env
    files append to PATH. `program` is how this process was started (sys.argv[0] unless
    given): with `environ` (os.environ unless given), the snapshot the PATH addition is
    decided from, so the same snapshot always plans the same env files."""
    environ = os.environ if environ is None else environ
    program = (sys.argv[0] if sys.argv else "") if program is None else program
    return Machine(paths.home(), environ, path_append=shells.path_folder(environ, program))


def look_for_shells(environ: Mapping[str, str]) -> Machine:
    """What shells.detect needs (init's default shells): the shells whose start-up files
    exist."""
    return Machine(paths.home(), environ, shells_found=shells.shells_with_files(environ))


def look_for_clients(environ: Mapping[str, str]) -> Machine:
    """What clients.detect needs (init's default clients, its hint): each client's program
    on PATH, its folder, and the files it asks about."""
    found = [clients.get(name) for name in CLIENTS]
    probes = [path for client in found for path in client.probes(environ)]
    folders = [client.config_dir(environ) for client in found]
    return Machine(
        paths.home(),
        environ,
        programs={c.program: shutil.which(c.program, path=environ.get("PATH")) for c in found},
        existing=frozenset(path for path in probes if path.exists()),
        folders=frozenset(path for path in folders if path.is_dir()),
    )
