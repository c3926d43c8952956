"""The edges of the CLI: --json for usage errors, the static command list."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ollama_client_setup.exitcodes import ExitCode


def test_json_usage_errors_are_one_document_too(sandbox_home: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ollama_client_setup", "init", "--port", "0", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
    )
    assert done.returncode == ExitCode.USAGE
    data = json.loads(done.stdout)
    assert data["error"]["code"] == "usage" and "outside 1-65535" in data["error"]["message"]
    assert data["ok"] is False and data["command"] == "init"


def test_the_static_command_list_matches_each_commands_own_help() -> None:
    import click

    from ollama_client_setup.cli.main import COMMANDS, SHORT_HELP, cli

    ctx = click.Context(cli)
    assert set(SHORT_HELP) == set(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        assert SHORT_HELP[name] == command.get_short_help_str(limit=1000), name
