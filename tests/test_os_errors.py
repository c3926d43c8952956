"""Issue 15 item 9: ordinary OS errors are refusals (exit 4), not bugs.

A read-only home, a full disk and a file where the state folder's parent should be give exit 4
with the path, the system's reason and the way out (the --dry-run message where it has one),
and leave the home exactly as it was: no state folder, no temp file, files put back.

How the errors are made: the tests run as root, for whom mode bits do not stop a write, and
no mount is available. A read-only home is made with `chattr +i` (skipped where that does not
work). EROFS and ENOSPC themselves are injected with monkeypatch at the lowest real I/O call
the engine makes: os.mkdir, and os.fsync of a regular file (every write path syncs before it
replaces anything, so failing the Nth fsync walks the failure through every step of a run).
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import run, snapshot
from tests.reliability import restore

INIT = ("init", "--yes", "--no-probe", "--host", "127.0.0.1", "--model", "m")
INIT_ALL = (*INIT, "--client", "aider", "--client", "codex")
BASHRC = b"# mine\nalias ll='ls -l'\n"


def _home(home: Path) -> None:
    (home / ".bashrc").write_bytes(BASHRC)
    (home / ".profile").write_bytes(b"# profile\n")


def _temp_files(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if ".ocs-tmp-" in p.name]


@pytest.fixture
def immutable(sandbox_home: Path) -> Iterator[Path]:
    done = subprocess.run(["chattr", "+i", str(sandbox_home)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i does not work here: {done.stderr.decode().strip()}")
    try:
        yield sandbox_home
    finally:
        subprocess.run(["chattr", "-i", str(sandbox_home)], check=True)


def _fail_fsync(monkeypatch: pytest.MonkeyPatch, home: Path, nth: int, err: int) -> list[int]:
    """Make the nth fsync of a regular file under `home` fail with `err`; counts them all."""
    real_fsync = os.fsync
    seen = [0]

    def fsync(fd: int) -> None:
        try:
            where = os.readlink(f"/proc/self/fd/{fd}")
            regular = stat.S_ISREG(os.fstat(fd).st_mode)
        except OSError:
            where, regular = "", False
        if regular and where.startswith(str(home)):
            seen[0] += 1
            if seen[0] == nth:
                raise OSError(err, os.strerror(err))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def _writes(args: tuple[str, ...], home: Path) -> int:
    """How many file fsyncs the command makes (then the home is put back as it was)."""
    before = snapshot(home)
    with pytest.MonkeyPatch.context() as mp:
        seen = _fail_fsync(mp, home, 0, errno.ENOSPC)
        run(*args)
    restore(home, before)
    return seen[0]


# --- a read-only home ------------------------------------------------------------------------


def test_read_only_home_init_refuses_like_dry_run(immutable: Path) -> None:
    dry = run(*INIT, "--dry-run", code=4)
    real = run(*INIT, code=4)
    assert "this is a bug" not in real.stderr
    assert real.stderr == dry.stderr
    assert "is not writable" in real.stderr and "~/.bashrc" in real.stderr
    assert list(immutable.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [INIT_ALL, ("model", "use", "--no-check", "other"), ("uninstall", "--yes")],
    ids=["init", "model-use", "uninstall"],
)
def test_read_only_home_after_init(sandbox_home: Path, args: tuple[str, ...]) -> None:
    """Everything in the home made immutable (a read-only home) once the tool is set up."""
    _home(sandbox_home)
    run(*INIT_ALL)
    before = snapshot(sandbox_home)
    done = subprocess.run(["chattr", "-R", "+i", str(sandbox_home)], capture_output=True)
    try:
        if done.returncode != 0:
            pytest.skip("chattr +i does not work here")
        if args[0] == "init":
            args = (*INIT_ALL[:-1], "opencode")  # A change to make, so a file to write.
        dry = run(*args, "--dry-run", code=4)
        real = run(*args, code=4)
        assert real.stderr == dry.stderr
        assert "not writable" in real.stderr or "read-only" in real.stderr
        assert "nothing was changed" in real.stderr
    finally:
        subprocess.run(["chattr", "-R", "-i", str(sandbox_home)], check=True)
    assert snapshot(sandbox_home) == before
    assert _temp_files(sandbox_home) == []


def test_read_only_state_parent_init_refuses(sandbox_home: Path) -> None:
    _home(sandbox_home)
    state = sandbox_home / ".local" / "state"
    state.mkdir(parents=True)
    done = subprocess.run(["chattr", "+i", str(state)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("chattr +i does not work here")
    try:
        before = snapshot(sandbox_home)
        dry = run(*INIT, "--dry-run", code=4)
        real = run(*INIT, code=4)
        assert real.stderr == dry.stderr
        assert "~/.local/state/ollama-client-setup" in real.stderr
        assert "not writable" in real.stderr
        assert "OLLAMA_CLIENT_SETUP_STATE_DIR" in real.stderr
        assert snapshot(sandbox_home) == before
    finally:
        subprocess.run(["chattr", "-i", str(state)], check=True)


def test_erofs_making_state_folder_is_refused(
    sandbox_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _home(sandbox_home)
    before = snapshot(sandbox_home)
    real_mkdir = os.mkdir

    def mkdir(path: object, *args: object, **kwargs: object) -> None:
        if str(path).startswith(str(sandbox_home)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        real_mkdir(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "mkdir", mkdir)
    result = run(*INIT, code=4)
    assert "read-only file system" in result.stderr
    assert "~/.local/state/ollama-client-setup" in result.stderr
    assert "remount it read-write" in result.stderr
    assert "nothing was changed" in result.stderr
    assert snapshot(sandbox_home) == before


# --- a file where ~/.local/state should be --------------------------------------------------


@pytest.mark.parametrize("command", ["init", "model", "uninstall"])
def test_file_in_place_of_state_parent(sandbox_home: Path, command: str) -> None:
    _home(sandbox_home)
    if command != "init":
        run(*INIT)
        # The state folder lost (moved away), a file now in the way: uninstall still finds
        # the blocks (the scan) and must write receipts; model use must write them too.
        import shutil

        shutil.rmtree(sandbox_home / ".local")
    (sandbox_home / ".local").mkdir(exist_ok=True)
    (sandbox_home / ".local" / "state").write_bytes(b"not a folder\n")
    args = {
        "init": INIT,
        "model": ("model", "use", "--no-check", "other"),
        "uninstall": ("uninstall", "--yes"),
    }[command]
    before = snapshot(sandbox_home)
    dry = run(*args, "--dry-run", code=4)
    real = run(*args, code=4)
    assert real.stderr == dry.stderr
    assert "~/.local/state is in the way: it is not a folder" in real.stderr
    assert "move ~/.local/state away" in real.stderr
    assert snapshot(sandbox_home) == before


# --- a full disk, at every write of a run ---------------------------------------------------


def _check_full_disk(
    home: Path,
    args: tuple[str, ...],
    after_ok: tuple[str, ...] | None = None,
) -> None:
    total = _writes(args, home)
    assert total >= 3, total
    before = snapshot(home)
    for nth in range(1, total + 1):
        with pytest.MonkeyPatch.context() as mp:
            seen = _fail_fsync(mp, home, nth, errno.ENOSPC)
            result = run(*args, code=None)
        assert seen[0] >= nth
        assert result.exit_code == 4, (nth, result.output)
        assert "no space left on device" in result.stderr, nth
        assert "Free some space" in result.stderr, nth
        assert "nothing was changed" in result.stderr, nth
        assert _temp_files(home) == [], nth
        assert snapshot(home) == before, nth
    # The receipts are still right: the command then works, and uninstall is exact.
    run(*args)
    if after_ok:
        run(*after_ok)


def test_full_disk_init(sandbox_home: Path) -> None:
    _home(sandbox_home)
    original = snapshot(sandbox_home)
    _check_full_disk(sandbox_home, INIT_ALL, ("uninstall", "--yes"))
    assert snapshot(sandbox_home) == original


def test_full_disk_init_again(sandbox_home: Path) -> None:
    _home(sandbox_home)
    original = snapshot(sandbox_home)
    run(*INIT)
    _check_full_disk(sandbox_home, INIT_ALL, ("uninstall", "--yes"))
    assert snapshot(sandbox_home) == original


def test_full_disk_model_use(sandbox_home: Path) -> None:
    _home(sandbox_home)
    original = snapshot(sandbox_home)
    run(*INIT_ALL)
    _check_full_disk(sandbox_home, ("model", "use", "--no-check", "other"), ("uninstall", "--yes"))
    assert snapshot(sandbox_home) == original


def test_full_disk_uninstall(sandbox_home: Path) -> None:
    _home(sandbox_home)
    original = snapshot(sandbox_home)
    run(*INIT_ALL)
    _check_full_disk(sandbox_home, ("uninstall", "--yes"))
    assert snapshot(sandbox_home) == original
