"""Issue 6: hostile values never reach a file. Rejected with a clear message (exit 2 for a
flag, 4 for a hand-edited settings file, nothing changed); and for the unusual values that
are valid, real bash, zsh, fish and sh read back every written value byte for byte,
through the `claude-ollama` launcher too. (PowerShell: not installed here; see
docs/reliability.md.)
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from tests.fakes.stub_clients import install_stub
from tests.helpers import need, read_vars, run, shell_env, snapshot

INIT = ("init", "--yes", "--no-probe")
SETTINGS = Path(".config/ollama-client-setup/settings.toml")

HOSTILE = {
    "single-quote": "a'b",
    "double-quote": 'a"b',
    "command-substitution": "$(touch PWNED)",
    "backticks": "`touch PWNED`",
    "newline": "a\nb",
    "space": "a b",
    "semicolon": "a;b",
    "backslash": "a\\b",
    "tab": "a\tb",
    "non-ascii": "caf\u00e9",
    "leading-dash": "-oProxyCommand=x",
    "10-kB": "x" * 10240,
    "empty": "",
}
HOST_REASON = ("not a valid host name", "longer than 253", "is empty", "not ASCII")
#: The settings file the test writes: table -> key, three lines per table.
TABLES = {"server": "host", "model": "default", "clients.aider": "model"}
MODEL_REASON = ("characters Ollama model names never have", "longer than 200", "is empty")


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_flags_are_usage_errors(sandbox_home: Path, value: str) -> None:
    (sandbox_home / ".bashrc").write_text("# mine\n")
    before = snapshot(sandbox_home)
    host = run(*INIT, "--host", value, "--shell", "bash", code=ExitCode.USAGE)
    assert "--host" in host.stderr and any(r in host.stderr for r in HOST_REASON)
    model = run(*INIT, "--model", value, "--shell", "bash", code=ExitCode.USAGE)
    assert "--model" in model.stderr and any(r in model.stderr for r in MODEL_REASON)
    assert snapshot(sandbox_home) == before
    run(*INIT, "--host", "127.0.0.1", "--model", "m", "--shell", "bash")
    after = snapshot(sandbox_home)
    used = run("model", "use", "--no-check", "--", value, code=ExitCode.USAGE)
    assert any(r in used.stderr for r in MODEL_REASON)
    assert snapshot(sandbox_home) == after
    assert not list(sandbox_home.rglob("PWNED"))


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize(
    ("table", "key", "line"),
    [("server", "host", 2), ("model", "default", 5), ("clients.aider", "model", 8)],
    ids=["host", "model", "client-model"],
)
def test_hostile_values_in_the_settings_file_are_refused(
    sandbox_home: Path, value: str, table: str, key: str, line: int
) -> None:
    path = sandbox_home / SETTINGS
    path.parent.mkdir(parents=True)
    values = {"server": "127.0.0.1", "model": "m", "clients.aider": "m"}
    values[table] = value
    lines = [f"[{name}]\n{k} = {json.dumps(values[name])}\n" for name, k in TABLES.items()]
    path.write_text("\n".join(lines))  # TOML basic strings hold any of them (JSON escapes)
    (sandbox_home / ".bashrc").write_text("# mine\n")
    before = snapshot(sandbox_home)
    result = run(*INIT, "--shell", "bash", code=ExitCode.REFUSED)
    assert f"~/{SETTINGS}:{line}:1: [{table}] {key} = " in result.stderr
    assert any(r in result.stderr for r in HOST_REASON + MODEL_REASON)
    assert snapshot(sandbox_home) == before


def test_ipv6_zone_is_refused_not_written(sandbox_home: Path) -> None:
    """fe80::1%eth0 used to be accepted: http://[fe80::1%eth0]:11434 is no URL to Node's or
    Rust's parsers, so Claude Code, Continue, OpenCode and Codex would have failed on it."""
    result = run(*INIT, "--host", "fe80::1%eth0", code=ExitCode.USAGE)
    assert "has a zone (%eth0)" in result.stderr
    path = sandbox_home / SETTINGS
    path.parent.mkdir(parents=True)
    path.write_text('[server]\nhost = "[fe80::1%eth0]"\n')
    result = run(*INIT, code=ExitCode.REFUSED)
    assert f"~/{SETTINGS}:2:1: " in result.stderr and "has a zone" in result.stderr
    result = run(*INIT, "--host", "caf\u00e9.lan", code=ExitCode.USAGE)
    assert "its ASCII form 'xn--caf-dma.lan'" in result.stderr


# --- valid but unusual values, read back by real shells --------------------------------------

