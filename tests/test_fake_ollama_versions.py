"""The fake answers like the Ollama release it is told to be, and like real Ollama where our
first fake did not (thinking, embedding models, memory, the Host check, errors mid-stream).
Each expectation names where Ollama's source has it (tests/fakes/ollama_versions.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.fakes.ollama import FakeOllama
from tests.fakes.ollama_models import FakeModel, embedding_model, gpt_oss_model, thinking_model
from tests.test_fake_ollama import ndjson, sse

PING = [{"role": "user", "content": "hi"}]


@contextmanager
def server(**kw: Any) -> Iterator[tuple[FakeOllama, httpx.Client]]:
    with FakeOllama(**kw) as fake, httpx.Client(base_url=fake.url, trust_env=False) as http:
        yield fake, http


@pytest.mark.parametrize(
    ("version", "show", "ps", "messages", "responses", "tags"),
    [
        ("0.6.3", False, False, 404, 404, False),
        ("0.6.4", True, False, 404, 404, False),
        ("0.10.0", True, True, 404, 404, False),
        ("0.13.3", True, True, 404, 200, False),
        ("0.14.0", True, True, 200, 200, False),
        ("0.30.0", True, True, 200, 200, True),
    ],
)
def test_what_each_release_answers(
    version: str, show: bool, ps: bool, messages: int, responses: int, tags: bool
) -> None:
    with server(version=version) as (_, http):
        shown = http.post("/api/show", json={"model": "qwen2.5-coder:7b"}).json()
        running = http.get("/api/ps").json()["models"][0]
        listed = http.get("/api/tags").json()["models"][0]
        body = {"model": "qwen2.5-coder:7b", "max_tokens": 4, "messages": PING, "input": "hi"}
        assert ("capabilities" in shown) is show
        assert ("context_length" in running) is ps
        assert ("capabilities" in listed) is tags
        assert http.post("/v1/messages", json=body).status_code == messages
        assert http.post("/v1/responses", json=body).status_code == responses


def test_a_thinking_model_reasons_by_default_on_every_api() -> None:
    with server(models=[thinking_model(thinks=4)]) as (_, http):
        lines = ndjson(http.post("/api/chat", json={"model": "qwen3:8b", "messages": PING}))
        assert [line["message"].get("thinking") for line in lines[:4]] == [
            "Okay, ",
            "the ",
            "user ",
            "wants",
        ]
        plain = http.post(
            "/api/chat", json={"model": "qwen3:8b", "messages": PING, "stream": False}
        ).json()
        assert plain["message"]["thinking"] == "Okay, the user wants"
        off = http.post(
            "/api/chat",
            json={"model": "qwen3:8b", "messages": PING, "stream": False, "think": False},
        ).json()
        assert "thinking" not in off["message"]  # omitempty
        v1 = {"model": "qwen3:8b", "messages": PING}
        answer = http.post("/v1/chat/completions", json=v1).json()["choices"][0]["message"]
        assert answer["reasoning"] == "Okay, the user wants"
        none = http.post("/v1/chat/completions", json=v1 | {"reasoning_effort": "none"}).json()
        assert "reasoning" not in none["choices"][0]["message"]
        bad = http.post("/v1/chat/completions", json=v1 | {"reasoning_effort": "max"})
        assert bad.status_code == 400 and "invalid reasoning value" in bad.text
        anthropic = {"model": "qwen3:8b", "max_tokens": 64, "messages": PING}
        blocks = http.post("/v1/messages", json=anthropic).json()["content"]
        assert [block["type"] for block in blocks] == ["thinking", "text"]
        events = [
            json.loads(data)
            for _, data in sse(http.post("/v1/messages", json=anthropic | {"stream": True}))
        ]
        deltas = [e["delta"]["type"] for e in events if e["type"] == "content_block_delta"]
        assert deltas[0] == "thinking_delta" and deltas[-1] == "text_delta"


def test_reasoning_counts_against_the_token_limit() -> None:
    with server(models=[thinking_model(thinks=40)]) as (_, http):
        body = {"model": "qwen3:8b", "messages": PING, "max_tokens": 16}
        answer = http.post("/v1/chat/completions", json=body).json()["choices"][0]
        assert answer["finish_reason"] == "length" and answer["message"]["content"] == ""
        assert len(answer["message"]["reasoning"].split()) == 16
        fmt = body | {"max_tokens": 200, "response_format": {"type": "json_object"}}
        formatted = http.post("/v1/chat/completions", json=fmt).json()["choices"][0]
        assert json.loads(formatted["message"]["content"]) == {"answer": "Hello"}


def test_thinking_switches_by_release_and_model() -> None:
    with server(models=[thinking_model(), FakeModel("qwen2.5-coder:7b")], version="0.12.3") as (
        _,
        http,
    ):
        body = {"model": "qwen3:8b", "messages": PING, "reasoning_effort": "none"}
        refused = http.post("/v1/chat/completions", json=body)
        assert refused.status_code == 400
        assert refused.json()["error"]["message"] == (
            'think value "none" is not supported for this model'
        )
        on = {"model": "qwen2.5-coder:7b", "messages": PING, "think": True, "stream": False}
        answer = http.post("/api/chat", json=on)
        assert answer.json() == {"error": '"qwen2.5-coder:7b" does not support thinking'}


def test_an_embedding_model_refuses_every_chat_route() -> None:
    with server(models=[embedding_model()]) as (_, http):
        name = "nomic-embed-text"  # %q of the name as the request gave it
        chat = http.post("/api/chat", json={"model": name, "messages": PING})
        assert (chat.status_code, chat.json()) == (
            400,
            {"error": f'"{name}" does not support chat'},
        )
        generate = http.post("/api/generate", json={"model": name, "prompt": "hi"})
        assert generate.json() == {"error": f'"{name}" does not support generate'}
        v1 = http.post("/v1/chat/completions", json={"model": name, "messages": PING})
        assert v1.status_code == 400
        assert v1.json()["error"] == {
            "message": f'"{name}" does not support chat',
            "type": "api_error",  # middleware/openai.go writeError: NewError(500, ...)
            "param": None,
            "code": None,
        }
        anthropic = http.post(
            "/v1/messages", json={"model": name, "max_tokens": 4, "messages": PING}
        )
        assert anthropic.json()["error"]["type"] == "invalid_request_error"
        shown = http.post("/api/show", json={"model": name}).json()
        assert shown["capabilities"] == ["embedding"]


@pytest.mark.parametrize(
    ("version", "text"),
    [
        ("0.15.2", "model requires more system memory (21.5 GiB) than is available (15.2 GiB)"),
        ("0.30.0", "llama-server reported out-of-memory during startup: "),
    ],
)
def test_a_model_too_big_for_the_memory(version: str, text: str) -> None:
    models = [FakeModel("big:70b", oom_context=8192)]
    with server(models=models, version=version) as (_, http):
        small = {"model": "big:70b", "messages": PING, "stream": False}
        assert http.post("/api/chat", json=small).status_code == 200  # 4096 fits
        big = small | {"options": {"num_ctx": 32768}}
        answer = http.post("/api/chat", json=big)
        assert answer.status_code == 500 and answer.json()["error"].startswith(text)


def test_an_empty_server_lists_null() -> None:
    with server(models=[]) as (_, http):
        assert http.get("/v1/models").json() == {"object": "list", "data": None}
        assert http.get("/api/tags").json() == {"models": []}


def test_the_host_check_answers_an_empty_403() -> None:
    with server(forwarded_host="ollama.example.com") as (_, http):
        refused = http.get("/api/version")
        assert (refused.status_code, refused.content) == (403, b"")
    for local in ("localhost", "ollama.local", "box.internal", "10.0.0.5", "[::1]:11434"):
        with server(forwarded_host=local) as (_, http):
            assert http.get("/api/version").status_code == 200, local


def test_a_v1_stream_that_fails_ends_with_an_empty_chunk_and_no_done() -> None:
    with server() as (fake, http):
        fake.set_fault("stream_error", path="/v1/chat/completions")
        body = {"model": "qwen2.5-coder:7b", "messages": PING, "stream": True}
        events = [data for _, data in sse(http.post("/v1/chat/completions", json=body))]
        assert "[DONE]" not in events and "error" not in events[-1]
        assert json.loads(events[-1])["choices"][0]["delta"] == {"role": "assistant", "content": ""}


def test_a_busy_server_answers_503() -> None:
    with server() as (fake, http):
        fake.set_fault("status", status=503)
        answer = http.get("/api/tags")
        assert answer.status_code == 503
        assert answer.json()["error"] == (
            "server busy, please try again.  maximum pending requests exceeded"
        )


def test_thinking_is_on_by_default_only_from_0_12_4() -> None:
    body = {"model": "qwen3:8b", "messages": PING, "stream": False}
    with server(models=[thinking_model(thinks=4)], version="0.12.3") as (_, http):
        assert "thinking" not in http.post("/api/chat", json=body).json()["message"]
        on = http.post("/api/chat", json=body | {"think": True}).json()["message"]
        assert on["thinking"] == "Okay, the user wants"
    with server(models=[thinking_model(thinks=4)], version="0.12.4") as (_, http):
        assert http.post("/api/chat", json=body).json()["message"]["thinking"]


def test_gpt_oss_reasons_whatever_it_is_told() -> None:
    with server(models=[gpt_oss_model(thinks=4)]) as (_, http):
        body = {"model": "gpt-oss:20b", "messages": PING, "reasoning_effort": "none"}
        answer = http.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]
        assert answer["reasoning"] == "Okay, the user wants"


@pytest.mark.parametrize(
    ("version", "kind"), [("0.17.0", "api_error"), ("0.18.0", "not_found_error")]
)
def test_v1_error_types_by_release(version: str, kind: str) -> None:
    with server(version=version) as (_, http):
        body = {"model": "missing:1b", "messages": PING}
        assert http.post("/v1/chat/completions", json=body).json()["error"]["type"] == kind
