"""Codex: the opt-in profile file, config.toml's default provider, and switching between them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from tests.fakes.stub_clients import INIT, SWITCH, changed_lines
from tests.helpers import run, snapshot

PROFILE = ("--client", "codex")
DEFAULT = ("--client", "codex", "--codex-mode", "default")

ORIGINAL = """\
# ~/.codex/config.toml
model = "gpt-5-codex"   # what I use at work
approval_policy = "on-request"

# projects I trust
[projects."/home/me/work"]
trust_level = "trusted"

[model_providers.azure]
name = "Azure"
base_url = "https://example.openai.azure.com/openai"
env_key = "AZURE_OPENAI_API_KEY"
"""

EXPECTED_DEFAULT = """\
# ~/.codex/config.toml
model = "m"   # what I use at work
approval_policy = "on-request"
model_provider = "ollama-server"

# projects I trust
[projects."/home/me/work"]
trust_level = "trusted"

[model_providers.azure]
name = "Azure"
base_url = "https://example.openai.azure.com/openai"
env_key = "AZURE_OPENAI_API_KEY"

[model_providers.ollama-server]
name = "Ollama server"
base_url = "http://127.0.0.1:11434/v1"
stream_idle_timeout_ms = 900000
"""

EXPECTED_PROFILE = """\
# Written by ollama-client-setup for `codex --profile ollama-server`. It is rewritten by
# `ollama-client-setup init` and `model use`, and removed by `uninstall`.
model = "m"
model_provider = "ollama-server"

[model_providers.ollama-server]
name = "Ollama server"
base_url = "http://127.0.0.1:11434/v1"
stream_idle_timeout_ms = 900000
"""


#: The shape of Codex's own example config (docs/example-config.md): the model, then empty
#: [model_providers] and [profiles] tables holding only commented-out examples.
EXAMPLE = """\
# Codex example configuration (config.toml)

# Primary model used by Codex.
model = "gpt-5"

approval_policy = "on-request"

################################################################################
# Model Providers (extend/override built-ins)
################################################################################

[model_providers]

# --- Example: Local OSS (e.g., Ollama-compatible) ---
# [model_providers.ollama]
# name = "Ollama"
# base_url = "http://localhost:11434/v1"

[profiles]

# [profiles.default]
# model = "gpt-5"

