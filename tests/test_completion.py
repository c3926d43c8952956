"""Tab completion for the tool in real bash, zsh and fish; offered by init, undone by
uninstall."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import need, run, shell_env, snapshot

INIT = ("init", "--yes", "--no-probe", "--host", "127.0.0.1", "--model", "m")


def shell(argv: list[str], home: Path, script: str) -> str:
    done = subprocess.run(
        [*argv, script],
        env=shell_env(home),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        cwd=home,
    )
    return done.stdout


def test_bash_completion_is_registered(sandbox_home: Path) -> None:
    need("bash")
    run(*INIT, "--shell", "bash")
    out = shell(["bash", "-ic"], sandbox_home, "complete -p ollama-client-setup")
    assert "-F _ollama_client_setup_completion ollama-client-setup" in out
    # The login file (read by sh too) carries only the environment, never bash syntax.
    assert "completion" not in (sandbox_home / ".profile").read_text()


def test_zsh_completion_needs_compinit_and_never_errors_without_it(sandbox_home: Path) -> None:
    need("zsh")
    (sandbox_home / ".zshrc").write_text("autoload -Uz compinit && compinit -u\n")
    run(*INIT, "--shell", "zsh")
    out = shell(["zsh", "-ic"], sandbox_home, "print -r -- ${_comps[ollama-client-setup]}")
    assert out.strip() == "_ollama_client_setup_completion"
    (sandbox_home / ".zshrc").write_text(
        (sandbox_home / ".zshrc").read_text().replace("autoload -Uz compinit && compinit -u\n", "")
    )
    done = subprocess.run(
        ["zsh", "-ic", "echo ok"],
        env=shell_env(sandbox_home),
        capture_output=True,
        text=True,
        timeout=30,
        cwd=sandbox_home,
    )
    assert done.stdout.strip() == "ok" and "compdef" not in done.stderr


def test_fish_completes_commands_and_options(sandbox_home: Path) -> None:
    """Real completion in fish, asking the installed tool (next to this Python)."""
    need("fish")
    run(*INIT, "--shell", "fish")
    bin_dir = str(Path(sys.executable).parent)
    env = shell_env(sandbox_home, {"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    if not (Path(bin_dir) / "ollama-client-setup").exists():
        pytest.skip("the console script is not installed next to this Python")

    def complete(line: str) -> list[str]:
        done = subprocess.run(
            ["fish", "-c", f"complete -C{line!r}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=sandbox_home,
        )
        assert done.stderr == "", done.stderr
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert {"doctor", "init", "model", "uninstall"} <= set(complete("ollama-client-setup "))
    assert complete("ollama-client-setup model u") == ["use"]
    assert "--shell" in complete("ollama-client-setup init --sh")


def test_no_completion_and_uninstall(sandbox_home: Path) -> None:
    before = snapshot(sandbox_home)
    run(*INIT, "--shell", "bash", "--shell", "fish")
    completions = sandbox_home / ".config" / "fish" / "completions"
    assert (completions / "ollama-client-setup.fish").exists()
    run("init", "--yes", "--no-probe", "--no-completion")
    assert not (completions / "ollama-client-setup.fish").exists()
    assert "completion" not in (sandbox_home / ".bashrc").read_text()
    run("init", "--yes", "--no-probe", "--completion")
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_doctor_only_completes_check_ids(monkeypatch) -> None:
    from click.shell_completion import ShellComplete

    from ollama_client_setup.cli.main import cli

    complete = ShellComplete(cli, {}, "ollama-client-setup", "_OLLAMA_CLIENT_SETUP_COMPLETE")
    offered = [c.value for c in complete.get_completions(["doctor", "--only"], "model.")]
    assert offered == ["model.available", "model.fit"]
    offered = [c.value for c in complete.get_completions(["doctor", "--skip"], "run")]
    assert offered == ["runners"]
