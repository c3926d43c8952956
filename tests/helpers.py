"""Helpers shared by the tests: run the CLI, snapshot a tree, start a real shell."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ollama_client_setup.cli.main import cli
from tests.reliability import snapshot as snapshot  # one definition, shared with the trials

VARS = ("OLLAMA_API_BASE", "OPENAI_API_BASE", "OPENAI_API_KEY", "AIDER_MODEL")


def run(*args: str, input: str | None = None, code: int | None = 0) -> Result:
    """Run the CLI in-process; exceptions propagate so a traceback fails the test."""
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    if code is not None:
        assert result.exit_code == code, (result.exit_code, result.output)
    return result


def run_json(*args: str, code: int | None = 0) -> dict[str, Any]:
    result = run(*args, "--json", code=code)
    return json.loads(result.stdout)


def mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.lstat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def need(program: str) -> str:
    """The program's path; skipped when missing, except in CI, where .ci/run installs it."""
    found = shutil.which(program)
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{program} is not installed, but CI must test it")
        pytest.skip(f"{program} is not installed")
    return found


def shell_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a fresh terminal would start with in the sandbox."""
    env = {
        "HOME": str(home),
        "PATH": os.environ["PATH"],
        "TERM": "dumb",
        "LC_ALL": "C.UTF-8",
        "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"],
        "XDG_STATE_HOME": os.environ["XDG_STATE_HOME"],
        "XDG_DATA_HOME": os.environ["XDG_DATA_HOME"],
        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],
    }
    env.update(extra or {})
    return env


def read_vars(
    argv: list[str],
    home: Path,
    names: tuple[str, ...] = VARS,
    extra: dict[str, str] | None = None,
    prefix: str = "",
) -> dict[str, str]:
    """Start a real shell with `argv` (ending in the -c flag) and read what it exports.

    The shell runs `env -0` so values come back byte for byte whatever they hold.
    """
    done = subprocess.run(
        [*argv, prefix + "env -0"],
        env=shell_env(home, extra),
        capture_output=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        cwd=home,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    pairs = [item.split(b"=", 1) for item in done.stdout.split(b"\0") if b"=" in item]
    found = {k.decode(): v.decode("utf-8", "surrogateescape") for k, v in pairs}
    return {name: found.get(name, "") for name in names}


def init_at(
    port: int,
    *extra: str,
    model: str = "qwen2.5-coder:7b",
    host: str = "127.0.0.1",
    clients: tuple[str, ...] = (),
    code: int | None = 0,
) -> Result:
    """`init --yes` pointed at a (fake) server on this machine, with bash managed."""
    flags = [arg for name in clients for arg in ("--client", name)]
    return run(
        "init",
        "--yes",
        "--host",
        host,
        "--port",
        str(port),
        "--model",
        model,
        "--shell",
        "bash",
        *flags,
        *extra,
        code=code,
    )


def unload(server_url: str, model: str) -> None:
    """What `ollama stop MODEL` sends: an empty prompt with keep_alive 0 (init loads the
    models in use to learn their windows; a test of a cold load unloads them again)."""
    import httpx

    answer = httpx.post(f"{server_url}/api/generate", json={"model": model, "keep_alive": 0})
    assert answer.json()["done_reason"] == "unload", answer.text
