"""What the fake model generates for one request: reasoning, text, tool calls, timings.

A thinking model reasons before it answers, and the reasoning counts against the request's
token limit (num_predict / max_tokens) like any generated token: a small limit can be spent
before the answer begins, and the answer then ends with done_reason "length"
(server/routes.go ChatHandler and runner/ollamarunner, v0.15.2). A format applies only after
the reasoning (ChatHandler's "structured outputs via double request"), so the answer still
keeps to it. Tokens are words here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REASONING = (
    "Okay, the user wants a short answer. Let me think about what they asked, check the "
    "instructions once more, and then reply exactly as requested without anything extra."
)
#: Tokens a tool call costs (its name and arguments).
CALL_TOKENS = 8


def example(schema: Any) -> Any:
    """A value that satisfies a (simple) JSON schema: for format/response_format and tool args."""
    if not isinstance(schema, dict):
        return "example"
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {key: example(value) for key, value in schema.get("properties", {}).items()}
    if kind == "array":
        return [example(schema.get("items"))]
    samples = {"integer": 1, "number": 1.5, "boolean": True}
    return samples.get(kind, "example") if isinstance(kind, str) else "example"


def reasoning(words: int) -> str:
    """`words` words of reasoning (the fixed text, repeated as needed)."""
    pool = REASONING.split(" ")
    return " ".join(pool[i % len(pool)] for i in range(words))


def pieces(text: str) -> list[str]:
    """A text as its stream chunks: one word each, the spaces kept."""
    words = text.split(" ")
    return [word + " " for word in words[:-1]] + words[-1:] if text else []


@dataclass
class Reply:
    """What the fake model says, and the timings it reports (nanoseconds)."""

    text: str
    calls: list[tuple[str, Any]]
    load_duration: int
    # The whole prompt: runner/ollamarunner/runner.go (v0.15.2) reports numPromptInputs, set
    # before LoadCacheSlot takes the cached prefix off, so cached tokens count too.
    prompt_tokens: int
    cached_tokens: int = 0  # only the rest is evaluated, which prompt_eval_duration shows
    thinking: str = ""
    #: The token limit ended the answer (done_reason "length").
    cut: bool = False

    def words(self) -> list[str]:
        return pieces(self.text) or [""]

    def thinking_words(self) -> list[str]:
        return pieces(self.thinking)

    @property
    def eval_count(self) -> int:
        spent = len(self.thinking_words()) + len(pieces(self.text))
        return max(1, spent + CALL_TOKENS * len(self.calls))

    @property
    def done_reason(self) -> str:
        return "length" if self.cut else "stop"

    def timings(self) -> dict[str, int]:
        prompt_ns = (self.prompt_tokens - self.cached_tokens) * 250_000
        eval_ns = self.eval_count * 20_000_000
        return {
            "total_duration": self.load_duration + prompt_ns + eval_ns + 1_000_000,
            "load_duration": self.load_duration,
            "prompt_eval_count": self.prompt_tokens,
            "prompt_eval_duration": prompt_ns,
            "eval_count": self.eval_count,
            "eval_duration": eval_ns,
        }


def limited(
    thinking: str, text: str, calls: list[tuple[str, Any]], limit: int | None
) -> tuple[str, str, list[tuple[str, Any]], bool]:
    """(thinking, text, calls, cut) once `limit` tokens are generated: reasoning first, then
    the answer, then the tool calls; None or a negative limit means no limit (num_predict -1)."""
    if limit is None or limit < 0:
        return thinking, text, calls, False
    thought = pieces(thinking)
    if len(thought) >= limit and (thought[limit:] or text or calls):
        return "".join(thought[:limit]).rstrip(), "", [], True
    left = limit - len(thought)
    said = pieces(text)
    if len(said) > left:
        return thinking, "".join(said[:left]).rstrip(), [], True
    left -= len(said)
    if len(calls) * CALL_TOKENS > left:
        return thinking, text, [], True
    return thinking, text, calls, False
