"""The fake Ollama's scheduler and prompt cache: which runner serves a request, whether it had
to be loaded or restarted for it, and how much of its prompt the runner's cache already held.

    fake = FakeOllama(max_loaded=3, num_parallel=1)   # Ollama's defaults
    ...
    fake.runs      # one RunRecord per inference request: event, prompt and cached tokens
    fake.loads, fake.reloads

Modelled on Ollama's source at tag v0.15.2 (the fake's default version); each rule below
names the file and function it follows. Not modelled: memory (every model fits), timers (a
runner stays until it is evicted, restarted or asked to go with keep_alive 0), concurrency
(a request takes its runner and slot at once, so no slot is ever busy).
"""

from __future__ import annotations

import json
import re
import threading
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from tests.fakes.ollama_models import FakeModel

# envconfig/config.go (v0.15.2): OLLAMA_MAX_LOADED_MODELS defaults to 0, which
# server/sched.go processPending turns into defaultModelsPerGPU (3) per GPU, at least 1.
DEFAULT_MAX_LOADED = 3
# envconfig/config.go (v0.15.2): OLLAMA_NUM_PARALLEL defaults to 1 (server/sched.go load).
DEFAULT_NUM_PARALLEL = 1
# envconfig/config.go (v0.15.2): OLLAMA_KEEP_ALIVE defaults to 5m.
DEFAULT_KEEP_ALIVE_NS = 5 * 60 * 1_000_000_000
# api/types.go Duration.UnmarshalJSON (v0.15.2): a negative keep_alive means forever.
FOREVER_NS = 2**63 - 1
# api/types.go DefaultOptions (v0.15.2): num_keep 4, the first tokens truncation keeps.
NUM_KEEP = 4

Event = Literal["load", "reload", "hit", "unload"]
Segment = tuple[str, str]  # (kind, text): "tools", "system", a message's role, "suffix", "raw"


# -- names ----------------------------------------------------------------------------------


def canonical_name(name: str) -> str:
    """The name /api/ps shows for `name`: "testmodel" -> "testmodel:latest".

    types/model/name.go (v0.15.2): ParseName fills in the defaults (host registry.ollama.ai,
    namespace library, tag latest); DisplayShortest drops the default host and namespace.
    """
    rest, tag = name, ""
    if name.rfind(":") > name.rfind("/"):
        rest, _, tag = name.rpartition(":")
    parts = rest.split("/")
    if len(parts) > 3:  # ParseNameBare cuts model and namespace off the right; the rest is host
        parts = ["/".join(parts[:-2]), *parts[-2:]]
    model = parts[-1]
    namespace = parts[-2] if len(parts) >= 2 else "library"
    host = parts[-3].split("://")[-1] if len(parts) == 3 else "registry.ollama.ai"
    short = f"{model}:{tag or 'latest'}"
    if host.lower() != "registry.ollama.ai":
        return f"{host}/{namespace}/{short}"
    return short if namespace.lower() == "library" else f"{namespace}/{short}"


def same_model(requested: str, pulled: str) -> bool:
    """server/routes.go getExistingName (v0.15.2) matches every part case-insensitively."""
    return canonical_name(requested).lower() == canonical_name(pulled).lower()


# -- the prompt a runner sees ---------------------------------------------------------------


