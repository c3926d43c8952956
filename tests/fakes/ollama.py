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
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import struct
import sys
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes import ollama_versions as versions
from tests.fakes.ollama_reply import Reply, example, limited, pieces, reasoning
from tests.fakes.scheduler import (
    DEFAULT_MAX_LOADED,
    DEFAULT_NUM_PARALLEL,
    Prompt,
    RunRecord,
    Scheduler,
    canonical_name,
    keep_alive_ns,
    message_text,
    prompt_for,
    same_model,
)

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


@dataclass
class FakeModel:
    """One model the fake server has pulled."""

    name: str
    family: str = "qwen2"
    parameter_size: str = "7.6B"
    quantization_level: str = "Q4_K_M"
    size: int = 4_683_087_332
    context_length: int = 32768  # the most the model supports (/api/show)
    capabilities: list[str] = field(default_factory=lambda: ["completion", "tools", "insert"])
    # Whether a runner serves it, and its num_ctx (/api/ps): the initial state, then kept up to
    # date by the scheduler; a test may set them (a runner at loaded_context, or none). Like
    # any runner, one at another num_ctx than default_context restarts for requests without.
    loaded: bool = False
    loaded_context: int | None = None
    architecture: str = "qwen2"
    modified_at: str = "2025-06-01T10:00:00.000000+02:00"
    # Words of reasoning before each answer when thinking is on (a "thinking" model).
    thinks: int = 48
    # A runner at this num_ctx or more does not fit in the server's memory (0: none fits).
    oom_context: int | None = None

    @property
    def thinking(self) -> bool:
        return "thinking" in self.capabilities

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.name.encode()).hexdigest()

    @property
    def details(self) -> dict[str, Any]:
        return {
            "parent_model": "",
            "format": "gguf",
            "family": self.family,
            "families": [self.family],
            "parameter_size": self.parameter_size,
            "quantization_level": self.quantization_level,
        }


def default_models() -> list[FakeModel]:
    """A coder model (tools, insert) loaded at 32k, a general one not loaded, one without tools."""
    return [
        FakeModel("qwen2.5-coder:7b", loaded=True, loaded_context=32768),
        FakeModel(
            "llama3.2:3b",
            family="llama",
            architecture="llama",
            parameter_size="3.2B",
            size=2_019_393_189,
            context_length=131072,
            capabilities=["completion", "tools"],
        ),
        FakeModel(
            "starcoder2:3b",
            family="starcoder2",
            architecture="starcoder2",
            parameter_size="3B",
            quantization_level="Q4_0",
            size=1_712_698_858,
            context_length=16384,
            capabilities=["completion", "insert"],
        ),
    ]


def thinking_model(name: str = "qwen3:8b", **kw: Any) -> FakeModel:
    """A model Ollama turns thinking on for by default (qwen3, deepseek-r1, gpt-oss)."""
    fields: dict[str, Any] = {
        "family": "qwen3",
        "architecture": "qwen3",
        "parameter_size": "8.2B",
        "size": 5_225_376_047,
        "context_length": 40960,
        "capabilities": ["completion", "tools", "thinking"],
    }
    return FakeModel(name, **(fields | kw))


def embedding_model(name: str = "nomic-embed-text:latest", **kw: Any) -> FakeModel:
    """An embedding model: /api/show lists only "embedding", and every chat route refuses it."""
    fields: dict[str, Any] = {
        "family": "nomic-bert",
        "architecture": "nomic-bert",
        "parameter_size": "137M",
        "quantization_level": "F16",
        "size": 274_302_450,
        "context_length": 2048,
        "capabilities": ["embedding"],
    }
    return FakeModel(name, **(fields | kw))


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


class _Abort(Exception):
    """The fake is stopping, or the client went away: drop the connection."""


