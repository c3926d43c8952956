"""Running as root: another user's home is refused; files keep their owner and mode."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from tests.helpers import run, snapshot

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (CI runs as root)"
)
INIT = ("init", "--yes", "--no-probe", "--host", "127.0.0.1", "--model", "m", "--shell", "bash")


def test_root_on_another_users_home_is_refused(sandbox_home: Path) -> None:
    """`sudo ollama-client-setup init` without -H: HOME still points at the user's home."""
    (sandbox_home / ".bashrc").write_text("# alice's\n")
    os.chown(sandbox_home, 1000, 1000)
    before = snapshot(sandbox_home)
    result = run(*INIT, code=ExitCode.REFUSED)
    assert "belongs to user id 1000" in result.stderr
    assert "without sudo" in result.stderr
    assert snapshot(sandbox_home) == before
    uninstall = run("uninstall", "--yes", code=None)
    assert uninstall.exit_code in (0, ExitCode.REFUSED)
    assert snapshot(sandbox_home) == before


def test_files_keep_their_owner_and_mode(sandbox_home: Path) -> None:
    bashrc = sandbox_home / ".bashrc"
    bashrc.write_text("# mine\n")
    os.chown(bashrc, 1000, 1000)
    bashrc.chmod(0o640)
    run(*INIT)
    st = bashrc.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (1000, 1000, 0o640)
    assert "ollama-client-setup" in bashrc.read_text()
    run("uninstall", "--yes")
    st = bashrc.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (1000, 1000, 0o640)
    assert bashrc.read_text() == "# mine\n"
