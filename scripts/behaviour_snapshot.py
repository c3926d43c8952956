"""What users see, captured so a restructuring can prove it changed nothing.

    python scripts/behaviour_snapshot.py OUT.json

Records every command's --help, docs/cli.md, and the --json output (and exit code) of a set of
scenarios run against the fake Ollama server in a sandbox home: init, status, model
list/current/use, doctor, smoke, env, uninstall. Timings, the sandbox's paths and the port
are normalised, so two runs on one machine give the same file.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIMING = re.compile(r"\d+(\.\d+)? ?(s|ms|tok/s)\b")
VOLATILE = ("duration", "elapsed", "_s", "_ms", "ttft", "tokens_per_s", "created", "mtime")


def _clean(value: Any, home: str, port: str) -> Any:
    if isinstance(value, dict):
        return {
            k: "<volatile>" if any(v in k for v in VOLATILE) else _clean(x, home, port)
            for k, x in value.items()
        }
    if isinstance(value, list):
        return [_clean(x, home, port) for x in value]
    if isinstance(value, str):
        text = value.replace(home, "$HOME").replace(port, "PORT")
        return TIMING.sub("<t>", text)
    if isinstance(value, int) and str(value) == port:
        return "PORT"
    return value


def helps() -> dict[str, str]:
    import click

    from ollama_client_setup.cli.main import cli

    out: dict[str, str] = {}

    def walk(command: click.Command, path: list[str]) -> None:
        with click.Context(command, info_name=" ".join(path)) as ctx:
            out[" ".join(path)] = command.get_help(ctx)
        if isinstance(command, click.Group):
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name])

    walk(cli, ["ollama-client-setup"])
    return out


def scenarios() -> dict[str, Any]:
    from click.testing import CliRunner

    from ollama_client_setup.cli.main import cli
    from tests.fakes.ollama import FakeOllama

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, FakeOllama() as fake:
        home = str(Path(tmp).resolve())
        env = {
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/.config",
            "XDG_STATE_HOME": f"{home}/.local/state",
            "XDG_DATA_HOME": f"{home}/.local/share",
            "XDG_CACHE_HOME": f"{home}/.cache",
            "ZDOTDIR": "",
            "SHELL": "/bin/bash",
            "PATH": os.environ["PATH"],
        }
        old = dict(os.environ)
        os.environ.update(env)
        os.environ.pop("ZDOTDIR")
        port = str(fake.port)
        base = ["--host", "127.0.0.1", "--port", port, "--shell", "bash"]
        runs = [
            (
                "init",
                [
                    "init",
                    "--yes",
                    *base,
                    "--model",
                    "qwen2.5-coder:7b",
                    "--client",
                    "aider",
                    "--client",
                    "continue",
                    "--client",
                    "codex",
                    "--client",
                    "opencode",
                    "--client",
                    "claude-code",
                    "--json",
                ],
            ),
            ("status", ["status", "--json"]),
            ("model list", ["model", "list", "--json"]),
            ("model current", ["model", "current", "--json"]),
            ("model use dry", ["model", "use", "llama3.2:3b", "--dry-run", "--json"]),
            ("model use", ["model", "use", "llama3.2:3b", "--no-warm", "--json"]),
            ("doctor", ["doctor", "--json", "--skip", "clients.run"]),
            ("smoke", ["smoke", "--json", "--anthropic"]),
            ("env bash", ["env", "--shell", "bash"]),
            ("env fish", ["env", "--shell", "fish"]),
            ("env json", ["env", "--json"]),
            ("init again", ["init", "--yes", *base, "--model", "qwen2.5-coder:7b", "--json"]),
            ("uninstall dry", ["uninstall", "--dry-run", "--json"]),
            ("uninstall", ["uninstall", "--yes", "--json"]),
            ("status after", ["status", "--json"]),
            ("bad usage", ["model", "use", "--json"]),
        ]
        try:
            for name, args in runs:
                result = CliRunner().invoke(cli, args, catch_exceptions=True)
                try:
                    body: Any = json.loads(result.stdout)
                except ValueError:
                    body = result.stdout
                out[name] = {
                    "exit": result.exit_code,
                    "output": _clean(body, home, port),
                    "stderr": _clean(result.stderr, home, port),
                    "exception": repr(result.exception) if result.exit_code == 1 else None,
                }
        finally:
            os.environ.clear()
            os.environ.update(old)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0].startswith("-"):
        print(__doc__)
        return 2
    data = {
        "help": helps(),
        "docs/cli.md": (ROOT / "docs" / "cli.md").read_text(),
        "scenarios": scenarios(),
    }
    Path(argv[0]).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
