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

Requests never send ``tool_choice`` or ``n``: Ollama does not support them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import compat, endpoints
from .connect import connect
from .doctor.model import Fix, Result, Status, fail, ok, skip, warn
from .doctor.network import CMD, server_failure
from .models import closest, human_tokens, resolve_name
from .server import Category, ChatResult, Message, OllamaClient, ServerError, StreamResult
from .settings import Settings

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

# A stream taking longer than this whose first text came at the very end was held back.
BUFFERED_MIN_TOTAL = 1.0
BUFFERED_RATIO = 0.9
# A model /api/ps listed as loaded that takes this long to "load" was loaded again.
RELOAD_S = 1.0
# A cold load this long outlasts the patience of clients with short timeouts.
SLOW_LOAD_S = 30.0


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
TOOL_NAME = "get_weather"
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
        """doctor's fix for the category, made specific where inference changes the story."""
        result = server_failure(self.settings, exc)
        if inference and exc.category is Category.TIMEOUT:
            result.fix = Fix(
                f"No answer within the time left of the {self.budget:g} s budget. A big model on "
                "a slow server may need longer: run again with a longer --timeout. If it never "
                "answers, restart Ollama on the server.",
                f"{CMD} smoke --timeout {min(3600, max(300, int(self.budget * 2)))}",
            )
        elif inference and exc.category is Category.STREAM_ERROR:
            result.fix = Fix(
                "The server broke off the answer after it had begun: the model crashed or ran "
                "out of memory. Look at the server's log (macOS: ~/.ollama/logs/server.log; "
                "Linux: journalctl -u ollama), or try a smaller model or quantisation."
            )
        elif inference and exc.category is Category.HTTP_STATUS and exc.status == 500:
            result.fix = Fix(
                "The server could not run the model (500): it failed to load or ran out of "
                "memory. Look at the server's log (macOS: ~/.ollama/logs/server.log; Linux: "
                "journalctl -u ollama), or try a smaller model or quantisation."
            )
        result.summary = result.summary.rstrip(".")
        lines = [f"category: {exc.category.value}"]
        if exc.server_message and exc.server_message not in result.summary:
            lines.append(exc.server_message)
        result.detail = "\n".join(lines)
        result.data["category"] = exc.category.value
        return result

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
        return judge_load(model, context, self.loaded_before, load, numbers)

    def _step_chat(self) -> Result:
        assert self.model is not None
        answer = self.client.openai_chat(
            self.model, PING, max_tokens=CHAT_TOKENS, deadline=self._deadline()
        )
        text = answer.content.strip()
        if not text:
            return warn(
                "the answer was empty",
                _empty_fix(CHAT_TOKENS),
                f"finish_reason: {answer.stop_reason}",
                total_s=answer.elapsed,
            )
        return ok(f"answered in {answer.elapsed:.2f} s: {_quote(text)}", total_s=answer.elapsed)

    def _step_stream(self) -> Result:
        assert self.model is not None
        result = self.client.openai_chat_stream(
            self.model, COUNT, max_tokens=STREAM_TOKENS, deadline=self._deadline()
        )
        return judge_stream(result)

    def _step_json(self) -> Result:
        assert self.model is not None
        answer = self.client.openai_chat(
            self.model,
            JSON_PROMPT,
            max_tokens=JSON_TOKENS,
            response_format={"type": "json_object"},
            deadline=self._deadline(),
        )
        return judge_json(answer)

    def _step_tools(self) -> Result:
        assert self.model is not None
        no_tools = skip("skipped: the model has no tools capability (agent clients need it)")
        try:
            capabilities = self.client.show(self.model).capabilities
        except ServerError:
            capabilities = []  # unknown: the probe itself will tell
        if capabilities and "tools" not in capabilities:
            return no_tools
        try:
            answer = self.client.openai_chat(
                self.model,
                TOOL_PROMPT,
                max_tokens=TOOL_TOKENS,
                tools=[WEATHER_TOOL],
                deadline=self._deadline(),
            )
        except ServerError as exc:
            message = (exc.server_message or "").lower()
            if exc.status == 400 and "does not support tools" in message:
                return no_tools
            raise
        return judge_tools(answer)

    def _step_anthropic(self) -> Result:
        assert self.model is not None
        if self.anthropic is False:
            return skip("skipped: --no-anthropic")
        if self.anthropic is None and "claude-code" not in self.settings.clients:
            return skip("skipped: Claude Code is not set up here (--anthropic checks it anyway)")
        try:
            plain = self.client.anthropic_messages(
                self.model,
                PING,
                max_tokens=ANTHROPIC_TOKENS,
                stream=False,
                deadline=self._deadline(),
            )
            streamed = self.client.anthropic_messages(
                self.model,
                PING,
                max_tokens=ANTHROPIC_TOKENS,
                stream=True,
                deadline=self._deadline(),
            )
        except ServerError as exc:
            message = (exc.server_message or "").lower()
            if exc.status == 404 and "model" not in message:
                return self._no_messages_route(exc)
            raise
        numbers = {"total_s": plain.elapsed, "ttft_s": streamed.time_to_first_token}
        if not plain.content.strip() or streamed.time_to_first_token is None:
            return warn(
                "/v1/messages answered with no text", _empty_fix(ANTHROPIC_TOKENS), **numbers
            )
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


