"""Homes set up with `init` for the benchmarks that need a configured tool: its flags, the
clients it accepts today, and a setup run that tolerates a late failure."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from benchmarks.figures import Results
from benchmarks.sandbox import USER_FILES, Sandbox
from benchmarks.timing import BenchError, _tail, run, tool
from tests.fakes.ollama import FakeOllama

CLIENTS_WANTED = ("aider", "continue", "claude-code", "codex", "opencode")


MODELS = ("qwen2.5-coder:7b", "llama3.2:3b")  # both exist on the fake server


_INIT_FLAGS: list[list[str]] = []


def init_flags(env: dict[str, str]) -> list[str]:
    """Flags that keep `init` away from the server, if this version has them (asked once)."""
    if not _INIT_FLAGS:
        text = run(tool("init", "--help"), env).stdout
        _INIT_FLAGS.append([flag for flag in ("--no-probe", "--no-check") if flag in text])
    return list(_INIT_FLAGS[0])


def settle_init(argv: list[str], env: dict[str, str], expect: Path, res: Results) -> None:
    """Run a setup `init`; a non-zero exit is tolerated (and noted) when it wrote `expect`."""
    done = run(argv, env, ok=range(256))
    if done.returncode == 0:
        return
    if not expect.exists():
        raise BenchError(f"setup `init` exited {done.returncode}: {_tail(done.stderr)}")
    note = f"setup `init` exited {done.returncode} after writing its files: {_tail(done.stderr)}"
    if note not in res.notes:
        res.notes.append(note)


def _clients_to_try() -> list[str]:
    try:
        from ollama_client_setup.base.registry import CLIENTS
    except ImportError:
        return list(CLIENTS_WANTED)
    return [c for c in CLIENTS_WANTED if c in CLIENTS] + [
        c for c in CLIENTS if c not in CLIENTS_WANTED
    ]


def init_argv(
    port: int, env: dict[str, str], shells: Sequence[str], clients: Sequence[str]
) -> list[str]:
    """`init --yes` for the fake server's port, kept away from the server when it can be."""
    argv = tool("init", "--yes", "--host", "127.0.0.1", "--port", str(port))
    argv += ["--model", MODELS[0], *init_flags(env)]
    argv += [arg for shell in shells for arg in ("--shell", shell)]
    return argv + [arg for client in clients for arg in ("--client", client)]


def usable_clients(root: Path, res: Results, fake: FakeOllama) -> list[str]:
    """The clients `init --client X` accepts today (some may still be being written);
    found once per run, by trying each in a scratch home with --dry-run."""
    if "clients" in res.details:
        return list(res.details["clients"])
    usable = []
    for index, client in enumerate(_clients_to_try()):
        env = Sandbox(root, f"detect-{index}", user_files=USER_FILES).env
        argv = init_argv(fake.port, env, ["bash"], [client])
        done = run([*argv, "--dry-run"], env, ok=range(256))
        if done.returncode == 0:
            usable.append(client)
        else:
            res.notes.append(f"clients: `--client {client}` left out: {_tail(done.stderr)}")
    res.details["clients"] = usable
    return usable
