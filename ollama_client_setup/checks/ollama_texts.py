"""What Ollama's answers mean, read from the words its source writes (docs/server.md,
"What the server's errors mean"). No I/O and no Click: the verdicts of doctor, smoke and the
model commands ask these.

Sources (github.com/ollama/ollama, file and release):

- ``model 'NAME' not found`` (server/routes.go ChatHandler, v0.15.2) and
  ``model "NAME" not found, try pulling it first`` (handleScheduleError); on /v1/messages the
  same text comes as a ``not_found_error``, while a route the server lacks is gin's plain
  ``404 page not found``.
- ``"NAME" does not support chat`` / ``... generate``: an embedding model (routes.go,
  errCapabilityCompletion), 400 on every chat route.
- ``model requires more system memory (21.5 GiB) than is available (15.2 GiB)`` (llm/server.go,
  up to v0.29) and ``llama-server reported out-of-memory during startup: ...``
  (llm/llama_server.go, v0.30 on), 500; llm/status.go lists the words llama.cpp reports.
- ``server busy, please try again.  maximum pending requests exceeded`` (server/sched.go
  ErrMaxQueue), 503.
- An empty 403: allowedHostsMiddleware (routes.go) refuses a Host that is not a local name when
  Ollama listens on loopback; its CORS check does the same to a foreign Origin, which this tool
  never sends.
"""

from __future__ import annotations

import re

_NOT_FOUND = re.compile(r"""\bmodel ['"]?(?P<name>[^'"]+?)['"]? not found""", re.IGNORECASE)
_NO_CHAT = re.compile(r'"(?P<name>[^"]+)" does not support (?:chat|generate)\b')
_MEMORY = (
    "requires more system memory",
    "out-of-memory",
    "out of memory",
    "out of device memory",
    "not enough memory",
    "insufficient memory",
    "cudamalloc failed",
    "hipmalloc failed",
    "failed to allocate",
)
_MEMORY_NUMBERS = re.compile(
    r"requires more system memory \((?P<need>[^)]+)\) than is available \((?P<have>[^)]+)\)"
)
BUSY = "maximum pending requests exceeded"


def missing_model(text: str | None) -> bool:
    """The server's own words for a model it does not have."""
    return bool(text and _NOT_FOUND.search(text))


def cannot_chat(text: str | None) -> bool:
    """The model has no `completion` capability: an embedding model."""
    return bool(text and _NO_CHAT.search(text))


def out_of_memory(text: str | None) -> bool:
    lowered = (text or "").lower()
    return any(words in lowered for words in _MEMORY)


def memory_numbers(text: str | None) -> tuple[str, str] | None:
    """(needed, available) when the server said them (releases before 0.30)."""
    match = _MEMORY_NUMBERS.search(text or "")
    return (match["need"], match["have"]) if match else None


def busy(status: int | None, text: str | None) -> bool:
    return status == 503 and BUSY in (text or "")


def host_check(status: int | None, text: str | None, empty: bool) -> bool:
    """An empty 403: Ollama's Host check (its origin check needs an Origin, never sent)."""
    return status == 403 and empty and not text
