"""Issue 6: SIGKILL at random moments, and runs at once. Real child processes throughout.

The crash trials are a fast subset of scripts/crash_trials.py: ten kills spread over init,
model use and uninstall, with a slow disk (every fsync in the child takes 20 ms) so that
the kills land between writes often; after each, the files are checked, the command is run
again and a final uninstall must give back the original home byte for byte.

Waiting for another process to block on the lock is done by watching /proc for the lock
file among its open files (a condition, not a sleep), so those tests need Linux.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import reliability as rel
from tests.helpers import need

STATE = Path(".local/state/ollama-client-setup")
LOCK = STATE / "lock"
SETTINGS = Path(".config/ollama-client-setup/settings.toml")

# --- crash trials ------------------------------------------------------------------------------

TRIALS = [("init", seed) for seed in range(4)] + [
    (name, seed) for name in ("model use", "uninstall") for seed in range(3)
]


@pytest.fixture(scope="module")
def scenarios(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, dict[str, rel.Scenario]]]:
    home = tmp_path_factory.mktemp("crash") / "home"
    prepared = rel.prepare(home, repeats=1, slow_fsync=0.02)
    yield home, {s.name: s for s in prepared}


@pytest.mark.parametrize(("name", "seed"), TRIALS, ids=[f"{n}-{s}" for n, s in TRIALS])
def test_killed_at_a_random_moment_loses_nothing(
    scenarios: tuple[Path, dict[str, rel.Scenario]], name: str, seed: int
) -> None:
    for program in ("bash", "zsh", "fish"):
        need(program)  # the parse checks run each shell's own -n
    home, by_name = scenarios
    scenario = by_name[name]
    delay = random.Random(f"{name}-{seed}").uniform(0.0, scenario.duration)
    result = rel.crash_trial(home, scenario, delay)
    assert result.problems == [], (result.phase, delay)


# --- runs at once ------------------------------------------------------------------------------


def _setup(home: Path) -> None:
    home.mkdir(exist_ok=True)
    (home / ".bashrc").write_text("export A=1\n")


def _spawn(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*rel.CLI, *args],
        env=rel.sandbox_env(home),
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _holds_open(pid: int, path: Path) -> bool:
    folder = Path(f"/proc/{pid}/fd")
    try:
        links = [os.readlink(folder / fd) for fd in os.listdir(folder)]
    except OSError:
        return False
    return str(path) in links


def _wait_until_blocked(procs: list[subprocess.Popen[str]], lock: Path) -> None:
    """Until each process has the lock file open (it is then waiting for the lock)."""
    deadline = time.monotonic() + 60
    while not all(_holds_open(p.pid, lock) for p in procs):
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        assert time.monotonic() < deadline, "the runs never reached the lock"
        time.sleep(0.01)


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


@needs_proc
def test_two_model_switches_at_once_are_serialised_without_a_lost_update(
    tmp_path: Path,
) -> None:
    from ollama_client_setup.edits import lock

    home = tmp_path / "home"
    _setup(home)
    init = rel.run_cli(home, "init", "--yes", "--no-probe", "--host", "h", "--model", "m")
    assert init.returncode == 0, init.stderr
    rel.run_cli(home, "init", "--yes", "--no-probe", "--client", "aider", "--client", "codex")
    # Hold the lock here so both runs pile up behind it, then let go.
    fd = lock.acquire(home / STATE, time.monotonic() + 10)
    try:
        codex = _spawn(home, "model", "use", "--no-check", "--client", "codex", "model-a")
        aider = _spawn(home, "model", "use", "--no-check", "--client", "aider", "model-b")
        _wait_until_blocked([codex, aider], home / LOCK)
    finally:
        lock.release(fd)
    for proc in (codex, aider):
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    settings = (home / SETTINGS).read_text()
    assert '[clients.codex]\nmodel = "model-a"' in settings
    assert '[clients.aider]\nmodel = "model-b"' in settings
    assert "ollama_chat/model-b" in (home / ".aider.conf.yml").read_text()
    assert 'model = "model-a"' in (home / ".codex" / "ollama-server.config.toml").read_text()


def test_a_lock_left_by_a_killed_run_is_free_at_once(tmp_path: Path) -> None:
    """flock belongs to the open file: the kernel lets go when its holder dies."""
    import fcntl

    home = tmp_path / "home"
    _setup(home)
    state = home / STATE
    state.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from ollama_client_setup.edits import lock; "
            f"lock.acquire(__import__('pathlib').Path({str(state)!r}), time.monotonic() + 5); "
            "print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(rel.REPO)},
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    probe = os.open(state / "lock", os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free now
        fcntl.flock(probe, fcntl.LOCK_UN)
    finally:
        os.close(probe)
        if holder.stdin:
            holder.stdin.close()
    done = rel.run_cli(home, "init", "--yes", "--no-probe", "--host", "h", "--shell", "bash")
    assert done.returncode == 0, done.stderr  # not 7 (LOCKED) after a 15 s wait


@needs_proc
def test_a_run_waiting_while_uninstall_removes_the_state_folder_starts_over(
    tmp_path: Path,
) -> None:
    """The last uninstall removes the state folder, lock file included, while holding the
    lock. A run waiting on that lock used to carry on with a lock nobody else could see and
    a state folder it then re-made without recording it (so ~/.local stayed for ever)."""
    from ollama_client_setup.edits import lock
    from ollama_client_setup.edits.receipts import Receipts

    home = tmp_path / "home"
    _setup(home)
    original = rel.snapshot(home)
    state = home / STATE
    # The folder as a first run makes it (with a receipt naming ~/.local and ~/.local/state).
    env = rel.sandbox_env(home)
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ollama_client_setup.base import paths; "
            "from ollama_client_setup.flows import workflow; "
            "assert workflow._create_state_dir(paths.state_dir())",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    fd = lock.acquire(state, time.monotonic() + 10)
    try:
        waiting = _spawn(home, "init", "--yes", "--no-probe", "--host", "h", "--shell", "bash")
        _wait_until_blocked([waiting], state / "lock")
        # What a finishing uninstall does, under the lock: the state folder goes.
        from ollama_client_setup.flows import workflow

        workflow._remove_tool_state(state, Receipts.load(state), keep_backups=False)
        assert not (home / ".local").exists()
    finally:
        lock.release(fd)
    _, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert (state / "receipts.json").exists()
    final = rel.run_cli(home, "uninstall", "--yes")
    assert final.returncode == 0, final.stderr
    assert rel.differences(original, rel.snapshot(home)) == []


def test_two_first_runs_at_once_both_succeed_and_uninstall_is_exact(tmp_path: Path) -> None:
    """Both make the state folder at the same moment: one run's sweep of leftover temp
    folders used to delete the tree the other was still building (a traceback, exit 1)."""
    home = tmp_path / "home"
    _setup(home)
    original = rel.snapshot(home)
    base = ("init", "--yes", "--no-probe", "--host", "h", "--model", "m", "--shell", "bash")
    runs = [_spawn(home, *base, "--client", c) for c in ("aider", "opencode", "codex")]
    for proc in runs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    settings = (home / SETTINGS).read_text()
    assert all(f'"{c}"' in settings for c in ("aider", "opencode", "codex"))
    assert rel.leftovers(home) == []
    final = rel.run_cli(home, "uninstall", "--yes")
    assert final.returncode == 0, final.stderr
    assert rel.differences(original, rel.snapshot(home)) == []
