"""The fake Ollama server itself, probed with plain httpx: the shapes other tests rely on."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.ollama import FakeOllama
from tests.fakes.ollama_faults import Fault
from tests.fakes.ollama_models import FakeModel
from tests.fakes.scheduler import prompt_for


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
    # anthropic/anthropic.go StreamConverter (v0.15.2): no ping; the block opens with its text.
    assert names[:2] == ["message_start", "content_block_start"]
    assert names[2:-3] == ["content_block_delta"] * 5
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


# -- scheduler and prompt cache (tests/fakes/scheduler.py) -----------------------------------

# "Hello! This is testmodel:latest answering.": 42 characters, 10 tokens of the fake's.
REPLY_TOKENS = 10


@pytest.fixture
def solo() -> Iterator[FakeOllama]:
    """One model, not loaded, the server's default window 4096."""
    with FakeOllama([FakeModel("testmodel:latest", context_length=32768)]) as fake:
        yield fake


def client(fake: FakeOllama) -> httpx.Client:
    return httpx.Client(base_url=fake.url, timeout=2, trust_env=False)


def chat(http: httpx.Client, messages: list[dict], **extra: object) -> dict:
    body = {"model": "testmodel", "messages": messages, "stream": False} | extra
    answer = http.post("/api/chat", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def test_another_num_ctx_reloads_the_runner(solo: FakeOllama) -> None:
    with client(solo) as http:
        first = chat(http, [user("hi")], options={"num_ctx": 8192})
        same = chat(http, [user("hi")], options={"num_ctx": 8192, "temperature": 0})
        other = chat(http, [user("hi")], options={"num_ctx": 16384})
        ps = http.get("/api/ps").json()["models"]
    assert [run.event for run in solo.runs] == ["load", "hit", "reload"]
    assert (solo.loads, solo.reloads) == (1, 1)
    assert first["load_duration"] > 0 and same["load_duration"] == 0
    assert other["load_duration"] > 0
    assert [(m["name"], m["context_length"]) for m in ps] == [("testmodel:latest", 16384)]
    assert solo.models[0].loaded_context == 16384


def test_compatible_routes_get_the_default_window(solo: FakeOllama) -> None:
    hello = {"model": "testmodel", "messages": [user("hi")]}
    with client(solo) as http:
        chat(http, [user("hi")], options={"num_ctx": 4096})  # the server's default
        http.post("/v1/chat/completions", json=hello)
        chat(http, [user("hi")], options={"num_ctx": 8192})
        http.post("/v1/chat/completions", json=hello | {"options": {"num_ctx": 8192}})
    assert [(run.route, run.event, run.num_ctx) for run in solo.runs] == [
        ("/api/chat", "load", 4096),
        ("/v1/chat/completions", "hit", 4096),
        ("/api/chat", "reload", 8192),
        ("/v1/chat/completions", "reload", 4096),  # "options" is no field of that API
    ]


def test_a_window_past_the_models_maximum_is_shown_as_asked_but_cut() -> None:
    with FakeOllama([FakeModel("small:1b", context_length=2048)]) as fake, client(fake) as http:
        body = {"model": "small:1b", "messages": [user("x" * 40_000)], "stream": False}
        answer = http.post("/api/chat", json=body | {"options": {"num_ctx": 8192}}).json()
        [running] = http.get("/api/ps").json()["models"]
    assert running["context_length"] == 8192  # runner.Options, not what the runner allocated
    assert answer["prompt_eval_count"] == 2048
    assert (fake.runs[0].num_ctx, fake.runs[0].window) == (8192, 2048)


def test_a_model_marked_loaded_was_asked_for_its_window() -> None:
    models = [FakeModel("testmodel:latest", loaded=True, loaded_context=32768)]
    with FakeOllama(models) as fake, client(fake) as http:
        assert chat(http, [user("hi")], options={"num_ctx": 32768})["load_duration"] == 0
        chat(http, [user("hi")])  # the server's default window: v0.15.2 restarts it at 4096
        models[0].loaded_context = 16384  # a test may set the state again
        chat(http, [user("hi")], options={"num_ctx": 16384})
    assert [(run.event, run.num_ctx) for run in fake.runs] == [
        ("hit", 32768),
        ("reload", 4096),
        ("hit", 16384),
    ]
    assert (models[0].loaded, models[0].loaded_context) == (True, 16384)


@pytest.mark.parametrize(
    ("keep_alive", "evicted"),
    [
        # Equal keep_alive: the smaller model path (here: digest) goes, beta's (da89...) before
        # alpha's (dfd8...), although alpha is the least recently used.
        ({}, "beta:1b"),
        # The shortest keep_alive goes first.
        ({"alpha:1b": "10m", "beta:1b": "1h"}, "alpha:1b"),
    ],
)
def test_max_loaded_evicts_by_keep_alive_then_model_path(
    keep_alive: dict[str, str], evicted: str
) -> None:
    models = [FakeModel(name) for name in ("alpha:1b", "beta:1b", "gamma:1b")]
    with FakeOllama(models, max_loaded=2) as fake, client(fake) as http:
        for name in ("alpha:1b", "beta:1b", "gamma:1b"):
            body = {"model": name, "prompt": "hi", "stream": False}
            if name in keep_alive:
                body["keep_alive"] = keep_alive[name]
            http.post("/api/generate", json=body)
        running = {m["name"] for m in http.get("/api/ps").json()["models"]}
    assert [run.evicted for run in fake.runs] == [(), (), (evicted,)]
    assert running == {"alpha:1b", "beta:1b", "gamma:1b"} - {evicted}
    assert [m.name for m in models if not m.loaded] == [evicted]


def test_keep_alive_zero_unloads_after_the_answer(solo: FakeOllama) -> None:
    with client(solo) as http:
        chat(http, [user("hi")], keep_alive=0)
        assert http.get("/api/ps").json()["models"] == []
        chat(http, [user("hi")])
    assert [run.event for run in solo.runs] == ["load", "load"]


def test_a_longer_conversation_reuses_the_cached_prefix(solo: FakeOllama) -> None:
    system = {"role": "system", "content": "You are a careful coder."}  # 24 chars: 6 tokens
    first_turn = [system, user("x" * 400)]  # 6 + 100 tokens
    with client(solo) as http:
        first = chat(http, first_turn, options={"num_ctx": 8192})
        said = first["message"]
        second = chat(http, [*first_turn, said, user("y" * 40)], options={"num_ctx": 8192})
    assert first["prompt_eval_count"] == 106
    # Ollama counts the whole prompt (numPromptInputs), cached or not; the time shows the reuse.
    assert second["prompt_eval_count"] == 106 + REPLY_TOKENS + 10
    assert [(run.cached_tokens, run.evaluated_tokens) for run in solo.runs] == [
        (0, 106),
        (106 + REPLY_TOKENS, 10),  # the runner cached its own answer too
    ]
    per_token = first["prompt_eval_duration"] / 106
    assert second["prompt_eval_duration"] == 10 * per_token


def test_the_same_prompt_again_evaluates_one_token(solo: FakeOllama) -> None:
    with client(solo) as http:
        chat(http, [user("z" * 80)])
        chat(http, [user("z" * 80)])
    assert [(run.prompt_tokens, run.cached_tokens) for run in solo.runs] == [(20, 0), (20, 19)]


@pytest.mark.parametrize(
    ("num_parallel", "multiuser_cache", "cached"),
    [
        (1, False, 0),  # one slot: the other conversation replaced it
        (2, False, 0),  # findLongestCacheSlot: a 0-token match with slot 0 still wins
        (2, True, 100 + REPLY_TOKENS),  # findBestCacheSlot: the other went to the empty slot
    ],
)
def test_an_unrelated_request_in_between(
    num_parallel: int, multiuser_cache: bool, cached: int
) -> None:
    models = [FakeModel("testmodel:latest")]
    fake = FakeOllama(models, num_parallel=num_parallel, multiuser_cache=multiuser_cache)
    with fake, client(fake) as http:
        said = chat(http, [user("a" * 400)])["message"]
        chat(http, [user("b" * 400)])
        chat(http, [user("a" * 400), said, user("c" * 40)])
    assert fake.runs[-1].cached_tokens == cached
    assert fake.runs[-1].prompt_tokens == 100 + REPLY_TOKENS + 10


def test_old_messages_are_dropped_to_fit_num_ctx(solo: FakeOllama) -> None:
    system = {"role": "system", "content": "s" * 40}  # 10 tokens, always kept
    turns = [user(letter * 400) for letter in "abcde"]  # 100 tokens each
    with client(solo) as http:
        answer = chat(http, [system, *turns], options={"num_ctx": 350})
    assert answer["prompt_eval_count"] == 10 + 3 * 100  # the two oldest did not fit


def test_a_name_without_tag_is_latest(solo: FakeOllama) -> None:
    with client(solo) as http:
        answer = http.post("/api/generate", json={"model": "testmodel", "prompt": "hi"})
        openai = http.post("/v1/chat/completions", json={"model": "TestModel", "messages": []})
        shown = http.post("/api/show", json={"model": "testmodel"})
        ps = http.get("/api/ps").json()["models"]
    assert {chunk["model"] for chunk in ndjson(answer)} == {"testmodel"}  # as asked
    assert openai.json()["model"] == "TestModel"
    assert shown.status_code == 200
    assert [(m["name"], m["model"]) for m in ps] == [("testmodel:latest", "testmodel:latest")]
    assert [(run.model, run.canonical, run.event) for run in solo.runs] == [
        ("testmodel", "testmodel:latest", "load"),
        ("TestModel", "testmodel:latest", "hit"),
    ]


def test_generate_without_prompt_only_loads(solo: FakeOllama) -> None:
    with client(solo) as http:
        loaded = http.post("/api/generate", json={"model": "testmodel"})
        running = http.get("/api/ps").json()["models"]
        gone = http.post("/api/generate", json={"model": "testmodel", "keep_alive": 0})
        after = http.get("/api/ps").json()["models"]
    assert loaded.headers["content-type"].startswith("application/json")  # not a stream
    assert loaded.json() == {
        "model": "testmodel",
        "created_at": loaded.json()["created_at"],
        "response": "",
        "done": True,
        "done_reason": "load",
    }
    assert [m["name"] for m in running] == ["testmodel:latest"] and after == []
    assert gone.json()["done_reason"] == "unload"
    assert [(run.event, run.prompt_tokens) for run in solo.runs] == [("load", 0), ("unload", 0)]


def test_runs_record_route_and_user_agent(solo: FakeOllama) -> None:
    with client(solo) as http:
        body = {"model": "testmodel", "max_tokens": 8, "messages": [user("hi")]}
        http.post("/v1/messages", json=body, headers={"user-agent": "claude-cli/2.0"})
    [run] = solo.runs
    assert (run.route, run.user_agent, run.event) == ("/v1/messages", "claude-cli/2.0", "load")
    solo.clear_runs()
    assert solo.runs == [] and solo.loads == 0


def test_reload_every_request_counts_reloads() -> None:
    with FakeOllama([FakeModel("testmodel:latest")], reload_every_request=True) as fake:
        with client(fake) as http:
            assert all(chat(http, [user("hi")])["load_duration"] > 0 for _ in range(3))
        assert (fake.loads, fake.reloads) == (1, 2)
        assert all(run.cached_tokens == 0 for run in fake.runs)  # a restart empties the cache


# One conversation in the four APIs: tools, system prompt, a tool call and its result.
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}}
SAME_CONVERSATION = {
    "/api/chat": {
        "tools": [{"type": "function", "function": {"name": "weather", "parameters": WEATHER}}],
        "messages": [
            {"role": "system", "content": "Be brief."},
            user("Weather in Oslo?"),
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"function": {"name": "weather", "arguments": {"city": "Oslo"}}}],
            },
            {"role": "tool", "content": "rain"},
        ],
    },
    "/v1/chat/completions": {
        "tools": [{"type": "function", "function": {"name": "weather", "parameters": WEATHER}}],
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city": "Oslo"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "rain"},
        ],
    },
    "/v1/messages": {
        "system": [{"type": "text", "text": "Be brief."}],
        "tools": [{"name": "weather", "input_schema": WEATHER}],
        "messages": [
            user("Weather in Oslo?"),
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": "t1", "name": "weather", "input": {"city": "Oslo"}}
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "rain"}],
            },
        ],
    },
    "/v1/responses": {
        "instructions": "Be brief.",
        "tools": [{"type": "function", "name": "weather", "parameters": WEATHER}],
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "Weather in Oslo?"}]},
            {
                "type": "function_call",
                "call_id": "c1",
                "name": "weather",
                "arguments": '{"city":"Oslo"}',
            },
            {"type": "function_call_output", "call_id": "c1", "output": "rain"},
        ],
    },
}


