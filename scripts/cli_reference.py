"""Write docs/cli.md from the commands' own --help, so the reference cannot drift.

python scripts/cli_reference.py          # rewrite docs/cli.md
python scripts/cli_reference.py --check  # exit 1 when docs/cli.md is out of date (CI)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"


def _help(args: list[str]) -> str:
    from ollama_client_setup.cli.main import cli

    result = CliRunner().invoke(
        cli,
        [*args, "--help"],
        prog_name="ollama-client-setup",
        env={"COLUMNS": "100"},
        catch_exceptions=False,
    )
    return result.output


def _walk(group: click.Group, ctx: click.Context, prefix: list[str]) -> list[list[str]]:
    paths = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        paths.append([*prefix, name])
        if isinstance(command, click.Group):
            paths += _walk(
                command, click.Context(command, info_name=name, parent=ctx), [*prefix, name]
            )
    return paths


def render() -> str:
    from ollama_client_setup.cli.main import cli

    os.environ["COLUMNS"] = "100"
    ctx = click.Context(cli, info_name="ollama-client-setup")
    parts = [
        "# Command reference\n",
        "Generated from `--help` by `python scripts/cli_reference.py`; CI fails when it is out "
        "of date. Do not edit by hand.\n",
        "## ollama-client-setup\n",
        "```text\n" + _help([]) + "```\n",
    ]
    for path in _walk(cli, ctx, []):
        parts.append(f"## ollama-client-setup {' '.join(path)}\n")
        parts.append("```text\n" + _help(path) + "```\n")
    return "\n".join(parts)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET} is out of date: run python scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
