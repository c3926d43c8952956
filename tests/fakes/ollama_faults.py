"""The fake Ollama server's switchable misbehaviours: the kinds, and a :class:`Fault` (which
paths, how long, how many times). The handler acts them out (ollama_http.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tests.fakes import ollama_versions as versions

FaultKind = Literal[
    "delay",  # wait `delay` seconds, then answer normally
    "hang",  # accept, read the request, never answer (until stop)
    "status",  # answer `status` with an Ollama error body (`message`)
    "reset",  # read the request, then reset the connection (RST)
    "malformed",  # 200 application/json with broken JSON
    "stream_error",  # streams: one chunk, then an error chunk and the end; otherwise a 500
    "other_service",  # answer like nginx: HTML 200 on /, HTML 404 elsewhere
    "huge",  # 200 with an endless JSON body
    "drip",  # the normal answer, one body byte every `delay` seconds
    "redirect",  # 301 to `location`
    "not_http",  # echo the request line back, like a service that does not speak HTTP
    "https_only",  # what a TLS front end answers to plain HTTP (Go's 400)
]

_FAULT_KINDS = frozenset(FaultKind.__args__)  # type: ignore[attr-defined]

_STATUS_TEXT = {
    400: "invalid request",
    403: "",  # Ollama's Host and origin checks refuse with an empty body
    404: versions.NOT_FOUND.format(name="unknown"),
    500: "llama runner process has terminated: exit status 2",
    502: "cloud model unreachable",
    503: versions.BUSY,
}


@dataclass
class Fault:
    """A misbehaviour of the fake; applies to every path, or to `paths` (prefixes)."""

    kind: FaultKind
    # "/api" matches "/api/tags" and "/api/show"; "/" matches only the root.
    paths: set[str] | frozenset[str] | None = None
    delay: float = 0.05
    status: int = 500
    message: str | None = None
    location: str = "http://elsewhere.invalid:11434/"
    # Apply to this many matching requests, then clear itself (None: until changed).
    times: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; one of {sorted(_FAULT_KINDS)}")

    def matches(self, path: str) -> bool:
        if self.paths is None:
            return True
        return any(
            path == prefix or (prefix != "/" and path.startswith(prefix.rstrip("/") + "/"))
            for prefix in self.paths
        )

    @property
    def error_text(self) -> str:
        if self.message is not None:
            return self.message
        return _STATUS_TEXT.get(self.status, "internal error")
