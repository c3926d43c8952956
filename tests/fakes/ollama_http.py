"""How the fake Ollama server talks HTTP: bodies, chunked streams (NDJSON and SSE), errors in
each API's shape, and the faults acted out. The routes build on it (ollama_inference.py)."""

from __future__ import annotations

import json
import socket
import struct
from contextlib import suppress
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from tests.fakes import ollama_versions as versions
from tests.fakes.ollama_faults import Fault

if TYPE_CHECKING:
    from tests.fakes.ollama import _Server


class _Abort(Exception):
    """The fake is stopping, or the client went away: drop the connection."""


class _Plumbing(BaseHTTPRequestHandler):
    """Answers, streams and errors the way Ollama sends them, and the faults acted out."""

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

    # -- errors -----------------------------------------------------------------------------

    def _error(self, status: int, message: str, shape: str | None = None) -> None:
        """An error in the shape of the route's API (native, openai, anthropic)."""
        shape = shape or self._shape()
        if status == 403 and not message:
            self._answer(403, b"", "text/plain")  # the Host and origin checks send no body
            return
        if shape == "openai":
            # middleware/openai.go BaseWriter.writeError: up to 0.17 every handler error is
            # openai.NewError(500, ...), "api_error" whatever the status; from 0.18.0 the type
            # follows the status (ollama_versions.OPENAI_ERROR_TYPES).
            kind = "api_error"
            if self.fake.since(versions.OPENAI_ERROR_TYPES):
                kind = {400: "invalid_request_error", 404: "not_found_error"}.get(status, kind)
            body: dict[str, Any] = {
                "error": {"message": message, "type": kind, "param": None, "code": None}
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