def tokenize(kind: str, text: str) -> list[str]:
    """The fake's tokeniser, one segment at a time: 4-character pieces, the shorter rest joined
    to the last piece, so N characters are max(1, N // 4) tokens (as the fake always counted).
    The first piece carries the segment's kind, as a template's role header makes the same
    words in another role (or another message) different tokens; headers cost no tokens."""
    count = max(1, len(text) // 4)
    pieces = [text[4 * i : 4 * i + 4] for i in range(count - 1)] + [text[4 * (count - 1) :]]
    pieces[0] = f"<{kind}>{pieces[0]}"
    return pieces


@dataclass(frozen=True)
class Prompt:
    """A request as its template renders it: tools (JSON), the system prompt, then one segment
    per other message (role, text, tool calls as JSON), in order."""

    head: tuple[Segment, ...] = ()  # tools and system prompt: truncation never drops them
    messages: tuple[Segment, ...] = ()
    chat: bool = True  # chat routes drop old messages to fit; /api/generate does not

    @property
    def segments(self) -> tuple[Segment, ...]:
        return self.head + self.messages

    @property
    def text(self) -> str:
        return "\n".join(f"<{kind}>{text}" for kind, text in self.segments)

    def tokens(self) -> list[str]:
        return [token for kind, text in self.segments for token in tokenize(kind, text)]

    def fit(self, num_ctx: int) -> Prompt:
        """server/prompt.go chatPrompt (v0.15.2): drop the oldest messages until the prompt
        fits num_ctx (the option, not capped at the model's maximum); the system messages and
        the latest message always stay."""
        if not self.chat or not self.messages:
            return self
        sizes = [len(tokenize(kind, text)) for kind, text in self.messages]
        total = sum(len(tokenize(kind, text)) for kind, text in self.head) + sizes[-1]
        first = len(sizes) - 1
        for index in range(len(sizes) - 2, -1, -1):
            total += sizes[index]
            if total > num_ctx:
                break
            first = index
        return replace(self, messages=self.messages[first:])


def _text(content: Any) -> str:
    """Text parts, concatenated as Ollama's converters do (openai/responses.go,
    anthropic/anthropic.go); a string as it is."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _call(name: Any, arguments: Any) -> dict[str, Any]:
    """A tool call as api.ToolCallFunction holds it: arguments parsed from JSON text."""
    if isinstance(arguments, str):
        with suppress(ValueError):  # not JSON: kept as text
            arguments = json.loads(arguments) if arguments else {}
    return {"name": name, "arguments": arguments if arguments is not None else {}}


def message_text(content: str, calls: list[dict[str, Any]]) -> str:
    """A message's text as the fake renders it: its content, then its tool calls as JSON."""
    if not calls:
        return content
    return f"{content}\n{json.dumps(calls)}" if content else json.dumps(calls)


def _tool(tool: Any) -> Any:
    """A tool definition as api.Tool holds it, whatever API it came in (keys in sent order)."""
    if not isinstance(tool, dict):
        return tool
    function = tool.get("function") if isinstance(tool.get("function"), dict) else tool
    normal: dict[str, Any] = {"name": function.get("name")}
    if function.get("description"):
        normal["description"] = function["description"]
    normal["parameters"] = function.get("parameters", function.get("input_schema"))
    return {"type": "function", "function": normal}


def _assemble(tools: Any, messages: list[tuple[str, str]], system: list[str]) -> Prompt:
    """The system prompt first, then the tools, then the conversation: the order the coder
    models' templates render them in (qwen2.5-coder's and qwen3's put `# Tools` after the
    system text inside the system turn), so a system prompt whose first line changes per
    request defeats the cache of everything after it, tools included."""
    head: list[Segment] = [("system", text) for text in system]
    rest: list[Segment] = []
    for role, text in messages:
        if role == "system":
            head.append((role, text))
        else:
            rest.append((role, text))
    if isinstance(tools, list) and tools:
        head.append(("tools", json.dumps([_tool(tool) for tool in tools])))
    return Prompt(tuple(head), tuple(rest))


def _chat_messages(messages: Any) -> list[tuple[str, str]]:
    """/api/chat and /v1/chat/completions messages (openai/openai.go FromChatRequest: each text
    part of a list content is a message of its own; tool call arguments are JSON text)."""
    out: list[tuple[str, str]] = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        role = str(message.get("role") or "user")
        calls = [
            _call(call["function"].get("name"), call["function"].get("arguments"))
            for call in message.get("tool_calls") or []
            if isinstance(call, dict) and isinstance(call.get("function"), dict)
        ]
        content = message.get("content")
        if isinstance(content, list):
            texts = [_text([part]) for part in content if isinstance(part, dict)]
            texts = [text for text in texts if text] or [""]
            out += [(role, text) for text in texts[:-1]]
            out.append((role, message_text(texts[-1], calls)))
        elif isinstance(content, str) or content is None:
            out.append((role, message_text(content or "", calls)))
        else:  # a tool result given as JSON
            out.append((role, message_text(json.dumps(content), calls)))
    return out


def _anthropic_messages(messages: Any) -> list[tuple[str, str]]:
    """anthropic/anthropic.go FromMessagesRequest (v0.15.2): a message's text and tool_use
    blocks make one message, its tool_result blocks follow as "tool" messages."""
    out: list[tuple[str, str]] = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        role = str(message.get("role") or "user")
        content = message.get("content")
        if isinstance(content, str):
            out.append((role, content))
            continue
        blocks = [block for block in content or [] if isinstance(block, dict)]
        text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
        calls = [
            _call(b.get("name"), b.get("input")) for b in blocks if b.get("type") == "tool_use"
        ]
        if text or calls:
            out.append((role, message_text(text, calls)))
        for block in blocks:
            if block.get("type") == "tool_result":
                result = block.get("content")
                out.append(("tool", result if isinstance(result, str) else _text(result)))
    return out


def _responses_input(items: Any) -> list[tuple[str, str]]:
    """openai/responses.go FromResponsesRequest (v0.15.2): a string is one user message; a
    function_call joins the assistant message before it; function_call_output is a tool
    message; reasoning items are not rendered here."""
    if isinstance(items, str):
        return [("user", items)] if items else []
    out: list[tuple[str, str, list[dict[str, Any]]]] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "message")
        if kind == "message":
            out.append((str(item.get("role") or "user"), _text(item.get("content")), []))
        elif kind == "function_call":
            call = _call(item.get("name"), item.get("arguments"))
            if out and out[-1][0] == "assistant":
                out[-1][2].append(call)
            else:
                out.append(("assistant", "", [call]))
        elif kind == "function_call_output":
            output = item.get("output")
            out.append(("tool", output if isinstance(output, str) else json.dumps(output), []))
    return [(role, message_text(text, calls)) for role, text, calls in out]


