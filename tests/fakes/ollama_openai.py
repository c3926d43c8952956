"""The fake Ollama server's OpenAI-compatible routes, as openai/ and middleware/ have them."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes.ollama_inference import _Inference
from tests.fakes.ollama_models import FakeModel
from tests.fakes.scheduler import prompt_for


class _OpenAIRoutes(_Inference):
    """/v1/models, /v1/models/NAME, /v1/chat/completions and /v1/responses."""

    def _v1_models(self) -> None:
        # openai/openai.go ToListCompletion appends to a nil slice: no models is "data": null
        # (Ollama's own openai_test.go expects it).
        data = [_openai_model(m) for m in self.fake.models] or None
        self._json({"object": "list", "data": data})

    def _v1_model(self, name: str) -> None:
        model = self.fake.model(name)
        if model is None:
            self._error(404, f"model '{name}' not found", "openai")
        else:
            self._json(_openai_model(model) | {"id": name})  # openai/openai.go ToModel: as asked

    def _chat_completions(self) -> None:
        model = self._check_model(tools=bool(self.body.get("tools")))
        if model is None:
            return
        reply = self._reply_for(model, prompt_for(self.route_path, self.body))
        base = {
            "id": "chatcmpl-417",
            "created": int(time.time()),
            "model": self.body["model"],  # openai/openai.go: the name as the request gave it
            "system_fingerprint": "fp_ollama",
        }
        finish = "tool_calls" if reply.calls else reply.done_reason
        calls = [
            {
                "id": f"call_{i}",
                "index": i,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
            for i, (name, arguments) in enumerate(reply.calls)
        ]
        usage = {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.eval_count,
            "total_tokens": reply.prompt_tokens + reply.eval_count,
        }
        if not self._streaming():
            # openai/openai.go Message: "reasoning" is omitempty.
            message: dict[str, Any] = {"role": "assistant", "content": reply.text}
            if reply.thinking:
                message["reasoning"] = reply.thinking
            if calls:
                message["tool_calls"] = calls
            choice = {"index": 0, "message": message, "finish_reason": finish}
            self._json(base | {"object": "chat.completion", "choices": [choice], "usage": usage})
            return
        self._stream_start("text/event-stream")
        chunk = base | {"object": "chat.completion.chunk"}
        deltas: list[dict[str, Any]] = [
            {"role": "assistant", "content": "", "reasoning": word}
            for word in reply.thinking_words()
        ]
        deltas += [{"role": "assistant", "content": word} for word in reply.words()]
        if calls:
            deltas[-1]["tool_calls"] = calls
        for delta in deltas:
            self._sse(chunk | {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
            if self._breaks():
                # middleware/openai.go ChatWriter (v0.15.2): the handler's {"error": ...} line
                # arrives with status 200 and is converted like any chunk, so the stream ends
                # with one empty chunk and no [DONE]; no error event is ever sent.
                empty = {"index": 0, "delta": {"role": "assistant", "content": ""}}
                self._sse(chunk | {"choices": [empty | {"finish_reason": None}]})
                self._stream_end()
                return
        end = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": finish}
        self._sse(chunk | {"choices": [end]})
        options = self.body.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage"):
            self._sse(chunk | {"choices": [], "usage": usage})
        self._sse("[DONE]")
        self._stream_end()

    def _responses(self) -> None:
        model = self._check_model(tools=bool(self.body.get("tools")))
        if model is None:
            return
        reply = self._reply_for(model, prompt_for(self.route_path, self.body))
        text = reply.text
        output = {
            "type": "message",
            "id": "msg_417",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }
        response = {
            "id": "resp_417",
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": self.body["model"],
            "output": [output],
            "usage": {
                "input_tokens": reply.prompt_tokens,
                "output_tokens": reply.eval_count,
                "total_tokens": reply.prompt_tokens + reply.eval_count,
                # openai/responses.go (v0.15.2) always says 0 here ("TODO: wire through").
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 0},
            },
        }
        if not self._streaming():
            self._json(response)
            return
        # The event sequence of openai/responses.go ResponsesStreamConverter (v0.15.2): the
        # item and its content part are announced before the first delta (Codex refuses a
        # delta "without active item"), and closed before response.completed.
        self._stream_start("text/event-stream")
        numbers = iter(range(1_000_000))

        def event(kind: str, **data: Any) -> None:
            self._sse({"type": kind, "sequence_number": next(numbers), **data}, kind)

        started = response | {"status": "in_progress", "output": []}
        event("response.created", response=started)
        event("response.in_progress", response=started)
        where = {"item_id": "msg_417", "output_index": 0, "content_index": 0}
        part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        item = {"id": "msg_417", "type": "message", "role": "assistant"}
        event(
            "response.output_item.added",
            output_index=0,
            item=item | {"status": "in_progress", "content": []},
        )
        event("response.content_part.added", **where, part=part)
        for word in reply.words():
            event("response.output_text.delta", **where, delta=word, logprobs=[])
            if self._breaks():
                self._stream_end()  # middleware/responses.go: nothing more, no error event
                return
        done = part | {"text": text}
        event("response.output_text.done", **where, text=text, logprobs=[])
        event("response.content_part.done", **where, part=done)
        event(
            "response.output_item.done",
            output_index=0,
            item=item | {"status": "completed", "content": [done]},
        )
        event("response.completed", response=response)
        self._stream_end()


def _openai_model(model: FakeModel) -> dict[str, Any]:
    return {"id": model.name, "object": "model", "created": 1748764800, "owned_by": "library"}