_CREATED = "2025-06-01T10:00:00.000000Z"
_ASKED_WORD = re.compile(r"Reply with exactly this word and nothing else: (\S+)")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like Ollama
    disable_nagle_algorithm = True  # as Go does; else headers and body wait on delayed ACKs
    server: _Server
    server_header: str | None = None  # set by the "other_service" fault

    # -- plumbing ---------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def setup(self) -> None:
        super().setup()
        with self.server.fake._lock:
            self.server.fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.server.fake._lock:
            self.server.fake._connections.discard(self.connection)
        with suppress(OSError):
            super().finish()

    def send_response(self, code: int, message: str | None = None) -> None:
        # Ollama (Go) sends no Server header; BaseHTTPRequestHandler would name Python.
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())
        if self.server_header:
            self.send_header("Server", self.server_header)

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

    def _raw(self, data: bytes) -> None:
        """Body bytes, dripped one at a time under the "drip" fault."""
        if self.fake._stopping.is_set():
            raise _Abort
        if self.drip is None:
            self.wfile.write(data)
            return
        for index in range(len(data)):
            self.wfile.write(data[index : index + 1])
            if self.fake._stopping.wait(self.drip):
                raise _Abort

    def _answer(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self._raw(body)

    def _json(self, data: Any, status: int = 200) -> None:
        self._answer(status, json.dumps(data).encode())

    def _not_found_route(self) -> None:
        self._answer(404, b"404 page not found", "text/plain")

    def _stream_start(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        if self.held is not None:
            self.held.append(data)
            return
        self._raw(b"%x\r\n%s\r\n" % (len(data), data))

    def _stream_end(self) -> None:
        if self.held:
            # A buffering proxy: the whole answer at once, late.
            self.fake._stopping.wait(self.fake.buffered or 0)
            whole = b"".join(self.held)
            self.held = None
            self._chunk(whole)
        self._raw(b"0\r\n\r\n")

    def _ndjson(self, item: Any) -> None:
        self._chunk(json.dumps(item).encode() + b"\n")

    def _sse(self, data: Any, event: str | None = None) -> None:
        text = data if isinstance(data, str) else json.dumps(data)
        prefix = f"event: {event}\n" if event else ""
        self._chunk(f"{prefix}data: {text}\n\n".encode())

    # -- faults -----------------------------------------------------------------------------

    def _misbehave(self, fault: Fault) -> bool:
        """Act out `fault`; True when the answer is complete, False to answer normally."""
        stopping = self.fake._stopping
        kind = fault.kind
        if kind == "delay":
            if stopping.wait(fault.delay):
                raise _Abort
            return False
        if kind == "drip":
            self.drip = fault.delay
            return False
        if kind == "stream_error":
            return False  # the routes act it out: it needs a stream to break
        if kind == "hang":
            stopping.wait()
            raise _Abort
        if kind == "reset":
            # SO_LINGER 0: close sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            raise _Abort
        if kind == "status":
            self._error(fault.status, fault.error_text)
        elif kind == "malformed":
            self._answer(200, b'{"models": [{"name": "qwen2.5-coder:7b", "size": 46')
        elif kind == "other_service":
            self.server_header = "nginx/1.24.0"
            if self.route_path == "/":
                page = b"<html><head><title>Welcome to nginx!</title></head><body></body></html>"
                self._answer(200, page, "text/html")
            else:
                page = b"<html><head><title>404 Not Found</title></head><body></body></html>"
                self._answer(404, page, "text/html")
        elif kind == "huge":
            self._stream_start("application/json; charset=utf-8")
            self._chunk(b'{"models": [')
            item = b'{"name": "padding:latest", "size": 1},' * 512
            while not stopping.is_set():
                self._chunk(item)
            raise _Abort
        elif kind == "redirect":
            self._answer(301, b"", "text/plain", {"Location": fault.location})
        elif kind == "not_http":
            self.wfile.write(self.requestline.encode() + b"\r\n\r\n")
            raise _Abort
        elif kind == "https_only":
            self._answer(400, b"Client sent an HTTP request to an HTTPS server.\n", "text/plain")
        return True

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

    def _root(self) -> None:
        self._answer(200, b"Ollama is running", "text/plain; charset=utf-8")

    def _version(self) -> None:
        self._json({"version": self.fake.version})

    def _tags(self) -> None:
        entries = []
        for model in self.fake.models:
            entry = self._model_entry(model)
            if self.fake.tags_include_capabilities:
                entry["capabilities"] = list(model.capabilities)
            entries.append(entry)
        self._json({"models": entries})

    @staticmethod
    def _model_entry(model: FakeModel) -> dict[str, Any]:
        return {
            "name": model.name,
            "model": model.name,
            "modified_at": model.modified_at,
            "size": model.size,
            "digest": model.digest,
            "details": model.details,
        }

    def _show(self) -> None:
        name = self.body.get("model") or self.body.get("name") or ""
        model = self.fake.model(name)
        if model is None:
            self._error(404, f"model '{name}' not found")
            return
        arch = model.architecture
        self._json(
            {
                "license": "",
                "modelfile": f"FROM {model.name}\n",
                "parameters": "",
                "template": "{{ .Prompt }}",
                "details": model.details,
                "model_info": {
                    "general.architecture": arch,
                    "general.parameter_count": 7_615_616_512,
                    f"{arch}.context_length": model.context_length,
                    f"{arch}.embedding_length": 3584,
                },
                "modified_at": model.modified_at,
            }
            # The field is absent before 0.6.4 (api/types.go ShowResponse).
            | (
                {"capabilities": list(model.capabilities)}
                if self.fake.since(versions.SHOW_CAPABILITIES)
                else {}
            )
        )

    def _ps(self) -> None:
        entries = []
        fake = self.fake
        for model, num_ctx, expires_at in fake.scheduler.running(fake.models, fake.default_context):
            entry = self._model_entry(model)
            entry.pop("modified_at")
            name = canonical_name(model.name)  # server/routes.go PsHandler: model.ShortName
            entry |= {
                "name": name,
                "model": name,
                "expires_at": expires_at.isoformat(),
                "size_vram": model.size,
            }
            if fake.since(versions.PS_CONTEXT_LENGTH):
                entry["context_length"] = num_ctx
            entries.append(entry)
        self._json({"models": entries})

    def _v1_models(self) -> None:
        # openai/openai.go ToListCompletion appends to a nil slice: no models is "data": null
        # (Ollama's own openai_test.go expects it).
        data = [_openai_model(m) for m in self.fake.models] or None
        self._json({"object": "list", "data": data})

    def _v1_model(self, name: str) -> None:
        model = self.fake.model(name)
        if model is None:
            self._error(404, f"model '{name}' not found", "openai")
        else:
            self._json(_openai_model(model) | {"id": name})  # openai/openai.go ToModel: as asked

    # -- errors -----------------------------------------------------------------------------

    def _error(self, status: int, message: str, shape: str | None = None) -> None:
        """An error in the shape of the route's API (native, openai, anthropic)."""
        shape = shape or self._shape()
        if status == 403 and not message:
            self._answer(403, b"", "text/plain")  # the Host and origin checks send no body
            return
        if shape == "openai":
            # middleware/openai.go BaseWriter.writeError (v0.15.2) wraps every handler error
            # with openai.NewError(500, ...): the type is "api_error" whatever the status.
            body: dict[str, Any] = {
                "error": {"message": message, "type": "api_error", "param": None, "code": None}
            }
        elif shape == "anthropic":
            # anthropic/anthropic.go NewError (v0.15.2): the type follows the status.
            kinds = {400: "invalid_request_error", 404: "not_found_error", 503: "overloaded_error"}
            kind = kinds.get(status, "api_error")
            body = {"type": "error", "error": {"type": kind, "message": message}}
        else:
            body = {"error": message}
        self._json(body, status)

    def _shape(self) -> str:
        if self.route_path.startswith("/v1/messages"):
            return "anthropic"
        return "openai" if self.route_path.startswith("/v1/") else "native"

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
        on by default for a model that can (ChatHandler); each API turns it off its way."""
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
        return model.thinking if wanted is None else bool(wanted)

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

    def _load_only(self, model: FakeModel, field_name: str) -> bool:
        """An empty prompt (messages) only loads the model, or with keep_alive 0 unloads it
        (server/routes.go GenerateHandler and ChatHandler, v0.15.2); True when answered."""
        if self.body.get("prompt" if field_name == "response" else "messages"):
            return False
        if keep_alive_ns(self.body.get("keep_alive")) == 0:
            fake = self.fake
            fake.scheduler.unload(
                fake.models,
                model,
                route=self.route_path,
                requested=self.body["model"],
                default_context=fake.default_context,
                user_agent=self.headers.get("user-agent"),
            )
            reason = "unload"
        else:
            self._run(model, None)
            reason = "load"
        answer: dict[str, Any] = {"model": self.body["model"], "created_at": _CREATED}
        if field_name == "response":
            answer["response"] = ""
        else:
            answer["message"] = {"role": "assistant", "content": ""}
        self._json(answer | {"done": True, "done_reason": reason})  # no metrics: all zero
        return True

    def _native(self, field_name: str) -> None:
        """/api/chat (field "message") and /api/generate (field "response")."""
        tools = bool(self.body.get("tools"))
        insert = field_name == "response" and bool(self.body.get("suffix"))
        model = self._check_model(tools=tools, insert=insert)
        if model is None or self._load_only(model, field_name):
            return
        reply = self._reply_for(model, prompt_for(self.route_path, self.body))
        base = {"model": self.body["model"], "created_at": _CREATED}

        def piece(
            text: str, calls: list[tuple[str, Any]] | None = None, thinking: str = ""
        ) -> dict[str, Any]:
            # api/types.go: "thinking" is omitempty in both Message and GenerateResponse.
            if field_name == "response":
                return {"response": text} | ({"thinking": thinking} if thinking else {})
            message: dict[str, Any] = {"role": "assistant", "content": text}
            if thinking:
                message["thinking"] = thinking
            if calls:
                message["tool_calls"] = [
                    {"id": f"call_{i}", "function": {"index": i, "name": n, "arguments": a}}
                    for i, (n, a) in enumerate(calls)
                ]
            return {"message": message}

        done = {"done": True, "done_reason": reply.done_reason}
        final = base | piece("") | done | reply.timings()
        if not self._streaming():
            self._json(final | piece(reply.text, reply.calls, reply.thinking))
            return
        self._stream_start("application/x-ndjson")
        chunks = [piece("", thinking=word) for word in reply.thinking_words()]
        chunks += [piece(word) for word in reply.words()]
        if reply.calls:
            chunks[-1] = piece(chunks[-1].get("message", {}).get("content", ""), reply.calls)
        for chunk in chunks:
            self._ndjson(base | chunk | {"done": False})
            if self._breaks():
                # server/routes.go streamResponse: once written, an error is one more line.
                self._ndjson({"error": self.fault.error_text if self.fault else ""})
                self._stream_end()
                return
        self._ndjson(final)
        self._stream_end()

    def _chat(self) -> None:
        self._native("message")

    def _generate(self) -> None:
        self._native("response")

    def _chat_completions(self) -> None:
        model = self._check_model(tools=bool(self.body.get("tools")))
        if model is None:
            return
        reply = self._reply_for(model, prompt_for(self.route_path, self.body))
        base = {
            "id": "chatcmpl-417",
            "created": int(time.time()),
            "model": self.body["model"],  # openai/openai.go: the name as the request gave it
            "system_fingerprint": "fp_ollama",
        }
        finish = "tool_calls" if reply.calls else reply.done_reason
        calls = [
            {
                "id": f"call_{i}",
                "index": i,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
            for i, (name, arguments) in enumerate(reply.calls)
        ]
        usage = {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.eval_count,
            "total_tokens": reply.prompt_tokens + reply.eval_count,
        }
        if not self._streaming():
            # openai/openai.go Message: "reasoning" is omitempty.
            message: dict[str, Any] = {"role": "assistant", "content": reply.text}
            if reply.thinking:
                message["reasoning"] = reply.thinking
            if calls:
                message["tool_calls"] = calls
            choice = {"index": 0, "message": message, "finish_reason": finish}
            self._json(base | {"object": "chat.completion", "choices": [choice], "usage": usage})
            return
        self._stream_start("text/event-stream")
        chunk = base | {"object": "chat.completion.chunk"}
        deltas: list[dict[str, Any]] = [
            {"role": "assistant", "content": "", "reasoning": word}
            for word in reply.thinking_words()
        ]
        deltas += [{"role": "assistant", "content": word} for word in reply.words()]
        if calls:
            deltas[-1]["tool_calls"] = calls
        for delta in deltas:
            self._sse(chunk | {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
            if self._breaks():
                # middleware/openai.go ChatWriter (v0.15.2): the handler's {"error": ...} line
                # arrives with status 200 and is converted like any chunk, so the stream ends
                # with one empty chunk and no [DONE]; no error event is ever sent.
                empty = {"index": 0, "delta": {"role": "assistant", "content": ""}}
                self._sse(chunk | {"choices": [empty | {"finish_reason": None}]})
                self._stream_end()
                return
        end = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": finish}
        self._sse(chunk | {"choices": [end]})
        options = self.body.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage"):
            self._sse(chunk | {"choices": [], "usage": usage})
        self._sse("[DONE]")
        self._stream_end()

    def _responses(self) -> None:
        model = self._check_model(tools=bool(self.body.get("tools")))
        if model is None:
            return
        reply = self._reply_for(model, prompt_for(self.route_path, self.body))
        text = reply.text
        output = {
            "type": "message",
            "id": "msg_417",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }
        response = {
            "id": "resp_417",
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": self.body["model"],
            "output": [output],
            "usage": {
                "input_tokens": reply.prompt_tokens,
                "output_tokens": reply.eval_count,
                "total_tokens": reply.prompt_tokens + reply.eval_count,
                # openai/responses.go (v0.15.2) always says 0 here ("TODO: wire through").
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 0},
            },
        }
        if not self._streaming():
            self._json(response)
            return
        # The event sequence of openai/responses.go ResponsesStreamConverter (v0.15.2): the
        # item and its content part are announced before the first delta (Codex refuses a
        # delta "without active item"), and closed before response.completed.
        self._stream_start("text/event-stream")
        numbers = iter(range(1_000_000))

        def event(kind: str, **data: Any) -> None:
            self._sse({"type": kind, "sequence_number": next(numbers), **data}, kind)

        started = response | {"status": "in_progress", "output": []}
        event("response.created", response=started)
        event("response.in_progress", response=started)
        where = {"item_id": "msg_417", "output_index": 0, "content_index": 0}
        part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        item = {"id": "msg_417", "type": "message", "role": "assistant"}
        event(
            "response.output_item.added",
            output_index=0,
            item=item | {"status": "in_progress", "content": []},
        )
        event("response.content_part.added", **where, part=part)
        for word in reply.words():
            event("response.output_text.delta", **where, delta=word, logprobs=[])
            if self._breaks():
                self._stream_end()  # middleware/responses.go: nothing more, no error event
                return
        done = part | {"text": text}
        event("response.output_text.done", **where, text=text, logprobs=[])
        event("response.content_part.done", **where, part=done)
        event(
            "response.output_item.done",
            output_index=0,
            item=item | {"status": "completed", "content": [done]},
        )
        event("response.completed", response=response)
        self._stream_end()

    def _messages(self) -> None:
        model = self._check_model(tools=bool(self.body.get("tools")))
        if model is None:
            return
        reply = self._reply_for(model, prompt_for(self.route_path, self.body))
        usage = {"input_tokens": reply.prompt_tokens, "output_tokens": reply.eval_count}
        # anthropic/anthropic.go mapStopReason (v0.15.2).
        stop = "max_tokens" if reply.cut else "end_turn"
        blocks: list[dict[str, Any]] = []
        if reply.thinking:
            blocks.append({"type": "thinking", "thinking": reply.thinking})
        if reply.text or not reply.thinking:
            blocks.append({"type": "text", "text": reply.text})
        message = {
            "id": "msg_417",
            "type": "message",
            "role": "assistant",
            "model": self.body["model"],
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }
        if not self._streaming():
            self._json(message)
            return
        # anthropic/anthropic.go StreamConverter.Process (v0.15.2): message_start, then a
        # block is opened when its first piece arrives (thinking, then text) and closed when
        # the next begins or the answer ends; no ping.
        self._stream_start("text/event-stream")
        start = message | {
            "content": [],
            "stop_reason": None,
            "usage": usage | {"output_tokens": 0},
        }
        self._sse({"type": "message_start", "message": start}, "message_start")
        index = 0
        for kind, words in (("thinking", reply.thinking_words()), ("text", pieces(reply.text))):
            if not words:
                continue
            opened = {"type": "content_block_start", "index": index}
            self._sse(opened | {"content_block": {"type": kind, kind: ""}}, opened["type"])
            for word in words:
                delta = {"type": "content_block_delta", "index": index}
                payload = {"type": f"{kind}_delta", kind: word}
                self._sse(delta | {"delta": payload}, delta["type"])
                if self._breaks():
                    self._stream_end()  # the error line becomes no event: the stream just ends
                    return
            self._sse({"type": "content_block_stop", "index": index}, "content_block_stop")
            index += 1
        end = {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None}}
        self._sse(end | {"usage": {"output_tokens": reply.eval_count}}, "message_delta")
        self._sse({"type": "message_stop"}, "message_stop")
        self._stream_end()

    def _count_tokens(self) -> None:
        if self._check_model() is not None:
            # Not a v0.15.2 route: the prompt /v1/messages would render, before truncation.
            self._json({"input_tokens": len(prompt_for(self.route_path, self.body).tokens())})


def _openai_model(model: FakeModel) -> dict[str, Any]:
    return {"id": model.name, "object": "model", "created": 1748764800, "owned_by": "library"}


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