def prompt_for(route: str, body: dict[str, Any]) -> Prompt:
    """The prompt the runner gets for a request to `route` (one of the inference routes)."""
    if route == "/api/generate":
        prompt = _text(body.get("prompt"))
        if body.get("raw"):
            return Prompt((), (("raw", prompt),), chat=False)
        head = (("system", body["system"]),) if _text(body.get("system")) else ()
        suffix = _text(body.get("suffix"))
        tail = (("suffix", suffix),) if suffix else ()
        return Prompt(head, (("user", prompt), *tail), chat=False)
    tools = body.get("tools")
    if route == "/v1/messages" or route == "/v1/messages/count_tokens":
        system = _text(body.get("system"))
        return _assemble(tools, _anthropic_messages(body.get("messages")), [system] * bool(system))
    if route == "/v1/responses":
        instructions = _text(body.get("instructions"))
        messages = _responses_input(body.get("input"))
        return _assemble(tools, messages, [instructions] * bool(instructions))
    return _assemble(tools, _chat_messages(body.get("messages")), [])


# -- runners --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunnerOptions:
    """api/types.go Runner (v0.15.2): the options a runner is started with."""

    num_ctx: int
    num_batch: int = 512  # api/types.go DefaultOptions
    num_gpu: int = -1
    main_gpu: int = 0
    use_mmap: bool | None = None
    num_thread: int = 0

    @classmethod
    def of(cls, options: Any, default_ctx: int) -> RunnerOptions:
        """A request's options over the defaults (api/types.go DefaultOptions: num_ctx is
        OLLAMA_CONTEXT_LENGTH); num_ctx at least 4 (server/sched.go GetRunner). Not capped at
        the model's maximum: only the runner process does that (llm/server.go NewLlamaServer,
        on its own copy of the options), so /api/ps shows the value asked for."""
        given = options if isinstance(options, dict) else {}

        def number(key: str, default: int) -> int:
            value = given.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return default
            return int(value)

        mmap = given.get("use_mmap")
        return cls(
            num_ctx=max(number("num_ctx", default_ctx), 4),
            num_batch=number("num_batch", 512),
            num_gpu=number("num_gpu", -1),
            main_gpu=number("main_gpu", 0),
            use_mmap=mmap if isinstance(mmap, bool) else None,
            num_thread=number("num_thread", 0),
        )

    def needs_reload(self, wanted: RunnerOptions) -> bool:
        """server/sched.go needsReload (v0.15.2): reflect.DeepEqual of the runner options,
        except that a request's num_gpu of -1 (automatic) matches any."""
        if wanted.num_gpu < 0:
            wanted = replace(wanted, num_gpu=self.num_gpu)
        return wanted != self


