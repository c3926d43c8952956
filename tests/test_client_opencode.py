"""OpenCode: a tool-owned opencode.json named by OPENCODE_CONFIG; the user's JSONC untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.stub_clients import INIT, SWITCH, changed_lines
from tests.helpers import need, read_vars, run, snapshot

CLIENT = ("--client", "opencode")

USER_JSONC = """\
{
  // my own OpenCode settings, with comments OpenCode allows
  "$schema": "https://opencode.ai/config.json",
  "theme": "tokyonight",
  "model": "anthropic/claude-sonnet-4",
}
"""

EXPECTED = """\
{
  "$schema": "https://opencode.ai/config.json",
  "provider": {
    "ollama-server": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "Ollama server",
      "options": {
        "baseURL": "http://127.0.0.1:11434/v1"
      },
      "models": {
        "m": {
          "name": "m"
        }
      }
    }
  },
  "model": "ollama-server/m"
}
"""


def owned(home: Path) -> Path:
    return home / ".config" / "ollama-client-setup" / "opencode.json"


def user_config(home: Path) -> Path:
    return home / ".config" / "opencode" / "opencode.json"


def test_owned_file_init_switch_uninstall(sandbox_home: Path) -> None:
    user_config(sandbox_home).parent.mkdir(parents=True)
    user_config(sandbox_home).write_text(USER_JSONC)
    before = snapshot(sandbox_home)
    run(*INIT, *CLIENT, "--shell", "bash")
    first = owned(sandbox_home).read_text()
    assert first == EXPECTED
    assert user_config(sandbox_home).read_text() == USER_JSONC
    env_sh = (sandbox_home / ".config" / "ollama-client-setup" / "env.sh").read_text()
    assert f"export OPENCODE_CONFIG='{owned(sandbox_home)}'" in env_sh
    run(*SWITCH)
    assert changed_lines(first, owned(sandbox_home).read_text()) == (
        ['        "m": {', '          "name": "m"', '  "model": "ollama-server/m"'],
        ['        "m2": {', '          "name": "m2"', '  "model": "ollama-server/m2"'],
    )
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_without_a_model_the_provider_is_still_defined(sandbox_home: Path) -> None:
    run("init", "--yes", "--no-probe", "--host", "127.0.0.1", *CLIENT)
    data = json.loads(owned(sandbox_home).read_text())
    assert data["provider"]["ollama-server"]["models"] == {}
    assert "model" not in data


@pytest.mark.parametrize(
    ("shell", "argv"), [("bash", ["bash", "-ic"]), ("fish", ["fish", "-c"])], ids=["bash", "fish"]
)
def test_shells_export_opencode_config(sandbox_home: Path, shell: str, argv: list[str]) -> None:
    need(argv[0])
    run(*INIT, *CLIENT, "--shell", shell)
    got = read_vars(argv, sandbox_home, ("OPENCODE_CONFIG",))
    assert got == {"OPENCODE_CONFIG": str(owned(sandbox_home))}
    run("uninstall", "--yes")
    assert read_vars(argv, sandbox_home, ("OPENCODE_CONFIG",)) == {"OPENCODE_CONFIG": ""}
