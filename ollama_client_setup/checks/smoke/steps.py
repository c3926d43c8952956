"""The `smoke` steps, in order, and :func:`run`, which runs them (the package docstring says
why this order)."""

from __future__ import annotations

import time
from typing import Any

from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.ollama_releases import REASONING_NONE, THINKING_DISABLED
from ollama_client_setup.base.results import Fix, Result, fail, ok, skip, warn
from ollama_client_setup.checks import compat, ollama_texts
from ollama_client_setup.checks.catalog import closest, did_you_mean, resolve_name
from ollama_client_setup.checks.doctor.server_fix import embedding_fix
from ollama_client_setup.checks.smoke.asks import (
    ANTHROPIC_TOKENS,
    CHAT_TOKENS,
    COUNT,
    DEFAULT_BUDGET,
    JSON_PROMPT,
    JSON_TOKENS,
    PING,
    PROBE_TIMEOUT,
    STREAM_TOKENS,
    THINKING_ROOM,
    TOOL_PROMPT,
    TOOL_TOKENS,
    WARMUP_TOKENS,
    WEATHER_TOOL,
)
from ollama_client_setup.checks.smoke.judges import (
    empty_fix,
    judge_json,
    judge_load,
    judge_stream,
    judge_tools,
    quote,
    reasoned_only,
)
from ollama_client_setup.checks.smoke.report import SmokeReport
from ollama_client_setup.checks.smoke.runner import Progress, _Runner
from ollama_client_setup.config import endpoints
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.net.connect import connect
from ollama_client_setup.net.ollama_types import Category, ServerError


def run(
    settings: Settings,
    *,
    model: str | None = None,
    anthropic: bool | None = None,
    budget: float = DEFAULT_BUDGET,
    progress: Progress | None = None,
) -> SmokeReport:
    """Run every step against the server in ``settings``.

    ``model`` overrides the configured one; ``anthropic`` None means "when Claude Code is set
    up". ``progress`` is told what is being checked before each step that runs.
    """
    root = endpoints.server_root(settings)
    started = time.monotonic()
    with connect(settings, timeout=min(PROBE_TIMEOUT, budget)) as client:
        smoke = _Smoke(settings, client, model or settings.model, anthropic, budget, progress)
        steps = smoke.run_all()
    return SmokeReport(root, smoke.model or smoke.wanted, steps, budget, time.monotonic() - started)