@dataclass
class _Slot:
    inputs: list[str] = field(default_factory=list)  # the tokens in this slot's KV cache
    last_used: int = 0  # the scheduler's clock; 0: never


@dataclass
class _Runner:
    model: FakeModel
    options: RunnerOptions
    slots: list[_Slot]
    keep_alive_ns: int = DEFAULT_KEEP_ALIVE_NS
    last_used: int = 0
    expires_at: datetime = field(default_factory=lambda: _now() + timedelta(minutes=5))

    @property
    def window(self) -> int:
        """The context each slot really has: llm/server.go NewLlamaServer caps num_ctx at
        the model's trained length."""
        return min(self.options.num_ctx, self.model.context_length)


@dataclass(frozen=True)
class RunRecord:
    """One inference request as the scheduler and the runner saw it."""

    route: str  # "/api/chat", "/v1/messages", ...
    model: str  # the name as the request gave it
    canonical: str  # the runner's name, as /api/ps shows it ("testmodel:latest")
    event: Event  # load: no runner; reload: restarted (options differed); hit; unload
    num_ctx: int | None  # the runner's num_ctx option (what /api/ps reports); None: unload
    window: int  # num_ctx capped at the model's maximum: what a slot holds
    prompt_tokens: int  # the prompt after truncation: prompt_eval_count / usage input tokens
    cached_tokens: int  # of those, reused from the slot's cache instead of evaluated
    slot: int | None  # the cache slot used; None when there was no prompt
    evicted: tuple[str, ...]  # other runners unloaded to make room (canonical names)
    user_agent: str | None

    @property
    def evaluated_tokens(self) -> int:
        return self.prompt_tokens - self.cached_tokens


