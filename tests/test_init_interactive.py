"""The interactive `init`, driven through a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.ollama import FakeOllama
from tests.fakes.ollama_models import FakeModel, embedding_model
from tests.helpers import snapshot

pexpect = pytest.importorskip("pexpect")

# (prompt to wait for, answer) in the order init asks.
HOST = r"Ollama server \(name or address\) \[ollama-server\]: "
PORT = r"Port \[11434\]: "
SHELLS = r"Shells to set up \[[a-z ]+\]: "
CLIENTS = r"Coding clients to configure \[[a-z -]+\]: "
CLAUDE = r"Choose \(1, 2\) \[1\]: "
MODEL = r"Model \[[^\]]+\]: "
CONFIRM = r"Apply these changes\? \[y\]es / \[n\]o / \[d\]iff: "


_READ_SYSCALL = {"x86_64": "0", "aarch64": "63"}.get(platform.machine())


def interrupt(child: pexpect.spawn) -> None:
    """Ctrl-C once the child is blocked reading the terminal.

    CPython's input() writes the prompt and then blocks in read(), both in C: a SIGINT that
    lands between the two is handled before the read starts, and the read then waits for
    ever. A person never presses Ctrl-C within microseconds of a prompt; a test does, so it
    waits (by the kernel's own account, /proc/PID/syscall) until the child is in read().
    """
    path = Path(f"/proc/{child.pid}/syscall")
    deadline = time.monotonic() + 10
    while _READ_SYSCALL and time.monotonic() < deadline:
        try:
            if path.read_text().split()[0] == _READ_SYSCALL:
                break
        except (OSError, IndexError):
            break
        time.sleep(0.002)  # polling a condition the kernel reports, not a guess
    child.sendintr()


def spawn(*args: str) -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "ollama_client_setup", "init", *args],
        env=dict(os.environ),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    return child


def script(port: int) -> list[tuple[str, str]]:
    return [
        (HOST, "127.0.0.1"),
        (PORT, str(port)),
        (SHELLS, "bash"),
        (CLIENTS, "aider claude-code"),
        (CLAUDE, ""),
        (MODEL, "1"),
        (CONFIRM, "y"),
    ]


def test_walks_from_host_to_applied(fake_ollama: FakeOllama, sandbox_home: Path) -> None:
    child = spawn("--no-smoke")
    transcript = []
    for prompt, answer in script(fake_ollama.port):
        child.expect(prompt)
        transcript.append(child.before + child.after)
        child.sendline(answer)
    child.expect(pexpect.EOF)
    transcript.append(child.before)
    child.close()
    text = "".join(transcript)
    assert child.exitstatus == 0, text
    assert "Ollama 0.15.2 answers" in text
    assert "qwen2.5-coder:7b" in text and "llama3.2:3b" in text  # the picker's list
    settings = (sandbox_home / ".config" / "ollama-client-setup" / "settings.toml").read_text()
    assert 'host = "127.0.0.1"' in settings
    assert 'default = "llama3.2:3b"' in settings
    assert 'managed = ["aider", "claude-code"]' in settings
    assert (sandbox_home / ".aider.conf.yml").exists()
    env = (sandbox_home / ".config" / "ollama-client-setup" / "env.sh").read_text()
    assert "claude-ollama()" in env


def test_bad_answers_are_asked_again(fake_ollama: FakeOllama) -> None:
    child = spawn("--no-smoke")
    child.expect(HOST)
    child.sendline("not a host")
    child.expect("not a valid host name")
    child.expect(HOST)
    child.sendline("127.0.0.1")
    child.expect(PORT)
    child.sendline("99999")
    child.expect("outside 1-65535")
    child.sendline(str(fake_ollama.port))
    child.expect(SHELLS)
    child.sendline("bash tcsh")
    child.expect("unknown: tcsh")
    child.sendline("bash")
    child.expect(CLIENTS)
    child.sendline("none")
    child.expect(MODEL)
    child.sendline("9")
    child.expect("type a number from 1 to 3")
    interrupt(child)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def to_the_model_prompt(port: int) -> pexpect.spawn:
    """An interactive init answered up to the model picker, which is showing."""
    child = spawn("--no-smoke")
    for prompt, answer in script(port)[:5]:
        child.expect(prompt)
        child.sendline(answer)
    child.expect(MODEL)
    return child


def test_the_picker_takes_a_name_without_its_tag(sandbox_home: Path) -> None:
    models = [FakeModel("testmodel:latest"), FakeModel("other:7b")]
    with FakeOllama(models) as fake:
        child = to_the_model_prompt(fake.port)
        child.sendline("testmodel")
        child.expect(CONFIRM)
        child.sendline("y")
        child.expect(pexpect.EOF)
        child.close()
    assert child.exitstatus == 0
    settings = (sandbox_home / ".config" / "ollama-client-setup" / "settings.toml").read_text()
    assert 'default = "testmodel:latest"' in settings


def test_unreachable_server_still_asks_for_a_model_name(
    closed_port: int, sandbox_home: Path
) -> None:
    child = spawn("--no-smoke")
    child.expect(HOST)
    child.sendline("127.0.0.1")
    child.expect(PORT)
    child.sendline(str(closed_port))
    child.expect("is not reachable now")
    child.expect(SHELLS)
    child.sendline("bash")
    child.expect(CLIENTS)
    child.sendline("none")
    child.expect(r"Model name \(the server could not list its models\)")
    child.sendline("bad name; rm -rf ~")  # said, and asked again: no traceback
    child.expect(r"Error: the model name .* has characters Ollama model names never have")
    child.expect(r"Model name \(the server could not list its models\)")
    child.sendline("qwen2.5-coder:7b")
    child.expect(CONFIRM)
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (
        "ollama_chat/qwen2.5-coder:7b"
        in (sandbox_home / ".config" / "ollama-client-setup" / "env.sh").read_text()
    )


@pytest.mark.parametrize("stop_at", range(7))
def test_ctrl_c_at_any_prompt_changes_nothing(
    fake_ollama: FakeOllama, sandbox_home: Path, stop_at: int
) -> None:
    (sandbox_home / ".bashrc").write_text("# mine\n")
    before = snapshot(sandbox_home)
    child = spawn("--no-smoke")
    steps = script(fake_ollama.port)
    for prompt, answer in steps[:stop_at]:
        child.expect(prompt)
        child.sendline(answer)
    child.expect(steps[stop_at][0])
    interrupt(child)
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 130, output
    assert "nothing was changed" in output
    assert snapshot(sandbox_home) == before


def test_declining_the_plan_changes_nothing(fake_ollama: FakeOllama, sandbox_home: Path) -> None:
    before = snapshot(sandbox_home)
    child = spawn("--no-smoke")
    for prompt, answer in script(fake_ollama.port)[:-1]:
        child.expect(prompt)
        child.sendline(answer)
    child.expect(CONFIRM)
    child.sendline("n")
    child.expect("Nothing was changed.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert snapshot(sandbox_home) == before


def test_without_a_terminal_init_never_prompts(fake_ollama: FakeOllama, sandbox_home: Path) -> None:
    import subprocess

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ollama_client_setup",
            "init",
            "--host",
            "127.0.0.1",
            "--port",
            str(fake_ollama.port),
            "--model",
            "qwen2.5-coder:7b",
            "--shell",
            "bash",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    assert "?" not in done.stdout.splitlines()[0]
    assert (sandbox_home / ".bashrc").exists()


def test_the_server_prompt_takes_host_and_port_at_once(
    fake_ollama: FakeOllama, sandbox_home: Path
) -> None:
    child = spawn("--no-smoke")
    child.expect(HOST)
    child.sendline(f"http://127.0.0.1:{fake_ollama.port}/")
    child.expect(rf"Port \[{fake_ollama.port}\]: ")  # the typed port is the default now
    child.sendline("")
    for prompt, answer in script(fake_ollama.port)[2:]:
        child.expect(prompt)
        child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    settings = (sandbox_home / ".config" / "ollama-client-setup" / "settings.toml").read_text()
    assert f'host = "127.0.0.1"\nport = {fake_ollama.port}' in settings


@pytest.mark.parametrize(
    ("bad", "hidden"),
    [
        # a name carrying terminal escapes can be shown, never written
        (FakeModel("evil\x1b]0;owned\x07:1b"), ("evil", "\x1b]")),
        # an embedding model cannot chat: never offered for it
        (embedding_model(), ("nomic-embed-text",)),
    ],
    ids=["escapes", "embedding"],
)
def test_the_picker_never_offers_a_model_no_client_can_use(
    sandbox_home: Path, bad: FakeModel, hidden: tuple[str, ...]
) -> None:
    with FakeOllama([bad, FakeModel("good:7b")]) as fake:
        child = to_the_model_prompt(fake.port)
        listing = child.before
        child.sendline("1")
        child.expect(CONFIRM)
        child.sendline("y")
        child.expect(pexpect.EOF)
        child.close()
    assert "good:7b" in listing and not any(text in listing for text in hidden)
    settings = (sandbox_home / ".config" / "ollama-client-setup" / "settings.toml").read_text()
    assert 'default = "good:7b"' in settings


def test_a_model_flag_the_server_lacks_is_refused_at_the_terminal_too(
    fake_ollama: FakeOllama, sandbox_home: Path
) -> None:
    before = snapshot(sandbox_home)
    child = spawn("--no-smoke", "--model", "qwen2.5-coder:1b")
    for prompt, answer in script(fake_ollama.port)[:5]:
        child.expect(prompt)
        child.sendline(answer)
    child.expect("the server has no model called 'qwen2.5-coder:1b'; nothing was changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4
    assert snapshot(sandbox_home) == before
