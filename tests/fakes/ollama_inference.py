"""What the fake Ollama server's inference routes share: checking the requested model in
Ollama's order, whether it thinks, the token limit, and the reply, run through the scheduler
(tests/fakes/scheduler.py)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes import ollama_versions as versions
from tests.fakes.ollama_http import _Plumbing
from tests.fakes.ollama_models import FakeModel
from tests.fakes.ollama_reply import Reply, example, limited, reasoning
from tests.fakes.scheduler import Prompt, RunRecord, message_text

_ASKED_WORD = re.compile(r"Reply with exactly this word and nothing else: (\S+)")


class _Inference(_Plumbing):
    """What every inference route shares: the model checks, thinking, limits, the reply."""

    def _check_model(self, *, tools: bool = False, insert: bool = False) -> FakeModel | None:
        """The requested model, or None after answering the error Ollama would, in the order
        ChatHandler meets them (server/routes.go, v0.15.2): the model, thinking, capabilities,
        then the load."""
        name = self.body.get("model")
        if not isinstance(name, str) or not name:
            self._error(400, "model is required")
            return None
        model = self.fake.model(name)
        if model is None:
            self._error(404, versions.NOT_FOUND.format(name=name))
            return None
        self.think = self._thinking(model, name)
        if self.think is None:
            return None
        if "completion" not in model.capabilities:
            generate = self.route_path == "/api/generate"
            self._error(
                400, (versions.NO_GENERATE if generate else versions.NO_CHAT).format(name=name)
            )
            return None
        for needed, capability in ((tools, "tools"), (insert, "insert")):
            if needed and capability not in model.capabilities:
                self._error(400, versions.NO_CAPABILITY.format(name=name, capability=capability))
                return None
        if self._out_of_memory(model):
            self._error(500, versions.out_of_memory(self.fake.version))
            return None
        if self.fault is not None and self.fault.kind == "stream_error" and not self._streaming():
            self._error(500, self.fault.error_text)
            return None
        return model

    def _thinking(self, model: FakeModel, name: str) -> bool | None:
        """Whether the model reasons for this request; None after refusing it. Thinking is
        on by default for a model that can (ChatHandler, from 0.12.4); each API turns it off
        its way, except for gpt-oss."""
        fake, body, path = self.fake, self.body, self.route_path
        wanted: Any = None
        if self._shape() == "native":
            wanted = body.get("think") if fake.since(versions.THINK_FIELD) else None
        elif path == "/v1/chat/completions" and fake.since(versions.REASONING_EFFORT):
            nested = body.get("reasoning")
            effort = nested.get("effort") if isinstance(nested, dict) else None
            effort = effort or body.get("reasoning_effort")
            if effort is not None and not fake.since(versions.REASONING_NONE):
                self._error(400, versions.THINK_VALUE.format(value=effort))
                return None
            if effort is not None and effort not in ("high", "medium", "low", "none"):
                self._error(400, versions.INVALID_REASONING.format(value=effort))
                return None
            wanted = None if effort is None else effort != "none"
        elif path == "/v1/messages":
            kind = (body.get("thinking") or {}).get("type")
            disabled = kind == "disabled" and fake.since(versions.ANTHROPIC_THINKING_DISABLED)
            # The middleware relaxes "enabled" on a model that cannot think (relax_thinking).
            wanted = True if kind == "enabled" and model.thinking else False if disabled else None
        if wanted is True and not model.thinking:
            self._error(400, versions.NO_THINKING.format(name=name))
            return None
        if model.always_reasons:
            return True  # gpt-oss reasons whatever it is told (its harmony format)
        if wanted is None:  # on by default only from 0.12.4 (ollama_versions.THINK_DEFAULT)
            return model.thinking and fake.since(versions.THINK_DEFAULT)
        return bool(wanted)

    def _out_of_memory(self, model: FakeModel) -> bool:
        if model.oom_context is None:
            return False
        options = self.body.get("options") if self._shape() == "native" else None
        asked = options.get("num_ctx") if isinstance(options, dict) else None
        return (asked or self.fake.default_context) >= model.oom_context

    def _streaming(self) -> bool:
        # Native routes stream unless told not to; the compatible routes only when asked.
        default = self._shape() == "native"
        return bool(self.body.get("stream", default))

    def _breaks(self) -> bool:
        return self.fault is not None and self.fault.kind == "stream_error"

    def _limit(self) -> int | None:
        """The request's token limit: num_predict, max_tokens or max_output_tokens."""
        if self._shape() == "native":
            options = self.body.get("options")
            value = options.get("num_predict") if isinstance(options, dict) else None
        elif self.route_path == "/v1/responses":
            value = self.body.get("max_output_tokens")
        else:
            value = self.body.get("max_tokens")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    # -- inference --------------------------------------------------------------------------

    def _run(self, model: FakeModel, prompt: Prompt | None, reply: str = "") -> RunRecord:
        """Hand the request to the scheduler; `reply` is what the runner generated (cached)."""
        fake = self.fake
        native = self._shape() == "native"  # only /api/chat and /api/generate carry these
        return fake.scheduler.run(
            fake.models,
            model,
            route=self.route_path,
            requested=self.body["model"],
            options=self.body.get("options") if native else None,
            keep_alive=self.body.get("keep_alive") if native else None,
            default_context=fake.default_context,
            prompt=prompt,
            reply=("assistant", reply),
            user_agent=self.headers.get("user-agent"),
            force_reload=fake.reload_every_request,
        )

    def _reply_for(self, model: FakeModel, prompt: Prompt) -> Reply:
        """What the model answers to `prompt`; runs the request through the scheduler."""
        fmt = self.body.get("format")
        response_format = self.body.get("response_format")
        asked: re.Match[str] | None = None
        if isinstance(fmt, dict):
            text = json.dumps(example(fmt))
        elif fmt == "json":
            text = json.dumps({"answer": "Hello"})
        elif isinstance(response_format, dict) and response_format.get("type") == "json_schema":
            schema = (response_format.get("json_schema") or {}).get("schema")
            text = json.dumps(example(schema))
        elif isinstance(response_format, dict) and response_format.get("type") == "json_object":
            text = json.dumps({"answer": "Hello"})
        elif self.fake.obedient and (asked := _ASKED_WORD.search(prompt.text)):
            text = asked.group(1)  # a model that follows a one-word instruction
        else:
            text = f"Hello! This is {model.name} answering."
        tools = self.body.get("tools")
        made: list[tuple[str, Any]] = []
        # An agent asked for one word answers it rather than calling a tool: real agents
        # (OpenCode, Claude Code) would otherwise run the tool and ask again, forever.
        if isinstance(tools, list) and tools and not asked:
            function = tools[0].get("function", {}) if isinstance(tools[0], dict) else {}
            made = [(function.get("name", "tool"), example(function.get("parameters")))]
            text = ""
        if self.route_path in ("/v1/responses", "/v1/messages"):
            # These answer in text only ("ok" when there is none), so only text is cached.
            made, text = [], text or ("ok" if self.route_path == "/v1/responses" else "")
        # The Responses stream is not given reasoning items here (Codex's agent model is not a
        # thinking one in these tests).
        thinks = self.think and self.route_path != "/v1/responses"
        thought = reasoning(model.thinks) if thinks else ""
        thought, text, made, cut = limited(thought, text, made, self._limit())
        generated = message_text(text, [{"name": n, "arguments": a} for n, a in made])
        run = self._run(model, prompt, generated)
        load = self.fake.load_duration_ns if run.event in ("load", "reload") else 0
        return Reply(text, made, load, run.prompt_tokens, run.cached_tokens, thought, cut)
