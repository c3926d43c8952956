"""The fake Ollama server's native routes (/api), as server/routes.go has them."""

from __future__ import annotations

from typing import Any

from tests.fakes import ollama_versions as versions
from tests.fakes.ollama_inference import _Inference
from tests.fakes.ollama_models import FakeModel
from tests.fakes.scheduler import canonical_name, keep_alive_ns, prompt_for

_CREATED = "2025-06-01T10:00:00.000000Z"


class _NativeRoutes(_Inference):
    """/, /api/version, /api/tags, /api/show, /api/ps, /api/chat and /api/generate."""

    def _root(self) -> None:
        self._answer(200, b"Ollama is running", "text/plain; charset=utf-8")

    def _version(self) -> None:
        self._json({"version": self.fake.version})

    def _tags(self) -> None:
        entries = []
        for model in self.fake.models:
            entry = self._model_entry(model)
            if self.fake.tags_include_capabilities:
                entry["capabilities"] = list(model.capabilities)
            entries.append(entry)
        self._json({"models": entries})

    @staticmethod
    def _model_entry(model: FakeModel) -> dict[str, Any]:
        return {
            "name": model.name,
            "model": model.name,
            "modified_at": model.modified_at,
            "size": model.size,
            "digest": model.digest,
            "details": model.details,
        }

    def _show(self) -> None:
        name = self.body.get("model") or self.body.get("name") or ""
        model = self.fake.model(name)
        if model is None:
            self._error(404, f"model '{name}' not found")
            return
        arch = model.architecture
        self._json(
            {
                "license": "",
                "modelfile": f"FROM {model.name}\n",
                "parameters": "",
                "template": "{{ .Prompt }}",
                "details": model.details,
                "model_info": {
                    "general.architecture": arch,
                    "general.parameter_count": 7_615_616_512,
                    f"{arch}.context_length": model.context_length,
                    f"{arch}.embedding_length": 3584,
                },
                "modified_at": model.modified_at,
            }
            # The field is absent before 0.6.4 (api/types.go ShowResponse).
            | (
                {"capabilities": list(model.capabilities)}
                if self.fake.since(versions.SHOW_CAPABILITIES)
                else {}
            )
        )

    def _ps(self) -> None:
        entries = []
        fake = self.fake
        for model, num_ctx, expires_at in fake.scheduler.running(fake.models, fake.default_context):
            entry = self._model_entry(model)
            entry.pop("modified_at")
            name = canonical_name(model.name)  # server/routes.go PsHandler: model.ShortName
            entry |= {
                "name": name,
                "model": name,
                "expires_at": expires_at.isoformat(),
                "size_vram": model.size,
            }
            if fake.since(versions.PS_CONTEXT_LENGTH):
                entry["context_length"] = num_ctx
            entries.append(entry)
        self._json({"models": entries})

    # -- inference --------------------------------------------------------------------------

    def _load_only(self, model: FakeModel, field_name: str) -> bool:
        """An empty prompt (messages) only loads the model, or with keep_alive 0 unloads it
        (server/routes.go GenerateHandler and ChatHandler, v0.15.2); True when answered."""
        if self.body.get("prompt" if field_name == "response" else "messages"):
            return False
        if keep_alive_ns(self.body.get("keep_alive")) == 0:
            fake = self.fake
            fake.scheduler.unload(
                fake.models,
                model,
                route=self.route_path,
                requested=self.body["model"],
                default_context=fake.default_context,
                user_agent=self.headers.get("user-agent"),
            )
            reason = "unload"
        else:
            self._run(model, None)
            reason = "load"
        answer: dict[str, Any] = {"model": self.body["model"], "created_at": _CREATED}
        if field_name == "response":
            answer["response"] = ""
        else:
            answer["message"] = {"role": "assistant", "content": ""}
        self._json(answer | {"done": True, "done_reason": reason})  # no metrics: all zero
        return True

    def _native(self, field_name: str) -> None:
        """/api/chat (field "message") and /api/generate (field "response")."""
        tools = bool(self.body.get("tools"))
        insert = field_name == "response" and bool(self.body.get("suffix"))
        model = self._check_model(tools=tools, insert=insert)
        if model is None or self._load_only(model, field_name):
            return
        reply = self._reply_for(model, prompt_for(self.route_path, self.body))
        base = {"model": self.body["model"], "created_at": _CREATED}

        def piece(
            text: str, calls: list[tuple[str, Any]] | None = None, thinking: str = ""
        ) -> dict[str, Any]:
            # api/types.go: "thinking" is omitempty in both Message and GenerateResponse.
            if field_name == "response":
                return {"response": text} | ({"thinking": thinking} if thinking else {})
            message: dict[str, Any] = {"role": "assistant", "content": text}
            if thinking:
                message["thinking"] = thinking
            if calls:
                message["tool_calls"] = [
                    {"id": f"call_{i}", "function": {"index": i, "name": n, "arguments": a}}
                    for i, (n, a) in enumerate(calls)
                ]
            return {"message": message}

        done = {"done": True, "done_reason": reply.done_reason}
        final = base | piece("") | done | reply.timings()
        if not self._streaming():
            self._json(final | piece(reply.text, reply.calls, reply.thinking))
            return
        self._stream_start("application/x-ndjson")
        chunks = [piece("", thinking=word) for word in reply.thinking_words()]
        chunks += [piece(word) for word in reply.words()]
        if reply.calls:
            chunks[-1] = piece(chunks[-1].get("message", {}).get("content", ""), reply.calls)
        for chunk in chunks:
            self._ndjson(base | chunk | {"done": False})
            if self._breaks():
                # server/routes.go streamResponse: once written, an error is one more line.
                self._ndjson({"error": self.fault.error_text if self.fault else ""})
                self._stream_end()
                return
        self._ndjson(final)
        self._stream_end()

    def _chat(self) -> None:
        self._native("message")

    def _generate(self) -> None:
        self._native("response")
