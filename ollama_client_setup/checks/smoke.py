"""`smoke`: a few real, small requests against the server, each judged and timed.

The steps run one after another under one time budget; each request gets what is left of it.
Every result is a doctor ``Result`` (ok / warn / fail / skip, a fix, numbers in ``data``), so
the command prints them the way doctor prints its checks. No Click here: cli/smoke.py renders
the :class:`Report` that :func:`run` returns.

The order of the steps is deliberate:

1. ``models``: without the model on the server nothing else can work, so a failure here
   skips the rest with that reason instead of reporting the same 404 six times.
2. ``load``: /api/ps says whether the model is in memory, then one tiny *native* chat runs
   first, loaded or not. A cold load (seconds to minutes) happens inside this request and
   nowhere else, and the native answer reports ``load_duration``, which the OpenAI and
   Anthropic routes do not. So the load time is reported as what it is, and the timings of the
   steps after it (time to first token above all, which a load would inflate and make a healthy
   stream look "buffered") measure a warm model. It sends no num_ctx, like the /v1 requests
   after it (which cannot): if the model was loaded with another context, the reload that
   forces happens here, is reported as such, and does not pollute the chat timing.
3. ``chat``, ``stream``, ``json``, ``tools`` use /v1/chat/completions, the route most clients
   use; they do not depend on each other (a server can fail streaming only), so each runs.
4. ``anthropic`` last: only Claude Code needs it.

Requests never send ``tool_choice`` or ``n``: Ollama does not support them. A thinking
model (``load`` reads its capabilities) gets its reasoning turned off where the request allows
it, and room to reason where it does not (smoke_judges.py says what reasoning means).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ollama_client_setup.base.results import Fix, Result, Status, fail, ok, skip, warn
from ollama_client_setup.checks import compat, ollama_texts
from ollama_client_setup.checks.catalog import closest, resolve_name
from ollama_client_setup.checks.doctor.network import CMD, server_failure
from ollama_client_setup.checks.doctor.server_fix import embedding_fix
from ollama_client_setup.checks.smoke_judges import (
    TOOL_NAME,
    empty_fix,
    judge_json,
    judge_load,
    judge_stream,
    judge_tools,
    quote,
    reasoned_only,
)
from ollama_client_setup.config import endpoints
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.net.connect import connect
from ollama_client_setup.net.ollama import Category, Message, OllamaClient, ServerError

SCHEMA = 1
DEFAULT_BUDGET = 120.0  # a cold load of a big model can take a minute
PROBE_TIMEOUT = 10.0  # list, /api/ps, /api/show, /api/version: no inference behind them
MIN_STEP = 0.05  # less time than this left: the step is not started

# Small answers: enough to see text, JSON and a tool call, never a long generation.
WARMUP_TOKENS = 16
CHAT_TOKENS = 16
STREAM_TOKENS = 32
JSON_TOKENS = 32
TOOL_TOKENS = 64
ANTHROPIC_TOKENS = 16
# What a thinking model may reason on top, where its reasoning cannot be turned off
# (gpt-oss always reasons; /v1/messages before 0.24.0; /v1 before 0.13.0).
THINKING_ROOM = 512
# /v1/chat/completions takes reasoning_effort "none" from here (0.12.x refuses the value).
REASONING_NONE = "0.13.0"
# /v1/messages takes thinking {"type": "disabled"} from here (older ones ignore it).
THINKING_DISABLED = "0.24.0"


PING: list[Message] = [{"role": "user", "content": "Reply with the single word: pong"}]
COUNT: list[Message] = [
    {"role": "user", "content": "Count from 1 to 10, separated by spaces. Only the numbers."}
]
JSON_PROMPT: list[Message] = [
    {
        "role": "user",
        "content": 'Reply with a JSON object with one key "answer" whose value is "pong".',
    }
]
TOOL_PROMPT: list[Message] = [
    {"role": "user", "content": "What is the weather in Paris right now? Use the get_weather tool."}
]
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": TOOL_NAME,
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city, e.g. Paris"}},
            "required": ["city"],
        },
    },
}

STEPS: tuple[tuple[str, str], ...] = (
    ("models", "the model is on the server"),
    ("load", "the model is loaded"),
    ("chat", "a chat completion answers"),
    ("stream", "a streamed answer flows"),
    ("json", "JSON mode returns JSON"),
    ("tools", "the model calls a tool"),
    ("anthropic", "Anthropic /v1/messages answers"),
)
#: The numbers every step reports in --json (None where they do not apply).
NUMBERS = ("ttft_s", "tokens_per_s", "total_s", "load_s")

Progress = Callable[[str], None]


@dataclass
class Step:
    id: str
    title: str
    result: Result

    @property
    def status(self) -> Status:
        return self.result.status

    def number(self, name: str) -> Any:
        return self.result.data.get(name)

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        return {
            "id": self.id,
            "title": self.title,
            "status": result.status.value,
            "summary": result.summary,
            "detail": result.detail,
            "fix": result.fix.to_dict() if result.fix else None,
            "category": result.data.get("category"),
            "duration_ms": result.duration_ms,
            **{name: _rounded(result.data.get(name)) for name in NUMBERS},
            "tokens_per_s_approximate": result.data.get("tokens_per_s_approximate"),
        }


@dataclass
class Report:
    server_root: str
    #: The server's name for the model once found, else the name asked for (or None).
    model: str | None
    steps: list[Step]
    budget: float
    elapsed: float

    @property
    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for step in self.steps:
            counts[step.status.value] += 1
        return counts

    @property
    def failed(self) -> bool:
        return any(step.status is Status.FAIL for step in self.steps)

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)

    @property
    def summary(self) -> str:
        """One honest line: the counts, then where it failed or what the timings were."""
        counts = self.counts
        words = (("ok", "ok"), ("warn", "warn"), ("fail", "failed"), ("skip", "skipped"))
        head = ", ".join(
            f"{counts[key]} {word}" for key, word in words if counts[key] or key == "ok"
        )
        failed = [step for step in self.steps if step.status is Status.FAIL]
        if failed:
            first = failed[0]
            more = f" (and {len(failed) - 1} more failed)" if len(failed) > 1 else ""
            return f"{head}: failed at {first.id}: {first.result.summary.rstrip('.')}{more}"
        facts = []
        chat = self.step("chat")
        if chat is not None and chat.number("total_s") is not None:
            facts.append(f"chat answered in {chat.number('total_s'):.1f} s")
        stream = self.step("stream")
        rate = stream.number("tokens_per_s") if stream is not None else None
        if stream is not None and rate is not None:
            about = "~" if stream.number("tokens_per_s_approximate") else ""
            facts.append(f"{about}{rate:.0f} tok/s")
        load = self.step("load")
        if load is not None and load.number("cold") and load.number("load_s"):
            facts.append(f"the first answer waited {load.number('load_s'):.1f} s for the load")
        return f"{head}: the setup works" + (f"; {', '.join(facts)}" if facts else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "smoke_schema": SCHEMA,
            "server_root": self.server_root,
            "model": self.model,
            "steps": [step.to_dict() for step in self.steps],
            "summary": {**self.counts, "failed": self.failed, "text": self.summary},
            "budget_s": self.budget,
            "elapsed_ms": int(self.elapsed * 1000),
        }


def run(
    settings: Settings,
    *,
    model: str | None = None,
    anthropic: bool | None = None,
    budget: float = DEFAULT_BUDGET,
    progress: Progress | None = None,
) -> Report:
    """Run every step against the server in ``settings``.

    ``model`` overrides the configured one; ``anthropic`` None means "when Claude Code is set
    up". ``progress`` is told what is being checked before each step that runs.
    """
    root = endpoints.server_root(settings)
    started = time.monotonic()
    with connect(settings, timeout=min(PROBE_TIMEOUT, budget)) as client:
        smoke = _Smoke(settings, client, model or settings.model, anthropic, budget, progress)
        steps = smoke.run_all()
    return Report(root, smoke.model or smoke.wanted, steps, budget, time.monotonic() - started)


class _Smoke:
    def __init__(
        self,
        settings: Settings,
        client: OllamaClient,
        wanted: str | None,
        anthropic: bool | None,
        budget: float,
        progress: Progress | None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.wanted = wanted
        self.anthropic = anthropic
        self.budget = budget
        self.deadline = time.monotonic() + budget
        self.progress = progress
        #: The server's name for the model, once `models` found it.
        self.model: str | None = None
        #: Why the remaining steps cannot run (set by `models` and `load`).
        self.blocked: str | None = None
        self.loaded_before: bool | None = None
        #: From /api/show in `load`: None when unknown (old server, or it did not answer).
        self.capabilities: list[str] | None = None
        self.version: str | None = None

    # -- running ----------------------------------------------------------------------------

    def run_all(self) -> list[Step]:
        steps = []
        for step_id, title in STEPS:
            if self.blocked:
                result = skip(self.blocked)
            elif self.left() < MIN_STEP:
                result = skip(f"skipped: not reached within the {self.budget:g} s budget")
            else:
                if self.progress is not None:
                    self.progress(self._message(step_id, title))
                result = self._timed(getattr(self, f"_step_{step_id}"))
            steps.append(Step(step_id, title, result))
        return steps

    def _message(self, step_id: str, title: str) -> str:
        if step_id == "load":
            return f"loading {self.model} if needed (a cold load can take a minute)"
        return f"checking {step_id}: {title}"

    def _timed(self, step: Callable[[], Result]) -> Result:
        started = time.monotonic()
        # Probes (list, ps, show, version) get at most PROBE_TIMEOUT; inference the rest.
        self.client.timeout = max(MIN_STEP, min(PROBE_TIMEOUT, self.left()))
        try:
            result = step()
        except ServerError as exc:
            result = self._failure(exc)
        except Exception as exc:  # a broken step is a finding, not a traceback
            result = fail(f"the step itself failed: {type(exc).__name__}: {exc}")
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def _deadline(self) -> float:
        return max(MIN_STEP, self.left())

    def _failure(self, exc: ServerError, *, inference: bool = True) -> Result:
        """doctor's fix for the failure, made specific where inference changes the story."""
        result = server_failure(self.settings, exc, self.model or self.wanted)
        if inference and exc.category is Category.TIMEOUT:
            result.fix = Fix(
                f"No answer within the time left of the {self.budget:g} s budget. A big model on "
                "a slow server may need longer: run again with a longer --timeout. If it never "
                "answers, restart Ollama on the server.",
                f"{CMD} smoke --timeout {min(3600, max(300, int(self.budget * 2)))}",
            )
        if inference and ollama_texts.cannot_chat(exc.server_message):
            result.summary = f"{self.model} is an embedding model: it cannot chat"
        result.summary = result.summary.rstrip(".")
        lines = [f"category: {exc.category.value}"]
        if exc.server_message and exc.server_message not in result.summary:
            lines.append(exc.server_message)
        result.detail = "\n".join(lines)
        result.data["category"] = exc.category.value
        return result

    @property
    def thinking(self) -> bool:
        return self.capabilities is not None and "thinking" in self.capabilities

    def _tokens(self, tokens: int) -> int:
        """A step's token limit, with room for a thinking model to reason first."""
        return tokens + THINKING_ROOM if self.thinking else tokens

    def _effort(self) -> str | None:
        """reasoning_effort for /v1: "none" turns a thinking model's reasoning off."""
        if self.thinking and compat.at_least(self.version, REASONING_NONE):
            return "none"
        return None

    # -- the steps --------------------------------------------------------------------------

    def _step_models(self) -> Result:
        try:
            available = self.client.openai_models()
        except ServerError as exc:
            self.blocked = "skipped: the server did not answer (see models)"
            return self._failure(exc, inference=False)
        count = f"{len(available)} model{'s' if len(available) != 1 else ''}"
        if not self.wanted:
            self.blocked = "skipped: no model chosen"
            suggestion = available[0] if available else "MODEL"
            return fail(
                "no model chosen",
                Fix(
                    f"Choose one of the server's {count}, or pass --model.",
                    f"{CMD} model use {suggestion}",
                ),
                ", ".join(available[:12]) or None,
            )
        if not available:
            self.blocked = "skipped: the server has no models yet"
            return fail(
                "the server has no models yet",
                Fix("Pull one on the server, e.g.:", f"ollama pull {self.wanted}"),
            )
        found = resolve_name(self.wanted, available)
        if found is None:
            self.blocked = f"skipped: {self.wanted} is not on the server"
            close = closest(self.wanted, available)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
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
                "turned off for the /v1 checks below"
                if self._effort()
                else f"given {THINKING_ROOM} more tokens in the checks below (this server "
                "cannot turn it off)"
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
        numbers = {"total_s": plain.elapsed, "ttft_s": streamed.time_to_first_token}
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


def _rounded(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value
