"""Shared by the reliability tests and scripts/: sandbox homes, the CLI as a subprocess,
exact snapshots and restores, parse checks per file type, and the crash trial itself.

Everything here runs the real CLI (`python -m ollama_client_setup`) in a child process with
its own HOME, so a SIGKILL hits the program exactly as it would on a user's machine.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ollama_client_setup.edits.fsio import TEMP_TAG

CLI = (sys.executable, "-m", "ollama_client_setup")
REPO = Path(__file__).resolve().parent.parent

#: Every shell and client, each in the mode that edits a user's own file.
ALL = (
    "--shell",
    "bash",
    "--shell",
    "zsh",
    "--shell",
    "fish",
    "--shell",
    "sh",
    "--shell",
    "pwsh",
    "--client",
    "aider",
    "--client",
    "continue",
    "--client",
    "claude-code",
    "--claude-code-mode",
    "settings",
    "--client",
    "codex",
    "--codex-mode",
    "default",
    "--client",
    "opencode",
)
INIT = ("init", "--yes", "--no-probe", "--host", "127.0.0.1", "--model", "m", *ALL)
MODEL_USE = ("model", "use", "--no-check", "other-model:7b")
UNINSTALL = ("uninstall", "--yes")

Snapshot = dict[str, tuple[str, object, int]]


# --- the sandbox -------------------------------------------------------------------------


def sandbox_env(
    home: Path, extra: dict[str, str] | None = None, slow_fsync: float = 0.0
) -> dict[str, str]:
    """A clean environment that points every location the tool uses into `home`.
    `slow_fsync`: every fsync in the child takes that many seconds (tests/slowdisk)."""
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SHELL": "/bin/bash",
        "LC_ALL": "C.UTF-8",
        "NO_COLOR": "1",
        "COLUMNS": "100",
        "TERM": "dumb",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "OLLAMA_CLIENT_SETUP_TAILSCALE": "none",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "PYTHONPATH": str(REPO),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if slow_fsync:
        env["PYTHONPATH"] = f"{REPO / 'tests' / 'slowdisk'}{os.pathsep}{REPO}"
        env["OCS_TEST_FSYNC_DELAY"] = str(slow_fsync)
    env.update(extra or {})
    return env


def run_cli(
    home: Path,
    *args: str,
    extra: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=sandbox_env(home, extra),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


SEED: dict[str, bytes] = {
    ".bashrc": (
        b"# ~/.bashrc: executed by bash(1) for non-login shells.\n"
        b"case $- in *i*) ;; *) return;; esac\n"
        b"HISTCONTROL=ignoreboth\n"
        b"export OLLAMA_API_BASE=http://old-server:11434\n"
        b"alias ll='ls -alF'\n"
        b"if [ -f ~/.bash_aliases ]; then\n    . ~/.bash_aliases\nfi\n"
    ),
    ".profile": b'# ~/.profile\nif [ -n "$BASH_VERSION" ]; then\n  . "$HOME/.bashrc"\nfi\n',
    ".zshrc": b"setopt autocd\nbindkey -e\nexport EDITOR=vim",
    ".config/fish/config.fish": b"set -gx EDITOR vim\n",
    ".aider.conf.yml": (
        b"# Aider settings\n"
        b"model:   gpt-4o   # the old one\n"
        b"dark-mode: true\n"
        b"set-env:\n"
        b"  - FOO=bar\n"
    ),
    ".continue/config.yaml": (
        b"name: Local Config\n"
        b"version: 1.0.0\n"
        b"schema: v1\n"
        b"models:\n"
        b"  - name: GPT-4o # keep me\n"
        b"    provider: openai\n"
        b"    model: gpt-4o\n"
    ),
    ".claude/settings.json": (
        b'{\n    "model": "opus",\n    "env": {\n        "DISABLE_AUTOUPDATER": "1"\n'
        b"    },\n"
        b'    "permissions": {"allow": ["Read(~/.zshrc)"]}\n}\n'
    ),
    ".codex/config.toml": (
        b'# my codex\nmodel = "gpt-5"\napproval_policy = "on-request"\n\n'
        b'[mcp_servers.docs]\ncommand = "docs-mcp"\n'
    ),
}


def seed_full_home(home: Path) -> None:
    """A home where every shell and client already has the user's own files."""
    home.mkdir(parents=True, exist_ok=True)
    for rel, data in SEED.items():
        path = home / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# --- snapshots ---------------------------------------------------------------------------


def snapshot(root: Path) -> Snapshot:
    """Every path under root: kind, content (bytes or link target) and mode."""
    out: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            st = path.lstat()
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path), 0)
            elif path.is_dir():
                out[rel] = ("dir", None, st.st_mode)
            else:
                out[rel] = ("file", path.read_bytes(), st.st_mode)
    return out


