"""The Ollama server over HTTP: native ``/api``, OpenAI ``/v1`` and Anthropic ``/v1/messages``.

Every failure is a ServerError (ollama_types.py) with a Category a user can act on; the
transport under the calls (size caps, deadlines, classifying errors) is ollama_http.py.
"""

from __future__ import annotations

import time
from typing import Any, Literal, overload

from ollama_client_setup.base.constants import PLACEHOLDER_KEY
from ollama_client_setup.net.ollama_http import _describe, _sse
from ollama_client_setup.net.ollama_parse import (
    _blocks,
    _int,
    _native_body,
    _native_timings,
    _optional,
    _require,
    _str,
    _StreamState,
    _strings,
    _tool_calls,
    _usage_counts,
)
from ollama_client_setup.net.ollama_session import _Session
from ollama_client_setup.net.ollama_types import (
    Category,
    ChatResult,
    LoadedModel,
    Message,
    ModelDetails,
    ModelEntry,
    StreamResult,
)

ANTHROPIC_VERSION = "2023-06-01"


class OllamaClient(_Session):
    """A client for one Ollama server, addressed by its root URL (``http://host:port``).

    ``timeout`` bounds each ordinary call as a whole (connect, answer, body). Inference calls
    take a ``deadline`` in seconds instead (optional for the non-streaming ones, where it
    defaults to ``timeout``), because a cold model load can take far longer than a probe.
    """

    def __enter__(self) -> OllamaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

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
        details = given if isinstance(given := data.get("details"), dict) else {}
        info = known if isinstance(known := data.get("model_info"), dict) else {}
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
