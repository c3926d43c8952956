"""The fake Ollama server's Anthropic-compatible routes, as anthropic/ and middleware/ have
them."""

from __future__ import annotations

from typing import Any

from tests.fakes.ollama_inference import _Inference
from tests.fakes.ollama_reply import pieces
from tests.fakes.scheduler import prompt_for


class _AnthropicRoutes(_Inference):
    """/v1/messages and /v1/messages/count_tokens."""

    def _messages(self) -> None:
        model = self._check_model(tools=bool(self.body.get("tools")))
        if model is None:
            return
        reply = self._reply_for(model, prompt_for(self.route_path, self.body))
        usage = {"input_tokens": reply.prompt_tokens, "output_tokens": reply.eval_count}
        # anthropic/anthropic.go mapStopReason (v0.15.2).
        stop = "max_tokens" if reply.cut else "end_turn"
        blocks: list[dict[str, Any]] = []
        if reply.thinking:
            blocks.append({"type": "thinking", "thinking": reply.thinking})
        if reply.text or not reply.thinking:
            blocks.append({"type": "text", "text": reply.text})
        message = {
            "id": "msg_417",
            "type": "message",
            "role": "assistant",
            "model": self.body["model"],
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }
        if not self._streaming():
            self._json(message)
            return
        # anthropic/anthropic.go StreamConverter.Process (v0.15.2): message_start, then a
        # block is opened when its first piece arrives (thinking, then text) and closed when
        # the next begins or the answer ends; no ping.
        self._stream_start("text/event-stream")
        start = message | {
            "content": [],
            "stop_reason": None,
            "usage": usage | {"output_tokens": 0},
        }
        self._sse({"type": "message_start", "message": start}, "message_start")
        index = 0
        for kind, words in (("thinking", reply.thinking_words()), ("text", pieces(reply.text))):
            if not words:
                continue
            opened = {"type": "content_block_start", "index": index}
            self._sse(opened | {"content_block": {"type": kind, kind: ""}}, opened["type"])
            for word in words:
                delta = {"type": "content_block_delta", "index": index}
                payload = {"type": f"{kind}_delta", kind: word}
                self._sse(delta | {"delta": payload}, delta["type"])
                if self._breaks():
                    self._stream_end()  # the error line becomes no event: the stream just ends
                    return
            self._sse({"type": "content_block_stop", "index": index}, "content_block_stop")
            index += 1
        end = {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None}}
        self._sse(end | {"usage": {"output_tokens": reply.eval_count}}, "message_delta")
        self._sse({"type": "message_stop"}, "message_stop")
        self._stream_end()

    def _count_tokens(self) -> None:
        if self._check_model() is not None:
            # Not a v0.15.2 route: the prompt /v1/messages would render, before truncation.
            self._json({"input_tokens": len(prompt_for(self.route_path, self.body).tokens())})
