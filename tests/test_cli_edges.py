"""The edges of the CLI: --json for usage errors, the static command list."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from tests.helpers import run


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


@pytest.mark.parametrize(
    "typed",
    [
        "127.0.0.1:{port}",
        "http://127.0.0.1:{port}",
        "http://127.0.0.1:{port}/",
        " 127.0.0.1:{port} ",
    ],
)
def test_host_takes_what_people_copy_from_ollama_host(typed: str) -> None:
    from ollama_client_setup.config import settings as settings_mod
    from tests.fakes.ollama import FakeOllama

    with FakeOllama() as fake:
        host = typed.format(port=fake.port)
        run("init", "--yes", "--host", host, "--model", "qwen2.5-coder:7b", "--shell", "bash")
        saved = settings_mod.load()
        assert (saved.host, saved.port) == ("127.0.0.1", fake.port)


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("https://gpu.example:11434", "only plain http:// is supported for now"),
        ("http://h:11434/ollama", "has a path (/ollama)"),
        ("h:12x", "the port '12x' is not a number"),
        ("my server", "is not a valid host name"),
    ],
)
def test_host_says_what_it_cannot_take(host: str, message: str) -> None:
    result = run("init", "--yes", "--no-probe", "--host", host, code=2)
    assert message in result.output


def test_a_port_in_the_host_and_another_in_port_contradict() -> None:
    result = run("init", "--yes", "--no-probe", "--host", "h:1234", "--port", "11434", code=2)
    assert "the host names port 1234, but --port says 11434" in result.output


@pytest.mark.parametrize("home", ["", "rel/home", "/nonexistent/home"])
def test_a_home_that_is_no_folder_is_refused_before_anything(
    home: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rel" / "home").parent.mkdir()
    monkeypatch.setenv("HOME", home)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    for args in (("init", "--yes", "--no-probe"), ("status",), ("doctor", "--timeout", "1")):
        result = run(*args, code=ExitCode.REFUSED)
        assert f"HOME is {home!r}, which is " in result.stderr
        assert "HOME=/home/you" in result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_a_mistyped_command_gets_the_closest_one() -> None:
    assert "No such command 'docter'. Did you mean 'doctor'?" in run("docter", code=2).output
    assert "Did you mean 'model'?" in run("modle", "list", code=2).output
    assert "Did you mean" not in run("xyz", code=2).output


def test_init_without_shells_does_not_promise_new_terminals() -> None:
    no_shells = [
        arg for shell in ("bash", "zsh", "fish", "sh", "pwsh") for arg in ("--no-shell", shell)
    ]
    result = run("init", "--yes", "--no-probe", "--host", "127.0.0.1", *no_shells)
    assert "New terminals pick this up" not in result.stdout
    assert "No shell is set up; to load the variables into this one, run:" in result.stdout
    assert 'eval "$(ollama-client-setup env)"' in result.stdout


def test_the_prompts_take_names_in_any_case() -> None:
    from ollama_client_setup.base.registry import CLIENTS
    from ollama_client_setup.cli.init_prompts import _names
    from ollama_client_setup.config.settings import SHELLS

    assert _names(CLIENTS)("Aider, Claude-Code") == ("aider", "claude-code")
    assert _names(SHELLS)("ZSH bash") == ("zsh", "bash")
    assert _names(CLIENTS)("NONE") == ()
