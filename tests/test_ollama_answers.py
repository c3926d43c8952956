"""Verdicts against servers that answer the way real Ollama does (issue 19): a thinking model,
an embedding model, a box without the memory, an empty server, a proxy that forwards a foreign
Host, an old server without capabilities, a busy one. The fake follows Ollama's source for
each (tests/fakes/ollama_versions.py, ollama_reply.py); a user meets them as below."""

from __future__ import annotations

from typing import Any

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.net.ollama_client import OllamaClient
from tests.fakes.ollama import FakeOllama
from tests.fakes.ollama_models import FakeModel, embedding_model, gpt_oss_model, thinking_model
from tests.helpers import init_at, run, run_json

THINKER = "qwen3:8b"
EMBEDDER = "nomic-embed-text:latest"
CODER = "qwen2.5-coder:7b"
PING = [{"role": "user", "content": "Reply with the single word: pong"}]


def smoke(*args: str, code: int = ExitCode.OK) -> dict[str, dict[str, Any]]:
    data = run_json("smoke", *args, code=code)
    return {step["id"]: step for step in data["result"]["steps"]}


def doctor(*only: str, deep: bool = True, code: int | None = None) -> dict[str, dict[str, Any]]:
    flags = [arg for check in only for arg in ("--only", check)]
    data = run_json("doctor", *(["--deep"] if deep else []), *flags, "--timeout", "5", code=code)
    return {check["id"]: check for check in data["result"]["checks"]}


