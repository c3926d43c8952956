"""Shared by the client tests: the init command line, a line diff, and stub client programs.

A stub is a tiny sh script standing in for a real client (`claude`, ...): it prints its
environment, so a test can see exactly what a launcher handed to the program.
"""

from __future__ import annotations

import difflib
from pathlib import Path

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
