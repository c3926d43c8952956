"""smoke against the fake Ollama server over real HTTP; the judging of odd answers directly.

No test sleeps or times anything: the fake reports load times it never spends, and the one
hang test only waits for its own 0.5 s budget.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.checks.smoke import asks
from ollama_client_setup.checks.smoke import judges as smoke_judges
from ollama_client_setup.checks.smoke import steps as smoke_steps
from ollama_client_setup.cli import smoke as smoke_cli
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.net.ollama_types import ChatResult, StreamResult, ToolCall
from tests.fakes import ollama as fake_module
from tests.fakes.ollama import FakeOllama
from tests.fakes.ollama_models import default_models
from tests.helpers import init_at, run, run_json, unload

MODEL = "qwen2.5-coder:7b"
IDS = ["models", "load", "chat", "stream", "json", "tools", "anthropic"]


def setup(port: int, model: str = MODEL, *extra: str) -> None:
    init_at(port, *extra, model=model)


def smoke_json(*args: str, code: int = ExitCode.OK) -> dict[str, Any]:
    data = run_json("smoke", *args, code=code)
    assert data["command"] == "smoke"
    assert data["exit_code"] == code
    return data["result"]


def steps(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in result["steps"]}


def bodies(fake: FakeOllama, path: str) -> list[dict[str, Any]]:
    return [request.json for request in fake.requests_to(path)]


def test_healthy_run_is_all_ok_and_sends_small_plain_requests(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    fake_ollama.clear_requests()
    result = smoke_json("--anthropic")
    by_id = steps(result)
    assert [s["id"] for s in result["steps"]] == IDS
    assert {s["status"] for s in result["steps"]} == {"ok"}, {
        i: s["summary"] for i, s in by_id.items() if s["status"] != "ok"
    }
    assert result["summary"]["text"].startswith("7 ok: the setup works; chat answered in")
    assert "tok/s" in result["summary"]["text"]
    # The stream step reports its numbers; the OpenAI route's rate is an estimate.
    stream = by_id["stream"]
    assert stream["ttft_s"] is not None and stream["total_s"] >= stream["ttft_s"]
    assert stream["tokens_per_s"] > 0 and stream["tokens_per_s_approximate"] is True
    assert "(approximate)" in stream["summary"]
    assert by_id["tools"]["summary"].startswith("called get_weather(")

    chat_bodies = bodies(fake_ollama, "/v1/chat/completions")
    assert len(chat_bodies) == 4  # chat, stream, json, tools
    messages = bodies(fake_ollama, "/v1/messages")
    assert [m["stream"] for m in messages] == [False, True]
    for body in chat_bodies + messages:
        assert "tool_choice" not in body and "n" not in body, body
        assert 0 < body["max_tokens"] <= 64, body
    warmups = bodies(fake_ollama, "/api/chat")
    assert len(warmups) == 1 and warmups[0]["options"]["num_predict"] <= 16
    streamed = [b for b in chat_bodies if b["stream"]]
    assert [b["stream_options"] for b in streamed] == [{"include_usage": True}]
    assert [b["response_format"] for b in chat_bodies if "response_format" in b] == [
        {"type": "json_object"}
    ]
    assert [b["tools"][0]["function"]["name"] for b in chat_bodies if "tools" in b] == [
        "get_weather"
    ]
    # The native warm-up (where a load would happen) runs before every /v1 inference request.
    paths = [r.path for r in fake_ollama.requests]
    assert paths.index("/api/ps") < paths.index("/api/chat") < paths.index("/v1/chat/completions")


def test_human_output(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    done = run("smoke")
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"Smoke test of {MODEL} at http://127.0.0.1:{fake_ollama.port}, ")
    assert lines[1] == f"ok    models     {MODEL} is among the server's 3 models"
    assert lines[2].startswith("ok    load       ")
    assert lines[7].startswith("skip  anthropic  skipped: Claude Code is not set up here")
    assert lines[-1].startswith("6 ok, 1 skipped: the setup works; chat answered in")
    assert done.stderr == ""  # no progress lines when stderr is not a terminal


def test_cold_load_is_reported_not_failed() -> None:
    models = default_models()
    models[0].loaded = False
    with FakeOllama(models, load_duration_ns=12_300_000_000) as fake:
        setup(fake.port)
        unload(fake.url, MODEL)  # init loaded it to learn its window
        result = smoke_json()
        load = steps(result)["load"]
        chat_bodies = bodies(fake, "/v1/chat/completions")
    assert load["status"] == "ok"
    assert load["summary"] == "loading the model took 12.3 s; later answers are faster"
    assert load["load_s"] == 12.3
    assert not result["summary"]["failed"]
    assert "the first answer waited 12.3 s for the load" in result["summary"]["text"]
    assert chat_bodies  # the other steps ran after the load


def test_already_loaded_model_has_no_cold_start(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)  # loads it at the server's window (4k), to learn that window
    load = steps(smoke_json())["load"]
    assert load["status"] == "ok"
    assert load["summary"] == f"{MODEL} was already loaded with a 4k context: no cold start"
    assert load["load_s"] == 0.0


def test_a_very_slow_cold_load_is_a_warning() -> None:
    models = default_models()
    models[0].loaded = False
    with FakeOllama(models, load_duration_ns=45_000_000_000) as fake:
        setup(fake.port)
        unload(fake.url, MODEL)  # init loaded it to learn its window
        load = steps(smoke_json())["load"]
    assert load["status"] == "warn"
    assert "45.0 s" in load["summary"]
    assert "OLLAMA_KEEP_ALIVE" in load["fix"]["text"]


def test_missing_model_fails_at_models_with_a_suggestion(fake_ollama: FakeOllama) -> None:
    # Written while the server was away (init refuses a name the server lacks).
    setup(fake_ollama.port, "qwen2.5-coder:7", "--no-probe")
    fake_ollama.clear_requests()
    result = smoke_json(code=ExitCode.CHECKS_FAILED)
    by_id = steps(result)
    assert by_id["models"]["status"] == "fail"
    assert by_id["models"]["summary"] == "qwen2.5-coder:7 is not among the server's 3 models"
    assert "Did you mean qwen2.5-coder:7b" in by_id["models"]["fix"]["text"]
    assert by_id["models"]["fix"]["command"] == "ollama-client-setup model use qwen2.5-coder:7b"
    for step_id in IDS[1:]:
        assert by_id[step_id]["summary"] == "skipped: qwen2.5-coder:7 is not on the server"
    assert result["summary"]["text"].startswith("0 ok, 1 failed, 6 skipped: failed at models")
    assert [r.path for r in fake_ollama.requests] == ["/v1/models"]  # no inference at all


def test_missing_model_given_with_flag_suggests_the_flag(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    models = steps(smoke_json("--model", "llama3.2", code=ExitCode.CHECKS_FAILED))["models"]
    assert models["fix"]["command"] == "ollama-client-setup smoke --model llama3.2:3b"


def test_500_on_chat_completions_fails_at_chat(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    fake_ollama.set_fault("status", status=500, path="/v1/chat/completions")
    result = smoke_json(code=ExitCode.CHECKS_FAILED)
    by_id = steps(result)
    assert by_id["models"]["status"] == by_id["load"]["status"] == "ok"
    chat = by_id["chat"]
    assert chat["status"] == "fail" and chat["category"] == "http_status"
    assert "500" in chat["summary"] and "llama runner process has terminated" in chat["summary"]
    assert "server's log" in chat["fix"]["text"]
    assert result["summary"]["text"].startswith("2 ok, 4 failed, 1 skipped: failed at chat: ")


def test_a_hang_fails_with_timeout_within_the_budget(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    fake_ollama.set_fault("hang", path="/v1/chat/completions")
    result = smoke_json("--timeout", "0.5", code=ExitCode.CHECKS_FAILED)
    by_id = steps(result)
    assert by_id["chat"]["status"] == "fail" and by_id["chat"]["category"] == "timeout"
    assert "--timeout" in by_id["chat"]["fix"]["text"]
    for step_id in ("stream", "json", "tools", "anthropic"):
        assert by_id[step_id]["summary"] == "skipped: not reached within the 0.5 s budget"
    assert result["budget_s"] == 0.5


def test_error_mid_stream_fails_the_stream(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    fake_ollama.set_fault("stream_error", path="/v1/chat/completions")
    stream = steps(smoke_json(code=ExitCode.CHECKS_FAILED))["stream"]
    assert stream["status"] == "fail"
    assert stream["category"] == "stream_error"
    assert "broke off" in stream["summary"]
    assert "out of memory" in stream["fix"]["text"]


def test_model_without_tools_capability_skips_tools(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    fake_ollama.clear_requests()
    result = smoke_json("--model", "starcoder2:3b")
    tools = steps(result)["tools"]
    assert tools["status"] == "skip"
    assert tools["summary"] == "skipped: the model has no tools capability (agent clients need it)"
    assert not [b for b in bodies(fake_ollama, "/v1/chat/completions") if "tools" in b]
    assert result["model"] == "starcoder2:3b"


def test_tools_model_that_answers_without_calling_the_tool_warns(
    fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake always calls the first tool it is given; this test (only) makes it answer in
    # text instead, as models without reliable tool use do.
    original = fake_module._Handler._reply_for

    def in_text(handler: Any, model: Any, prompt: str) -> Any:
        reply = original(handler, model, prompt)
        if not handler.body.get("tools"):
            return reply
        return dataclasses.replace(reply, calls=[], text="I cannot check the weather.")

    monkeypatch.setattr(fake_module._Handler, "_reply_for", in_text)
    setup(fake_ollama.port)
    result = smoke_json()
    tools = steps(result)["tools"]
    assert tools["status"] == "warn"
    assert tools["summary"] == "answered without calling the tool"
    assert tools["detail"] == 'it answered: "I cannot check the weather."'
    assert "structured tool calls" in tools["fix"]["text"]
    assert result["summary"]["text"].startswith("5 ok, 1 warn, 1 skipped: the setup works")


def test_server_without_anthropic_route_names_the_version_needed() -> None:
    with FakeOllama(anthropic=False, version="0.13.0") as fake:
        setup(fake.port)
        anthropic = steps(smoke_json("--anthropic", code=ExitCode.CHECKS_FAILED))["anthropic"]
    assert anthropic["status"] == "fail"
    assert anthropic["summary"] == (
        "Claude Code needs Ollama >= 0.14.0 for /v1/messages; the server runs 0.13.0"
    )
    assert anthropic["category"] == "http_status"


def test_no_anthropic_skips_it(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    fake_ollama.clear_requests()
    anthropic = steps(smoke_json("--no-anthropic"))["anthropic"]
    assert anthropic == anthropic | {"status": "skip", "summary": "skipped: --no-anthropic"}
    assert fake_ollama.requests_to("/v1/messages") == []


def test_claude_code_in_the_settings_turns_anthropic_on_unless_told_not_to(
    fake_ollama: FakeOllama,
) -> None:
    settings = Settings(
        host="127.0.0.1", port=fake_ollama.port, model=MODEL, clients=("claude-code",)
    )
    report = smoke_steps.run(settings, budget=10)
    assert report.step("anthropic").status.value == "ok"  # type: ignore[union-attr]
    fake_ollama.clear_requests()
    report = smoke_steps.run(settings, anthropic=False, budget=10)
    assert report.step("anthropic").result.summary == "skipped: --no-anthropic"  # type: ignore[union-attr]
    assert fake_ollama.requests_to("/v1/messages") == []


def test_unreachable_server_fails_the_first_step(closed_port: int) -> None:
    setup(closed_port)
    result = smoke_json(code=ExitCode.CHECKS_FAILED)
    by_id = steps(result)
    models = by_id["models"]
    assert models["status"] == "fail" and models["category"] == "refused"
    assert "OLLAMA_HOST=0.0.0.0" in models["fix"]["text"]
    assert {by_id[i]["status"] for i in IDS[1:]} == {"skip"}
    assert result["summary"]["failed"] is True


def test_json_document_shape(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port)
    done = run("smoke", "--json", "--no-anthropic")
    data = json.loads(done.stdout)  # the document is all there is on stdout
    assert done.stderr == ""
    result = data["result"]
    assert set(result) == {
        "smoke_schema",
        "server_root",
        "model",
        "steps",
        "summary",
        "budget_s",
        "elapsed_ms",
    }
    assert result["summary"] == result["summary"] | {"ok": 6, "warn": 0, "fail": 0, "skip": 1}
    assert result["summary"]["failed"] is False and result["summary"]["text"]
    assert result["budget_s"] == asks.DEFAULT_BUDGET == smoke_cli.DEFAULT_BUDGET
    for step in result["steps"]:
        assert set(step) == {
            "id",
            "title",
            "status",
            "summary",
            "detail",
            "fix",
            "category",
            "duration_ms",
            "ttft_s",
            "tokens_per_s",
            "total_s",
            "load_s",
            "tokens_per_s_approximate",
        }
        assert isinstance(step["duration_ms"], int)
    by_id = steps(result)
    assert by_id["load"]["load_s"] is not None and by_id["chat"]["total_s"] is not None
    assert by_id["models"]["ttft_s"] is None


def test_without_settings_it_says_to_run_init() -> None:
    done = run("smoke", code=ExitCode.NOT_SET_UP)
    assert "ollama-client-setup init" in done.stderr


# -- judging answers the fake cannot give -------------------------------------------------


def stream_result(**fields: Any) -> StreamResult:
    values: dict[str, Any] = {"content": "1 2 3", "chunks": 12, "time_to_first_token": 0.5}
    return StreamResult(**(values | {"total": 1.5} | fields))


def test_a_stream_that_arrives_at_the_end_is_buffered() -> None:
    result = smoke_judges.judge_stream(stream_result(time_to_first_token=2.95, total=3.0), 32)
    assert result.status.value == "warn"
    assert result.summary == "buffered: a proxy holds the stream back"
    one_chunk = smoke_judges.judge_stream(
        stream_result(chunks=1, time_to_first_token=0.2, total=2.0), 32
    )
    assert one_chunk.summary == "buffered: a proxy holds the stream back"
    quick = smoke_judges.judge_stream(stream_result(time_to_first_token=0.19, total=0.2), 32)
    assert quick.status.value == "ok"  # too short to tell


def test_tokens_per_second_prefers_the_servers_counters() -> None:
    estimate = smoke_judges.judge_stream(stream_result(eval_count=11), 32)
    assert estimate.data["tokens_per_s"] == pytest.approx(10.0)
    assert estimate.data["tokens_per_s_approximate"] is True
    exact = smoke_judges.judge_stream(stream_result(eval_count=20, eval_duration=500_000_000), 32)
    assert exact.data["tokens_per_s"] == pytest.approx(40.0)
    assert exact.data["tokens_per_s_approximate"] is False
    assert "40 tok/s," in exact.summary


def test_json_mode_answers_that_are_not_json_are_a_warning() -> None:
    cut = smoke_judges.judge_json(ChatResult(content='{"answer": "po', stop_reason="length"), 32)
    assert cut.status.value == "warn"
    assert "is not valid JSON (cut off at max_tokens=32)" in cut.summary
    listed = smoke_judges.judge_json(ChatResult(content="[1, 2]"), 32)
    assert listed.status.value == "warn" and "not an object" in listed.summary


def test_tool_call_with_broken_arguments_is_a_warning() -> None:
    answer = ChatResult(content="", tool_calls=[ToolCall("get_weather", '{"city": ')])
    result = smoke_judges.judge_tools(answer, 64)
    assert result.status.value == "warn"
    assert result.summary == "the tool call's arguments are not valid JSON"


def test_a_reload_of_a_loaded_model_is_a_warning() -> None:
    result = smoke_judges.judge_load(MODEL, 32768, True, 8.0, {})
    assert result.status.value == "warn"
    assert "num_ctx" in result.fix.text  # type: ignore[union-attr]