# -- judging what came back (pure: no I/O) --------------------------------------------------


def judge_load(
    model: str,
    context: int | None,
    loaded_before: bool | None,
    load: float | None,
    numbers: dict[str, Any],
) -> Result:
    """What the warm-up's load_duration means, given what /api/ps said before it."""
    if loaded_before:
        if load is not None and load > RELOAD_S:
            return warn(
                f"the server loaded {model} again ({load:.1f} s) although it was loaded",
                Fix(
                    "It was loaded with another context (num_ctx) than a plain request gets, "
                    "so clients that differ take turns reloading it, and OpenAI-style clients "
                    "cannot send num_ctx. Set the context once on the server "
                    "(OLLAMA_CONTEXT_LENGTH) and give every client that same one."
                ),
                **numbers,
                cold=False,
            )
        window = f" with a {human_tokens(context)} context" if context else ""
        return ok(f"{model} was already loaded{window}: no cold start", **numbers, cold=False)
    if not load or load < 0.05:
        said = "the server reported no load time" if load is None else "no noticeable load"
        return ok(f"{model} answered at once: {said}", **numbers, cold=False)
    summary = f"loading the model took {load:.1f} s; later answers are faster"
    advice = (
        "The server unloads an idle model after OLLAMA_KEEP_ALIVE (5 minutes by default); the "
        "next request waits for the load again. Set OLLAMA_KEEP_ALIVE (e.g. 30m) in the "
        "server's service, send a short request after switching models, and give clients a "
        "timeout longer than the load (Claude Code: API_TIMEOUT_MS; Codex: "
        "stream_idle_timeout_ms; Aider: --timeout)."
    )
    if load > SLOW_LOAD_S:
        return warn(
            f"{summary}, but clients with short timeouts may give up first",
            Fix(advice),
            **numbers,
            cold=True,
        )
    return ok(summary, advice, **numbers, cold=True)


def tokens_per_second(result: StreamResult) -> tuple[float | None, bool]:
    """(rate, approximate): the server's own counters when it sent them, else an estimate."""
    if result.eval_count and result.eval_duration:
        return result.eval_count / (result.eval_duration / 1e9), False
    ttft = result.time_to_first_token
    if result.eval_count and result.eval_count > 1 and ttft is not None and result.total > ttft:
        # The OpenAI route sends only usage.completion_tokens: the tokens after the first over
        # the time after the first; network and chunking make it approximate.
        return (result.eval_count - 1) / (result.total - ttft), True
    return None, True


