"""`--version` and every `--help` stay light: they never import the heavy libraries.

docs/performance.md: the CLI imports heavy modules only in the commands
that need them. A functional check (which modules get imported), not a timing; the timings
are in benchmarks/run.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("httpx", "keyring", "ruamel.yaml", "tomlkit")

# Runs the console script's entry point with the given arguments and writes the modules it
# imported (those not already loaded by the interpreter's own start-up) to a file.
_PROBE = """\
import json
import sys

out, args = sys.argv[1], json.loads(sys.argv[2])
before = set(sys.modules)
from ollama_client_setup.cli.main import main

sys.argv = ["ollama-client-setup", *args]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
with open(out, "w", encoding="utf-8") as fh:
    json.dump({"code": code, "modules": sorted(set(sys.modules) - before)}, fh)
"""


def _cases() -> list[list[str]]:
    """--version, --help, and --help of every command and subcommand (listed, not guessed)."""
    import click

    from ollama_client_setup.cli.main import COMMANDS, cli

    cases = [["--version"], ["--help"]]
    ctx = click.Context(cli)
    for name in sorted(COMMANDS):
        cases.append([name, "--help"])
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            cases += [[name, sub, "--help"] for sub in command.list_commands(ctx)]
    return cases


ARGS = _cases()


def imported_by(args: list[str], tmp_path: Path) -> list[str]:
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(out), json.dumps(args)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["code"] == 0, (found["code"], done.stdout, done.stderr)
    return found["modules"]


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


@pytest.mark.parametrize("args", ARGS, ids=" ".join)
def test_start_up_imports_no_heavy_module(args: list[str], tmp_path: Path) -> None:
    modules = imported_by(args, tmp_path)
    assert "ollama_client_setup.cli.main" in modules  # the probe really ran the CLI
    assert heavy(modules) == [], f"`ollama-client-setup {' '.join(args)}` imports {heavy(modules)}"


def test_heavy_detects_submodules() -> None:
    assert heavy(["ruamel.yaml.main", "httpx", "ruamel", "tomlkitty", "click"]) == [
        "ruamel.yaml.main",
        "httpx",
    ]