def not_ok(steps: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {i: s["summary"] for i, s in steps.items() if s["status"] != "ok"}


# -- 1. thinking models --------------------------------------------------------------------


def test_client_reads_the_reasoning_of_every_api() -> None:
    with FakeOllama([thinking_model(thinks=6)]) as fake, OllamaClient(fake.url) as client:
        native = client.chat(THINKER, PING)
        assert native.reasoning.startswith("Okay, the user") and native.content
        stream = client.native_chat_stream(THINKER, PING, deadline=5)
        assert stream.reasoning == native.reasoning and stream.content == native.content
        openai = client.openai_chat(THINKER, PING)
        assert openai.reasoning == native.reasoning
        assert client.openai_chat_stream(THINKER, PING, deadline=5).reasoning == native.reasoning
        plain = client.anthropic_messages(THINKER, PING, max_tokens=64, stream=False)
        streamed = client.anthropic_messages(THINKER, PING, max_tokens=64, stream=True)
        assert plain.reasoning == streamed.reasoning == native.reasoning
        # reasoning_effort "none" turns it off (Ollama 0.12.4 on).
        assert client.openai_chat(THINKER, PING, reasoning_effort="none").reasoning == ""


def test_smoke_turns_a_thinking_models_reasoning_off_where_it_can() -> None:
    # qwen3 reasons at length by default; smoke's small limits would be spent on it.
    with FakeOllama([thinking_model(thinks=100)]) as fake:
        init_at(fake.port, model=THINKER)
        fake.clear_requests()
        steps = smoke("--anthropic")
        chats = [r.json for r in fake.requests_to("/v1/chat/completions")]
        messages = [r.json for r in fake.requests_to("/v1/messages")]
    assert not_ok(steps) == {}
    assert "thinking model: its reasoning is turned off" in steps["load"]["detail"]
    assert {body["reasoning_effort"] for body in chats} == {"none"}
    # /v1/messages cannot turn it off before 0.23.4: room to reason instead.
    assert all(m["thinking"] == {"type": "disabled"} and m["max_tokens"] > 500 for m in messages)


def test_smoke_gives_room_where_reasoning_cannot_be_turned_off() -> None:
    # 0.11.5 - 0.12.3 refuse reasoning_effort "none" on qwen3 (a raw think value): not sent.
    with FakeOllama([thinking_model(thinks=100)], version="0.12.3") as fake:
        init_at(fake.port, model=THINKER)
        fake.clear_requests()
        steps = smoke()
        chats = [r.json for r in fake.requests_to("/v1/chat/completions")]
    assert not_ok(steps) == {
        "anthropic": "skipped: Claude Code is not set up here (--anthropic checks it anyway)"
    }
    assert all("reasoning_effort" not in body and body["max_tokens"] > 500 for body in chats)
    assert "given 512 more tokens" in steps["load"]["detail"]
    assert steps["stream"]["summary"].startswith("first token after")


def test_a_model_that_reasons_past_its_room_says_so() -> None:
    # gpt-oss reasons whatever it is told: reasoning_effort "none" does not stop it.
    with FakeOllama([gpt_oss_model(thinks=5000)]) as fake:
        init_at(fake.port, model="gpt-oss:20b")
        steps = smoke(code=ExitCode.OK)
    for step_id, tokens in (("chat", 528), ("stream", 544), ("json", 544), ("tools", 576)):
        step = steps[step_id]
        assert step["status"] == "warn", step
        assert step["summary"] == f"it spent its {tokens} tokens reasoning and gave no answer"
    # The advice once, then pointed at.
    assert "reasons before every answer" in steps["chat"]["fix"]["text"]
    assert {steps[i]["fix"]["text"] for i in ("stream", "json", "tools")} == {"As for chat above."}
    # Not the old verdicts: the model keeps to the format and calls tools once it answers.
    assert "ignores" not in steps["json"]["fix"]["text"]


def test_doctor_deep_stream_on_a_thinking_model() -> None:
    with FakeOllama([thinking_model(thinks=100)]) as fake:
        init_at(fake.port, model=THINKER)
        checks = doctor("stream")
    assert checks["stream"]["status"] == "ok", checks["stream"]
    assert fake.requests_to("/v1/chat/completions")[-1].json["reasoning_effort"] == "none"


def test_doctor_deep_stream_names_the_tokens_it_asked_for() -> None:
    # Item 7: the advice named 32 tokens while the check asked for 16.
    with FakeOllama([gpt_oss_model(thinks=100)]) as fake:
        init_at(fake.port, model="gpt-oss:20b")
        checks = doctor("stream")
    assert checks["stream"]["summary"] == "it spent its 16 tokens reasoning and gave no answer"


# -- 2. an embedding model as the chat model -----------------------------------------------


def test_init_and_model_use_refuse_an_embedding_model() -> None:
    with FakeOllama([FakeModel(CODER), embedding_model()]) as fake:
        refused = init_at(fake.port, model=EMBEDDER, code=ExitCode.REFUSED)
        assert "nomic-embed-text:latest is an embedding model: it cannot chat" in refused.output
        init_at(fake.port, model=CODER, clients=("aider",))
        switched = run("model", "use", EMBEDDER, code=ExitCode.REFUSED)
        assert (
            "is an embedding model" in switched.output and "Nothing was changed" in switched.output
        )
        listing = run("model", "list").stdout
    assert run_json("model", "current")["result"]["models"]["default"] == CODER
    row = next(line for line in listing.splitlines() if line.startswith(EMBEDDER))
    assert "(an embedding model: cannot chat)" in row


def test_smoke_and_doctor_say_choose_a_chat_model() -> None:
    with FakeOllama([FakeModel(CODER), embedding_model()]) as fake:
        init_at(fake.port, "--no-probe", model=EMBEDDER, clients=("aider",))
        steps = smoke(code=ExitCode.CHECKS_FAILED)
        checks = doctor("model.fit", "chat", code=ExitCode.CHECKS_FAILED)
    assert steps["load"]["summary"] == f"{EMBEDDER} is an embedding model: it cannot chat"
    assert "Choose a chat model" in steps["load"]["fix"]["text"]
    assert steps["chat"]["summary"] == f"skipped: {EMBEDDER} cannot chat"
    assert "is an embedding model: it cannot chat" in checks["model.fit"]["summary"]
    assert checks["model.fit"]["fix"]["command"] == "ollama-client-setup model use MODEL"
    assert "Choose a chat model" in checks["chat"]["fix"]["text"]
    assert "Ollama server" not in checks["chat"]["fix"]["text"]


def test_an_old_server_refusing_chat_is_read_as_an_embedding_model() -> None:
    # Before 0.6.4 /api/show has no capabilities: only the 400's words tell.
    with FakeOllama([embedding_model()], version="0.6.2") as fake:
        init_at(fake.port, "--no-probe", model=EMBEDDER)
        steps = smoke(code=ExitCode.CHECKS_FAILED)
    assert steps["load"]["summary"] == f"{EMBEDDER} is an embedding model: it cannot chat"


# -- 3. out of memory ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "words"),
    [("0.15.2", "it needs 21.5 GiB, 15.2 GiB is available"), ("0.30.0", "cannot load")],
)
def test_out_of_memory_gives_the_memory_fix(version: str, words: str) -> None:
    with FakeOllama([FakeModel("qwen2.5-coder:32b", oom_context=0)], version=version) as fake:
        init_at(fake.port, "--no-probe", model="qwen2.5-coder:32b")
        checks = doctor("chat", code=ExitCode.CHECKS_FAILED)
        warm = run("model", "warm", code=ExitCode.CHECKS_FAILED)
    fix = checks["chat"]["fix"]["text"]
    assert "does not have the memory to load qwen2.5-coder:32b" in fix
    assert "smaller quantisation" in fix and "smaller window" in fix
    if version == "0.15.2":
        assert words in fix
    assert "does not have the memory" in warm.output


