"""The fake Ollama server itself, probed with plain httpx: the shapes other tests rely on."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.ollama import FakeModel, FakeOllama, Fault


@pytest.fixture
def http(fake_ollama: FakeOllama) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_ollama.url, timeout=2, trust_env=False) as client:
        yield client


def ndjson(response: httpx.Response) -> list[dict]:
    return [json.loads(line) for line in response.text.splitlines() if line]


def sse(response: httpx.Response) -> list[tuple[str | None, str]]:
    events = []
    for block in response.text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" in fields:
            events.append((fields.get("event"), fields["data"]))
    return events


def test_root_and_head(http: httpx.Client) -> None:
    assert http.get("/").text == "Ollama is running"
    head = http.head("/")
    assert head.status_code == 200 and head.content == b""
    assert "server" not in head.headers  # Ollama (Go) sends none


def test_unknown_route_is_gins_404(http: httpx.Client) -> None:
    response = http.get("/api/nothing")
    assert (response.status_code, response.text) == (404, "404 page not found")


def test_show_accepts_the_old_name_field(http: httpx.Client) -> None:
    info = http.post("/api/show", json={"name": "starcoder2:3b"}).json()
    assert info["model_info"]["starcoder2.context_length"] == 16384
    assert info["capabilities"] == ["completion", "insert"]


def test_generate_streams_ndjson_by_default(http: httpx.Client) -> None:
    response = http.post("/api/generate", json={"model": "qwen2.5-coder:7b", "prompt": "hi"})
    assert response.headers["content-type"] == "application/x-ndjson"
    chunks = ndjson(response)
    assert "".join(c["response"] for c in chunks) == "Hello! This is qwen2.5-coder:7b answering."
    assert [c["done"] for c in chunks] == [False] * 5 + [True]
    assert chunks[-1]["done_reason"] == "stop" and chunks[-1]["eval_duration"] > 0


def test_fill_in_the_middle_needs_insert(http: httpx.Client) -> None:
    body = {"model": "llama3.2:3b", "prompt": "def f(", "suffix": ")", "stream": False}
    response = http.post("/api/generate", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "error": "registry.ollama.ai/library/llama3.2:3b does not support insert"
    }


def test_a_longer_prompt_is_cut_to_the_window(http: httpx.Client) -> None:
    body = {
        "model": "llama3.2:3b",
        "messages": [{"role": "user", "content": "x" * 40_000}],
        "stream": False,
    }
    assert http.post("/api/chat", json=body).json()["prompt_eval_count"] == 4096
    body["options"] = {"num_ctx": 16384}
    answer = http.post("/api/chat", json=body).json()
    assert answer["prompt_eval_count"] == 10_000
    assert answer["load_duration"] > 0  # another num_ctx: reloaded


def test_v1_model_by_id(http: httpx.Client) -> None:
    assert http.get("/v1/models/qwen2.5-coder:7b").json()["id"] == "qwen2.5-coder:7b"
    missing = http.get("/v1/models/nope:1b")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "model 'nope:1b' not found"


def test_openai_stream_without_usage_has_no_usage_chunk(http: httpx.Client) -> None:
    body = {"model": "qwen2.5-coder:7b", "messages": [], "stream": True}
    events = sse(http.post("/v1/chat/completions", json=body))
    assert events[-1] == (None, "[DONE]")
    assert all("usage" not in json.loads(data) for _, data in events[:-1])


def test_openai_json_schema(http: httpx.Client) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}, "ok": {"type": "boolean"}}}
    body = {
        "model": "qwen2.5-coder:7b",
        "messages": [],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
    }
    content = http.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]
    assert json.loads(content["content"]) == {"n": 1, "ok": True}


def test_responses(http: httpx.Client) -> None:
    body = {"model": "qwen2.5-coder:7b", "input": "hi"}
    answer = http.post("/v1/responses", json=body).json()
    assert answer["status"] == "completed"
    assert answer["output"][0]["content"][0]["text"] == "Hello! This is qwen2.5-coder:7b answering."
    events = sse(http.post("/v1/responses", json=body | {"stream": True}))
    names = [event for event, _ in events]
    assert names[0] == "response.created" and names[-1] == "response.completed"
    assert "response.output_text.delta" in names


def test_anthropic_stream_event_order(http: httpx.Client) -> None:
    body = {"model": "qwen2.5-coder:7b", "max_tokens": 8, "messages": [], "stream": True}
    names = [event for event, _ in sse(http.post("/v1/messages?beta=true", json=body))]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[3:-3] == ["content_block_delta"] * 5
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]


def test_anthropic_errors_and_count_tokens(http: httpx.Client) -> None:
    missing = http.post("/v1/messages", json={"model": "claude-haiku-4-5", "max_tokens": 1})
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "not_found_error"
    count = http.post(
        "/v1/messages/count_tokens",
        json={"model": "qwen2.5-coder:7b", "messages": [{"role": "user", "content": "x" * 40}]},
    )
    assert count.json() == {"input_tokens": 10}


def test_requests_are_recorded(fake_ollama: FakeOllama, http: httpx.Client) -> None:
    http.post("/v1/messages?beta=true", json={"model": "x"}, headers={"x-api-key": "k"})
    [request] = fake_ollama.requests
    assert (request.method, request.path, request.query) == (
        "POST",
        "/v1/messages",
        {"beta": ["true"]},
    )
    assert request.headers["x-api-key"] == "k"
    assert request.json == {"model": "x"}
    fake_ollama.clear_requests()
    assert fake_ollama.requests == []


def test_fault_paths_are_prefixes_and_root_is_exact() -> None:
    fault = Fault("hang", paths={"/api", "/"})
    assert fault.matches("/api/tags") and fault.matches("/")
    assert not fault.matches("/v1/models") and not fault.matches("/apix")
    assert Fault("hang").matches("/anything")
    with pytest.raises(ValueError):
        Fault("explode")  # type: ignore[arg-type]


def test_stop_releases_hung_handlers() -> None:
    fake = FakeOllama([FakeModel("tiny:1b")]).start()
    fake.set_fault("hang")
    errors: list[Exception] = []

    def call() -> None:
        try:
            httpx.get(fake.url + "/api/tags", timeout=30, trust_env=False)
        except httpx.HTTPError as exc:
            errors.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    assert fake.wait_for_requests(1)  # the handler is hung now
    fake.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert [type(e) for e in errors] == [httpx.RemoteProtocolError]
    with pytest.raises(RuntimeError):
        _ = fake.url
