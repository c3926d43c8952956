"""Tab completion for the tool itself, as files the tool owns.

Click writes the bash and zsh scripts; the fish one is shell/completion/script.fish. They
run nothing at shell start (the tool runs only when TAB is pressed). bash and zsh source
them from the interactive start-up file's block; fish autoloads its completions folder.
"""

from __future__ import annotations

from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.base.constants import CMD
from ollama_client_setup.shells.templates import fill, fill_line

PROG = CMD
VAR = "_OLLAMA_CLIENT_SETUP_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


def script(shell: str) -> str:
    header = fill("completion/header.txt")
    if shell == "fish":
        # Our own script: Click 8.4's fish backend prints three lines per candidate, which
        # fish's command substitution cannot keep together (every completion fails). Click's
        # zsh backend prints the same three lines (type, value, help) in every 8.x release,
        # so fish asks for that and reads it three lines at a time.
        return fill("completion/script.fish", HEADER=header)
    import click
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None, shell
    # The bash and zsh scripts name only the program and the variable; the commands are
    # asked of the tool itself when TAB is pressed, so a bare command writes the same script.
    return header + cls(click.Command(PROG), {}, PROG, VAR).source().rstrip("\n") + "\n"


def path(shell: str) -> Path:
    if shell == "fish":
        return paths.xdg_config_home() / "fish" / "completions" / f"{PROG}.fish"
    return paths.config_dir() / f"completion.{shell}"


def source_line(shell: str, quoted_path: str) -> str:
    if shell == "zsh":
        # The script calls compdef, which exists only after compinit: without it, skip quietly.
        return fill_line("completion/source.zsh", FILE=quoted_path)
    return fill_line("sh/source.sh", FILE=quoted_path)