class _Smoke(_Runner):
    """The steps, each `_step_<id>` for an id of asks.STEPS."""

    def _step_models(self) -> Result:
        try:
            available = self.client.openai_models()
        except ServerError as exc:
            self.blocked = "skipped: the model list failed (see models)"
            return self._failure(exc, inference=False)
        count = f"{len(available)} model{'s' if len(available) != 1 else ''}"
        if not available:
            self.blocked = "skipped: the server has no models yet"
            return fail(
                "the server has no models yet",
                Fix("Pull one on the server, e.g.:", f"ollama pull {self.wanted or 'MODEL'}"),
            )
        if not self.wanted:
            self.blocked = "skipped: no model chosen"
            return fail(
                "no model chosen",
                Fix(
                    f"Choose one of the server's {count}, or pass --model.",
                    f"{CMD} model use {available[0]}",
                ),
                ", ".join(available[:12]),
            )
        found = resolve_name(self.wanted, available)
        if found is None:
            self.blocked = f"skipped: {self.wanted} is not on the server"
            close = closest(self.wanted, available)
            hint = did_you_mean(self.wanted, available)
            if close:
                command = f"{CMD} model use {close[0]}"
                if self.wanted != self.settings.model:
                    command = f"{CMD} smoke --model {close[0]}"
            else:
                command = f"ollama pull {self.wanted}"
            where = "" if close else " (on the server)"
            return fail(
                f"{self.wanted} is not among the server's {count}",
                Fix(f"Pick a model the server has, or pull this one{where}.{hint}", command),
                ", ".join(available[:12]) or "the server has no models",
            )
        self.model = found
        return ok(f"{found} is among the server's {count}")

    def _step_load(self) -> Result:
        assert self.model is not None
        model = self.model
        try:
            running = {entry.name: entry for entry in self.client.ps()}
        except ServerError:
            running = None  # older or restricted servers: "loaded" is unknown, not an error
        before = running.get(model) if running is not None else None
        self.loaded_before = None if running is None else before is not None
        self._learn(model)
        if self.capabilities is not None and "completion" not in self.capabilities:
            self.blocked = f"skipped: {model} cannot chat"
            return fail(f"{model} is an embedding model: it cannot chat", embedding_fix(model))
        try:
            answer = self.client.chat(
                model, PING, options={"num_predict": WARMUP_TOKENS}, deadline=self._deadline()
            )
        except ServerError as exc:
            if (
                exc.category is Category.HTTP_STATUS
                and exc.status in (404, 405)
                and not (exc.server_message and "model" in exc.server_message.lower())
            ):
                # Only /v1 passes through (a proxy): the clients' routes may still work.
                return warn(
                    "the native /api/chat route does not answer, so the load time is unknown",
                    Fix(
                        "Something in front of the server passes /v1 on but not /api; clients "
                        "that use the native API (Aider, Continue's ollama provider) fail too."
                    ),
                    f"category: {exc.category.value}",
                    category=exc.category.value,
                )
            self.blocked = "skipped: the model did not load"
            result = self._failure(exc)
            if exc.category is Category.TIMEOUT and not self.loaded_before:
                result.summary = (
                    f"{model} did not finish loading within the {self.budget:g} s budget"
                )
            return result
        load = answer.load_duration / 1e9 if answer.load_duration is not None else None
        numbers = {"load_s": load, "total_s": answer.elapsed}
        context = before.context_length if before is not None else None
        result = judge_load(model, context, self.loaded_before, load, numbers)
        if self.thinking:
            how = (
                f"turned off for the /v1 checks below, with {THINKING_ROOM} more tokens where "
                f"it cannot be (gpt-oss; /v1/messages before Ollama {THINKING_DISABLED})"
                if self._effort()
                else f"given {THINKING_ROOM} more tokens in the checks below (this server, "
                f"before Ollama {REASONING_NONE}, cannot be told to turn it off)"
            )
            note = f"{model} is a thinking model: its reasoning is {how}."
            result.detail = f"{result.detail}\n{note}" if result.detail else note
        return result

    def _learn(self, model: str) -> None:
        """Capabilities (thinking, embedding) and the version, which decide how to ask."""
        try:
            self.capabilities = self.client.show(model).capabilities
        except ServerError:
            self.capabilities = None  # unknown: the requests themselves will tell
        try:
            self.version = self.client.version()
        except ServerError:
            self.version = None

    def _step_chat(self) -> Result:
        assert self.model is not None
        tokens = self._tokens(CHAT_TOKENS)
        answer = self.client.openai_chat(
            self.model,
            PING,
            max_tokens=tokens,
            reasoning_effort=self._effort(),
            deadline=self._deadline(),
        )
        text = answer.content.strip()
        thought = reasoned_only(answer.content, answer.reasoning, tokens, total_s=answer.elapsed)
        if thought is not None:
            return thought
        if not text:
            return warn(
                "the answer was empty",
                empty_fix(tokens),
                f"finish_reason: {answer.stop_reason}",
                total_s=answer.elapsed,
            )
        return ok(f"answered in {answer.elapsed:.2f} s: {quote(text)}", total_s=answer.elapsed)

    def _step_stream(self) -> Result:
        assert self.model is not None
        tokens = self._tokens(STREAM_TOKENS)
        result = self.client.openai_chat_stream(
            self.model,
            COUNT,
            max_tokens=tokens,
            reasoning_effort=self._effort(),
            deadline=self._deadline(),
        )
        return judge_stream(result, tokens)

    def _step_json(self) -> Result:
        assert self.model is not None
        tokens = self._tokens(JSON_TOKENS)
        answer = self.client.openai_chat(
            self.model,
            JSON_PROMPT,
            max_tokens=tokens,
            response_format={"type": "json_object"},
            reasoning_effort=self._effort(),
            deadline=self._deadline(),
        )
        return judge_json(answer, tokens)

    def _step_tools(self) -> Result:
        assert self.model is not None
        no_tools = skip("skipped: the model has no tools capability (agent clients need it)")
        capabilities = self.capabilities
        if capabilities is not None and "tools" not in capabilities:
            return no_tools
        tokens = self._tokens(TOOL_TOKENS)
        try:
            answer = self.client.openai_chat(
                self.model,
                TOOL_PROMPT,
                max_tokens=tokens,
                tools=[WEATHER_TOOL],
                reasoning_effort=self._effort(),
                deadline=self._deadline(),
            )
        except ServerError as exc:
            message = (exc.server_message or "").lower()
            if exc.status == 400 and "does not support tools" in message:
                return no_tools
            raise
        return judge_tools(answer, tokens)

    def _step_anthropic(self) -> Result:
        assert self.model is not None
        if self.anthropic is False:
            return skip("skipped: --no-anthropic")
        if self.anthropic is None and "claude-code" not in self.settings.clients:
            return skip("skipped: Claude Code is not set up here (--anthropic checks it anyway)")
        tokens = self._tokens(ANTHROPIC_TOKENS)
        disabled = {"type": "disabled"} if self.thinking else None
        try:
            plain = self.client.anthropic_messages(
                self.model,
                PING,
                max_tokens=tokens,
                stream=False,
                thinking=disabled,
                deadline=self._deadline(),
            )
            streamed = self.client.anthropic_messages(
                self.model,
                PING,
                max_tokens=tokens,
                stream=True,
                thinking=disabled,
                deadline=self._deadline(),
            )
        except ServerError as exc:
            # A model the server lacks is a 404 too, in Anthropic's shape with the server's
            # words; a missing route is gin's plain "404 page not found".
            if exc.status == 404 and not ollama_texts.missing_model(exc.server_message):
                return self._no_messages_route(exc)
            raise
        numbers: dict[str, Any] = {"total_s": plain.elapsed, "ttft_s": streamed.time_to_first_token}
        thought = reasoned_only(plain.content, plain.reasoning, tokens, **numbers)
        if thought is not None:
            return thought
        if not plain.content.strip() or streamed.time_to_first_token is None:
            return warn("/v1/messages answered with no text", empty_fix(tokens), **numbers)
        return ok(
            f"answers in {plain.elapsed:.2f} s; streamed, first token after "
            f"{streamed.time_to_first_token:.2f} s",
            **numbers,
        )

    def _no_messages_route(self, exc: ServerError) -> Result:
        try:
            version: str | None = self.client.version()
        except ServerError:
            version = None
        minimum = compat.ROUTES["/v1/messages"]
        if compat.at_least(version, minimum):
            return fail(
                f"the server runs Ollama {version}, which has /v1/messages, but answers 404",
                Fix(
                    "Something in front of the server (a proxy) does not pass /v1/messages on: "
                    "point Claude Code at the server itself, or let the proxy pass the route."
                ),
                f"category: {exc.category.value}",
                category=exc.category.value,
            )
        return fail(
            f"Claude Code needs Ollama >= {minimum} for /v1/messages; "
            f"the server runs {version or 'an unknown version'}",
            Fix(
                f"Update Ollama on the server to {minimum} or newer (macOS: update the app; "
                "Linux: run the install script again), then check again.",
                f"{CMD} smoke --anthropic",
            ),
            f"category: {exc.category.value}",
            category=exc.category.value,
        )