def restore(root: Path, snap: Snapshot) -> None:
    """Make `root` exactly `snap` again (contents, links and modes)."""
    if root.exists():
        for path in root.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for rel in sorted(snap, key=lambda r: len(Path(r).parts)):
        kind, content, mode = snap[rel]
        path = root / rel
        if kind == "dir":
            path.mkdir()
        elif kind == "link":
            path.symlink_to(str(content))
        else:
            assert isinstance(content, bytes)
            path.write_bytes(content)
    for rel, (kind, _, mode) in sorted(snap.items(), key=lambda i: -len(Path(i[0]).parts)):
        if kind != "link":
            (root / rel).chmod(mode & 0o7777)


def differences(a: Snapshot, b: Snapshot, skip: Iterable[str] = ()) -> list[str]:
    """The paths whose kind, content or mode differ (ignoring those under `skip`)."""
    prefixes = tuple(skip)
    out = []
    for rel in sorted(set(a) | set(b)):
        if prefixes and rel.startswith(prefixes):
            continue
        if a.get(rel) != b.get(rel):
            out.append(rel)
    return out


def leftovers(root: Path) -> list[str]:
    """Temp files (or folders) an interrupted write left behind."""
    return sorted(str(p.relative_to(root)) for p in root.rglob(f"*{TEMP_TAG}*"))


STATE = ".local/state/ollama-client-setup"


# --- parse checks ------------------------------------------------------------------------

_SH = {".bashrc", ".bash_profile", ".bash_login", ".profile", "env.sh", "completion.bash"}
_ZSH = {".zshrc", ".zshenv", ".zprofile", "completion.zsh"}


def parse_problem(path: Path) -> str | None:
    """Why the file does not parse for its reader, or None when it does."""
    name = path.name
    data = path.read_bytes()
    try:
        if name in _SH:
            return _shell_check(["bash", "-n", str(path)])
        if name in _ZSH:
            return _shell_check(["zsh", "-n", str(path)]) if shutil.which("zsh") else None
        if name.endswith(".fish"):
            return _shell_check(["fish", "-n", str(path)]) if shutil.which("fish") else None
        text = data.decode("utf-8-sig")
        if name.endswith((".yaml", ".yml")):
            from ruamel.yaml import YAML

            YAML(typ="safe", pure=True).load(text)
        elif name.endswith(".json"):
            json.loads(text)
        elif name.endswith(".toml"):
            _toml_loads(text)
    except Exception as exc:  # any parse error is the finding
        return f"{type(exc).__name__}: {exc}"
    return None