def test_model_use_refuses_a_model_the_server_cannot_load() -> None:
    models = [FakeModel(CODER), FakeModel("big:70b", oom_context=0)]
    with FakeOllama(models) as fake:
        init_at(fake.port, model=CODER, clients=("aider",))
        refused = run("model", "use", "big:70b", code=ExitCode.REFUSED)
        switched = run("model", "use", "big:70b", "--no-warm")
    assert "the server cannot load big:70b" in refused.output
    assert "Nothing was changed" in refused.output and "--no-warm" in refused.output
    assert "now uses big:70b" in switched.output


# -- 4. an empty server ------------------------------------------------------------------


def test_an_empty_server_has_no_models_yet() -> None:
    with FakeOllama([]) as fake:
        init_at(fake.port, "--no-probe", model=CODER)
        steps = smoke(code=ExitCode.CHECKS_FAILED)
    assert steps["models"]["summary"] == "the server has no models yet"
    assert steps["models"]["fix"]["command"] == f"ollama pull {CODER}"


# -- 5. a proxy that forwards a foreign Host ---------------------------------------------


def test_an_empty_403_is_the_host_check() -> None:
    with FakeOllama(forwarded_host="ollama.example.com") as fake:
        shown = init_at(fake.port, model=CODER)
        checks = doctor("server.version", deep=False, code=ExitCode.CHECKS_FAILED)
    assert "answers but does not work now" in shown.output
    assert "not reachable" not in shown.output
    fix = checks["server.version"]["fix"]["text"]
    assert "Host check" in fix and "proxy_set_header Host localhost;" in fix
    assert "tailscale serve" in fix
    assert "--host-header" in fix and "--http-host-header" in fix and "OLLAMA_HOST=0.0.0.0" in fix
    assert "origin" not in fix.lower()


def test_a_local_forwarded_name_passes_the_host_check() -> None:
    with FakeOllama(forwarded_host="ollama.internal") as fake:
        init_at(fake.port, model=CODER)
        checks = doctor("server.version", deep=False, code=ExitCode.OK)
    assert checks["server.version"]["status"] == "ok"


# -- 6. servers before 0.6.4 list no capabilities ----------------------------------------


def test_missing_capabilities_are_unknown_not_none() -> None:
    with FakeOllama(version="0.6.2") as fake:
        shown = init_at(fake.port, model=CODER, clients=("opencode",))
        checks = doctor("model.fit", deep=False, code=None)
        listing = run("model", "list").stdout
    assert "lacks" not in shown.output
    fit = checks["model.fit"]
    assert fit["status"] == "ok" and "upgrade Ollama on the server" in fit["summary"]
    row = next(line for line in listing.splitlines() if line.startswith(CODER))
    assert " ? " in row and "not for" not in row
    assert "Ollama before 0.6.4" in listing


# -- 7. smaller ones -----------------------------------------------------------------------


def test_deep_anthropic_tells_a_missing_model_from_a_missing_route(fake_ollama: FakeOllama) -> None:
    init_at(fake_ollama.port, model=CODER, clients=("claude-code",))
    fake_ollama.set_fault(
        "status", status=404, message=f"model '{CODER}' not found", path="/v1/messages"
    )
    checks = doctor("anthropic", code=ExitCode.CHECKS_FAILED)
    assert "no Anthropic /v1/messages route" not in checks["anthropic"]["summary"]
    assert "has no model called" in checks["anthropic"]["fix"]["text"]


def test_a_busy_server_is_said_to_be_busy(fake_ollama: FakeOllama) -> None:
    init_at(fake_ollama.port, model=CODER)
    fake_ollama.set_fault("status", status=503, path="/api/chat")
    checks = doctor("chat", code=ExitCode.CHECKS_FAILED)
    assert "maximum pending requests exceeded" in checks["chat"]["summary"]
    assert "OLLAMA_MAX_QUEUE" in checks["chat"]["fix"]["text"]


def test_a_v1_stream_that_breaks_off_gets_the_crash_advice(fake_ollama: FakeOllama) -> None:
    init_at(fake_ollama.port, model=CODER)
    fake_ollama.set_fault("stream_error", path="/v1/chat/completions")
    stream = smoke(code=ExitCode.CHECKS_FAILED)["stream"]
    assert stream["category"] == "stream_error"
    assert "crashed or ran out of memory" in stream["fix"]["text"]
