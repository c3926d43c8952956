"""The Ollama server over HTTP: native ``/api``, OpenAI ``/v1`` and Anthropic ``/v1/messages``.

Every failure becomes a :class:`ServerError` whose :class:`Category` says what went wrong in terms a
user can act on (refused vs timeout vs unreachable tell different stories, see
docs/field-failures.md). Bodies are read with a size cap and every call has an overall
deadline, so a misbehaving server can neither flood nor stall the caller.
"""

from __future__ import annotations

import errno
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any, Literal, overload

import httpx

from ollama_client_setup import __version__
from ollama_client_setup.base.output import printable
from ollama_client_setup.net import probe as netprobe

MAX_BODY = 16 * 1024 * 1024
#: The cap for the small answers that describe the server (/, version, tags, show, ps, the
#: model list): real ones are kilobytes, and `model list` reads up to eight /api/show
#: answers at once, so the full cap there would let a hostile server take ~130 MiB.
MAX_META_BODY = 4 * 1024 * 1024
_META_PATHS = frozenset({"/", "/api/version", "/api/tags", "/api/show", "/api/ps", "/v1/models"})
ANTHROPIC_VERSION = "2023-06-01"
# Anthropic SDKs insist on a non-empty key; Ollama ignores it.
PLACEHOLDER_KEY = "ollama"

Message = dict[str, Any]


class Category(str, Enum):
    """What kind of failure, in the order a probe meets them."""

    DNS = "dns"  # the name does not resolve
    REFUSED = "refused"  # connection refused: nothing listens on that port
    TIMEOUT = "timeout"  # no answer (connect or read) within the time allowed
    UNREACHABLE = "unreachable"  # no route to host / network unreachable
    RESET = "reset"  # connection reset, or closed before the answer was complete
    PROTOCOL = "protocol"  # TLS/HTTP mismatch or an answer that is not HTTP at all
    HTTP_STATUS = "http_status"  # status >= 400 (server_message holds Ollama's error text)
    NOT_OLLAMA = "not_ollama"  # something answers on this port, but it is not Ollama
    MALFORMED = "malformed"  # JSON, but not the shape Ollama sends (or broken JSON)
    REDIRECT = "redirect"  # 3xx; redirects are never followed
    TOO_LARGE = "too_large"  # the body exceeded the size cap
    STREAM_ERROR = "stream_error"  # the server reported an error after streaming began


class ServerError(Exception):
    """A failed exchange with the server; ``message`` is one sentence naming the URL."""

    def __init__(
        self,
        category: Category,
        message: str,
        *,
        url: str,
        status: int | None = None,
        server_message: str | None = None,
        elapsed: float | None = None,
        empty: bool = False,
    ) -> None:
        super().__init__(message)
        self.category = category
        self.message = message
        self.url = url
        self.status = status
        self.server_message = server_message
        # Seconds from the start of the request: an "instant" EHOSTUNREACH points at a local
        # block (macOS Local Network privacy), a slow one at the network.
        self.elapsed = elapsed
        #: The error answer had no body at all (Ollama's Host check, ollama_texts.host_check).
        self.empty = empty

    def __str__(self) -> str:
        return self.message


@dataclass
class ModelEntry:
    """One model from ``/api/tags``."""

    name: str
    model: str
    size: int
    digest: str | None = None
    modified_at: str | None = None
    family: str | None = None
    parameter_size: str | None = None
    quantization_level: str | None = None
    # Only newer servers list capabilities in /api/tags; None means "ask /api/show".
    capabilities: list[str] | None = None


@dataclass
class ModelDetails:
    """What ``/api/show`` says about one model."""

    name: str
    architecture: str | None
    # The most the model supports; the window the server allocates is in LoadedModel.
    context_length: int | None
    # None: the server did not say (Ollama before 0.6.4 has no such field), not "none".
    capabilities: list[str] | None
    parameter_size: str | None = None
    quantization_level: str | None = None
    family: str | None = None


@dataclass
class LoadedModel:
    """One model from ``/api/ps``."""

    name: str
    size: int
    size_vram: int | None
    # The context the server really allocated: its effective window.
    context_length: int | None
    expires_at: str | None


