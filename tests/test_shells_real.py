"""Real bash, zsh, fish and sh started with the sandbox HOME after `init`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import VARS, need, read_vars, run

EXPECTED = {
    "OLLAMA_API_BASE": "http://127.0.0.1:11434",
    "OPENAI_API_BASE": "http://127.0.0.1:11434/v1",
    "OPENAI_API_KEY": "ollama",
    "AIDER_MODEL": "ollama_chat/m",
}


def init(*shells: str) -> None:
    args = ["init", "--yes", "--host", "127.0.0.1", "--model", "m"]
    for shell in shells:
        args += ["--shell", shell]
    run(*args)


@pytest.mark.parametrize(
    "argv",
    [["bash", "-ic"], ["bash", "-lc"], ["bash", "-lic"]],
    ids=["interactive", "login", "login-interactive"],
)
def test_bash(sandbox_home: Path, argv: list[str]) -> None:
    need("bash")
    init("bash")
    assert read_vars(argv, sandbox_home) == EXPECTED


def test_bash_login_uses_existing_bash_profile_and_never_creates_one(sandbox_home: Path) -> None:
    need("bash")
    (sandbox_home / ".profile").write_text("export FROM_PROFILE=1\n")
    init("bash")
    assert not (sandbox_home / ".bash_profile").exists()
    got = read_vars(["bash", "-lc"], sandbox_home, (*VARS, "FROM_PROFILE"))
    assert got == {**EXPECTED, "FROM_PROFILE": "1"}


def test_bash_profile_present_gets_the_block(sandbox_home: Path) -> None:
    need("bash")
    (sandbox_home / ".bash_profile").write_text("# mine\n")
    (sandbox_home / ".profile").write_text("# not read by bash now\n")
    init("bash")
    assert "ollama-client-setup" in (sandbox_home / ".bash_profile").read_text()
    assert (sandbox_home / ".profile").read_text() == "# not read by bash now\n"
    assert read_vars(["bash", "-lc"], sandbox_home) == EXPECTED


def test_zsh_without_zdotdir(sandbox_home: Path) -> None:
    need("zsh")
    init("zsh")
    assert (sandbox_home / ".zshrc").exists()
    assert read_vars(["zsh", "-ic"], sandbox_home) == EXPECTED


def test_zsh_with_zdotdir_in_the_environment(sandbox_home: Path, monkeypatch) -> None:
    need("zsh")
    zdot = sandbox_home / ".config" / "zsh"
    zdot.mkdir(parents=True)
    monkeypatch.setenv("ZDOTDIR", str(zdot))
    init("zsh")
    assert (zdot / ".zshrc").exists() and not (sandbox_home / ".zshrc").exists()
    assert read_vars(["zsh", "-ic"], sandbox_home, extra={"ZDOTDIR": str(zdot)}) == EXPECTED


def test_zsh_with_zdotdir_set_inside_zshenv(sandbox_home: Path) -> None:
    need("zsh")
    zdot = sandbox_home / ".config" / "zsh"
    zdot.mkdir(parents=True)
    (sandbox_home / ".zshenv").write_text(
        'export ZDOTDIR="${XDG_CONFIG_HOME:-$HOME/.config}/zsh"\n'
    )
    init("zsh")
    assert (zdot / ".zshrc").exists()
    assert not (sandbox_home / ".zshrc").exists()
    assert read_vars(["zsh", "-ic"], sandbox_home) == EXPECTED


def test_fish_drop_in(sandbox_home: Path) -> None:
    need("fish")
    init("fish")
    dropin = sandbox_home / ".config" / "fish" / "conf.d" / "ollama-client-setup.fish"
    assert "set -gx OLLAMA_API_BASE" in dropin.read_text()
    assert read_vars(["fish", "-c"], sandbox_home) == EXPECTED
    assert read_vars(["fish", "-ic"], sandbox_home) == EXPECTED


def test_posix_sh_login(sandbox_home: Path) -> None:
    need("dash")
    init("sh")
    assert read_vars(["dash", "-lc"], sandbox_home) == EXPECTED


def test_all_shells_at_once_then_uninstall_clears_them(sandbox_home: Path) -> None:
    for program in ("bash", "zsh", "fish"):
        need(program)
    init("bash", "zsh", "fish")
    run("uninstall", "--yes")
    empty = dict.fromkeys(VARS, "")
    assert read_vars(["bash", "-ic"], sandbox_home) == empty
    assert read_vars(["zsh", "-ic"], sandbox_home) == empty
    assert read_vars(["fish", "-c"], sandbox_home) == empty


@pytest.mark.parametrize(
    ("shell", "argv", "dot"),
    [
        ("bash", ["bash", "--norc", "-c"], "."),
        ("zsh", ["zsh", "-f", "-c"], "."),
        ("fish", ["fish", "--no-config", "-c"], "source"),
        ("sh", ["dash", "-c"], "."),
    ],
)
def test_env_command_output_evaluates_in_each_shell(
    sandbox_home: Path, shell: str, argv: list[str], dot: str
) -> None:
    need(argv[0])
    run("init", "--yes", "--host", "127.0.0.1", "--model", "m", "--shell", "bash")
    script = sandbox_home / f"env-output.{shell}"
    script.write_text(run("env", "--shell", shell).stdout)
    assert read_vars(argv, sandbox_home, prefix=f"{dot} {script}; ") == EXPECTED