def keep_alive_ns(value: Any) -> int | None:
    """api/types.go Duration.UnmarshalJSON (v0.15.2): seconds as a number, or a Go duration
    ("5m", "1h30m", "0"); negative is forever. None: not given, or not understood."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return FOREVER_NS if value < 0 else int(value * 1_000_000_000)
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|ms|s|m|h))+|0)", value)
    if match is None:
        return None
    units = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9}
    units["h"] = 3600 * 10**9
    total = sum(
        float(number) * units[unit]
        for number, unit in re.findall(r"(\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h)", match[2])
    )
    return FOREVER_NS if match[1] == "-" and total else int(total)


def _now() -> datetime:
    return datetime.now(timezone.utc).astimezone()  # local time, as Go's time.Now in JSON


def _common_prefix(a: list[str], b: list[str]) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def _truncate(tokens: list[str], window: int) -> list[str]:
    """runner/ollamarunner/runner.go NewSequence (v0.15.2): a prompt longer than the window
    keeps its first num_keep tokens and loses the ones after them."""
    if len(tokens) <= window:
        return tokens
    keep = min(NUM_KEEP, window - 1)
    return tokens[:keep] + tokens[keep + len(tokens) - window :]


def _shift(tokens: list[str], window: int) -> list[str]:
    """runner/ollamarunner/cache.go ShiftDiscard (v0.15.2): a full slot drops half of what
    follows num_keep to make room."""
    keep = min(NUM_KEEP, window - 1)
    while len(tokens) > window:
        discard = max((window - keep) // 2, 1)
        tokens = tokens[:keep] + tokens[keep + discard :]
    return tokens


class Scheduler:
    """Runners keyed by canonical model name, each with `num_parallel` cache slots.

    FakeModel.loaded / loaded_context stay the public view: a model marked loaded (by a test)
    gets a runner at loaded_context (options otherwise default), one marked unloaded loses
    its runner, and the scheduler writes every load, reload and eviction back to them. Such a
    runner was asked for loaded_context: on a server whose default_context differs, a request
    without num_ctx restarts it, as in v0.15.2.
    """

    def __init__(
        self,
        *,
        max_loaded: int = DEFAULT_MAX_LOADED,
        num_parallel: int = DEFAULT_NUM_PARALLEL,
        multiuser_cache: bool = False,
    ) -> None:
        if max_loaded < 1 or num_parallel < 1:
            raise ValueError("max_loaded and num_parallel must be at least 1")
        self.max_loaded = max_loaded
        self.num_parallel = num_parallel
        # OLLAMA_MULTIUSER_CACHE (envconfig/config.go, default false): which slot a prompt gets.
        self.multiuser_cache = multiuser_cache
        self._lock = threading.Lock()
        self._runners: dict[str, _Runner] = {}
        self._runs: list[RunRecord] = []
        self._clock = 0

    # -- records ----------------------------------------------------------------------------

    @property
    def runs(self) -> list[RunRecord]:
        with self._lock:
            return list(self._runs)

    def clear_runs(self) -> None:
        with self._lock:
            self._runs.clear()

    # -- state ------------------------------------------------------------------------------

    def _new_runner(self, model: FakeModel, options: RunnerOptions) -> _Runner:
        slots = [_Slot() for _ in range(self.num_parallel)]
        return _Runner(model, options, slots)

    def _sync(self, models: list[FakeModel], default_context: int) -> None:
        """Follow what tests set on the models: loaded, loaded_context, name."""
        wanted = {canonical_name(model.name): model for model in models}
        for key, runner in list(self._runners.items()):
            model = wanted.get(key)
            if (
                model is not runner.model
                or not model.loaded
                or model.loaded_context != runner.options.num_ctx
            ):
                del self._runners[key]
        for key, model in wanted.items():
            if model.loaded and key not in self._runners:
                num_ctx = model.loaded_context or default_context
                model.loaded_context = num_ctx
                self._runners[key] = self._new_runner(model, RunnerOptions(num_ctx))

    def _drop(self, key: str) -> None:
        runner = self._runners.pop(key)
        runner.model.loaded, runner.model.loaded_context = False, None

    def _evict_one(self) -> str:
        """server/sched.go findRunnerToUnload (v0.15.2): sort by session duration (keep_alive),
        then by model path (the fake: the model's digest), and take the first idle one. It is
        not the least recently used."""
        key = min(
            self._runners,
            key=lambda k: (self._runners[k].keep_alive_ns, self._runners[k].model.digest),
        )
        self._drop(key)
        return key

    def running(
        self, models: list[FakeModel], default_context: int
    ) -> list[tuple[FakeModel, int, datetime]]:
        """(model, num_ctx, expires_at) per runner, longest time left first (server/routes.go
        PsHandler, v0.15.2)."""
        with self._lock:
            self._sync(models, default_context)
            runners = sorted(
                self._runners.values(), key=lambda r: (r.expires_at, r.last_used), reverse=True
            )
            return [(r.model, r.options.num_ctx, r.expires_at) for r in runners]

    # -- requests ---------------------------------------------------------------------------

    def run(
        self,
        models: list[FakeModel],
        model: FakeModel,
        *,
        route: str,
        requested: str,
        options: Any,
        keep_alive: Any,
        default_context: int,
        prompt: Prompt | None,
        reply: Segment | None = None,
        user_agent: str | None = None,
        force_reload: bool = False,
    ) -> RunRecord:
        """Schedule one request (server/sched.go GetRunner / processPending, v0.15.2), feed its
        prompt to a slot and leave the slot holding the prompt and the reply's tokens (the
        runner caches what it generated). `prompt` None: only load (empty /api/generate)."""
        with self._lock:
            self._sync(models, default_context)
            self._clock += 1
            key = canonical_name(model.name)
            wanted = RunnerOptions.of(options, default_context)
            session = keep_alive_ns(keep_alive)
            runner = self._runners.get(key)
            evicted: list[str] = []
            event: Event = "hit" if runner is not None else "load"
            if runner is not None and (force_reload or runner.options.needs_reload(wanted)):
                event = "reload"  # server/sched.go processPending: expire it, then load anew
                self._drop(key)
                runner = None
            if runner is None:
                while len(self._runners) >= self.max_loaded:
                    evicted.append(self._evict_one())
                runner = self._new_runner(model, wanted)
                self._runners[key] = runner
            # server/sched.go load / useLoadedRunner: a request's keep_alive replaces the
            # runner's; without one a new runner gets OLLAMA_KEEP_ALIVE.
            if session is not None:
                runner.keep_alive_ns = session
            runner.last_used = self._clock
            runner.expires_at = _now() + timedelta(microseconds=runner.keep_alive_ns // 1000)
            model.loaded, model.loaded_context = True, runner.options.num_ctx
            slot, prompt_tokens, cached = self._feed(runner, prompt, reply)
            if runner.keep_alive_ns == 0:
                # server/sched.go processCompleted: a zero session expires once idle.
                self._drop(key)
            record = RunRecord(
                route=route,
                model=requested,
                canonical=key,
                event=event,
                num_ctx=runner.options.num_ctx,
                window=runner.window,
                prompt_tokens=prompt_tokens,
                cached_tokens=cached,
                slot=slot,
                evicted=tuple(evicted),
                user_agent=user_agent,
            )
            self._runs.append(record)
            return record

    def unload(
        self,
        models: list[FakeModel],
        model: FakeModel,
        *,
        route: str,
        requested: str,
        default_context: int,
        user_agent: str | None = None,
    ) -> RunRecord:
        """An empty prompt with keep_alive 0: server/sched.go expireRunner (v0.15.2)."""
        with self._lock:
            self._sync(models, default_context)
            key = canonical_name(model.name)
            runner = self._runners.get(key)
            if runner is not None:
                self._drop(key)
            record = RunRecord(
                route=route,
                model=requested,
                canonical=key,
                event="unload",
                num_ctx=runner.options.num_ctx if runner else None,
                window=runner.window if runner else 0,
                prompt_tokens=0,
                cached_tokens=0,
                slot=None,
                evicted=(),
                user_agent=user_agent,
            )
            self._runs.append(record)
            return record

    def _feed(
        self, runner: _Runner, prompt: Prompt | None, reply: Segment | None
    ) -> tuple[int | None, int, int]:
        """(slot, prompt tokens, cached tokens) for `prompt` on `runner`."""
        if prompt is None:
            return None, 0, 0
        tokens = _truncate(prompt.fit(runner.options.num_ctx).tokens(), runner.window)
        if not tokens:
            return None, 0, 0
        index, cached = self._slot_for(runner, tokens)
        slot = runner.slots[index]
        generated = tokenize(*reply) if reply is not None else []
        slot.inputs = _shift(tokens + generated, runner.window)
        return index, len(tokens), cached

    def _slot_for(self, runner: _Runner, tokens: list[str]) -> tuple[int, int]:
        """runner/ollamarunner/cache.go LoadCacheSlot (v0.15.2; runner/llamarunner/cache.go
        is the same): the slot and how many of the prompt's tokens it already holds."""
        slots = runner.slots
        longest, best = -1, 0
        for index, slot in enumerate(slots):
            count = _common_prefix(slot.inputs, tokens)
            if count > longest:  # the first slot wins a tie
                longest, best = count, index
        if self.multiuser_cache and longest != len(slots[best].inputs):
            # findBestCacheSlot: unless a slot's whole cache starts the prompt, take the
            # least recently used slot, copying the longest shared prefix into it.
            oldest = min(range(len(slots)), key=lambda index: slots[index].last_used)
            if longest > 0 and oldest != best:
                slots[oldest].inputs = slots[best].inputs[:longest]
            best = oldest
        # else findLongestCacheSlot: the slot with the longest common prefix, even if that
        # overwrites another conversation's cache while a slot stands empty.
        cached = longest
        if cached == len(tokens):
            cached -= 1  # "Leave one input to sample so we can get a response"
        slots[best].last_used = self._clock
        return best, cached