SHELLS = {
    "bash": ["bash", "-ic"],
    "zsh": ["zsh", "-ic"],
    "fish": ["fish", "-c"],
    "sh": ["dash", "-lc"],
}
EDGE = [
    ("::1", "hf.co/org/Repo-GGUF:Q4_K_M"),
    ("my_host.lan.", "a+b@c:1.5-x_y/z.w"),
    ("100.64.0.1", "m" * 200),
]
NAMES = ("OLLAMA_API_BASE", "OPENAI_API_BASE", "OPENAI_BASE_URL", "AIDER_MODEL", "OPENCODE_CONFIG")


@pytest.mark.parametrize(("host", "model"), EDGE, ids=["ipv6", "odd-chars", "longest"])
def test_unusual_valid_values_read_back_exactly(sandbox_home: Path, host: str, model: str) -> None:
    for argv in SHELLS.values():
        need(argv[0])
    flags = [f for s in SHELLS for f in ("--shell", s)]
    run(*INIT, "--host", host, "--model", model, *flags, "--client", "opencode")
    root = f"http://[{host}]:11434" if ":" in host else f"http://{host}:11434"
    wanted = {
        "OLLAMA_API_BASE": root,
        "OPENAI_API_BASE": root + "/v1",
        "OPENAI_BASE_URL": root + "/v1",
        "AIDER_MODEL": "ollama_chat/" + model,
        "OPENCODE_CONFIG": str(sandbox_home / ".config/ollama-client-setup/opencode.json"),
    }
    for name, argv in SHELLS.items():
        assert read_vars(argv, sandbox_home, NAMES) == wanted, name


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_launcher_hands_unusual_values_over_exactly(sandbox_home: Path, shell: str) -> None:
    need(shell)
    host, model = "::1", "a+b@c:1.5-x_y/z.w"
    run(*INIT, "--host", host, "--model", model, "--shell", shell, "--client", "claude-code")
    bin_dir = sandbox_home / "stub-bin"
    install_stub(bin_dir, "claude")
    done = subprocess.run(
        [*SHELLS[shell], "claude-ollama 'two words' \"\\$(x)\""],
        env=shell_env(sandbox_home, {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}),
        capture_output=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        cwd=sandbox_home,
    )
    assert done.returncode == 0, done.stderr
    env = dict(item.decode().split("=", 1) for item in done.stdout.split(b"\0") if b"=" in item)
    assert env["STUB_ARGS"] == "two words $(x)"
    assert env["ANTHROPIC_BASE_URL"] == "http://[::1]:11434"
    assert env["ANTHROPIC_MODEL"] == env["CLAUDE_CODE_SUBAGENT_MODEL"] == model
    assert env["ANTHROPIC_API_KEY"] == ""


@pytest.mark.parametrize(
    "folder",
    ['we\'ird $(touch PWNED) `touch PWNED` "q" \\b', "new\nline", "sp ace;&|<>*?[a]~{x}"],
    ids=["quotes-and-substitutions", "newline", "metacharacters"],
)
def test_hostile_config_folder_path_is_quoted_for_every_shell(
    sandbox_home: Path, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config folder's path lands in each start-up file's source line and in
    OPENCODE_CONFIG: nothing in it may run, and the value comes back exactly."""
    for argv in SHELLS.values():
        need(argv[0])
    config = sandbox_home / folder
    monkeypatch.setenv("OLLAMA_CLIENT_SETUP_CONFIG_DIR", str(config))
    flags = [f for s in SHELLS for f in ("--shell", s)]
    run(*INIT, "--host", "127.0.0.1", "--model", "m", *flags, "--client", "opencode")
    extra = {"OLLAMA_CLIENT_SETUP_CONFIG_DIR": str(config)}
    for name, argv in SHELLS.items():
        found = read_vars(argv, sandbox_home, ("OPENCODE_CONFIG", "OLLAMA_API_BASE"), extra)
        assert found == {
            "OPENCODE_CONFIG": str(config / "opencode.json"),
            "OLLAMA_API_BASE": "http://127.0.0.1:11434",
        }, name
    assert not list(sandbox_home.rglob("PWNED"))


def test_powershell_path_escapes_every_character_that_ends_its_string(sandbox_home: Path) -> None:
    """PowerShell treats the Unicode double quotes like `"` (not installed here to run it)."""
    from ollama_client_setup.shells.quoting import ps_path

    quoted = ps_path(sandbox_home / 'a\u201cb\u201dc\u201ed"e`f$g')
    assert quoted == '"$HOME/a`\u201cb`\u201dc`\u201ed`"e``f`$g"'