@dataclass
class ToolCall:
    """A structured tool call; ``arguments`` is a dict when the server sent valid JSON."""

    name: str
    arguments: dict[str, Any] | str


@dataclass
class Timings:
    """Token counts and native durations (nanoseconds), when the route reports them.

    The OpenAI and Anthropic routes report only token counts (mapped to the two ``*_count``
    fields); the native routes also report durations.
    """

    total_duration: int | None = None
    load_duration: int | None = None
    prompt_eval_count: int | None = None
    prompt_eval_duration: int | None = None
    eval_count: int | None = None
    eval_duration: int | None = None


@dataclass(kw_only=True)
class ChatResult(Timings):
    """A complete (non-streamed) answer."""

    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    stop_reason: str | None = None
    elapsed: float = 0.0
    #: What a thinking model reasoned before answering (native "thinking", OpenAI
    #: "reasoning", Anthropic "thinking" blocks); Ollama turns it on by default.
    reasoning: str = ""


@dataclass(kw_only=True)
class StreamResult(Timings):
    """A streamed answer, with the timings a user feels."""

    content: str
    chunks: int
    # Seconds from sending the request to the first token: content or reasoning, which
    # clients show as it comes.
    time_to_first_token: float | None
    total: float
    stop_reason: str | None = None
    # The final usage/timing object as the server sent it.
    usage: dict[str, Any] | None = None
    reasoning: str = ""


# netprobe classifies DNS / refused / timeout / unreachable; a reset only happens here.
_RESET = frozenset(
    getattr(errno, name)
    for name in ("ECONNRESET", "EPIPE", "ECONNABORTED", "WSAECONNRESET", "WSAECONNABORTED")
    if hasattr(errno, name)
)

# What TLS front ends answer to plain HTTP (Go's net/http, e.g. `tailscale serve`; nginx).
_PLAIN_TO_TLS = (
    b"Client sent an HTTP request to an HTTPS server",
    b"plain HTTP request was sent to HTTPS port",
)


def _os_cause(exc: BaseException) -> OSError | None:
    """The socket-level error behind an httpx exception (httpx -> httpcore -> OSError)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _classify(exc: httpx.RequestError, seconds: float) -> tuple[Category, str]:
    """Category and a short phrase for a transport failure (``seconds``: the time allowed)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return Category.TIMEOUT, f"did not accept a connection within {seconds:.1f} s"
    if isinstance(exc, httpx.TimeoutException):
        return Category.TIMEOUT, f"did not answer within {seconds:.1f} s"
    cause = _os_cause(exc)
    detail = str(cause or exc) or type(exc).__name__
    if isinstance(cause, ssl.SSLError):
        return Category.PROTOCOL, f"TLS failed, is it http rather than https? ({detail})"
    if cause is not None:
        kind = netprobe.classify_oserror(cause)
        if kind is netprobe.Category.DNS:
            return Category.DNS, f"names a host that does not resolve ({detail})"
        if kind is netprobe.Category.REFUSED:
            return Category.REFUSED, "refused the connection: nothing listens on that port"
        if kind is netprobe.Category.UNREACHABLE:
            return Category.UNREACHABLE, f"is unreachable: no route to the host ({detail})"
        if kind is netprobe.Category.TIMEOUT:
            return Category.TIMEOUT, f"did not answer in time ({detail})"
    code = cause.errno if cause is not None else None
    if code in _RESET:
        return Category.RESET, f"reset the connection ({detail})"
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc)
        # h11 reports a clean-but-early close this way; anything else is a parse failure.
        if "disconnected" in text or "peer closed" in text:
            return Category.RESET, "closed the connection before the answer was complete"
        return Category.PROTOCOL, f"did not answer in HTTP, is it https? ({detail})"
    if isinstance(exc, (httpx.ProtocolError, httpx.UnsupportedProtocol, httpx.DecodingError)):
        return Category.PROTOCOL, f"broke the HTTP protocol ({detail})"
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.CloseError)):
        return Category.RESET, f"dropped the connection ({detail})"
    return Category.UNREACHABLE, f"could not be reached ({detail})"


