"""Reading Ollama's answers: typed fields out of its JSON, tool calls, token counts and
timings, the state of a streamed answer; and the request bodies the calls send.

Nothing here trusts the answer's shape: a missing or mistyped field is a MALFORMED
ServerError naming the URL, and every string is made printable (base.output.printable).
"""

from __future__ import annotations

import json
import time
from typing import Any, TypedDict

from ollama_client_setup.base.output import printable
from ollama_client_setup.net.ollama_http import _error_text, _Reply
from ollama_client_setup.net.ollama_types import (
    Category,
    Message,
    ServerError,
    StreamResult,
    ToolCall,
)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    """A string from the server's answer, with control characters escaped: names, versions
    and messages are shown on the user's terminal (output.printable)."""
    return printable(value) if isinstance(value, str) else None


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


class _UsageCounts(TypedDict):
    """The two Timings token counts, named so that `**` into a result type-checks."""

    prompt_eval_count: int | None
    eval_count: int | None


def _usage_counts(usage: Any, prompt_key: str, output_key: str) -> _UsageCounts:
    usage = usage if isinstance(usage, dict) else {}
    return {
        "prompt_eval_count": _int(usage.get(prompt_key)),
        "eval_count": _int(usage.get(output_key)),
    }


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
