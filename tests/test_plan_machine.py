"""Planning does no I/O: a plan is a function of the settings and a Machine (what the
machine looks like, gathered first by plan.machine.look). These build Machines by hand and
plan with every way of looking at the disk or starting a program made to fail."""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ollama_client_setup import plan as targets
from ollama_client_setup.clients import base as clients
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.edits.changes import Change, ManagedBlock
from ollama_client_setup.plan.machine import look
from ollama_client_setup.shells import completion as comp
from ollama_client_setup.shells import profiles as shells
from ollama_client_setup.shells.files import Unresolved
from ollama_client_setup.shells.machine import Machine, NotLookedAt
from ollama_client_setup.shells.zdotdir import ZdotdirUnknown

ALL_SHELLS = ("bash", "zsh", "sh", "fish", "pwsh")
SETTINGS = Settings(host="h", model="m", shells=ALL_SHELLS, clients=("continue", "aider", "codex"))


class LookedAtTheMachine(AssertionError):
    pass


@contextmanager
def no_io() -> Iterator[None]:
    """Every probe a planner once made, made to fail (an AssertionError: no OSError handler
    can swallow it). Undone before pytest reports: its reports look at files too."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise LookedAtTheMachine(args)

    with pytest.MonkeyPatch.context() as patch:
        for name in ("exists", "is_dir", "is_file", "is_symlink", "stat", "read_text"):
            patch.setattr(Path, name, refuse)
        patch.setattr(os, "stat", refuse)
        patch.setattr(os.path, "realpath", refuse)
        patch.setattr(shutil, "which", refuse)
        patch.setattr(subprocess, "run", refuse)
        patch.setattr(subprocess, "Popen", refuse)
        yield


def planned(found: Machine) -> list[Change]:
    with no_io():
        return targets.build(SETTINGS, found)


@functools.cache
def scripts() -> dict[str, str]:
    """The completion scripts, written once (Click's bash one runs bash for its version)."""
    return {shell: comp.script(shell) for shell in comp.SHELLS}


def machine(home: Path, **fields: Any) -> Machine:
    """A Machine with zsh's files under ~/.config/zsh, bash's login file ~/.bash_profile and
    Windows' PowerShell profile; `fields` replace any of that."""
    made = Machine(
        home,
        {"PATH": "/usr/bin"},
        zdotdir=home / ".config" / "zsh",
        bash_login=home / ".bash_profile",
        pwsh_profile=home / "Documents" / "PowerShell" / "profile.ps1",
        completion_scripts=scripts(),
    )
    return dataclasses.replace(made, **fields)


@pytest.fixture(autouse=True)
def _templates_read(sandbox_home: Path) -> None:
    """The shell templates are the tool's own files, read once and kept: read them before
    the probes are made to fail."""
    targets.build(SETTINGS, machine(sandbox_home))


def blocks(changes: list[Change]) -> dict[str, Path]:
    return {c.owner: c.path for c in changes if isinstance(c, ManagedBlock)}


def texts(changes: list[Change]) -> list[tuple[str, str | None]]:
    return [(str(c.path), c.render(None).text) for c in changes]


def test_a_plan_from_a_hand_made_machine_looks_at_nothing(sandbox_home: Path) -> None:
    home = sandbox_home
    found = machine(home, existing=frozenset({home / ".continue" / "config.json"}))
    changes = planned(found)
    with no_io():
        text = texts(changes)
        again = texts(targets.build(SETTINGS, found))
    assert text == again  # the same Machine, the same plan
    where = {c.owner: c.path for c in changes}
    assert blocks(changes)["shell.zsh"] == home / ".config" / "zsh" / ".zshrc"
    assert blocks(changes)["shell.pwsh"] == home / "Documents" / "PowerShell" / "profile.ps1"
    bash = [c.path for c in changes if c.owner == "shell.bash"]
    assert bash == [home / ".bashrc", home / ".bash_profile"]
    # Only config.json there: Continue reads it, so the tool edits it.
    assert where["continue"] == home / ".continue" / "config.json"


def test_one_file_under_two_names_gets_one_block_as_the_machine_says(sandbox_home: Path) -> None:
    home = sandbox_home
    same = {home / ".bashrc": "one", home / ".bash_profile": "one"}
    changes = planned(machine(home, file_ids=same))
    assert [c.path for c in changes if c.owner == "shell.bash"] == [home / ".bashrc"]


def test_zsh_that_cannot_be_located_is_planned_as_a_refusal(sandbox_home: Path) -> None:
    unknown = ZdotdirUnknown(sandbox_home / ".zshenv", 3, "zsh is not installed to work it out")
    changes = planned(machine(sandbox_home, zdotdir=unknown))
    (refusal,) = [c for c in changes if c.owner == "shell.zsh"]
    assert isinstance(refusal, Unresolved) and refusal.line == 3


def test_a_shell_not_looked_at_is_an_error_not_a_probe(sandbox_home: Path) -> None:
    with pytest.raises(NotLookedAt):
        planned(Machine(sandbox_home, {}))


def test_detection_reads_the_machine(sandbox_home: Path) -> None:
    found = Machine(
        sandbox_home,
        {"SHELL": "/usr/bin/zsh"},
        programs={"aider": "/usr/bin/aider"},
        folders=frozenset({sandbox_home / ".codex"}),
        shells_found=("bash", "zsh"),
    )
    with no_io():
        detected = shells.detect(found), clients.detect(found)
    assert detected == (["zsh", "bash"], ["aider", "codex"])


def test_look_finds_what_the_planners_read(sandbox_home: Path) -> None:
    home = sandbox_home
    (home / ".bash_login").write_text("")
    (home / ".continue").mkdir()
    (home / ".continue" / "config.json").write_text("{}")
    (home / ".bashrc").write_text("")
    (home / ".profile").symlink_to(home / ".bashrc")
    found = look(SETTINGS, {**os.environ, "PATH": ""}, "", shells_planned=("bash", "sh"))
    assert found.bash_login == home / ".bash_login"
    assert found.zdotdir is None and found.pwsh_profile is None  # not planned: not asked
    assert found.exists(home / ".continue" / "config.json")
    assert found.file_id(home / ".profile") == found.file_id(home / ".bashrc")