[projects]
# [projects."/absolute/path/to/project"]
# trust_level = "trusted"
"""


def codex(home: Path) -> Path:
    return home / ".codex"


def write_config(home: Path, text: str) -> Path:
    codex(home).mkdir(exist_ok=True)
    path = codex(home) / "config.toml"
    path.write_text(text)
    return path


def assert_no_forbidden_tables(text: str) -> None:
    assert "[model_providers.ollama]" not in text
    assert "[profiles" not in text and "profile =" not in text
    assert "wire_api" not in text


def test_profile_mode_owns_one_file_and_leaves_config_toml(sandbox_home: Path) -> None:
    config = write_config(sandbox_home, ORIGINAL)
    before = snapshot(sandbox_home)
    run(*INIT, *PROFILE)
    profile = codex(sandbox_home) / "ollama-server.config.toml"
    first = profile.read_text()
    assert first == EXPECTED_PROFILE
    assert_no_forbidden_tables(first)
    assert config.read_text() == ORIGINAL
    run(*SWITCH)
    assert changed_lines(first, profile.read_text()) == (['model = "m"'], ['model = "m2"'])
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_profile_mode_without_codex_folder_removes_it_again(sandbox_home: Path) -> None:
    before = snapshot(sandbox_home)
    run(*INIT, *PROFILE, "--shell", "bash")
    assert (codex(sandbox_home) / "ollama-server.config.toml").exists()
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_default_mode_init_switch_uninstall(sandbox_home: Path) -> None:
    config = write_config(sandbox_home, ORIGINAL)
    before = snapshot(sandbox_home)
    run(*INIT, *DEFAULT)
    first = config.read_text()
    assert first == EXPECTED_DEFAULT
    assert_no_forbidden_tables(first)
    assert not (codex(sandbox_home) / "ollama-server.config.toml").exists()
    run(*SWITCH)
    assert changed_lines(first, config.read_text()) == (
        ['model = "m"   # what I use at work'],
        ['model = "m2"   # what I use at work'],
    )
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_default_mode_user_edits_survive_and_originals_return(sandbox_home: Path) -> None:
    config = write_config(sandbox_home, ORIGINAL)
    run(*INIT, *DEFAULT)
    run(*SWITCH)
    run("init", "--yes", "--no-probe", "--model", "m3", "--host", "box.example")
    assert 'base_url = "http://box.example:11434/v1"' in config.read_text()
    config.write_text(config.read_text().replace('"on-request"', '"never"') + "\n[tui]\nx = 1\n")
    run("uninstall", "--yes")
    assert config.read_text() == (ORIGINAL.replace('"on-request"', '"never"') + "\n[tui]\nx = 1\n")


def test_default_mode_new_config_is_created_and_removed(sandbox_home: Path) -> None:
    codex(sandbox_home).mkdir()
    before = snapshot(sandbox_home)
    run(*INIT, *DEFAULT)
    assert (codex(sandbox_home) / "config.toml").read_text() == (
        'model = "m"\nmodel_provider = "ollama-server"\n\n'
        '[model_providers.ollama-server]\nname = "Ollama server"\n'
        'base_url = "http://127.0.0.1:11434/v1"\nstream_idle_timeout_ms = 900000\n'
    )
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_switching_modes_back_and_forth(sandbox_home: Path) -> None:
    config = write_config(sandbox_home, ORIGINAL)
    profile = codex(sandbox_home) / "ollama-server.config.toml"
    before = snapshot(sandbox_home)
    run(*INIT, *DEFAULT)
    assert config.read_text() == EXPECTED_DEFAULT and not profile.exists()
    run(*INIT, "--codex-mode", "profile")
    assert config.read_text() == ORIGINAL  # The engine reverts a file that left the plan.
    assert profile.read_text() == EXPECTED_PROFILE
    run(*INIT, "--codex-mode", "default")
    assert config.read_text() == EXPECTED_DEFAULT and not profile.exists()
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_folder_created_for_profile_is_removed_after_switching_modes(sandbox_home: Path) -> None:
    before = snapshot(sandbox_home)
    run(*INIT, *PROFILE)
    run(*INIT, "--codex-mode", "default")
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_codex_home_is_honoured(sandbox_home: Path, monkeypatch) -> None:
    custom = sandbox_home / "codex-alt"
    monkeypatch.setenv("CODEX_HOME", str(custom))
    run(*INIT, *PROFILE)
    assert (custom / "ollama-server.config.toml").exists()
    assert not codex(sandbox_home).exists()


@pytest.mark.parametrize(
    ("content", "where", "reason"),
    [
        ('model = "gpt-5\n', ":1:15", "not valid TOML"),
        ('model = "a"\nmodel = "b"\n', ":2:1", "not valid TOML"),
        ("[tui]\nx = 1\n[tui]\ny = 2\n", ":4:1", "not valid TOML"),
        ("[model_providers\n", ":1:17", "not valid TOML"),
    ],
    ids=["truncated-string", "duplicate-key", "duplicate-table", "truncated-header"],
)
def test_malformed_config_refused_and_nothing_changes(
    sandbox_home: Path, content: str, where: str, reason: str
) -> None:
    write_config(sandbox_home, content)
    before = snapshot(sandbox_home)
    result = run(*INIT, *DEFAULT, "--shell", "bash", code=ExitCode.REFUSED)
    assert f"~/.codex/config.toml{where}: " in result.stderr
    assert reason in result.stderr
    assert snapshot(sandbox_home) == before


def test_provider_written_inline_is_refused(sandbox_home: Path) -> None:
    write_config(sandbox_home, 'model_providers.ollama-server = { name = "x" }\n')
    before = snapshot(sandbox_home)
    result = run(*INIT, *DEFAULT, code=ExitCode.REFUSED)
    assert "[model_providers.ollama-server] table" in result.stderr
    assert snapshot(sandbox_home) == before


def test_default_mode_fills_the_empty_model_providers_of_codexs_example(
    sandbox_home: Path,
) -> None:
    """Issue 15, item 6: an empty [model_providers] table defines no provider, so adding the
    tool's provider under it changes nothing else; it was refused (exit 4)."""
    config = write_config(sandbox_home, EXAMPLE)
    before = snapshot(sandbox_home)
    run(*INIT, *DEFAULT)
    first = config.read_text()
    assert first == (
        EXAMPLE.replace('model = "gpt-5"', 'model = "m"', 1).replace(
            '"on-request"\n', '"on-request"\nmodel_provider = "ollama-server"\n'
        )
        + '\n[model_providers.ollama-server]\nname = "Ollama server"\n'
        'base_url = "http://127.0.0.1:11434/v1"\nstream_idle_timeout_ms = 900000\n'
    )
    run(*SWITCH)
    assert changed_lines(first, config.read_text()) == (['model = "m"'], ['model = "m2"'])
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