def test_the_four_apis_render_one_conversation_alike() -> None:
    texts = {route: prompt_for(route, body).text for route, body in SAME_CONVERSATION.items()}
    tools = '[{"type": "function", "function": {"name": "weather", "parameters": '
    expected = "\n".join(
        [
            "<system>Be brief.",
            f"<tools>{tools}{json.dumps(WEATHER)}}}}}]",
            "<user>Weather in Oslo?",
            '<assistant>[{"name": "weather", "arguments": {"city": "Oslo"}}]',
            "<tool>rain",
        ]
    )
    assert texts == dict.fromkeys(SAME_CONVERSATION, expected)


def test_a_conversation_continued_in_another_api_hits_the_cache(solo: FakeOllama) -> None:
    body = SAME_CONVERSATION["/v1/chat/completions"]
    more = body | {"model": "testmodel", "messages": [*body["messages"], user("And Bergen?")]}
    with client(solo) as http:
        http.post("/v1/messages", json=SAME_CONVERSATION["/v1/messages"] | {"model": "testmodel"})
        http.post("/v1/chat/completions", json=more)
    first, second = solo.runs
    assert (second.event, second.cached_tokens) == ("hit", first.prompt_tokens)
    assert second.evaluated_tokens == 2  # "And Bergen?": 11 characters
