"""Claude Code: the `claude-ollama` launcher in real shells, and settings.json's env object."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from tests.fakes.stub_clients import INIT, SWITCH, changed_lines, install_stub
from tests.helpers import need, run, shell_env, snapshot

LAUNCHER = ("--client", "claude-code")
SETTINGS = ("--client", "claude-code", "--claude-code-mode", "settings")
WANTED = {
    "ANTHROPIC_BASE_URL": "http://127.0.0.1:11434",
    "ANTHROPIC_AUTH_TOKEN": "ollama",
    "ANTHROPIC_API_KEY": "",
    "ANTHROPIC_MODEL": "m",
    "ANTHROPIC_DEFAULT_OPUS_MODEL": "m",
    "ANTHROPIC_DEFAULT_SONNET_MODEL": "m",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL": "m",
    "CLAUDE_CODE_SUBAGENT_MODEL": "m",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "CLAUDE_CODE_ATTRIBUTION_HEADER": "0",
    "API_TIMEOUT_MS": "900000",
}

ORIGINAL = """\
{
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "model": "opus",
    "permissions": {
        "allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"],
        "deny": []
    },
    "env": {
        "ANTHROPIC_MODEL": "claude-opus-4-1",
        "DISABLE_AUTOUPDATER": "1"
    },
    "includeCoAuthoredBy": false
}
"""

EXPECTED = """\
{
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "model": "opus",
    "permissions": {
        "allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"],
        "deny": []
    },
    "env": {
        "ANTHROPIC_MODEL": "m",
        "DISABLE_AUTOUPDATER": "1",
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:11434",
        "ANTHROPIC_AUTH_TOKEN": "ollama",
        "ANTHROPIC_API_KEY": "",
        "ANTHROPIC_DEFAULT_OPUS_MODEL": "m",
        "ANTHROPIC_DEFAULT_SONNET_MODEL": "m",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": "m",
        "CLAUDE_CODE_SUBAGENT_MODEL": "m",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "CLAUDE_CODE_ATTRIBUTION_HEADER": "0",
        "API_TIMEOUT_MS": "900000"
    },
    "includeCoAuthoredBy": false
}
"""


def settings_json(home: Path) -> Path:
    return home / ".claude" / "settings.json"


def write_settings(home: Path, text: str | bytes) -> Path:
    path = settings_json(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


# --- settings mode ---------------------------------------------------------------------


def test_settings_mode_init_switch_uninstall(sandbox_home: Path) -> None:
    write_settings(sandbox_home, ORIGINAL)
    before = snapshot(sandbox_home)
    run(*INIT, *SETTINGS)
    first = settings_json(sandbox_home).read_text()
    assert first == EXPECTED
    run(*SWITCH)
    second = settings_json(sandbox_home).read_text()
    removed, added = changed_lines(first, second)
    assert len(removed) == len(added) == 5
    assert all(line.endswith('"m",') for line in removed)
    assert added == [line.replace('"m"', '"m2"') for line in removed]
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_user_edits_survive_and_original_values_come_back(sandbox_home: Path) -> None:
    write_settings(sandbox_home, ORIGINAL)
    run(*INIT, *SETTINGS)
    run(*SWITCH)
    # Host and model at once: the tool still knows the values as its own.
    run("init", "--yes", "--no-probe", "--model", "m3", "--host", "box.example")
    text = settings_json(sandbox_home).read_text()
    assert '"ANTHROPIC_BASE_URL": "http://box.example:11434"' in text
    edited = text.replace('"deny": []', '"deny": ["Read(./.env)"]')
    settings_json(sandbox_home).write_text(edited)
    run("uninstall", "--yes")
    assert settings_json(sandbox_home).read_text() == ORIGINAL.replace(
        '"deny": []', '"deny": ["Read(./.env)"]'
    )


def test_env_object_created_by_the_tool_goes_again(sandbox_home: Path) -> None:
    original = '{\n\t"theme": "dark"\n}\n'
    write_settings(sandbox_home, original)
    run(*INIT, *SETTINGS)
    text = settings_json(sandbox_home).read_text()
    assert text.startswith('{\n\t"theme": "dark",\n\t"env": {\n\t\t"ANTHROPIC_BASE_URL": ')
    settings_json(sandbox_home).write_text(text.replace('"dark"', '"light"'))
    run("uninstall", "--yes")
    assert settings_json(sandbox_home).read_text() == original.replace('"dark"', '"light"')


def test_missing_file_and_folder_are_created_and_removed(sandbox_home: Path) -> None:
    before = snapshot(sandbox_home)
    run(*INIT, *SETTINGS, "--shell", "bash")
    import json

    assert json.loads(settings_json(sandbox_home).read_text()) == {"env": WANTED}
    assert settings_json(sandbox_home).read_bytes().startswith(b'{\n  "env": {\n    "')
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before
    assert not (sandbox_home / ".claude").exists()


def test_claude_config_dir_is_honoured(sandbox_home: Path, monkeypatch) -> None:
    custom = sandbox_home / "claude-alt"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(custom))
    run(*INIT, *SETTINGS)
    assert (custom / "settings.json").exists()
    assert not settings_json(sandbox_home).exists()


def test_switching_back_to_launcher_restores_settings(sandbox_home: Path) -> None:
    write_settings(sandbox_home, ORIGINAL)
    run(*INIT, *SETTINGS)
    run(*INIT, "--claude-code-mode", "launcher")
    assert settings_json(sandbox_home).read_text() == ORIGINAL
    env_sh = sandbox_home / ".config" / "ollama-client-setup" / "env.sh"
    assert "claude-ollama() {" in env_sh.read_text()


@pytest.mark.parametrize(
    ("content", "where", "reason"),
    [
        ('{\n  // mine\n  "model": "opus"\n}\n', ":2:3", "it has a comment, and Claude Code"),
        ('{\n  "model": "opus",\n}\n', ":2:18", "it has a trailing comma, and Claude Code"),
        ('{"env": {"A": "1", "A": "2"}}', ":1:20", 'the key "A" appears twice'),
        ('[{"env": {}}]\n', ":1:1", "must be a JSON object"),
        ('{\n  "env": {\n    "A": "1"\n', ":4:1", "the file ends too early"),
        ('{"env": ["A=1"]}\n', ":1:9", '"env" must be an object'),
    ],
    ids=["comment", "trailing-comma", "duplicate-key", "top-level-array", "truncated", "env-list"],
)
def test_malformed_settings_refused_and_nothing_changes(
    sandbox_home: Path, content: str, where: str, reason: str
) -> None:
    write_settings(sandbox_home, content)
    before = snapshot(sandbox_home)
    result = run(*INIT, *SETTINGS, "--shell", "bash", code=ExitCode.REFUSED)
    assert f"~/.claude/settings.json{where}: " in result.stderr
    assert reason in result.stderr
    assert snapshot(sandbox_home) == before


def test_bom_in_settings_refused(sandbox_home: Path) -> None:
    write_settings(sandbox_home, b'\xef\xbb\xbf{"model": "opus"}\n')
    before = snapshot(sandbox_home)
    result = run(*INIT, *SETTINGS, code=ExitCode.REFUSED)
    assert "~/.claude/settings.json:1:1: " in result.stderr
    assert "byte order mark: Claude Code ignores the whole file" in result.stderr
    assert snapshot(sandbox_home) == before


# --- launcher mode, in real shells ------------------------------------------------------


def test_launcher_mode_writes_no_claude_file(sandbox_home: Path) -> None:
    write_settings(sandbox_home, ORIGINAL)
    before = settings_json(sandbox_home).read_bytes()
    run(*INIT, *LAUNCHER, "--shell", "bash")
    assert settings_json(sandbox_home).read_bytes() == before
    env_sh = sandbox_home / ".config" / "ollama-client-setup" / "env.sh"
    assert "export ANTHROPIC" not in env_sh.read_text()
    shown = subprocess.run(
        ["bash", "-c", f". {env_sh}; type claude-ollama"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "ANTHROPIC_BASE_URL='http://127.0.0.1:11434'" in shown.stdout, shown.stderr


def _run_in_shell(argv: list[str], home: Path, script: str) -> list[dict[str, str]]:
    """Run `script` in a real shell; each stub call and the final `env -0` print NUL-separated
    environments, cut apart at the STUB_ARGS / AFTER markers."""
    bin_dir = home / "stub-bin"
    install_stub(bin_dir, "claude")
    extra = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [*argv, script],
        env=shell_env(home, extra),
        capture_output=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        cwd=home,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    blocks: list[dict[str, str]] = []
    for item in done.stdout.split(b"\0"):
        if b"=" not in item:
            continue
        name, value = item.decode("utf-8", "surrogateescape").split("=", 1)
        if name in ("STUB_ARGS", "AFTER"):
            blocks.append({})
        if blocks:
            blocks[-1][name] = value
    return blocks


@pytest.mark.parametrize(
    "argv", [["bash", "-ic"], ["zsh", "-ic"], ["fish", "-c"]], ids=["bash", "zsh", "fish"]
)
def test_launcher_sets_variables_for_the_child_only(sandbox_home: Path, argv: list[str]) -> None:
    need(argv[0])
    run(*INIT, *LAUNCHER, "--shell", "bash", "--shell", "zsh", "--shell", "fish")
    script = "claude-ollama -p 'hello world'; claude; printf 'AFTER=1\\0'; env -0"
    launched, plain, after = _run_in_shell(argv, sandbox_home, script)
    assert launched["STUB_ARGS"] == "-p hello world"
    assert {k: launched.get(k) for k in WANTED} == WANTED
    # Plain `claude` and the shell itself never see them: Anthropic stays the default.
    for env in (plain, after):
        assert not any(name in env for name in WANTED), env
    assert after["OLLAMA_API_BASE"] == "http://127.0.0.1:11434"


def test_launcher_follows_a_model_switch(sandbox_home: Path) -> None:
    need("bash")
    run(*INIT, *LAUNCHER, "--shell", "bash")
    run(*SWITCH)
    (launched,) = _run_in_shell(["bash", "-ic"], sandbox_home, "claude-ollama")
    assert launched["ANTHROPIC_MODEL"] == launched["CLAUDE_CODE_SUBAGENT_MODEL"] == "m2"


# --- render and revert directly, over awkward inputs ------------------------------------

AWKWARD = [
    "",
    "  \n",
    "{}",
    '{"env": {}, "a": [1,2]}',
    '{\n\t"theme": "dark"\n}',
    '{"env": {"ANTHROPIC_MODEL": 5, "X": "1"}}\n',
    '{\n  "env": {\n    "ANTHROPIC_BASE_URL": "https://proxy.example"\n  }\n}\n',
]


@pytest.mark.parametrize("original", AWKWARD)
def test_render_switch_revert_round_trip(original: str) -> None:
    from ollama_client_setup.clients.base import ClientContext
    from ollama_client_setup.clients.claude_code import SettingsEnv, variables
    from ollama_client_setup.config.settings import ClientOptions
    from ollama_client_setup.shells.machine import Machine

    def change(model: str, root: str) -> SettingsEnv:
        machine = Machine(Path("/home/x"), {})
        ctx = ClientContext(
            "claude-code", root, root + "/v1", model, ClientOptions(), None, machine
        )
        return SettingsEnv(Path("/x"), "claude-code", variables(ctx))

    first = change("m", "http://h:1").render(original)
    second = change("m2", "http://other:2").render(first.text)
    assert second.memo is None
    assert SettingsEnv.revert(second.text or "", first.memo) == original


def test_posix_login_shell_still_loads_the_env_with_the_launcher(sandbox_home: Path) -> None:
    need("dash")
    run(*INIT, *LAUNCHER, "--shell", "bash")
    done = subprocess.run(
        ["dash", "-lc", 'printf "%s" "$OLLAMA_API_BASE"'],
        env=shell_env(sandbox_home),
        capture_output=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        cwd=sandbox_home,
    )
    assert (done.returncode, done.stdout) == (0, b"http://127.0.0.1:11434"), done.stderr
