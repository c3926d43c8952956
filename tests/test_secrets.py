"""An API key for a server behind an authenticating proxy: kept in the keyring (or a 0600
file), read by the shells without a subprocess, sent by the tool, never shown, removed by
uninstall."""

from __future__ import annotations

import stat
from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner

from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.cli.main import cli
from ollama_client_setup.config import secrets
from tests.fakes.memkeyring import MemoryKeyring
from tests.fakes.ollama import FakeOllama
from tests.helpers import read_vars, run, run_json, snapshot

KEY = "sk-proxy-0123456789abcdef"


def init(port: int, *extra: str, key: str | None = KEY, code: int = 0):
    args = [
        "init",
        "--yes",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        "qwen2.5-coder:7b",
        "--shell",
        "bash",
        "--shell",
        "fish",
        *extra,
    ]
    if key is not None:
        args.append("--api-key-stdin")
    result = CliRunner().invoke(
        cli, args, input=(key + "\n") if key else None, catch_exceptions=False
    )
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_without_a_keyring_the_key_is_a_0600_file_and_shells_read_it(
    fake_ollama: FakeOllama, sandbox_home: Path
) -> None:
    result = init(fake_ollama.port)
    assert "no keyring is available here" in result.stderr
    assert KEY not in result.output
    key_file = sandbox_home / ".config" / "ollama-client-setup" / "api-key"
    assert key_file.read_text() == KEY + "\n"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    env = (sandbox_home / ".config" / "ollama-client-setup" / "env.sh").read_text()
    assert KEY not in env and "read -r OPENAI_API_KEY" in env
    assert read_vars(["bash", "-ic"], sandbox_home, ("OPENAI_API_KEY",)) == {"OPENAI_API_KEY": KEY}
    assert read_vars(["fish", "-c"], sandbox_home, ("OPENAI_API_KEY",)) == {"OPENAI_API_KEY": KEY}


def test_the_tool_sends_the_key(fake_ollama: FakeOllama) -> None:
    init(fake_ollama.port)
    fake_ollama.clear_requests()
    run("model", "list")
    sent = {r.headers.get("authorization") for r in fake_ollama.requests}
    assert sent == {f"Bearer {KEY}"}


def test_the_key_never_appears_in_output(fake_ollama: FakeOllama) -> None:
    data = init(fake_ollama.port, "--json").stdout
    assert KEY not in data
    dry = init(fake_ollama.port, "--dry-run", key="sk-another-key-000000").stdout
    assert "sk-another-key" not in dry and "its contents are not shown" in dry
    assert KEY not in run("status").stdout
    assert KEY not in str(run_json("doctor", "--timeout", "2", code=None))


def test_keyring_is_used_when_there_is_one(
    fake_ollama: FakeOllama, sandbox_home: Path, memory_keyring: MemoryKeyring
) -> None:
    result = init(fake_ollama.port)
    assert "no keyring" not in result.stderr
    assert memory_keyring.store[(secrets.SERVICE, secrets.ACCOUNT)] == KEY
    assert (
        'api_key = "keyring"'
        in (sandbox_home / ".config" / "ollama-client-setup" / "settings.toml").read_text()
    )
    run("uninstall", "--yes")
    assert memory_keyring.store == {}


def test_uninstall_and_forget_remove_the_key(fake_ollama: FakeOllama, sandbox_home: Path) -> None:
    before = snapshot(sandbox_home)
    init(fake_ollama.port)
    init(fake_ollama.port, "--no-api-key", key=None)
    assert not (sandbox_home / ".config" / "ollama-client-setup" / "api-key").exists()
    assert read_vars(["bash", "-ic"], sandbox_home, ("OPENAI_API_KEY",)) == {
        "OPENAI_API_KEY": "ollama"
    }
    init(fake_ollama.port)
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


@pytest.mark.parametrize("bad", ["", "two words", "quote'd", "dollar$x", "x" * 5000])
def test_bad_keys_are_refused(fake_ollama: FakeOllama, sandbox_home: Path, bad: str) -> None:
    before = snapshot(sandbox_home)
    result = init(fake_ollama.port, key=bad, code=ExitCode.USAGE)
    assert "--api-key-stdin" in result.output
    assert snapshot(sandbox_home) == before
