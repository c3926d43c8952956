"""The version table (compat) and doctor's `server.compat` against the fake server."""

from __future__ import annotations

from typing import Any

import pytest

from ollama_client_setup.checks import compat
from ollama_client_setup.checks.doctor import registry
from ollama_client_setup.config.settings import Settings
from tests.fakes.ollama import FakeOllama
from tests.helpers import run, run_json

MODEL = "qwen2.5-coder:7b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.15.2", (0, 15, 2, 1, "")),
        ("v0.15.2", (0, 15, 2, 1, "")),
        ("0.6.0-rc1", (0, 6, 0, 0, "rc1")),
        ("0.13", (0, 13, 0, 1, "")),
        (" 0.14.0+build.7\n", (0, 14, 0, 1, "")),
        ("0.0.0", (0, 0, 0, 1, "")),
    ],
)
def test_parse(text: str, expected: tuple[Any, ...]) -> None:
    version = compat.parse(text)
    assert version is not None
    assert (version.major, version.minor, version.patch, version.release, version.pre) == expected


@pytest.mark.parametrize("text", ["", None, "unknown", "0", "0.x.1", "1.2.3.4.5-"])
def test_parse_rejects_what_is_not_a_version(text: str | None) -> None:
    assert compat.parse(text) is None


def test_order_puts_pre_releases_before_the_release() -> None:
    ordered = ["0.5.0", "0.6.0-rc1", "0.6.0-rc2", "0.6.0", "0.6.1", "0.13.4", "0.14.0", "0.15.2"]
    parsed = [compat.parse(v) for v in ordered]
    assert parsed == sorted(parsed)  # type: ignore[type-var]
    assert str(compat.parse("v0.6.0-rc1")) == "0.6.0-rc1"


@pytest.mark.parametrize(
    ("version", "minimum", "expected"),
    [
        ("0.15.2", "0.14.0", True),
        ("0.14.0", "0.14.0", True),
        ("0.13.9", "0.14.0", False),
        ("0.14.0-rc3", "0.14.0", False),
        ("0.13.4", "0.13.4", True),
        ("0.13.3", "0.13.4", False),
        ("0.0.0", "0.14.0", None),  # a build from source: unknown, not old
        ("garbage", "0.14.0", None),
        (None, "0.14.0", None),
    ],
)
def test_at_least(version: str | None, minimum: str, expected: bool | None) -> None:
    assert compat.at_least(version, minimum) is expected


def test_the_table_holds_the_reference_floors() -> None:
    floors = {f.client: f.minimum for f in compat.floors()}
    assert floors == {"claude-code": "0.14.0", "codex": "0.13.4"}
    assert compat.ROUTES["/v1/messages"] == floors["claude-code"]
    assert all(compat.parse(f.minimum) for f in compat.floors())


def test_assess() -> None:
    assert compat.assess("0.15.2", ["aider", "continue", "opencode"]).verdict == "none"
    assert compat.assess("0.15.2", ["claude-code", "codex"]).verdict == "ok"
    assert compat.assess("0.0.0", ["claude-code"]).verdict == "unknown"
    old = compat.assess("0.13.0", ["codex", "claude-code"])
    assert old.verdict == "old"
    assert [f.client for f in old.unmet] == ["claude-code", "codex"]
    assert old.update_to == "0.14.0"
    between = compat.assess("0.13.5", ["codex", "claude-code"])
    assert [f.client for f in between.unmet] == ["claude-code"]


# -- doctor's server.compat ---------------------------------------------------------------


def doctor_compat(version: str, *clients: str, anthropic: bool = True) -> dict[str, Any]:
    flags = [arg for name in clients for arg in ("--client", name)]
    with FakeOllama(version=version, anthropic=anthropic) as fake:
        run(
            "init",
            "--yes",
            "--no-smoke",
            "--host",
            "127.0.0.1",
            "--port",
            str(fake.port),
            "--model",
            MODEL,
            "--shell",
            "bash",
            *flags,
        )
        data = run_json("doctor", "--timeout", "3", "--only", "server.compat", code=None)
    return {c["id"]: c for c in data["result"]["checks"]}


def test_old_server_with_claude_code_warns_with_the_fix() -> None:
    check = doctor_compat("0.13.0", "claude-code", anthropic=False)["server.compat"]
    assert check["status"] == "warn"
    assert check["summary"] == (
        "Claude Code needs Ollama >= 0.14.0 for the Anthropic-compatible /v1/messages; "
        "the server runs 0.13.0"
    )
    assert check["fix"]["text"].startswith("Update Ollama on the server to 0.14.0 or newer")
    assert check["fix"]["command"] == "ollama-client-setup doctor --only server.compat"


def test_old_server_names_every_client_it_fails() -> None:
    check = doctor_compat("0.13.0", "codex", "claude-code", anthropic=False)["server.compat"]
    assert check["status"] == "warn"
    assert "; Codex needs >= 0.13.4" in check["summary"]
    assert "to 0.14.0 or newer" in check["fix"]["text"]


def test_new_server_is_ok() -> None:
    check = doctor_compat("0.15.2", "claude-code", "codex")["server.compat"]
    assert check["status"] == "ok"
    assert check["summary"].startswith("Ollama 0.15.2 has what the clients need: Claude Code")


def test_development_build_is_skipped_softly() -> None:
    check = doctor_compat("0.0.0", "claude-code")["server.compat"]
    assert check["status"] == "skip"
    assert "0.0.0, a build from source," in check["summary"]


def test_without_a_client_that_has_a_floor_there_is_nothing_to_check() -> None:
    assert "server.compat" not in [c.id for c in registry.all_checks(Settings(clients=("aider",)))]
    assert doctor_compat("0.15.2", "aider") == {}
    listed = [c.id for c in registry.listing(Settings(clients=("aider",)))]
    assert listed.index("server.compat") == listed.index("server.version") + 1
    assert "clients.run" in listed


def test_the_check_itself_skips_without_a_floor() -> None:
    from ollama_client_setup.base.results import ok
    from ollama_client_setup.checks.doctor import local
    from ollama_client_setup.checks.doctor.context import Context

    ctx = Context(Settings(clients=("aider",)), {}, 1.0)
    ctx.results["server.version"] = ok("Ollama 0.15.2 answers", version="0.15.2")
    result = local.server_compat(ctx)
    assert result.status.value == "skip"
    assert result.summary == "skipped: no managed client needs a particular Ollama version"
