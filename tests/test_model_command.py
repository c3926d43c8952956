"""model list / use / current against the fake server."""

from __future__ import annotations

from pathlib import Path

from ollama_client_setup.base.exitcodes import ExitCode
from tests.fakes.ollama import FakeOllama
from tests.helpers import init_at, run, run_json, snapshot, unload


def setup(port: int, model: str = "qwen2.5-coder:7b") -> None:
    init_at(port, model=model)


def env_text(home: Path) -> str:
    return (home / ".config" / "ollama-client-setup" / "env.sh").read_text()


def test_use_switches_and_changes_only_model_lines(
    fake_ollama: FakeOllama, sandbox_home: Path
) -> None:
    setup(fake_ollama.port)
    before = env_text(sandbox_home)
    bashrc = (sandbox_home / ".bashrc").read_bytes()
    result = run("model", "use", "llama3.2:3b")
    assert "Every client now uses llama3.2:3b." in result.stdout
    after = env_text(sandbox_home)
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert changed == [
        (
            "export AIDER_MODEL='ollama_chat/qwen2.5-coder:7b'",
            "export AIDER_MODEL='ollama_chat/llama3.2:3b'",
        )
    ]
    assert (sandbox_home / ".bashrc").read_bytes() == bashrc
    assert run_json("model", "current")["result"]["models"]["default"] == "llama3.2:3b"


def test_use_accepts_name_for_latest(fake_ollama: FakeOllama) -> None:
    fake_ollama.models[1].name = "llama3.2:latest"
    setup(fake_ollama.port)
    data = run_json("model", "use", "llama3.2")
    assert data["result"]["model"] == "llama3.2:latest"


def test_use_refuses_a_typo_with_suggestions(fake_ollama: FakeOllama, sandbox_home: Path) -> None:
    setup(fake_ollama.port)
    before = snapshot(sandbox_home)
    result = run("model", "use", "qwen2.5-coder:7", code=ExitCode.REFUSED)
    assert "no model called 'qwen2.5-coder:7'" in result.stderr
    assert "Did you mean qwen2.5-coder:7b" in result.stderr
    assert snapshot(sandbox_home) == before


def test_use_when_server_is_down_says_how_to_go_on(closed_port: int, sandbox_home: Path) -> None:
    setup(closed_port)
    before = snapshot(sandbox_home)
    result = run("model", "use", "other:1b", code=ExitCode.UNREACHABLE)
    assert "--no-check" in result.stderr and "doctor" in result.stderr
    assert snapshot(sandbox_home) == before
    run("model", "use", "other:1b", "--no-check")
    assert "ollama_chat/other:1b" in env_text(sandbox_home)


def test_use_dry_run_changes_nothing(fake_ollama: FakeOllama, sandbox_home: Path) -> None:
    setup(fake_ollama.port)
    before = snapshot(sandbox_home)
    result = run("model", "use", "llama3.2:3b", "--dry-run")
    assert "+export AIDER_MODEL='ollama_chat/llama3.2:3b'" in result.stdout
    assert snapshot(sandbox_home) == before


