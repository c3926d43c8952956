"""A fake Ollama server: real HTTP on 127.0.0.1, Ollama's answer shapes, switchable faults.

    with FakeOllama() as fake:
        fake.set_fault("hang", paths={"/api/tags"})
        ...
        fake.requests  # what clients sent

Native (/api), OpenAI-compatible (/v1/models, /v1/chat/completions, /v1/responses) and
Anthropic-compatible (/v1/messages) routes answer the way Ollama's source has them (server/
routes.go, openai/, anthropic/ and middleware/ at v0.15.2; `version=` selects what older or
newer releases differ in, tests/fakes/ollama_versions.py); unknown routes get gin's plain
"404 page not found". Thinking models reason first (tests/fakes/ollama_reply.py).
Inference goes through a model of Ollama's scheduler and prompt cache (tests/fakes/scheduler.py):
`fake.runs` says per request whether the model was loaded, reloaded or reused, and how much of
the prompt came from the cache.

This module holds the server and its lifecycle, what it records, and the handler that
routes each request. The rest: the models (ollama_models.py), the faults
(ollama_faults.py), HTTP answers, streams and errors (ollama_http.py), what inference
routes share (ollama_inference.py), and the native, OpenAI-compatible and
Anthropic-compatible routes (ollama_native.py, ollama_openai.py, ollama_anthropic.py).
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from contextlib import suppress
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes import ollama_versions as versions
from tests.fakes.ollama_anthropic import _AnthropicRoutes
from tests.fakes.ollama_faults import Fault, FaultKind
from tests.fakes.ollama_http import _Abort
from tests.fakes.ollama_models import FakeModel, default_models
from tests.fakes.ollama_native import _NativeRoutes
from tests.fakes.ollama_openai import _OpenAIRoutes
from tests.fakes.scheduler import (
    DEFAULT_MAX_LOADED,
    DEFAULT_NUM_PARALLEL,
    RunRecord,
    Scheduler,
    same_model,
)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    json: Any  # the parsed body, or None when it was empty or not JSON
    body: bytes


def unused_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, read, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeOllama:
    """An Ollama look-alike on 127.0.0.1:<free port>; `start()`/`stop()` or use it with `with`."""

    def __init__(
        self,
        models: list[FakeModel] | None = None,
        *,
        version: str = "0.15.2",
        anthropic: bool | None = None,
        tags_include_capabilities: bool | None = None,
        default_context: int = 4096,
        load_duration_ns: int = 1_250_000_000,
        reload_every_request: bool = False,
        origin_check: bool = False,
        forwarded_host: str | None = None,
        buffered: float | None = None,
        obedient: bool = False,
        max_loaded: int = DEFAULT_MAX_LOADED,
        num_parallel: int = DEFAULT_NUM_PARALLEL,
        multiuser_cache: bool = False,
    ) -> None:
        self.models = default_models() if models is None else list(models)
        self.version = version
        # What the version decides unless a test says otherwise (ollama_versions.py).
        if anthropic is None:
            anthropic = versions.since(version, versions.MESSAGES_ROUTE)
        if tags_include_capabilities is None:
            tags_include_capabilities = versions.since(version, versions.TAGS_CAPABILITIES)
        self.anthropic = anthropic  # False: /v1/messages is a 404, as before Ollama 0.14.0
        self.tags_include_capabilities = tags_include_capabilities
        # The num_ctx of a request without one (OLLAMA_CONTEXT_LENGTH, 4096 in v0.15.2).
        self.default_context = default_context
        self.load_duration_ns = load_duration_ns
        # Signatures of field failures (docs/field-failures.md):
        # every request reloads the model, as when clients ask for different num_ctx (row 8);
        self.reload_every_request = reload_every_request
        # a request carrying an Origin header is refused, as Ollama's allow-list does (row 12);
        self.origin_check = origin_check
        # Ollama bound to loopback behind a proxy that forwards this Host: its Host check
        # answers every request an empty 403 unless the name is a local one (row 12).
        self.forwarded_host = forwarded_host
        # a proxy buffers streams: nothing arrives until the end, `buffered` seconds late.
        self.buffered = buffered
        # Answer "Reply with exactly this word ...: WORD" with WORD, as a good model would.
        self.obedient = obedient
        # Runners and their prompt caches: OLLAMA_MAX_LOADED_MODELS, OLLAMA_NUM_PARALLEL,
        # OLLAMA_MULTIUSER_CACHE (see tests/fakes/scheduler.py).
        self.scheduler = Scheduler(
            max_loaded=max_loaded, num_parallel=num_parallel, multiuser_cache=multiuser_cache
        )
        self.fault: Fault | None = None
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeOllama:
        if self._server is not None:
            return self
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Fast even with hung handlers: release waiters, stop accepting, cut open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake Ollama server is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- state ------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in order."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        """Block until `count` requests have arrived (True), or `timeout` passes (False)."""
        with self._recorded:
            return self._recorded.wait_for(lambda: len(self._requests) >= count, timeout)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def set_fault(
        self, kind: FaultKind, *, path: str | None = None, paths: set[str] | None = None, **kw: Any
    ) -> Fault:
        """Switch a fault on (for `path`, `paths`, or every path) and return it."""
        if path is not None:
            paths = {path} | (paths or set())
        self.fault = Fault(kind, paths=paths, **kw)
        return self.fault

    def clear_fault(self) -> None:
        self.fault = None

    def since(self, first: str) -> bool:
        """Whether this server's version has what `first` introduced (ollama_versions.py)."""
        return versions.since(self.version, first)

    def model(self, name: str) -> FakeModel | None:
        """The pulled model a request for `name` gets ("testmodel" finds "testmodel:latest")."""
        exact = next((model for model in self.models if model.name == name), None)
        return exact or next((m for m in self.models if same_model(name, m.name)), None)

    @property
    def runs(self) -> list[RunRecord]:
        """One record per inference request, in order (see tests/fakes/scheduler.py)."""
        return self.scheduler.runs

    @property
    def loads(self) -> int:
        """Requests that found no runner for their model and started one."""
        return sum(run.event == "load" for run in self.runs)

    @property
    def reloads(self) -> int:
        """Requests that restarted their model's runner (other options: num_ctx, ...)."""
        return sum(run.event == "reload" for run in self.runs)

    def clear_runs(self) -> None:
        self.scheduler.clear_runs()

    def _record(self, request: RecordedRequest) -> None:
        with self._recorded:
            self._requests.append(request)
            self._recorded.notify_all()

    def _fault_for(self, path: str) -> Fault | None:
        with self._lock:
            fault = self.fault
            if fault is None or not fault.matches(path):
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.fault = None
            return fault


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeOllama

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (a test's timeout, a size cap) are expected; bugs are not.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(_NativeRoutes, _OpenAIRoutes, _AnthropicRoutes):
    """Each request: read and recorded, refused or misbehaved, else routed (_ROUTES)."""

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_HEAD = do_PUT = do_DELETE = do_GET

    def _handle(self) -> None:
        self.fake = self.server.fake
        self.drip: float | None = None
        self.server_header = None
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        url = urlsplit(self.path)
        self.route_path = url.path
        self.query = parse_qs(url.query)
        self.body = parsed if isinstance(parsed, dict) else {}
        self.fake._record(
            RecordedRequest(
                method=self.command,
                path=url.path,
                query=self.query,
                headers={key.lower(): value for key, value in self.headers.items()},
                json=parsed,
                body=raw,
            )
        )
        self.fault = self.fake._fault_for(url.path)
        self.held: list[bytes] | None = [] if self.fake.buffered is not None else None
        host = self.fake.forwarded_host
        refused_host = host is not None and not versions.allowed_host(host)
        if refused_host or (self.fake.origin_check and self.headers.get("Origin")):
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            if self.fault is None or not self._misbehave(self.fault):
                self._route()
        except (_Abort, OSError):
            self.close_connection = True

    # -- routing ----------------------------------------------------------------------------

    def _route(self) -> None:
        method, path = self.command, self.route_path
        if path.startswith("/v1/models/") and method == "GET":
            self._v1_model(unquote(path[len("/v1/models/") :]))
            return
        handler = _ROUTES.get((method, path))
        missing = (path.startswith("/v1/messages") and not self.fake.anthropic) or (
            path == "/v1/responses" and not self.fake.since(versions.RESPONSES_ROUTE)
        )
        if handler is None or missing:
            self._not_found_route()
            return
        handler(self)


_ROUTES = {
    ("GET", "/"): _Handler._root,
    ("HEAD", "/"): _Handler._root,
    ("GET", "/api/version"): _Handler._version,
    ("GET", "/api/tags"): _Handler._tags,
    ("POST", "/api/show"): _Handler._show,
    ("GET", "/api/ps"): _Handler._ps,
    ("POST", "/api/chat"): _Handler._chat,
    ("POST", "/api/generate"): _Handler._generate,
    ("GET", "/v1/models"): _Handler._v1_models,
    ("POST", "/v1/chat/completions"): _Handler._chat_completions,
    ("POST", "/v1/responses"): _Handler._responses,
    ("POST", "/v1/messages"): _Handler._messages,
    ("POST", "/v1/messages/count_tokens"): _Handler._count_tokens,
}
