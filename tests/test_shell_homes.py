"""Real homes (issue 15, shells): ZDOTDIR worked out by zsh when the static reader is unsure,
one block for one file reached by two names, and a load hint from a shell that is managed.

Every plan is first checked with `--dry-run`: these tests may run as root, and a plan for
`/zsh/.zshrc` must never be carried out on the machine running them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ollama_client_setup.edits import blocks, engine, planning
from ollama_client_setup.edits.changes import ManagedBlock
from ollama_client_setup.edits.receipts import Receipts
from ollama_client_setup.shells import profiles as shells
from ollama_client_setup.shells import zdotdir
from tests.helpers import VARS, need, read_vars, run, run_json

EXPECTED = {
    "OLLAMA_API_BASE": "http://127.0.0.1:11434",
    "OPENAI_API_BASE": "http://127.0.0.1:11434/v1",
    "OPENAI_API_KEY": "ollama",
    "AIDER_MODEL": "ollama_chat/m",
}
INIT = ("init", "--yes", "--host", "127.0.0.1", "--model", "m")


def shell_args(*names: str) -> list[str]:
    return [arg for name in names for arg in ("--shell", name)]


def planned(*names: str, code: int = 0) -> dict:
    """The `init --dry-run --json` envelope: what init would write, nothing written."""
    result = run(*INIT, *shell_args(*names), "--dry-run", "--json", code=code)
    return json.loads(result.stdout)


def planned_paths(*names: str) -> list[str]:
    return [f["path"] for f in planned(*names)["result"]["files"]]


# --- ZDOTDIR --------------------------------------------------------------------------


def test_zdotdir_built_from_a_variable_set_earlier_in_zshenv(
    sandbox_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need("zsh")
    (sandbox_home / ".zshenv").write_text(
        'export XDG_CONFIG_HOME="$HOME/.config"\nexport ZDOTDIR="$XDG_CONFIG_HOME/zsh"\n'
    )
    # Run from bash, cron or Ansible: XDG_CONFIG_HOME is not exported.
    xdg = os.environ["XDG_CONFIG_HOME"]
    monkeypatch.delenv("XDG_CONFIG_HOME")
    zshrc = sandbox_home / ".config" / "zsh" / ".zshrc"
    assert str(zshrc) in planned_paths("zsh")
    assert "/zsh/.zshrc" not in planned_paths("zsh")
    run(*INIT, "--shell", "zsh")
    assert zshrc.exists() and not (sandbox_home / ".zshrc").exists()
    monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    assert read_vars(["zsh", "-ic"], sandbox_home) == EXPECTED


def test_zdotdir_after_a_line_the_reader_does_not_parse_is_asked_of_zsh(
    sandbox_home: Path,
) -> None:
    """XDG_CONFIG_HOME is exported here, but ~/.zshenv sets it again in a way the static
    reader does not follow: only zsh knows the value it uses."""
    need("zsh")
    (sandbox_home / ".zshenv").write_text(
        'typeset -x XDG_CONFIG_HOME="$HOME/dots"\nexport ZDOTDIR="$XDG_CONFIG_HOME/zsh"\n'
    )
    zshrc = sandbox_home / "dots" / "zsh" / ".zshrc"
    assert str(zshrc) in planned_paths("zsh")
    run(*INIT, "--shell", "zsh")
    assert zshrc.exists() and not (sandbox_home / ".config" / "zsh").exists()
    assert read_vars(["zsh", "-ic"], sandbox_home) == EXPECTED


def test_conditional_zdotdir_in_zshenv_is_followed(sandbox_home: Path) -> None:
    need("zsh")
    (sandbox_home / ".config" / "zsh").mkdir(parents=True)
    (sandbox_home / ".zshenv").write_text(
        '[[ -d $HOME/.config/zsh ]] && export ZDOTDIR="$HOME/.config/zsh"\n'
    )
    zshrc = sandbox_home / ".config" / "zsh" / ".zshrc"
    assert str(zshrc) in planned_paths("zsh")
    run(*INIT, "--shell", "zsh")
    assert zshrc.exists() and not (sandbox_home / ".zshrc").exists()
    assert read_vars(["zsh", "-ic"], sandbox_home) == EXPECTED


def test_conditional_zdotdir_not_taken_means_the_home_zshrc(sandbox_home: Path) -> None:
    need("zsh")
    (sandbox_home / ".zshenv").write_text(
        'if [[ -d $HOME/.config/zsh ]]; then\n  export ZDOTDIR="$HOME/.config/zsh"\nfi\n'
    )
    assert str(sandbox_home / ".zshrc") in planned_paths("zsh")
    run(*INIT, "--shell", "zsh")
    assert read_vars(["zsh", "-ic"], sandbox_home) == EXPECTED


def _refused(*names: str) -> tuple[dict, str]:
    """init refuses (exit 4) in --dry-run and in a real run alike, and writes nothing."""
    envelope = planned(*names, code=4)
    assert envelope["ok"] is False
    result = run(*INIT, *shell_args(*names), code=4)
    assert not (Path("/zsh") / ".zshrc").exists()
    return envelope["error"], result.stderr


@pytest.mark.parametrize(
    ("value", "says"),
    [("$NOT_SET_ANYWHERE/zsh", "as /zsh, at the top"), ("$NOT_SET_ANYWHERE", "an empty value")],
)
def test_zdotdir_from_an_unset_variable_is_refused_never_a_root_path(
    sandbox_home: Path, value: str, says: str
) -> None:
    need("zsh")
    (sandbox_home / ".zshenv").write_text(f'export ZDOTDIR="{value}"\n')
    error, stderr = _refused("zsh")
    assert error["code"] == "plan.refused"
    problem = error["problems"][0]
    assert problem["path"].startswith("~/.zshenv")
    assert "leave it out with --no-shell zsh" in problem["fixes"]
    assert says in problem["reason"]
    assert "~/.zshenv" in stderr and "--no-shell zsh" in stderr
    assert not (sandbox_home / ".config" / "ollama-client-setup" / "settings.toml").exists()
    # The way out works: without zsh, the rest is set up.
    run(*INIT, "--shell", "bash")


def test_zdotdir_unknown_and_zsh_missing_is_refused(
    sandbox_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (sandbox_home / ".zshenv").write_text(
        '[[ -d $HOME/.config/zsh ]] && export ZDOTDIR="$HOME/.config/zsh"\n'
    )
    empty = tmp_path / "no-zsh-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    error, stderr = _refused("zsh")
    problem = error["problems"][0]
    assert problem["path"] == "~/.zshenv:1"
    assert "zsh is not installed" in problem["reason"]
    assert "leave it out with --no-shell zsh" in problem["fixes"]
    assert "--no-shell zsh" in stderr
    assert not (sandbox_home / ".zshrc").exists()
    # The way out, and uninstall, work without zsh.
    run(*INIT, "--shell", "bash")
    assert blocks.BEGIN in (sandbox_home / ".bashrc").read_text()
    run("uninstall", "--yes")
    assert not (sandbox_home / ".bashrc").exists()


def test_zdotdir_unknown_and_zsh_hangs_is_refused_quickly(
    sandbox_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need("zsh")
    (sandbox_home / ".zshenv").write_text(
        'sleep 30\n[[ -d $HOME ]] && export ZDOTDIR="$HOME/.config/zsh"\n'
    )
    monkeypatch.setattr(zdotdir, "ZSH_TIMEOUT", 0.5)
    import time

    start = time.monotonic()
    error = planned("zsh", code=4)["error"]
    assert time.monotonic() - start < 10
    assert "did not answer" in error["problems"][0]["reason"]


def test_zdotdir_unknown_and_zsh_fails_is_refused(sandbox_home: Path) -> None:
    need("zsh")
    (sandbox_home / ".zshenv").write_text(
        '[[ -d $HOME ]] && export ZDOTDIR="$HOME/.config/zsh"\nprint -u2 broken; exit 3\n'
    )
    error, stderr = _refused("zsh")
    assert "zsh failed reading it (exit 3: broken)" in error["problems"][0]["reason"]
    assert "--no-shell zsh" in stderr


def test_zdotdir_reader_is_sure_only_of_straight_assignments(sandbox_home: Path) -> None:
    """No zsh is run for these: each is read without one."""
    home = str(sandbox_home)
    env = {"XDG_CONFIG_HOME": f"{home}/.xdg"}
    cases = {
        'export ZDOTDIR="$HOME/.config/zsh"': f"{home}/.config/zsh",
        "ZDOTDIR=~/zdot  # mine": f"{home}/zdot",
        "export ZDOTDIR='/opt/zsh'": "/opt/zsh",
        'export ZDOTDIR="${XDG_CONFIG_HOME:-$HOME/.config}/zsh"': f"{home}/.xdg/zsh",
        'D="$HOME/d"\nexport ZDOTDIR="${D}/zsh"': f"{home}/d/zsh",
        "# ZDOTDIR=/nowhere\nexport PATH=$HOME/bin:$PATH": home,
    }
    for text, want in cases.items():
        (sandbox_home / ".zshenv").write_text(text + "\n")
        found = zdotdir.read_zdotdir(env)
        assert found == (Path(want), None), text
    unsure = [
        'export ZDOTDIR="$UNSET_VAR/zsh"',
        "[[ -d ~/z ]] && export ZDOTDIR=~/z",
        'export ZDOTDIR="$(dirname $HOME)/z"',
        'export ZDOTDIR="~/z"',
        'source ~/.zsh/env\nexport ZDOTDIR="$HOME/z"',
        'export ZDOTDIR="$HOME/z"\n[[ -f $ZDOTDIR/.zshenv ]] && . $ZDOTDIR/.zshenv',
        ". ~/.cargo/env",
        'ZDOTDIR=""',
        "typeset -U path\nexport ZDOTDIR=~/z",
    ]
    for text in unsure:
        (sandbox_home / ".zshenv").write_text(text + "\n")
        path, line = zdotdir.read_zdotdir(env)
        assert path is None and line is not None, text


# --- one file, two names -----------------------------------------------------------------


@pytest.mark.parametrize("link", [".bashrc", ".bash_profile"])
def test_bashrc_and_bash_profile_one_file_get_one_block(sandbox_home: Path, link: str) -> None:
    need("bash")
    real_name = ".bash_profile" if link == ".bashrc" else ".bashrc"
    real = sandbox_home / real_name
    real.write_text("# my dotfiles\nexport MINE=1\n")
    (sandbox_home / link).symlink_to(real_name)
    run(*INIT, "--shell", "bash")
    text = real.read_text()
    assert text.count(blocks.BEGIN) == 1
    assert (sandbox_home / link).is_symlink()
    status = run_json("status")["result"]
    assert status["in_sync"] is True, status["files"]
    again = run_json(*INIT, "--shell", "bash")["result"]
    assert all(f["action"] == "unchanged" for f in again["files"]), again["files"]
    assert real.read_text() == text
    for argv in (["bash", "-ic"], ["bash", "-lc"], ["bash", "-lic"]):
        got = read_vars(argv, sandbox_home, (*VARS, "MINE"))
        assert got == {**EXPECTED, "MINE": "1"}, argv
    run("uninstall", "--yes")
    assert real.read_text() == "# my dotfiles\nexport MINE=1\n"
    assert (sandbox_home / link).is_symlink()


def test_bashrc_linked_to_profile_keeps_dash_working(sandbox_home: Path) -> None:
    """~/.profile is also read by dash: the bash completion script must not reach it."""
    need("bash")
    need("dash")
    (sandbox_home / ".profile").write_text("export MINE=1\n")
    (sandbox_home / ".bashrc").symlink_to(".profile")
    run(*INIT, "--shell", "bash", "--shell", "sh")
    assert (sandbox_home / ".profile").read_text().count(blocks.BEGIN) == 1
    assert run_json("status")["result"]["in_sync"] is True
    for argv in (["bash", "-ic"], ["bash", "-lc"], ["dash", "-lc"]):
        got = read_vars(argv, sandbox_home, (*VARS, "MINE"))
        assert got == {**EXPECTED, "MINE": "1"}, argv


def test_receipts_for_both_names_from_an_older_version_settle(sandbox_home: Path) -> None:
    """An older version recorded the file under both names: the next init keeps the block
    and drops the second receipt; the one after changes nothing."""
    need("bash")
    real = sandbox_home / ".bash_profile"
    real.write_text("# mine\n")
    (sandbox_home / ".bashrc").symlink_to(".bash_profile")
    from ollama_client_setup.base import paths

    # What an older version did: one block per name, the second overwriting the first.
    state = paths.state_dir()
    state.mkdir(parents=True)
    receipts = Receipts.load(state)
    line = shells.source_line("sh")
    old = [
        ManagedBlock(sandbox_home / ".bashrc", "shell.bash", [line, "# interactive"]),
        ManagedBlock(real, "shell.bash", [line]),
    ]
    engine.apply(planning.plan(old, receipts, state), receipts, state)
    assert {str(real), str(sandbox_home / ".bashrc")} <= set(Receipts.load(state).entries)
    run(*INIT, "--shell", "bash")
    assert str(real) not in Receipts.load(state).entries
    assert real.read_text().count(blocks.BEGIN) == 1
    assert read_vars(["bash", "-lc"], sandbox_home) == EXPECTED
    assert read_vars(["bash", "-ic"], sandbox_home) == EXPECTED
    assert run_json("status")["result"]["in_sync"] is True
    again = run_json(*INIT, "--shell", "bash")["result"]
    assert all(f["action"] == "unchanged" for f in again["files"]), again["files"]
    run("uninstall", "--yes")
    assert real.read_text() == "# mine\n"


# --- the load hint --------------------------------------------------------------------


def test_load_hint_names_a_managed_shell_not_the_login_shell(sandbox_home: Path) -> None:
    dropin = sandbox_home / ".config" / "fish" / "conf.d" / "ollama-client-setup.fish"
    result = run_json(*INIT, "--shell", "fish")["result"]
    assert result["load_command"] == f"source {dropin}"
    assert dropin.exists()
    text = run(*INIT, "--shell", "fish").stdout
    assert f"source {dropin}" in text and "env.sh" not in text


def test_load_hint_prefers_the_login_shell_when_it_is_managed(
    sandbox_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELL", "/usr/bin/fish")
    result = run_json(*INIT, "--shell", "bash", "--shell", "fish")["result"]
    assert result["load_command"].startswith("source ")
    monkeypatch.setenv("SHELL", "/bin/zsh")
    result = run_json(*INIT, "--shell", "fish", "--shell", "bash")["result"]
    assert result["load_command"].startswith("source ")
    result = run_json(*INIT, "--shell", "fish", "--shell", "zsh")["result"]
    assert result["load_command"] == '. "$HOME/.config/ollama-client-setup/env.sh"'


def test_load_hint_with_no_shell_managed_names_no_missing_file(sandbox_home: Path) -> None:
    run(*INIT, "--shell", "bash")
    result = run_json(*INIT, "--no-shell", "bash")["result"]
    assert result["settings"]["shells"] == []
    assert not (sandbox_home / ".config" / "ollama-client-setup" / "env.sh").exists()
    assert "env.sh" not in result["load_command"]
    assert result["load_command"] == 'eval "$(ollama-client-setup env)"'


def test_doctor_load_hint_names_a_managed_shell(sandbox_home: Path) -> None:
    dropin = sandbox_home / ".config" / "fish" / "conf.d" / "ollama-client-setup.fish"
    run(*INIT, "--shell", "fish")
    answer = run_json("doctor", "--only", "env.shell", code=None)
    check = next(c for c in answer["result"]["checks"] if c["id"] == "env.shell")
    assert check["fix"]["command"] == f"source {dropin}", check
