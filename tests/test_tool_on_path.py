"""The tool's own folder on PATH (issue 15 item 16): installed where the user's PATH does not
look (install.sh's private venv links it into ~/.local/bin), `ollama-client-setup` must still
be found in every new terminal. The env files append the folder once, only when missing, and
never a folder that would not last; real shells are started with the sandbox HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ollama_client_setup import plan as targets
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.plan.machine import look
from ollama_client_setup.shells import profiles as shells
from ollama_client_setup.shells.quoting import ps_quote
from tests.helpers import need, read_vars, run, run_json, shell_env, snapshot

INIT = ("init", "--yes", "--no-probe", "--host", "127.0.0.1", "--model", "m")
ADDED = shells.ADDED_PATH
FAKE = '#!/bin/sh\necho "fake-ocs $*"\n'


def make_command(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    command = folder / "ollama-client-setup"
    command.write_text(FAKE)
    command.chmod(0o755)
    return command


@pytest.fixture
def tool(sandbox_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process runs as ~/.local/bin/ollama-client-setup (install.sh's link), a folder
    the sandbox PATH does not hold."""
    command = make_command(sandbox_home / ".local" / "bin")
    monkeypatch.setattr(sys, "argv", [str(command), *sys.argv[1:]])
    return command.parent


def in_shell(argv: list[str], home: Path, script: str, extra: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [*argv, script],
        env=shell_env(home, extra),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        cwd=home,
    )
    assert done.returncode == 0, (argv, done.stdout, done.stderr)
    return done.stdout


def entries(path: str) -> list[str]:
    return path.split(os.pathsep)


SHELLS = [
    ("bash", ["bash", "-ic"]),
    ("bash", ["bash", "-lc"]),
    ("zsh", ["zsh", "-ic"]),
    ("fish", ["fish", "-c"]),
    ("dash", ["dash", "-lc"]),  # ~/.profile: bash's login block is there
]


@pytest.mark.parametrize(("program", "argv"), SHELLS, ids=[" ".join(a) for _, a in SHELLS])
def test_a_new_terminal_finds_the_command(
    sandbox_home: Path, tool: Path, program: str, argv: list[str]
) -> None:
    need(program)
    assert str(tool) not in entries(os.environ["PATH"])
    run(*INIT, "--shell", "bash", "--shell", "zsh", "--shell", "fish")
    assert in_shell(argv, sandbox_home, "ollama-client-setup --version") == "fake-ocs --version\n"
    path = read_vars(argv, sandbox_home, ("PATH",))["PATH"]
    assert entries(path).count(str(tool)) == 1
    # Appended: what the user had on PATH keeps its precedence.
    assert entries(path)[-1] == str(tool)


@pytest.mark.parametrize(
    ("program", "argv", "load"),
    [
        ("bash", ["bash", "-c"], '. "$HOME/.config/ollama-client-setup/env.sh"'),
        ("zsh", ["zsh", "-c"], '. "$HOME/.config/ollama-client-setup/env.sh"'),
        ("dash", ["dash", "-c"], '. "$HOME/.config/ollama-client-setup/env.sh"'),
        (
            "fish",
            ["fish", "--no-config", "-c"],
            "source ~/.config/fish/conf.d/ollama-client-setup.fish",
        ),
    ],
    ids=["bash", "zsh", "sh", "fish"],
)
def test_reading_the_env_file_twice_or_in_a_nested_shell_adds_it_once(
    sandbox_home: Path, tool: Path, program: str, argv: list[str], load: str
) -> None:
    need(program)
    run(*INIT, "--shell", "bash", "--shell", "fish")
    out = in_shell(argv, sandbox_home, f"{load}; {load}; printenv PATH")
    assert entries(out.strip()).count(str(tool)) == 1
    # A shell started from one that has it (PATH and the marker inherited) adds nothing.
    nested = read_vars(["bash", "-ic"], sandbox_home, ("PATH", ADDED))
    out = in_shell(argv, sandbox_home, f"{load}; printenv PATH", extra=nested)
    assert out.strip() == nested["PATH"]


