"""The real client programs, installed by scripts/install_clients.sh into .cache/clients.

`use(program, monkeypatch)` puts that folder first on PATH for one test and returns the
program's path. Where the programs are not installed the test is skipped, except in CI
(.ci/run sets OCS_REQUIRE_REAL_CLIENTS=1), where a missing program fails the test: the
stubs once agreed with a judge the real Codex contradicts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("OCS_CLIENTS_DIR") or ROOT / ".cache" / "clients") / "bin"
REQUIRED = os.environ.get("OCS_REQUIRE_REAL_CLIENTS") == "1"
#: client name -> program, as tests name them.
PROGRAMS = {
    "aider": "aider",
    "claude-code": "claude",
    "continue": "cn",
    "codex": "codex",
    "opencode": "opencode",
}


def use(program: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The real `program`, first on PATH from now on in this test."""
    if (BIN / program).exists():
        monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    found = shutil.which(program)
    if found is None:
        message = f"{program} is not installed (scripts/install_clients.sh installs it)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return found
