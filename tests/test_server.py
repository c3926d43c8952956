"""OllamaClient against the fake Ollama server over real HTTP on 127.0.0.1.

Socket failures that loopback cannot produce (no route, a connect timeout) and answers the fake
has no reason to send (JSON of the wrong shape) go through httpx.MockTransport instead.
"""

from __future__ import annotations

import errno
import json
import socket
import ssl
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from ollama_client_setup import __version__
from ollama_client_setup.net.ollama_client import OllamaClient
from ollama_client_setup.net.ollama_types import (
    Category,
    ChatResult,
    ServerError,
    StreamResult,
    ToolCall,
)
from tests.fakes.ollama import FakeOllama

CODER = "qwen2.5-coder:7b"  # tools + insert, loaded at 32k
GENERAL = "llama3.2:3b"  # tools, 128k, not loaded
NO_TOOLS = "starcoder2:3b"  # completion + insert only
HELLO = [{"role": "user", "content": "Say hello."}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture
def client(fake_ollama: FakeOllama) -> Iterator[OllamaClient]:
    with OllamaClient(fake_ollama.url, timeout=1.0) as client:
        yield client


@pytest.fixture
def no_real_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names under .invalid fail like an NXDOMAIN without asking any resolver."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def failure(call: Callable[[], object]) -> ServerError:
    with pytest.raises(ServerError) as info:
        call()
    return info.value


def mock_client(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> OllamaClient:
    return OllamaClient("http://ollama-server:11434", transport=httpx.MockTransport(handler), **kw)


# -- construction and headers ------------------------------------------------------------


def test_base_url_loses_its_trailing_slash(fake_ollama: FakeOllama) -> None:
    with OllamaClient(fake_ollama.url + "/", timeout=1) as client:
        assert client.base_url == fake_ollama.url
        client.version()
    assert [r.path for r in fake_ollama.requests] == ["/api/version"]


@pytest.mark.parametrize("url", ["http://ollama-server:11434/v1", "ollama-server:11434", ""])
def test_base_url_must_be_a_server_root(url: str) -> None:
    with pytest.raises(ValueError):
        OllamaClient(url)


def test_sends_user_agent_and_no_authorization_by_default(
    fake_ollama: FakeOllama, client: OllamaClient
) -> None:
    client.version()
    headers = fake_ollama.requests[-1].headers
    assert headers["user-agent"] == f"ollama-client-setup/{__version__}"
    assert "authorization" not in headers


def test_api_key_becomes_a_bearer_token(fake_ollama: FakeOllama) -> None:
    with OllamaClient(fake_ollama.url, timeout=1, api_key="sk-proxy") as client:
        client.tags()
    assert fake_ollama.requests[-1].headers["authorization"] == "Bearer sk-proxy"


# -- native API ----------------------------------------------------------------------------


def test_identity_and_version(client: OllamaClient) -> None:
    assert client.identity() == "Ollama is running"
    assert client.version() == "0.15.2"


def test_tags_lists_models_with_details(client: OllamaClient) -> None:
    models = {model.name: model for model in client.tags()}
    assert list(models) == [CODER, GENERAL, NO_TOOLS]
    coder = models[CODER]
    assert coder.model == CODER
    assert coder.size == 4_683_087_332
    assert (coder.family, coder.parameter_size, coder.quantization_level) == (
        "qwen2",
        "7.6B",
        "Q4_K_M",
    )
    assert coder.digest and coder.modified_at
    assert coder.capabilities is None  # older servers: ask /api/show


def test_tags_capabilities_on_newer_servers(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.tags_include_capabilities = True
    models = {model.name: model for model in client.tags()}
    assert models[NO_TOOLS].capabilities == ["completion", "insert"]


def test_show_reads_context_length_under_the_architecture(
    fake_ollama: FakeOllama, client: OllamaClient
) -> None:
    details = client.show(GENERAL)
    assert details.name == GENERAL
    assert details.architecture == "llama"
    assert details.context_length == 131072
    assert details.capabilities == ["completion", "tools"]
    assert (details.family, details.parameter_size) == ("llama", "3.2B")
    assert fake_ollama.requests[-1].json == {"model": GENERAL}


def test_show_unknown_model_is_an_http_status_with_ollamas_text(client: OllamaClient) -> None:
    error = failure(lambda: client.show("nope:1b"))
    assert error.category is Category.HTTP_STATUS
    assert error.status == 404
    assert error.server_message == "model 'nope:1b' not found"
    assert "/api/show" in error.message and "model 'nope:1b' not found" in str(error)


def test_ps_reports_the_allocated_context(client: OllamaClient) -> None:
    [loaded] = client.ps()
    assert (loaded.name, loaded.context_length) == (CODER, 32768)
    assert loaded.size_vram == loaded.size > 0
    assert loaded.expires_at


def test_chat_first_request_loads_the_model(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    first = client.chat(GENERAL, HELLO, keep_alive="10m")
    second = client.chat(GENERAL, HELLO)
    assert GENERAL in first.content
    assert first.load_duration and first.load_duration > 0
    assert second.load_duration == 0
    assert first.stop_reason == "stop"
    assert first.prompt_eval_count and first.eval_count and first.total_duration
    assert first.raw["done"] is True
    assert fake_ollama.requests_to("/api/chat")[0].json == {
        "model": GENERAL,
        "messages": HELLO,
        "stream": False,
        "keep_alive": "10m",
    }
    # Loaded without num_ctx: the server's default window, far below the model's 128k.
    assert {m.name: m.context_length for m in client.ps()}[GENERAL] == 4096


def test_chat_with_num_ctx_sends_options(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    result = client.chat(CODER, HELLO, options={"num_ctx": 16384})
    assert fake_ollama.requests[-1].json["options"] == {"num_ctx": 16384}
    assert result.load_duration  # a different num_ctx reloads the model


def test_chat_json_format(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    result = client.chat(CODER, HELLO, format="json")
    assert isinstance(json.loads(result.content), dict)
    assert fake_ollama.requests[-1].json["format"] == "json"


def test_chat_tool_calls_are_structured(client: OllamaClient) -> None:
    result = client.chat(CODER, HELLO, tools=[WEATHER_TOOL])
    assert result.tool_calls == [ToolCall(name="get_weather", arguments={"city": "example"})]


def test_chat_with_tools_on_a_model_without_them(client: OllamaClient) -> None:
    error = failure(lambda: client.chat(NO_TOOLS, HELLO, tools=[WEATHER_TOOL]))
    assert (error.category, error.status) == (Category.HTTP_STATUS, 400)
    assert error.server_message == f"registry.ollama.ai/library/{NO_TOOLS} does not support tools"


def test_chat_unknown_model(client: OllamaClient) -> None:
    error = failure(lambda: client.chat("qwen2.5-coder:14b", HELLO))
    assert error.status == 404
    # server/routes.go ChatHandler (v0.15.2): GetModel fails before anything is scheduled.
    assert error.server_message == "model 'qwen2.5-coder:14b' not found"


def test_native_chat_stream(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    result = client.native_chat_stream(CODER, HELLO, options={"num_ctx": 32768}, deadline=2)
    assert isinstance(result, StreamResult)
    assert result.content == f"Hello! This is {CODER} answering."
    assert result.chunks == 6  # five words and the final chunk
    assert result.time_to_first_token is not None
    assert result.total >= result.time_to_first_token
    assert result.load_duration == 0  # same num_ctx as loaded: no reload
    assert result.eval_count == 5 and result.eval_duration
    assert result.usage is not None and result.usage["done_reason"] == "stop"
    assert fake_ollama.requests[-1].json["stream"] is True


# -- OpenAI-compatible API -------------------------------------------------------------------


def test_openai_models(client: OllamaClient) -> None:
    assert client.openai_models() == [CODER, GENERAL, NO_TOOLS]


def test_openai_chat(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    result = client.openai_chat(CODER, HELLO, max_tokens=32)
    assert isinstance(result, ChatResult)
    assert result.content == f"Hello! This is {CODER} answering."
    assert result.stop_reason == "stop"
    assert result.eval_count == 5 and result.prompt_eval_count
    assert result.load_duration is None  # the OpenAI route reports no durations
    sent = fake_ollama.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.json == {"model": CODER, "messages": HELLO, "stream": False, "max_tokens": 32}


def test_openai_chat_json_object(client: OllamaClient) -> None:
    result = client.openai_chat(CODER, HELLO, response_format={"type": "json_object"})
    assert isinstance(json.loads(result.content), dict)


def test_openai_chat_tool_call_arguments_are_parsed(client: OllamaClient) -> None:
    result = client.openai_chat(CODER, HELLO, tools=[WEATHER_TOOL])
    assert result.stop_reason == "tool_calls"
    assert result.tool_calls == [ToolCall(name="get_weather", arguments={"city": "example"})]


def test_openai_chat_error_shape(client: OllamaClient) -> None:
    error = failure(lambda: client.openai_chat("missing:7b", HELLO))
    assert (error.category, error.status) == (Category.HTTP_STATUS, 404)
    assert error.server_message == "model 'missing:7b' not found"
    # middleware/openai.go writeError: every handler error is an "api_error".
    assert "api_error" in error.message or error.server_message


def test_openai_chat_stream_with_usage(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    result = client.openai_chat_stream(CODER, HELLO, max_tokens=64, deadline=2)
    assert result.content == f"Hello! This is {CODER} answering."
    assert result.chunks == 7  # five words, the finish chunk, the usage chunk
    assert result.time_to_first_token is not None
    assert result.stop_reason == "stop"
    assert result.eval_count == 5
    assert result.usage is not None and result.usage["total_tokens"] > 5
    sent = fake_ollama.requests[-1].json
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["max_tokens"] == 64


# -- Anthropic-compatible API ----------------------------------------------------------------


def test_anthropic_messages(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    result = client.anthropic_messages(CODER, HELLO, max_tokens=16, stream=False)
    assert result.content == f"Hello! This is {CODER} answering."
    assert result.stop_reason == "end_turn"
    assert result.eval_count == 5
    sent = fake_ollama.requests[-1]
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.headers["x-api-key"] == "ollama"
    assert sent.json == {"model": CODER, "messages": HELLO, "max_tokens": 16, "stream": False}


def test_anthropic_messages_stream(client: OllamaClient) -> None:
    result = client.anthropic_messages(CODER, HELLO, max_tokens=16, stream=True, deadline=2)
    assert isinstance(result, StreamResult)
    assert result.content == f"Hello! This is {CODER} answering."
    assert result.time_to_first_token is not None
    assert result.stop_reason == "end_turn"
    assert (result.prompt_eval_count, result.eval_count) == (2, 5)


def test_anthropic_route_missing_on_an_old_server() -> None:
    with (
        FakeOllama(version="0.13.0", anthropic=False) as old,
        OllamaClient(old.url, timeout=1) as client,
    ):
        error = failure(lambda: client.anthropic_messages(CODER, HELLO, max_tokens=8, stream=False))
        assert client.version() == "0.13.0"
    assert (error.category, error.status) == (Category.HTTP_STATUS, 404)
    assert error.server_message is None  # gin's plain "404 page not found"
    assert "404 page not found" in error.message


# -- connection failures ---------------------------------------------------------------------


def test_refused(closed_port: int) -> None:
    with OllamaClient(f"http://127.0.0.1:{closed_port}", timeout=1) as client:
        error = failure(client.version)
    assert error.category is Category.REFUSED
    assert error.category == "refused"
    assert error.url == f"http://127.0.0.1:{closed_port}/api/version"
    assert error.url in error.message and str(error) == error.message
    assert error.elapsed is not None and error.elapsed >= 0
    assert error.status is None and error.server_message is None


@pytest.mark.usefixtures("no_real_dns")
def test_dns() -> None:
    with OllamaClient("http://ollama-server.invalid:11434", timeout=1) as client:
        error = failure(client.identity)
    assert error.category is Category.DNS
    assert "ollama-server.invalid" in error.message


@pytest.mark.parametrize(
    ("cause", "category"),
    [
        (OSError(errno.EHOSTUNREACH, "No route to host"), Category.UNREACHABLE),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), Category.UNREACHABLE),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), Category.REFUSED),
        (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), Category.RESET),
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"), Category.DNS),
        (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), Category.PROTOCOL),
    ],
    ids=["no-route", "no-network", "refused", "reset", "dns", "tls"],
)
def test_connect_error_is_classified_by_its_cause(cause: OSError, category: Category) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # What httpx raises: its ConnectError caused by the socket's OSError.
        raise httpx.ConnectError("connect failed") from cause

    with mock_client(handler) as client:
        error = failure(client.version)
    assert error.category is category
    assert error.elapsed is not None


def test_connect_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out")

    with mock_client(handler, timeout=0.5) as client:
        error = failure(client.tags)
    assert error.category is Category.TIMEOUT
    assert "connection within 0.5 s" in error.message


def test_https_to_a_plain_http_port_is_a_protocol_error(fake_ollama: FakeOllama) -> None:
    with OllamaClient(f"https://127.0.0.1:{fake_ollama.port}", timeout=1) as client:
        error = failure(client.version)
    assert error.category is Category.PROTOCOL


# -- server faults -----------------------------------------------------------------------------


def test_hang_times_out(fake_ollama: FakeOllama) -> None:
    fake_ollama.set_fault("hang")
    with OllamaClient(fake_ollama.url, timeout=0.3) as client:
        error = failure(client.version)
    assert error.category is Category.TIMEOUT
    assert "0.3 s" in error.message


def test_delay_beyond_the_timeout(fake_ollama: FakeOllama) -> None:
    fake_ollama.set_fault("delay", delay=5)
    with OllamaClient(fake_ollama.url, timeout=0.3) as client:
        assert failure(client.tags).category is Category.TIMEOUT


def test_short_delay_is_fine(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.set_fault("delay", delay=0.01)
    assert client.version() == "0.15.2"


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (404, "model 'unknown' not found"),
        (503, "server busy, please try again.  maximum pending requests exceeded"),
        (500, "llama runner process has terminated: exit status 2"),
    ],
)
def test_error_status(
    fake_ollama: FakeOllama, client: OllamaClient, status: int, text: str
) -> None:
    fake_ollama.set_fault("status", status=status)
    error = failure(client.tags)
    assert (error.category, error.status, error.server_message) == (
        Category.HTTP_STATUS,
        status,
        text,
    )
    assert text in error.message


def test_reset(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.set_fault("reset")
    assert failure(client.version).category is Category.RESET


def test_broken_json_is_malformed(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.set_fault("malformed")
    error = failure(client.tags)
    assert error.category is Category.MALFORMED
    assert "/api/tags" in error.message


def test_other_service(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.set_fault("other_service")
    error = failure(client.identity)
    assert error.category is Category.NOT_OLLAMA
    assert "nginx" in error.message and "Welcome to nginx!" in error.message
    # Its 404 page on an Ollama route: the status, and who answered.
    error = failure(client.version)
    assert (error.category, error.status) == (Category.HTTP_STATUS, 404)
    assert "nginx" in error.message


def test_huge_body_is_capped(fake_ollama: FakeOllama) -> None:
    fake_ollama.set_fault("huge")
    with OllamaClient(fake_ollama.url, timeout=2, max_body=256 * 1024) as client:
        assert failure(client.tags).category is Category.TOO_LARGE
        error = failure(lambda: client.native_chat_stream(CODER, HELLO, deadline=2))
    assert error.category is Category.TOO_LARGE
    assert "0.25 MiB" in error.message


def test_drip_runs_into_the_deadline(fake_ollama: FakeOllama) -> None:
    fake_ollama.set_fault("drip", delay=0.05)
    with OllamaClient(fake_ollama.url, timeout=0.3) as client:
        error = failure(client.tags)
        assert error.category is Category.TIMEOUT
        error = failure(lambda: client.native_chat_stream(CODER, HELLO, deadline=0.3))
        assert error.category is Category.TIMEOUT
        error = failure(lambda: client.openai_chat_stream(CODER, HELLO, deadline=0.3))
        assert error.category is Category.TIMEOUT


def test_a_stalled_stream_ends_at_the_deadline(fake_ollama: FakeOllama) -> None:
    fake_ollama.set_fault("hang", path="/api/chat")
    with OllamaClient(fake_ollama.url, timeout=0.3) as client:
        error = failure(lambda: client.native_chat_stream(CODER, HELLO, deadline=0.3))
    assert error.category is Category.TIMEOUT


@pytest.mark.usefixtures("no_real_dns")
def test_redirect_is_not_followed(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.set_fault("redirect", location="http://elsewhere.invalid:11434/api/tags")
    error = failure(client.tags)
    assert (error.category, error.status) == (Category.REDIRECT, 301)
    assert "http://elsewhere.invalid:11434/api/tags" in error.message
    assert len(fake_ollama.requests) == 1


def test_not_http(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.set_fault("not_http")
    assert failure(client.version).category is Category.PROTOCOL


def test_plain_http_to_a_tls_front_end(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.set_fault("https_only")
    error = failure(client.identity)
    assert (error.category, error.status) == (Category.PROTOCOL, 400)
    assert "https://" in error.message


def test_error_mid_stream_native(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    # server/routes.go streamResponse: once the answer began, the error is one more line.
    fake_ollama.set_fault("stream_error", message="model runner crashed")
    error = failure(lambda: client.native_chat_stream(CODER, HELLO, deadline=2))
    assert error.category is Category.STREAM_ERROR
    assert error.server_message == "model runner crashed"
    assert "model runner crashed" in error.message


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.openai_chat_stream(CODER, HELLO, deadline=2),
        lambda c: c.anthropic_messages(CODER, HELLO, max_tokens=8, stream=True, deadline=2),
    ],
    ids=["openai", "anthropic"],
)
def test_error_mid_stream_on_the_compatible_routes_has_no_words(
    fake_ollama: FakeOllama, client: OllamaClient, call: Callable[[OllamaClient], object]
) -> None:
    # The /v1 writers drop the error line: the stream just ends, without [DONE] or
    # message_stop, and that ending is what says the server broke off.
    fake_ollama.set_fault("stream_error", message="model runner crashed")
    error = failure(lambda: call(client))
    assert error.category is Category.STREAM_ERROR
    assert error.server_message is None
    assert "broke off before its final chunk" in error.message


def test_fault_on_one_path_only(fake_ollama: FakeOllama) -> None:
    fake_ollama.set_fault("hang", path="/api/tags")
    with OllamaClient(fake_ollama.url, timeout=0.3) as client:
        assert client.version() == "0.15.2"
        assert failure(client.tags).category is Category.TIMEOUT


def test_fault_for_one_request_then_a_retry_works(
    fake_ollama: FakeOllama, client: OllamaClient
) -> None:
    fake_ollama.set_fault("status", status=500, times=1)
    assert failure(client.version).status == 500
    assert client.version() == "0.15.2"


# -- answers of the wrong shape (MockTransport) ---------------------------------------------


def answering(status: int = 200, **kw: Any) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, **kw)


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda c: c.version(), {"version": 15}),
        (lambda c: c.tags(), {"models": "none"}),
        (lambda c: c.tags(), {"models": [{"name": "x"}]}),  # no size
        (lambda c: c.ps(), [1, 2]),
        (lambda c: c.openai_models(), {"data": [{"object": "model"}]}),
        (lambda c: c.chat(CODER, HELLO), {"done": True}),
        (lambda c: c.openai_chat(CODER, HELLO), {"choices": []}),
        (lambda c: c.chat(CODER, HELLO), {"message": {"tool_calls": [{"function": {}}]}}),
    ],
    ids=["version", "models", "size", "ps", "ids", "message", "choices", "tool-call"],
)
def test_wrong_shape_is_malformed(call: Callable[[OllamaClient], object], body: Any) -> None:
    with mock_client(answering(json=body)) as client:
        error = failure(lambda: call(client))
    assert error.category is Category.MALFORMED
    assert error.url.startswith("http://ollama-server:11434/")


def test_html_on_an_api_route_is_not_ollama() -> None:
    page = b"<html><title>Router login</title></html>"
    handler = answering(content=page, headers={"content-type": "text/html", "server": "lighttpd"})
    with mock_client(handler) as client:
        error = failure(client.tags)
    assert error.category is Category.NOT_OLLAMA
    assert "Router login" in error.message and "lighttpd" in error.message


def test_declared_length_over_the_cap() -> None:
    with mock_client(answering(content=b"x" * 4096), max_body=1024) as client:
        assert failure(client.version).category is Category.TOO_LARGE


def test_stream_that_ends_cleanly_before_its_final_chunk_was_broken_off() -> None:
    line = json.dumps({"message": {"role": "assistant", "content": "Hel"}, "done": False})
    with mock_client(answering(content=(line + "\n").encode())) as client:
        error = failure(lambda: client.native_chat_stream(CODER, HELLO, deadline=1))
    assert error.category is Category.STREAM_ERROR


def test_stream_chunk_that_is_not_json() -> None:
    handler = answering(
        content=b"data: {not json\n\n", headers={"content-type": "text/event-stream"}
    )
    with mock_client(handler) as client:
        error = failure(lambda: client.openai_chat_stream(CODER, HELLO, deadline=1))
    assert error.category is Category.MALFORMED


def test_lines_split_across_chunks_are_joined() -> None:
    pieces = [
        b'{"message": {"content": "Hel',
        b'lo"}, "done": false}\n{"message": {"content": " there"}, "done": false}\n{"do',
        b'ne": true, "eval_count": 2}',  # the last line has no newline
    ]
    with mock_client(answering(content=iter(pieces))) as client:
        result = client.native_chat_stream(CODER, HELLO, deadline=1)
    assert (result.content, result.chunks, result.eval_count) == ("Hello there", 3, 2)


def test_sse_with_crlf_line_ends() -> None:
    chunk = {"choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": "stop"}]}
    body = f"data: {json.dumps(chunk)}\r\n\r\n: keep-alive\r\n\r\ndata: [DONE]\r\n\r\n".encode()
    with mock_client(answering(content=body)) as client:
        result = client.openai_chat_stream(CODER, HELLO, deadline=1)
    assert (result.content, result.stop_reason, result.chunks) == ("Hi", "stop", 1)
