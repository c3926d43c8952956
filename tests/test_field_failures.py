"""Each field-failure signature, staged with the fake server, gets its named finding and fix
(docs/field-failures.md)."""

from __future__ import annotations

from typing import Any

from ollama_client_setup.base.exitcodes import ExitCode
from tests.fakes.ollama import FakeOllama
from tests.fakes.ollama_models import FakeModel
from tests.helpers import init_at, run_json

MODEL = "qwen2.5-coder:7b"


def setup(port: int, *extra: str) -> None:
    init_at(port, "--no-probe", *extra, model=MODEL)


def deep(*only: str, code: int | None = None) -> dict[str, dict[str, Any]]:
    args = ["doctor", "--deep", "--timeout", "20"]
    for check_id in only:
        args += ["--only", check_id]
    data = run_json(*args, code=code)
    return {c["id"]: c for c in data["result"]["checks"]}


def test_reload_on_every_request_is_named() -> None:
    with FakeOllama(reload_every_request=True) as fake:
        setup(fake.port)
        check = deep("reload", code=ExitCode.OK)["reload"]
    assert check["status"] == "warn"
    assert "reloads between requests" in check["summary"]
    assert "pins every client to it" in check["fix"]["text"]
    assert check["fix"]["command"] == "ollama-client-setup init --yes"


def test_no_reload_is_ok(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    assert deep("reload", code=ExitCode.OK)["reload"]["status"] == "ok"


def test_window_reported_by_the_server_too_small_for_claude_code() -> None:
    models = [FakeModel(MODEL, loaded=True, loaded_context=4096, context_length=131072)]
    with FakeOllama(models) as fake:
        setup(fake.port, "--client", "claude-code")
        check = deep("context", code=ExitCode.OK)["context"]
    assert check["status"] == "warn"
    assert "4k window (reported by the server)" in check["summary"]
    assert "OLLAMA_CONTEXT_LENGTH=65536" in check["fix"]["text"]


def test_silent_truncation_detected_with_a_known_prompt() -> None:
    """Nothing loaded and /api/ps silent: a known-length prompt shows the cut."""
    models = [FakeModel(MODEL, loaded=False, context_length=131072)]
    with FakeOllama(models, default_context=4096) as fake:
        setup(fake.port, "--client", "codex")
        fake.set_fault("status", status=404, path="/api/ps")  # an older server without ps
        check = deep("context", code=ExitCode.OK)["context"]
    assert check["status"] == "warn"
    assert "was cut to 4096" in check["summary"]
    assert "codex" in check["summary"]


def test_origin_allow_list_is_named() -> None:
    with FakeOllama(origin_check=True) as fake:
        setup(fake.port)
        check = deep("origin", code=ExitCode.OK)["origin"]
    assert check["status"] == "ok"
    assert "refused (Ollama's origin allow-list)" in check["summary"]
    assert "OLLAMA_ORIGINS" in check["detail"]


def test_proxy_buffering_is_named_by_smoke_and_doctor() -> None:
    with FakeOllama(buffered=1.2) as fake:
        setup(fake.port)
        checks = deep("stream", code=ExitCode.OK)
        smoke = run_json("smoke", "--timeout", "30", code=ExitCode.OK)["result"]
    assert checks["stream"]["status"] == "warn"
    assert "buffered" in checks["stream"]["summary"]
    steps = {s["id"]: s for s in smoke["steps"]}
    assert steps["stream"]["status"] == "warn" and "buffered" in steps["stream"]["summary"]


def test_slow_load_is_explained_not_failed() -> None:
    models = [FakeModel(MODEL, loaded=False)]
    with FakeOllama(models, load_duration_ns=45_000_000_000) as fake:
        setup(fake.port)
        smoke = run_json("smoke", "--timeout", "30", code=None)["result"]
    steps = {s["id"]: s for s in smoke["steps"]}
    assert steps["load"]["status"] in ("ok", "warn")
    assert "45" in steps["load"]["summary"]
    assert not smoke["summary"]["failed"]


def test_refused_names_the_service_fixes(closed_port: int) -> None:
    setup(closed_port)
    check = run_json("doctor", "--only", "tcp.connect", code=ExitCode.CHECKS_FAILED)["result"][
        "checks"
    ][0]
    text = check["fix"]["text"]
    assert "not in a shell" in text and "com.ollama.plist" in text and "systemctl" in text
    assert "no authentication" in text