def test_init_from_a_new_terminal_plans_the_same_files(
    sandbox_home: Path, tool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PATH a terminal gets after init holds the folder (the env file put it there):
    that must not make the next init take the line out again (and the one after put it
    back)."""
    need("bash")
    run(*INIT, "--shell", "bash", "--shell", "fish")
    env_sh = (sandbox_home / ".config" / "ollama-client-setup" / "env.sh").read_text()
    assert "PATH" in env_sh
    before = snapshot(sandbox_home)
    new_terminal = read_vars(["bash", "-ic"], sandbox_home, ("PATH", ADDED))
    assert new_terminal[ADDED] == str(tool)
    for name, value in new_terminal.items():
        monkeypatch.setenv(name, value)
    again = run_json(*INIT)["result"]
    assert all(f["action"] == "unchanged" for f in again["files"]), again["files"]
    assert run_json("status")["result"]["in_sync"] is True
    assert {k: v for k, v in snapshot(sandbox_home).items() if ".local/state" not in k} == {
        k: v for k, v in before.items() if ".local/state" not in k
    }


def test_build_is_a_function_of_settings_and_the_snapshot(sandbox_home: Path, tool: Path) -> None:
    settings = Settings(shells=("bash", "fish"))
    program = str(tool / "ollama-client-setup")
    environ = {**os.environ}
    machine = look(settings, environ, program)
    first = [c.render(None).text for c in targets.build(settings, machine)]
    second = [
        c.render(None).text for c in targets.build(settings, look(settings, environ, program))
    ]
    assert first == second
    assert targets.shell_env(settings, machine).path_append == tool


def test_a_folder_already_on_path_is_not_added(
    sandbox_home: Path, tool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{tool}{os.pathsep}{os.environ['PATH']}")
    run(*INIT, "--shell", "bash", "--shell", "fish")
    config = sandbox_home / ".config"
    assert "PATH" not in (config / "ollama-client-setup" / "env.sh").read_text()
    assert "PATH" not in (config / "fish" / "conf.d" / "ollama-client-setup.fish").read_text()


def test_another_name_for_a_folder_on_path_counts(
    sandbox_home: Path, tool: Path, tmp_path: Path
) -> None:
    alias = tmp_path / "alias-bin"
    alias.symlink_to(tool)
    environ = {**os.environ, "PATH": f"{alias}{os.pathsep}{os.environ['PATH']}"}
    assert shells.path_folder(environ, str(tool / "ollama-client-setup")) is None


def test_started_by_name_from_path_adds_nothing(sandbox_home: Path, tool: Path) -> None:
    environ = {**os.environ, "PATH": f"{os.environ['PATH']}{os.pathsep}{tool}"}
    assert shells.path_folder(environ, "ollama-client-setup") is None


@pytest.mark.parametrize("where", ["venv", "conda", "temp", "cache", "no-command", "colon"])
def test_folders_that_would_not_last_or_serve_are_never_added(
    sandbox_home: Path, tmp_path: Path, where: str
) -> None:
    if where == "venv":  # a dev checkout's .venv/bin, pipx's or uv's venv itself
        command = make_command(sandbox_home / "venv" / "bin")
        (sandbox_home / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    elif where == "conda":
        command = make_command(sandbox_home / "miniconda" / "bin")
        (sandbox_home / "miniconda" / "conda-meta").mkdir()
    elif where == "temp":  # outside the home, in the temporary folder
        command = make_command(tmp_path / "unpacked" / "bin")
    elif where == "cache":  # uvx, pipx run
        command = make_command(sandbox_home / ".cache" / "tool-run" / "abc" / "bin")
    elif where == "no-command":
        command = sandbox_home / ".local" / "bin" / "ollama-client-setup"
    else:  # PATH cannot hold a folder with its separator in the name
        command = make_command(sandbox_home / "a:b")
    assert shells.path_folder({**os.environ}, str(command)) is None
    # ...while an ordinary folder in the home is.
    good = make_command(sandbox_home / "apps" / "bin")
    assert shells.path_folder({**os.environ}, str(good)) == good.parent


def test_not_started_as_the_command_uses_the_one_on_path(sandbox_home: Path, tool: Path) -> None:
    """`python -m ollama_client_setup` (or a test runner): the command that counts is the
    one PATH finds; the folder the env file added itself is kept, nothing else is added."""
    other = "/usr/lib/python3/dist-packages/ollama_client_setup/__main__.py"
    assert shells.path_folder({**os.environ}, other) is None
    from_new_terminal = {
        **os.environ,
        "PATH": f"{os.environ['PATH']}{os.pathsep}{tool}",
        ADDED: str(tool),
    }
    assert shells.path_folder(from_new_terminal, other) == tool


def test_the_users_own_entry_wins_over_the_marker(sandbox_home: Path, tool: Path) -> None:
    """The folder twice on PATH (the env file's entry and the user's own): one stays, so
    the env file need not add it."""
    path = os.pathsep.join([str(tool), os.environ["PATH"], str(tool)])
    environ = {**os.environ, "PATH": path, ADDED: str(tool)}
    assert shells.path_folder(environ, str(tool / "ollama-client-setup")) is None


def test_uninstall_takes_it_out(sandbox_home: Path, tool: Path) -> None:
    need("bash")
    (sandbox_home / ".bashrc").write_text("# mine\n")
    before = snapshot(sandbox_home)
    run(*INIT, "--shell", "bash", "--shell", "fish")
    assert str(tool) in entries(read_vars(["bash", "-ic"], sandbox_home, ("PATH",))["PATH"])
    run("uninstall", "--yes")
    after = read_vars(["bash", "-ic"], sandbox_home, ("PATH", ADDED))
    assert str(tool) not in entries(after["PATH"]) and not after[ADDED]
    assert {k: v for k, v in snapshot(sandbox_home).items() if ".local/state" not in k} == {
        k: v for k, v in before.items() if ".local/state" not in k
    }


def test_env_prints_it_for_eval(sandbox_home: Path, tool: Path) -> None:
    need("bash")
    run(*INIT, "--shell", "bash")
    printed = run("env", "--shell", "bash").stdout
    out = in_shell(["bash", "-c"], sandbox_home, printed + "\nollama-client-setup x")
    assert out == "fake-ocs x\n"


def test_powershell_appends_it_once(sandbox_home: Path, tool: Path) -> None:
    env = shells.ShellEnv({"OLLAMA_API_BASE": "http://h:11434"}, path_append=tool)
    text = shells.render_ps1(env)
    quoted = ps_quote(str(tool))
    assert f"-contains {quoted})) {{" in text
    assert f"$env:{ADDED} = {quoted}" in text
    pwsh = shutil.which("pwsh")
    if not pwsh:
        pytest.skip("pwsh is not installed: the text is checked, not run")
    script = sandbox_home / "env.ps1"
    script.write_text(text)
    done = subprocess.run(
        [
            pwsh,
            "-NoLogo",
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            f". '{script}'; . '{script}'; $env:PATH",
        ],
        env=shell_env(sandbox_home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert entries(done.stdout.strip()).count(str(tool)) == 1