def judge_stream(result: StreamResult) -> Result:
    ttft, total = result.time_to_first_token, result.total
    numbers: dict[str, Any] = {"ttft_s": ttft, "total_s": total}
    if ttft is None:
        return warn(
            "the stream carried no text",
            _empty_fix(STREAM_TOKENS),
            f"{result.chunks} chunks in {total:.2f} s, finish_reason: {result.stop_reason}",
            **numbers,
        )
    if total > BUFFERED_MIN_TOTAL and (result.chunks <= 1 or ttft >= BUFFERED_RATIO * total):
        return warn(
            "buffered: a proxy holds the stream back",
            Fix(
                "The answer arrived in one lump at the end, so clients show nothing until it "
                "is complete and may time out. Turn response buffering off in the proxy or "
                "tunnel in front of Ollama (nginx: proxy_buffering off), or use the server's "
                "own address."
            ),
            f"first text after {ttft:.2f} s of {total:.2f} s in all ({result.chunks} chunks)",
            **numbers,
        )
    rate, approximate = tokens_per_second(result)
    if rate is None:
        speed, how = "speed unknown", "the server sent no token count"
    elif approximate:
        speed = f"~{rate:.0f} tok/s (approximate)"
        how = "tok/s: usage.completion_tokens after the first token, over the time after it"
    else:
        speed, how = f"{rate:.0f} tok/s", "tok/s: the server's own eval_count / eval_duration"
    return ok(
        f"first token after {ttft:.2f} s, {speed}, {total:.2f} s in all",
        f"{how}; {result.chunks} chunks",
        **numbers,
        tokens_per_s=rate,
        tokens_per_s_approximate=approximate if rate is not None else None,
    )


def judge_json(answer: ChatResult) -> Result:
    text = answer.content.strip()
    numbers = {"total_s": answer.elapsed}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
        valid = False
    else:
        valid = True
    if valid and isinstance(value, dict):
        return ok(f"returned a JSON object in {answer.elapsed:.2f} s", _quote(text), **numbers)
    cut = f" (cut off at max_tokens={JSON_TOKENS})" if answer.stop_reason == "length" else ""
    problem = "is JSON but not an object" if valid else "is not valid JSON"
    return warn(
        f"the answer {problem}{cut}: the model does not keep to the format",
        Fix(
            "The server passed response_format on; this model ignores it. Clients that ask "
            "for JSON (structured edits, commit messages) work better with another model."
        ),
        f"it answered: {_quote(text) if text else '(nothing)'}",
        **numbers,
    )


def judge_tools(answer: ChatResult) -> Result:
    numbers = {"total_s": answer.elapsed}
    fix = Fix(
        "Agent clients (Claude Code, Codex, OpenCode, Continue's agent mode) need structured "
        "tool calls. Choose a model that makes them reliably; a context window that is too "
        "small makes models print tool calls as text, too."
    )
    if not answer.tool_calls:
        said = _quote(answer.content.strip()) if answer.content.strip() else "(nothing)"
        return warn("answered without calling the tool", fix, f"it answered: {said}", **numbers)
    call = answer.tool_calls[0]
    if call.name != TOOL_NAME:
        return warn(f"called {call.name!r}, a tool it was not given", fix, **numbers)
    if not isinstance(call.arguments, dict):
        return warn(
            "the tool call's arguments are not valid JSON",
            fix,
            f"arguments: {_quote(call.arguments)}",
            **numbers,
        )
    arguments = json.dumps(call.arguments, ensure_ascii=False)
    return ok(f"called {TOOL_NAME}({_clip(arguments)}) in {answer.elapsed:.2f} s", **numbers)


# -- small helpers --------------------------------------------------------------------------


def _empty_fix(tokens: int) -> Fix:
    return Fix(
        f"The model gave no text within {tokens} tokens. A reasoning model may spend them "
        "thinking; try it in a client, or choose another model."
    )


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _quote(text: str) -> str:
    return json.dumps(_clip(text), ensure_ascii=False)


def _rounded(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value
