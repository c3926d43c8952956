"""Shared by the client tests: the init command line, a line diff, and stub client programs.

A stub is a tiny sh script standing in for a real client (`claude`, ...): it prints its
environment, so a test can see exactly what a launcher handed to the program.

A client stub (`install_client_stub`) behaves like the real program instead: it reads the
environment and the files the tool wrote, makes the real HTTP call to the server they name
(the fake Ollama records it), and fails the way the real client fails (Aider exits 0, Codex
prints "Reconnecting..." until it is killed). The scripts are the modules beside this file.
"""

from __future__ import annotations

import difflib
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: program -> the script that stands in for it.
CLIENT_STUBS = {
    "aider": "aider.py",
    "claude": "claude.py",
    "cn": "cn.py",
    "codex": "codex.py",
    "opencode": "opencode.py",
}

#: --no-probe: the client tests are about files; they never contact a server.
INIT = ("init", "--yes", "--no-probe", "--host", "127.0.0.1", "--model", "m")
SWITCH = ("init", "--yes", "--no-probe", "--model", "m2")


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines taken out and the lines put in between two texts."""
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (removed if line.startswith("-") else added).append(line[1:])
    return removed, added


def install_stub(bin_dir: Path, program: str) -> Path:
    """A `program` on PATH that prints its environment, NUL-separated, and exits 0."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    stub = bin_dir / program
    stub.write_text('#!/bin/sh\nprintf "STUB_ARGS=%s\\0" "$*"\nexec env -0\n')
    stub.chmod(0o755)
    return stub


def install_client_stub(bin_dir: Path, program: str) -> Path:
    """A `program` on PATH that behaves like the real client (see the module docstring).

    A wrapper that execs the script with this interpreter: no `env python3` lookup through
    the PATH under test, and exec keeps the PID, so a timeout kills the stub itself.
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    stub = bin_dir / program
    script = HERE / CLIENT_STUBS[program]
    stub.write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(script))} "$@"\n'
    )
    stub.chmod(0o755)
    return stub