def _error_text(body: bytes) -> str | None:
    """Ollama's error text: ``{"error": "..."}``, or ``{"error": {"message": ...}}`` on /v1."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, str):
        return printable(error)
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return printable(error["message"])
    return None


def _describe(response: httpx.Response, body: bytes) -> str:
    """A few words on what answered: content type, <title>, Server header."""
    kind = response.headers.get("content-type", "").split(";")[0].strip() or "untyped data"
    text = body[:4096].decode("utf-8", "replace")
    start = text.lower().find("<title>")
    end = text.lower().find("</title>")
    if 0 <= start < end:
        kind += f" titled {text[start + 7 : end].strip()!r}"
    elif text.strip() and "html" not in kind:
        kind += f" starting {text.strip()[:40]!r}"
    server = response.headers.get("server")
    return f"{kind} from server {server!r}" if server else kind


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    """A string from the server's answer, with control characters escaped: names, versions
    and messages are shown on the user's terminal (output.printable)."""
    return printable(value) if isinstance(value, str) else None


class _Reply:
    """One streamed response: reads bounded by size and by the call's deadline."""

    def __init__(
        self, response: httpx.Response, url: str, started: float, budget: float, max_body: int
    ) -> None:
        self.response = response
        self.url = url
        self.started = started
        self.budget = budget
        self.deadline_at = started + budget
        self.max_body = max_body
        self._received = 0
        self._lock = threading.Lock()
        self._closed = False
        self._expired = False
        self._timer: threading.Timer | None = None

    def error(
        self,
        category: Category,
        message: str,
        *,
        status: int | None = None,
        server_message: str | None = None,
    ) -> ServerError:
        return ServerError(
            category,
            message,
            url=self.url,
            status=status,
            server_message=server_message,
            elapsed=time.monotonic() - self.started,
        )

    def _timeout(self) -> ServerError:
        return self.error(
            Category.TIMEOUT, f"{self.url} did not finish answering within {self.budget:.1f} s."
        )

    def _arm(self) -> None:
        # httpx's read timeout applies per read, so a server dripping bytes (or stalling mid-body)
        # could run far past the deadline; shutting the socket down at the deadline unblocks the
        # read at once. Custom transports have no socket: the per-chunk check still applies.
        stream = self.response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        self._timer = threading.Timer(
            max(self.deadline_at - time.monotonic(), 0.0), self._expire, (sock,)
        )
        self._timer.daemon = True
        self._timer.start()

    def _expire(self, sock: socket.socket) -> None:
        with self._lock:
            if self._closed:
                return
            self._expired = True
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def chunks(self) -> Iterator[bytes]:
        declared = _to_int(self.response.headers.get("content-length"))
        if declared is not None and declared > self.max_body:
            raise self._too_large()
        if self._timer is None:
            self._arm()
        try:
            for chunk in self.response.iter_bytes():
                self._received += len(chunk)
                if self._received > self.max_body:
                    raise self._too_large()
                if time.monotonic() > self.deadline_at:
                    raise self._timeout()
                yield chunk
        except httpx.RequestError as exc:
            if self._expired:
                raise self._timeout() from exc
            category, phrase = _classify(exc, self.budget)
            raise self.error(category, f"{self.url} {phrase}.") from exc
        with self._lock:
            self._closed = True  # the connection may go back to the pool: hands off
            expired = self._expired
        if expired:  # a body that ends at the close of the connection ended at the deadline
            raise self._timeout()

    def _too_large(self) -> ServerError:
        limit = self.max_body / (1024 * 1024)
        return self.error(Category.TOO_LARGE, f"The answer from {self.url} exceeded {limit:g} MiB.")

    def body(self) -> bytes:
        return b"".join(self.chunks())

    def lines(self) -> Iterator[str]:
        """Decoded lines without their line ends (NDJSON and SSE are both line-based)."""
        pending: list[bytes] = []  # pieces of the unfinished line; only new bytes are scanned
        for chunk in self.chunks():
            first, *rest = chunk.split(b"\n")
            pending.append(first)
            if not rest:
                continue
            for line in [b"".join(pending), *rest[:-1]]:
                yield line.rstrip(b"\r").decode("utf-8", "replace")
            pending = [rest[-1]]
        if any(pending):
            yield b"".join(pending).rstrip(b"\r").decode("utf-8", "replace")

    def check_status(self) -> None:
        """Redirects and error statuses become ServerErrors."""
        response = self.response
        status = response.status_code
        reason = f"{status} {response.reason_phrase}".strip()
        if 300 <= status < 400:
            location = response.headers.get("location", "nowhere")
            raise self.error(
                Category.REDIRECT,
                f"{self.url} redirects ({reason}) to {location}; redirects are not followed.",
                status=status,
            )
        if status < 400:
            return
        try:
            body = self.body()
        except ServerError:
            body = b""  # the status alone still says what happened
        if status == 400 and any(marker in body for marker in _PLAIN_TO_TLS):
            raise self.error(
                Category.PROTOCOL,
                f"{self.url} is a TLS port: use https:// rather than http://.",
                status=status,
            )
        server_message = _error_text(body)
        if server_message is not None:
            message = f"{self.url} answered {reason}: {server_message}"
        elif not body.strip():
            message = f"{self.url} answered {reason} with an empty body"
        else:
            message = f"{self.url} answered {reason} ({_describe(response, body)})"
        error = self.error(
            Category.HTTP_STATUS,
            message.rstrip(".") + ".",
            status=status,
            server_message=server_message,
        )
        error.empty = not body.strip()
        raise error

    def json(self) -> Any:
        body = self.body()
        try:
            return json.loads(body)
        except ValueError:
            content_type = self.response.headers.get("content-type", "")
        if "json" in content_type:
            raise self.error(Category.MALFORMED, f"{self.url} answered broken JSON.") from None
        raise self.error(
            Category.NOT_OLLAMA,
            f"Something answers at {self.url} but it is not Ollama: "
            f"it sent {_describe(self.response, body)} instead of JSON.",
        ) from None

    def malformed(self, detail: str) -> ServerError:
        return self.error(
            Category.MALFORMED, f"The answer from {self.url} is not what Ollama sends: {detail}."
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        self.response.close()


def _to_int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _require(reply: _Reply, obj: Any, key: str, kind: type | tuple[type, ...]) -> Any:
    """``obj[key]`` when ``obj`` is an object and the value has the expected type."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise reply.malformed(f"no valid {key!r}")
    return printable(value) if isinstance(value, str) else value


def _tool_calls(reply: _Reply, calls: Any) -> list[ToolCall]:
    """Native (arguments as an object) and OpenAI (arguments as a JSON string) tool calls."""
    if calls is None:
        return []
    if not isinstance(calls, list):
        raise reply.malformed("'tool_calls' is not a list")
    result = []
    for call in calls:
        function = _require(reply, call, "function", dict)
        name = _require(reply, function, "name", str)
        arguments = function.get("arguments", {})
        if isinstance(arguments, str):
            try:
                parsed = json.loads(arguments) if arguments.strip() else {}
            except ValueError:
                parsed = None
            arguments = parsed if isinstance(parsed, dict) else arguments
        if not isinstance(arguments, (dict, str)):
            raise reply.malformed(f"tool call {name!r} has arguments of the wrong type")
        result.append(ToolCall(name=name, arguments=arguments))
    return result


def _native_timings(data: dict[str, Any]) -> dict[str, int | None]:
    return {
        name: _int(data.get(name))
        for name in (
            "total_duration",
            "load_duration",
            "prompt_eval_count",
            "prompt_eval_duration",
            "eval_count",
            "eval_duration",
        )
    }


def _usage_counts(usage: Any, prompt_key: str, output_key: str) -> dict[str, int | None]:
    usage = usage if isinstance(usage, dict) else {}
    return {
        "prompt_eval_count": _int(usage.get(prompt_key)),
        "eval_count": _int(usage.get(output_key)),
    }


def _sse(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """Server-sent events as (event name, data) pairs."""
    event: str | None = None
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = None, []
        elif line.startswith(":"):
            continue  # a comment / keep-alive
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
    if data:
        yield event, "\n".join(data)


class OllamaClient:
    """A client for one Ollama server, addressed by its root URL (``http://host:port``).

    ``timeout`` bounds each ordinary call as a whole (connect, answer, body). Inference calls
    take a ``deadline`` in seconds instead (optional for the non-streaming ones, where it
    defaults to ``timeout``), because a cold model load can take far longer than a probe.
    """

    def __init__(
        self,
        base_url: str,
        timeout: float = 5.0,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
        *,
        max_body: int = MAX_BODY,
        trust_env: bool = False,
    ) -> None:
        url = base_url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"server URL must start with http:// or https://, got {base_url!r}")
        if url.endswith("/v1"):
            raise ValueError(f"give the server root, without /v1: {base_url!r}")
        self.base_url = url
        self.timeout = timeout
        self.max_body = max_body
        self.api_key = api_key
        headers = {"User-Agent": f"ollama-client-setup/{__version__}"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        # trust_env=False by default: an HTTP(S)_PROXY meant for the internet must not swallow
        # requests to a tailnet or LAN host, and a probe must say what the server itself answers.
        self._http = httpx.Client(
            headers=headers,
            follow_redirects=False,
            transport=transport,
            trust_env=trust_env,
            # A CA bundle costs ~25 ms to load; plain http (the usual tailnet case) needs none.
            verify=_tls_context() if url.startswith("https://") else False,
        )

    def __enter__(self) -> OllamaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _open(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
    ) -> Iterator[_Reply]:
        """Send a request; yield the reply once its status is known to be a success."""
        url = self.base_url + path
        budget = self.timeout if deadline is None else deadline
        # Waiting for the headers counts as reading: a cold model load happens before them.
        timeout = httpx.Timeout(budget, connect=min(self.timeout, budget))
        started = time.monotonic()
        request = self._http.build_request(method, url, json=body, headers=headers, timeout=timeout)
        try:
            response = self._http.send(request, stream=True)
        except httpx.RequestError as exc:
            connecting = isinstance(exc, httpx.ConnectTimeout)
            category, phrase = _classify(exc, min(self.timeout, budget) if connecting else budget)
            raise ServerError(
                category, f"{url} {phrase}.", url=url, elapsed=time.monotonic() - started
            ) from exc
        cap = min(self.max_body, MAX_META_BODY) if path in _META_PATHS else self.max_body
        reply = _Reply(response, url, started, budget, cap)
        try:
            reply.check_status()
            yield reply
        finally:
            reply.close()

    def _json(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
    ) -> tuple[_Reply, Any]:
        with self._open(method, path, body=body, headers=headers, deadline=deadline) as reply:
            return reply, reply.json()

    # -- native API -------------------------------------------------------------------------

    def identity(self) -> str:
        """``GET /``: Ollama answers "Ollama is running"; anything else is another service."""
        with self._open("GET", "/") as reply:
            body = reply.body()
        text = body.decode("utf-8", "replace").strip()
        if text != "Ollama is running":
            raise reply.error(
                Category.NOT_OLLAMA,
                f"Something answers at {reply.url} but it is not Ollama: "
                f"it sent {_describe(reply.response, body)}.",
            )
        return text

    def version(self) -> str:
        reply, data = self._json("GET", "/api/version")
        return _require(reply, data, "version", str)

    def tags(self) -> list[ModelEntry]:
        reply, data = self._json("GET", "/api/tags")
        entries = []
        for item in _require(reply, data, "models", list):
            name = _require(reply, item, "name", str)
            details = item.get("details") if isinstance(item.get("details"), dict) else {}
            capabilities = item.get("capabilities")
            entries.append(
                ModelEntry(
                    name=name,
                    model=_str(item.get("model")) or name,
                    size=_require(reply, item, "size", int),
                    digest=_str(item.get("digest")),
                    modified_at=_str(item.get("modified_at")),
                    family=_str(details.get("family")),
                    parameter_size=_str(details.get("parameter_size")),
                    quantization_level=_str(details.get("quantization_level")),
                    capabilities=_strings(capabilities) if capabilities is not None else None,
                )
            )
        return entries

    def show(self, name: str) -> ModelDetails:
        reply, data = self._json("POST", "/api/show", {"model": name})
        if not isinstance(data, dict):
            raise reply.malformed("not a JSON object")
        details = data.get("details") if isinstance(data.get("details"), dict) else {}
        info = data.get("model_info") if isinstance(data.get("model_info"), dict) else {}
        architecture = _str(info.get("general.architecture"))
        context = _int(info.get(f"{architecture}.context_length")) if architecture else None
        return ModelDetails(
            name=name,
            architecture=architecture,
            context_length=context,
            capabilities=_strings(caps) if (caps := data.get("capabilities")) is not None else None,
            parameter_size=_str(details.get("parameter_size")),
            quantization_level=_str(details.get("quantization_level")),
            family=_str(details.get("family")),
        )

    def ps(self) -> list[LoadedModel]:
        reply, data = self._json("GET", "/api/ps")
        loaded = []
        for item in _require(reply, data, "models", list):
            loaded.append(
                LoadedModel(
                    name=_require(reply, item, "name", str),
                    size=_int(item.get("size")) or 0,
                    size_vram=_int(item.get("size_vram")),
                    context_length=_int(item.get("context_length")),
                    expires_at=_str(item.get("expires_at")),
                )
            )
        return loaded

    def chat(
        self,
        model: str,
        messages: list[Message],
        *,
        options: dict[str, Any] | None = None,
        format: str | dict[str, Any] | None = None,
        tools: list[dict[str, Any]] | None = None,
        keep_alive: str | int | None = None,
        deadline: float | None = None,
    ) -> ChatResult:
        """``POST /api/chat`` without streaming; ``options`` can carry ``num_ctx``."""
        body = _native_body(model, messages, False, options, format, tools, keep_alive)
        reply, data = self._json("POST", "/api/chat", body, deadline=deadline)
        message = _require(reply, data, "message", dict)
        return ChatResult(
            content=_str(message.get("content")) or "",
            tool_calls=_tool_calls(reply, message.get("tool_calls")),
            raw=data,
            stop_reason=_str(data.get("done_reason")),
            elapsed=time.monotonic() - reply.started,
            reasoning=_str(message.get("thinking")) or "",
            **_native_timings(data),
        )

    def native_chat_stream(
        self,
        model: str,
        messages: list[Message],
        *,
        options: dict[str, Any] | None = None,
        keep_alive: str | int | None = None,
        deadline: float,
    ) -> StreamResult:
        """``POST /api/chat`` as an NDJSON stream; an ``{"error": ...}`` line is STREAM_ERROR."""
        body = _native_body(model, messages, True, options, None, None, keep_alive)
        with self._open("POST", "/api/chat", body=body, deadline=deadline) as reply:
            stream = _StreamState(reply)
            for line in reply.lines():
                if not line.strip():
                    continue
                data = stream.parse(line)
                message = data.get("message")
                if isinstance(message, dict):
                    stream.add(_str(message.get("content")), _str(message.get("thinking")))
                if data.get("done") is True:
                    return stream.result(
                        stop_reason=_str(data.get("done_reason")),
                        usage=data,
                        **_native_timings(data),
                    )
            raise stream.ended_early()

    # -- OpenAI-compatible API --------------------------------------------------------------

    def openai_models(self) -> list[str]:
        reply, data = self._json("GET", "/v1/models")
        if isinstance(data, dict) and data.get("data", []) is None:
            # openai/openai.go ToListCompletion: a server without models sends "data": null.
            return []
        return [_require(reply, item, "id", str) for item in _require(reply, data, "data", list)]

    def openai_chat(
        self,
        model: str,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        response_format: dict[str, Any] | None = None,
        tools: list[dict[str, Any]] | None = None,
        reasoning_effort: str | None = None,
        deadline: float | None = None,
    ) -> ChatResult:
        """``POST /v1/chat/completions`` without streaming. ``reasoning_effort="none"`` turns
        a thinking model's reasoning off on Ollama 0.13.0 and newer (0.12.x refuses it)."""
        body = _optional(
            {"model": model, "messages": messages, "stream": False},
            max_tokens=max_tokens,
            response_format=response_format,
            tools=tools,
            reasoning_effort=reasoning_effort,
        )
        reply, data = self._json("POST", "/v1/chat/completions", body, deadline=deadline)
        choices = _require(reply, data, "choices", list)
        if not choices:
            raise reply.malformed("'choices' is empty")
        message = _require(reply, choices[0], "message", dict)
        return ChatResult(
            content=_str(message.get("content")) or "",
            tool_calls=_tool_calls(reply, message.get("tool_calls")),
            raw=data,
            stop_reason=_str(choices[0].get("finish_reason")),
            elapsed=time.monotonic() - reply.started,
            reasoning=_str(message.get("reasoning")) or "",
            **_usage_counts(data.get("usage"), "prompt_tokens", "completion_tokens"),
        )

    def openai_chat_stream(
        self,
        model: str,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        reasoning_effort: str | None = None,
        deadline: float,
    ) -> StreamResult:
        """``POST /v1/chat/completions`` as SSE, with the usage chunk, up to ``data: [DONE]``."""
        body = _optional(
            {
                "model": model,
                "messages": messages,
                "stream": True,
                "stream_options": {"include_usage": True},
            },
            max_tokens=max_tokens,
            reasoning_effort=reasoning_effort,
        )
        with self._open("POST", "/v1/chat/completions", body=body, deadline=deadline) as reply:
            stream = _StreamState(reply)
            stop_reason = usage = None
            for _event, text in _sse(reply.lines()):
                if text.strip() == "[DONE]":
                    return stream.result(
                        stop_reason=stop_reason,
                        usage=usage,
                        **_usage_counts(usage, "prompt_tokens", "completion_tokens"),
                    )
                data = stream.parse(text)
                if isinstance(data.get("usage"), dict):
                    usage = data["usage"]
                for choice in data.get("choices") or []:
                    if not isinstance(choice, dict):
                        raise reply.malformed("a stream choice is not an object")
                    delta = choice.get("delta")
                    if isinstance(delta, dict):
                        stream.add(_str(delta.get("content")), _str(delta.get("reasoning")))
                    stop_reason = _str(choice.get("finish_reason")) or stop_reason
            raise stream.ended_early()

    # -- Anthropic-compatible API (Ollama >= 0.14.0) ----------------------------------------

    @overload
    def anthropic_messages(
        self,
        model: str,
        messages: list[Message],
        *,
        max_tokens: int,
        stream: Literal[False],
        thinking: dict[str, Any] | None = None,
        deadline: float | None = None,
    ) -> ChatResult: ...

    @overload
    def anthropic_messages(
        self,
        model: str,
        messages: list[Message],
        *,
        max_tokens: int,
        stream: Literal[True],
        thinking: dict[str, Any] | None = None,
        deadline: float | None = None,
    ) -> StreamResult: ...

    def anthropic_messages(
        self,
        model: str,
        messages: list[Message],
        *,
        max_tokens: int,
        stream: bool,
        thinking: dict[str, Any] | None = None,
        deadline: float | None = None,
    ) -> ChatResult | StreamResult:
        """``POST /v1/messages`` the way Claude Code sends it. ``thinking={"type": "disabled"}``
        turns reasoning off on Ollama 0.24.0 and newer; older ones always let a thinking model
        reason here."""
        body = _optional(
            {"model": model, "messages": messages, "max_tokens": max_tokens, "stream": stream},
            thinking=thinking,
        )
        headers = {
            "anthropic-version": ANTHROPIC_VERSION,
            "x-api-key": self.api_key or PLACEHOLDER_KEY,
        }
        if not stream:
            reply, data = self._json(
                "POST", "/v1/messages", body, headers=headers, deadline=deadline
            )
            blocks = _require(reply, data, "content", list)
            return ChatResult(
                content=_blocks(blocks, "text"),
                reasoning=_blocks(blocks, "thinking"),
                raw=data,
                stop_reason=_str(data.get("stop_reason")),
                elapsed=time.monotonic() - reply.started,
                **_usage_counts(data.get("usage"), "input_tokens", "output_tokens"),
            )
        with self._open(
            "POST", "/v1/messages", body=body, headers=headers, deadline=deadline
        ) as reply:
            state = _StreamState(reply)
            usage: dict[str, Any] = {}
            stop_reason = None
            for event, text in _sse(reply.lines()):
                data = state.parse(text)
                kind = event or _str(data.get("type"))
                if kind == "message_start":
                    message = data.get("message")
                    if isinstance(message, dict) and isinstance(message.get("usage"), dict):
                        usage.update(message["usage"])
                elif kind == "content_block_delta":
                    delta = data.get("delta")
                    if isinstance(delta, dict) and delta.get("type") == "text_delta":
                        state.add(_str(delta.get("text")))
                    elif isinstance(delta, dict) and delta.get("type") == "thinking_delta":
                        state.add(None, _str(delta.get("thinking")))
                elif kind == "message_delta":
                    delta = data.get("delta")
                    if isinstance(delta, dict):
                        stop_reason = _str(delta.get("stop_reason")) or stop_reason
                    if isinstance(data.get("usage"), dict):
                        usage.update(data["usage"])
                elif kind == "message_stop":
                    return state.result(
                        stop_reason=stop_reason,
                        usage=usage,
                        **_usage_counts(usage, "input_tokens", "output_tokens"),
                    )
            raise state.ended_early()


class _StreamState:
    """Accumulates a streamed answer and times it."""

    def __init__(self, reply: _Reply) -> None:
        self.reply = reply
        self.parts: list[str] = []
        self.thought: list[str] = []
        self.chunks = 0
        self.first_token: float | None = None

    def parse(self, text: str) -> dict[str, Any]:
        """One JSON chunk; an error chunk (native, OpenAI or Anthropic shape) ends the stream."""
        try:
            data = json.loads(text)
        except ValueError:
            raise self.reply.malformed(f"a stream chunk is not JSON: {text[:60]!r}") from None
        if not isinstance(data, dict):
            raise self.reply.malformed(f"a stream chunk is not a JSON object: {text[:60]!r}")
        if "error" in data:
            server_message = _error_text(text.encode()) or str(data["error"])
            raise self.reply.error(
                Category.STREAM_ERROR,
                f"The stream from {self.reply.url} broke off with a server error: {server_message}",
                status=self.reply.response.status_code,
                server_message=server_message,
            )
        self.chunks += 1
        return data

    def add(self, content: str | None, reasoning: str | None = None) -> None:
        if not content and not reasoning:
            return
        if self.first_token is None:
            self.first_token = time.monotonic() - self.reply.started
        if content:
            self.parts.append(content)
        if reasoning:
            self.thought.append(reasoning)

    def result(self, **fields: Any) -> StreamResult:
        return StreamResult(
            content="".join(self.parts),
            reasoning="".join(self.thought),
            chunks=self.chunks,
            time_to_first_token=self.first_token,
            total=time.monotonic() - self.reply.started,
            **fields,
        )

    def ended_early(self) -> ServerError:
        # The body ended cleanly (a cut connection is a RESET in chunks()), so the server
        # stopped the answer: Ollama's /v1 writers turn an error after the first token into
        # an empty chunk (or nothing) and end without [DONE] or message_stop
        # (middleware/openai.go ChatWriter, v0.15.2; docs/server.md).
        return self.reply.error(
            Category.STREAM_ERROR,
            f"The stream from {self.reply.url} broke off before its final chunk, without an "
            "error message.",
        )


@cache
def _tls_context() -> ssl.SSLContext:
    # Building one costs ~30 ms (it loads the CA bundle); every client can share it.
    import certifi  # an httpx dependency: the CA bundle httpx itself would load

    return ssl.create_default_context(cafile=certifi.where())


def _blocks(blocks: list[Any], kind: str) -> str:
    """The text of an Anthropic answer's blocks of one kind ("text" or "thinking")."""
    return "".join(
        text
        for block in blocks
        if isinstance(block, dict) and block.get("type") == kind and (text := _str(block.get(kind)))
    )


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _optional(body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """``body`` plus the ``extra`` fields that were given (None means "leave it out")."""
    return body | {key: value for key, value in extra.items() if value is not None}


def _native_body(
    model: str,
    messages: list[Message],
    stream: bool,
    options: dict[str, Any] | None,
    format: str | dict[str, Any] | None,
    tools: list[dict[str, Any]] | None,
    keep_alive: str | int | None,
) -> dict[str, Any]:
    return _optional(
        {"model": model, "messages": messages, "stream": stream},
        options=options,
        format=format,
        tools=tools,
        keep_alive=keep_alive,
    )