def _toml_loads(text: str) -> object:
    """A TOML reader other than the tool's own tomlkit where there is one (3.11+)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomlkit

        return tomlkit.parse(text)
    return tomllib.loads(text)


def _shell_check(argv: list[str]) -> str | None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return None if done.returncode == 0 else (done.stderr.strip() or f"exit {done.returncode}")


def parse_problems(home: Path, rels: Iterable[str]) -> list[str]:
    out = []
    for rel in rels:
        path = home / rel
        if path.is_file():  # Follows links: a stow-style link is checked through.
            problem = parse_problem(path)
            if problem:
                out.append(f"{rel}: {problem}")
    return out


def state_problems(home: Path) -> list[str]:
    """The receipts parse, and every backup they name holds the original bytes."""
    import hashlib

    state = home / STATE
    receipts = state / "receipts.json"
    if not receipts.exists():
        return []
    try:
        data = json.loads(receipts.read_bytes())
    except ValueError as exc:
        return [f"receipts.json does not parse: {exc}"]
    out = []
    for key, entry in data.get("entries", {}).items():
        if entry.get("backup"):
            backup = state / "backups" / entry["backup"]
            if not backup.exists():
                out.append(f"{key}: backup {entry['backup']} is missing")
            elif hashlib.sha256(backup.read_bytes()).hexdigest() != entry["original_sha"]:
                out.append(f"{key}: backup {entry['backup']} does not hold the original")
    return out


# --- the crash trial ---------------------------------------------------------------------


@dataclass
class Scenario:
    """A command to interrupt, the state it starts from and what a full run produces."""

    name: str
    args: tuple[str, ...]
    start: Snapshot
    done: Snapshot
    #: The home before the tool ever ran: the final uninstall must give exactly this back.
    original: Snapshot
    #: How long a full run takes (seconds), measured; kill delays are drawn from it.
    duration: float
    #: About when the first file changes and when the last one has (seconds); calibrate().
    first_change: float = 0.0
    last_change: float = 0.0
    #: Seconds each fsync takes in the interrupted run (and in the measuring runs).
    slow_fsync: float = 0.0


@dataclass
class TrialResult:
    scenario: str
    delay: float
    killed: bool
    problems: list[str] = field(default_factory=list)
    #: Where the kill landed: "before any change", "mid-change" (some files new, some
    #: old, or only the tool's state changed) or "after every change".
    phase: str = ""


def timed_run(
    home: Path, args: Sequence[str], slow_fsync: float = 0.0
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [*CLI, *args],
        env=sandbox_env(home, slow_fsync=slow_fsync),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    return done, time.monotonic() - started


def prepare(home: Path, repeats: int = 3, slow_fsync: float = 0.0) -> list[Scenario]:
    """Measure init, model use and uninstall in `home` and record their start and end
    (`slow_fsync`: as the interrupted runs will see the disk)."""
    restore(home, {})
    seed_full_home(home)
    original = snapshot(home)

    def measure(args: Sequence[str], start: Snapshot) -> tuple[Snapshot, float]:
        times = []
        for _ in range(repeats):
            restore(home, start)
            done, seconds = timed_run(home, args, slow_fsync)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(args)} failed: {done.stderr}")
            times.append(seconds)
        return snapshot(home), sorted(times)[len(times) // 2]

    after_init, t_init = measure(INIT, original)
    after_use, t_use = measure(MODEL_USE, after_init)
    after_uninstall, t_uninstall = measure(UNINSTALL, after_init)
    if differences(after_uninstall, original):
        raise RuntimeError(f"uninstall is not exact: {differences(after_uninstall, original)}")
    return [
        Scenario("init", INIT, original, after_init, original, t_init, slow_fsync=slow_fsync),
        Scenario(
            "model use", MODEL_USE, after_init, after_use, original, t_use, slow_fsync=slow_fsync
        ),
        Scenario(
            "uninstall",
            UNINSTALL,
            after_init,
            after_uninstall,
            original,
            t_uninstall,
            slow_fsync=slow_fsync,
        ),
    ]


def crash_trial(home: Path, scenario: Scenario, delay: float) -> TrialResult:
    """Kill the command after `delay` s, then check the files, re-run, and uninstall."""
    restore(home, scenario.start)
    result = TrialResult(scenario.name, delay, killed=False)
    problems = result.problems
    proc = subprocess.Popen(
        [*CLI, *scenario.args],
        env=sandbox_env(home, slow_fsync=scenario.slow_fsync),
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        result.killed = True
    after_kill = snapshot(home)
    if not differences(scenario.start, after_kill):
        result.phase = "before any change"
    elif not differences(scenario.done, after_kill, skip=[STATE]) and not leftovers(home):
        result.phase = "after every change"
    else:
        result.phase = "mid-change"
    # 1. Each user file is wholly old or wholly new, and parses.
    for rel in differences(scenario.start, after_kill, skip=[STATE]):
        if TEMP_TAG in rel:
            continue  # A temp file may remain after a kill; the next run must clear it.
        if after_kill.get(rel) not in (scenario.start.get(rel), scenario.done.get(rel)):
            problems.append(f"after the kill, {rel} is neither the old nor the new version")
    problems += [f"after the kill: {p}" for p in parse_problems(home, after_kill)]
    problems += [f"after the kill: {p}" for p in state_problems(home)]
    # 2. Running the command again converges and leaves no temp files.
    again = run_cli(home, *scenario.args)
    if again.returncode != 0:
        problems.append(f"re-running {scenario.name} failed ({again.returncode}): {again.stderr}")
        return result
    rerun = snapshot(home)
    for rel in differences(scenario.done, rerun, skip=[STATE]):
        problems.append(f"after re-running {scenario.name}, {rel} differs from a clean run")
    problems += [f"after re-running: leftover {p}" for p in leftovers(home)]
    problems += [f"after re-running: {p}" for p in state_problems(home)]
    # 3. A final uninstall gives the original home back, byte for byte.
    final = run_cli(home, *UNINSTALL)
    if final.returncode != 0:
        problems.append(f"the final uninstall failed ({final.returncode}): {final.stderr}")
        return result
    for rel in differences(scenario.original, snapshot(home)):
        problems.append(f"after the final uninstall, {rel} differs from the original home")
    return result


def _killed_at(home: Path, scenario: Scenario, delay: float) -> Snapshot:
    restore(home, scenario.start)
    proc = subprocess.Popen(
        [*CLI, *scenario.args],
        env=sandbox_env(home, slow_fsync=scenario.slow_fsync),
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return snapshot(home)


def calibrate(home: Path, scenario: Scenario, steps: int = 7) -> None:
    """Find about when the command changes its first file and has changed its last one
    (bisecting kill delays), so that focused trials aim at the writes rather than at the
    interpreter's start-up."""

    def bisect(reached: Callable[[Snapshot], bool]) -> float:
        low, high = 0.0, scenario.duration
        for _ in range(steps):
            middle = (low + high) / 2
            if reached(_killed_at(home, scenario, middle)):
                high = middle
            else:
                low = middle
        return high

    scenario.first_change = bisect(lambda snap: bool(differences(scenario.start, snap)))
    scenario.last_change = bisect(lambda snap: not differences(scenario.done, snap, skip=[STATE]))


def draw_delay(rng: random.Random, scenario: Scenario, focused: bool = False) -> float:
    """Uniform over the command's measured duration; `focused`: over about the part where
    it writes (calibrate()), widened by a fifth on each side for timing noise."""
    if not focused or scenario.last_change <= 0:
        return rng.uniform(0.0, scenario.duration)
    first, last = scenario.first_change, max(scenario.last_change, scenario.first_change)
    margin = max((last - first) * 0.2, 0.005)
    return rng.uniform(max(first - margin, 0.0), min(last + margin, scenario.duration))