def test_per_client_and_autocomplete_overrides(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    run("model", "use", "starcoder2:3b", "--role", "autocomplete", "--no-check")
    run("model", "use", "llama3.2:3b", "--client", "codex")
    models = run_json("model", "current")["result"]["models"]
    assert models["default"] == "qwen2.5-coder:7b"
    bad = run(
        "model", "use", "x:1", "--client", "aider", "--role", "autocomplete", code=ExitCode.USAGE
    )
    assert "only Continue has an autocomplete model" in bad.stderr


def test_list_shows_details_loaded_state_and_who_uses_it(fake_ollama: FakeOllama) -> None:
    fake_ollama.default_context = 32768  # the server's own window: init loads it at that
    setup(fake_ollama.port)
    data = run_json("model", "list")["result"]
    rows = {m["name"]: m for m in data["models"]}
    assert list(rows) == sorted(rows)
    coder = rows["qwen2.5-coder:7b"]
    assert coder["loaded"] is True and coder["loaded_context"] == 32768
    assert coder["max_context"] == 32768 and "tools" in coder["capabilities"]
    assert coder["used_by"] == ["default"]
    assert rows["starcoder2:3b"]["capabilities"] == ["completion", "insert"]
    assert rows["llama3.2:3b"]["loaded"] is False
    human = run("model", "list").stdout
    assert "qwen2.5-coder:7b" in human and "<- default" in human and "yes (32k)" in human


def test_list_survives_a_failing_show(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    fake_ollama.set_fault("status", status=500, path="/api/show")
    data = run_json("model", "list")["result"]
    assert len(data["models"]) == 3
    assert all(m["error"] and "500" in m["error"] for m in data["models"])
    assert "details unavailable" in run("model", "list").stdout


def test_list_when_unreachable(closed_port: int) -> None:
    setup(closed_port)
    result = run("model", "list", code=ExitCode.UNREACHABLE)
    assert "cannot reach the server at http://127.0.0.1:" in result.stderr


def test_use_warms_the_new_model(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    result = run("model", "use", "llama3.2:3b")
    assert "Loaded llama3.2:3b on the server in 1.2 s" in result.stdout
    chats = [r for r in fake_ollama.requests_to("/api/chat") if r.json["model"] == "llama3.2:3b"]
    assert len(chats) == 1 and chats[0].json["options"] == {"num_predict": 1}
    fake_ollama.clear_requests()
    run("model", "use", "qwen2.5-coder:7b", "--no-warm")
    assert fake_ollama.requests_to("/api/chat") == []


def test_warm_command(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port, "llama3.2:3b")
    # init loaded it to learn its window; `ollama stop` unloads it again.
    unload(fake_ollama.url, "llama3.2:3b")
    assert run_json("model", "warm")["result"]["load_s"] == 1.25
    assert "was already loaded" in run("model", "warm").stdout
    fake_ollama.set_fault("status", status=500, path="/api/chat")
    result = run("model", "warm", code=ExitCode.CHECKS_FAILED)
    assert "could not load llama3.2:3b" in result.stderr and "500" in result.stderr


def test_an_answer_that_cannot_be_used_is_not_called_unreachable(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    fake_ollama.set_fault("malformed", path="/api/tags")
    result = run("model", "list", code=ExitCode.CHECKS_FAILED)
    assert "answered, but" in result.stderr and "cannot reach" not in result.stderr
    result = run("model", "use", "llama3.2:3b", code=ExitCode.CHECKS_FAILED)
    assert "answered, but" in result.stderr


def test_init_resolves_model_names_as_model_use_does(
    fake_ollama: FakeOllama, sandbox_home: Path
) -> None:
    before = snapshot(sandbox_home)
    refused = init_at(fake_ollama.port, model="qwen2.5-coder:1b", code=ExitCode.REFUSED)
    assert "the server has no model called 'qwen2.5-coder:1b'; nothing was changed" in (
        refused.stderr
    )
    assert "Did you mean qwen2.5-coder:7b" in refused.stderr
    assert "`init --no-probe`" in refused.stderr
    assert snapshot(sandbox_home) == before
    init_at(fake_ollama.port, model="Qwen2.5-Coder:7B")  # the server's spelling is kept
    text = (sandbox_home / ".config" / "ollama-client-setup" / "settings.toml").read_text()
    assert 'default = "qwen2.5-coder:7b"' in text
    init_at(fake_ollama.port, "--no-probe", model="qwen2.5-coder:1b")  # offline: as given
    text = (sandbox_home / ".config" / "ollama-client-setup" / "settings.toml").read_text()
    assert 'default = "qwen2.5-coder:1b"' in text


def test_loading_waits_no_longer_than_asked(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port, "llama3.2:3b")
    fake_ollama.set_fault("hang", path="/api/chat")
    warmed = run("model", "warm", "--timeout", "1", code=None)
    assert warmed.exit_code == ExitCode.UNREACHABLE
    assert "did not answer within 1" in warmed.stderr
    used = run("model", "use", "qwen2.5-coder:7b", "--timeout", "1")  # switched all the same
    assert "could not learn the server's window for qwen2.5-coder:7b" in used.stderr
    assert "now uses qwen2.5-coder:7b" in used.stdout