@pytest.mark.parametrize(
    "content", ["model_providers = {}\n", 'model_providers = { azure = { name = "Azure" } }\n']
)
def test_inline_model_providers_is_refused_with_the_reason(
    sandbox_home: Path, content: str
) -> None:
    """No [model_providers.*] table can be added to an inline one: say so (it was reported
    as a bug in the tool)."""
    write_config(sandbox_home, 'model = "gpt-5"\n' + content)
    before = snapshot(sandbox_home)
    result = run(*INIT, *DEFAULT, code=ExitCode.REFUSED)
    assert "~/.codex/config.toml:2:1: " in result.stderr
    assert "model_providers is an inline table" in result.stderr
    assert "bug" not in result.stderr
    assert snapshot(sandbox_home) == before


@pytest.mark.realclient
def test_real_codex_runs_on_the_filled_example_config(
    sandbox_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real `codex exec`, in default mode, reads the edited example config and asks the
    server for the model."""
    from ollama_client_setup.base.results import Status
    from tests import realclients
    from tests.fakes.ollama import FakeOllama
    from tests.helpers import init_at

    realclients.use("codex", monkeypatch)
    config = write_config(sandbox_home, EXAMPLE)
    with FakeOllama(obedient=True) as server:
        init_at(server.port, "--no-smoke", "--codex-mode", "default", clients=("codex",))
        assert "[model_providers.ollama-server]" in config.read_text()
        server.clear_requests()
        result, output = realclients.session("codex", project=sandbox_home / "project")
        assert result.status is Status.OK, (result.summary, result.detail, output)
        models = [r.json["model"] for r in server.requests_to("/v1/responses")]
        assert models and set(models) == {"qwen2.5-coder:7b"}, (models, output)
    run("uninstall", "--yes")
    assert config.read_text() == EXAMPLE


# --- render and revert directly, over awkward inputs ------------------------------------

AWKWARD = [
    "",
    "# only a comment\n",
    '[mcp_servers.docs]\ncommand = "npx"\nargs = ["-y", "docs"]',  # no final newline
    "model_provider = 'openai'\n\n[tui]\nnotifications = true\n",
    'notes = """\n[not a table]\nmodel = "x"\n"""\n[a]\nb = [\n  1, # one\n  2,\n]\n',
    "# header\n\n[model_providers.azure]\nname = 'Azure'\n",
    'model = "gpt-5"\n\n[model_providers]\n',  # empty, as in Codex's example config
    "[model_providers]\n# examples\n[tui]\nx = 1",
]


@pytest.mark.parametrize("original", AWKWARD)
def test_render_switch_revert_round_trip(original: str) -> None:
    from ollama_client_setup.clients.codex.config_toml import CodexDefault

    first = CodexDefault(Path("/x"), "codex", "m", "http://h:1/v1").render(original)
    second = CodexDefault(Path("/x"), "codex", "m2", "http://o:2/v1").render(first.text)
    assert second.memo is None
    assert CodexDefault.revert(second.text or "", first.memo) == original
