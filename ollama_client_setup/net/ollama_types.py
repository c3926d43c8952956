"""What the Ollama client returns: the answers as dataclasses, and ServerError with the
:class:`Category` that says what went wrong in terms a user can act on (refused vs timeout vs
unreachable tell different stories, see docs/field-failures.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

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
