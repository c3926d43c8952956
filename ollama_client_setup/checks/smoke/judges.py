"""What each `smoke` answer means: pure verdicts on what came back (no I/O), shared with
doctor's deep checks.

Thinking models (qwen3, deepseek-r1, gpt-oss) reason before they answer, and Ollama turns
that on by default: the reasoning arrives apart from the text (native ``thinking``, OpenAI
``reasoning``, Anthropic ``thinking`` blocks) and counts against the token limit, so an empty
answer with reasoning means the limit was spent thinking, not that the model ignores the
request (docs/server.md).
"""

from __future__ import annotations

import json
from typing import Any

from ollama_client_setup.base.results import Fix, Result, ok, warn
from ollama_client_setup.checks.catalog import human_tokens
from ollama_client_setup.net.ollama_types import ChatResult, StreamResult

TOOL_NAME = "get_weather"
# A stream taking longer than this whose first text came at the very end was held back.
BUFFERED_MIN_TOTAL = 1.0
BUFFERED_RATIO = 0.9
# A model /api/ps listed as loaded that takes this long to "load" was loaded again.
RELOAD_S = 1.0
# A cold load this long outlasts the patience of clients with short timeouts.
SLOW_LOAD_S = 30.0


def reasoned_only(content: str, reasoning: str, tokens: int, **numbers: Any) -> Result | None:
    """The warning for an answer whose every token went into reasoning, else None."""
    if content.strip() or not reasoning.strip():
        return None
    return warn(
        f"it spent its {tokens} tokens reasoning and gave no answer",
        Fix(
            "A thinking model reasons before every answer (Ollama 0.12.4 and newer turn it "
            "on by default), "
            "and clients wait for that on each request. Give them room (their max tokens), "
            "turn reasoning down where the client allows it, or choose a model without "
            "thinking for quick answers."
        ),
        f"it reasoned: {quote(reasoning)}",
        **numbers,
    )


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


def judge_stream(result: StreamResult, tokens: int) -> Result:
    """A stream asked for at most `tokens` tokens; reasoning counts as flowing."""
    ttft, total = result.time_to_first_token, result.total
    numbers: dict[str, Any] = {"ttft_s": ttft, "total_s": total}
    thought = reasoned_only(result.content, result.reasoning, tokens, **numbers)
    if thought is not None:
        return thought
    if ttft is None:
        return warn(
            "the stream carried no text",
            empty_fix(tokens),
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


def judge_json(answer: ChatResult, tokens: int) -> Result:
    text = answer.content.strip()
    numbers = {"total_s": answer.elapsed}
    thought = reasoned_only(answer.content, answer.reasoning, tokens, **numbers)
    if thought is not None:
        return thought
    try:
        value = json.loads(text)
    except ValueError:
        value = None
        valid = False
    else:
        valid = True
    if valid and isinstance(value, dict):
        return ok(f"returned a JSON object in {answer.elapsed:.2f} s", quote(text), **numbers)
    cut = f" (cut off at max_tokens={tokens})" if answer.stop_reason == "length" else ""
    problem = "is JSON but not an object" if valid else "is not valid JSON"
    return warn(
        f"the answer {problem}{cut}: the model does not keep to the format",
        Fix(
            "The server passed response_format on; this model ignores it. Clients that ask "
            "for JSON (structured edits, commit messages) work better with another model."
        ),
        f"it answered: {quote(text) if text else '(nothing)'}",
        **numbers,
    )


def judge_tools(answer: ChatResult, tokens: int) -> Result:
    numbers: dict[str, Any] = {"total_s": answer.elapsed}
    if not answer.tool_calls:
        thought = reasoned_only(answer.content, answer.reasoning, tokens, **numbers)
        if thought is not None:
            return thought
    fix = Fix(
        "Agent clients (Claude Code, Codex, OpenCode, Continue's agent mode) need structured "
        "tool calls. Choose a model that makes them reliably; a context window that is too "
        "small makes models print tool calls as text, too."
    )
    if not answer.tool_calls:
        said = quote(answer.content.strip()) if answer.content.strip() else "(nothing)"
        return warn("answered without calling the tool", fix, f"it answered: {said}", **numbers)
    call = answer.tool_calls[0]
    if call.name != TOOL_NAME:
        return warn(f"called {call.name!r}, a tool it was not given", fix, **numbers)
    if not isinstance(call.arguments, dict):
        return warn(
            "the tool call's arguments are not valid JSON",
            fix,
            f"arguments: {quote(call.arguments)}",
            **numbers,
        )
    arguments = json.dumps(call.arguments, ensure_ascii=False)
    return ok(f"called {TOOL_NAME}({clip(arguments)}) in {answer.elapsed:.2f} s", **numbers)


# -- small helpers --------------------------------------------------------------------------


def empty_fix(tokens: int) -> Fix:
    return Fix(
        f"The model gave no text within {tokens} tokens. A reasoning model may spend them "
        "thinking; try it in a client, or choose another model."
    )


def clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def quote(text: str) -> str:
    return json.dumps(clip(text), ensure_ascii=False)
