"""The transport under the Ollama client: every failure becomes a ServerError.

Bodies are read with a size cap and every call has an overall deadline (a timer shuts the
socket down), so a misbehaving server can neither flood nor stall the caller; socket errors
are classified into the categories of ollama_types.Category (docs/field-failures.md).
Also the NDJSON / SSE line readers the streaming calls use.
"""

from __future__ import annotations

import errno
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from functools import cache
from typing import Any

import httpx

from ollama_client_setup.base.output import printable
from ollama_client_setup.net import probe as netprobe
from ollama_client_setup.net.ollama_types import Category, ServerError

MAX_BODY = 16 * 1024 * 1024
#: The cap for the small answers that describe the server (/, version, tags, show, ps, the
#: model list): real ones are kilobytes, and `model list` reads up to eight /api/show
#: answers at once, so the full cap there would let a hostile server take ~130 MiB.
MAX_META_BODY = 4 * 1024 * 1024
_META_PATHS = frozenset({"/", "/api/version", "/api/tags", "/api/show", "/api/ps", "/v1/models"})

# netprobe classifies DNS / refused / timeout / unreachable; a reset only happens here.
_RESET = frozenset(
    getattr(errno, name)
    for name in ("ECONNRESET", "EPIPE", "ECONNABORTED", "WSAECONNRESET", "WSAECONNABORTED")
    if hasattr(errno, name)
)

# What TLS front ends answer to plain HTTP (Go's net/http, e.g. `tailscale serve`; nginx).
_PLAIN_TO_TLS = (
    b"Client sent an HTTP request to an HTTPS server",
    b"plain HTTP request was sent to HTTPS port",
)


def _os_cause(exc: BaseException) -> OSError | None:
    """The socket-level error behind an httpx exception (httpx -> httpcore -> OSError)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _classify(exc: httpx.RequestError, seconds: float) -> tuple[Category, str]:
    """Category and a short phrase for a transport failure (``seconds``: the time allowed)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return Category.TIMEOUT, f"did not accept a connection within {seconds:.1f} s"
    if isinstance(exc, httpx.TimeoutException):
        return Category.TIMEOUT, f"did not answer within {seconds:.1f} s"
    cause = _os_cause(exc)
    detail = str(cause or exc) or type(exc).__name__
    if isinstance(cause, ssl.SSLError):
        return Category.PROTOCOL, f"TLS failed, is it http rather than https? ({detail})"
    if cause is not None:
        kind = netprobe.classify_oserror(cause)
        if kind is netprobe.ProbeCategory.DNS:
            return Category.DNS, f"names a host that does not resolve ({detail})"
        if kind is netprobe.ProbeCategory.REFUSED:
            return Category.REFUSED, "refused the connection: nothing listens on that port"
        if kind is netprobe.ProbeCategory.UNREACHABLE:
            return Category.UNREACHABLE, f"is unreachable: no route to the host ({detail})"
        if kind is netprobe.ProbeCategory.TIMEOUT:
            return Category.TIMEOUT, f"did not answer in time ({detail})"
    code = cause.errno if cause is not None else None
    if code in _RESET:
        return Category.RESET, f"reset the connection ({detail})"
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc)
        # h11 reports a clean-but-early close this way; anything else is a parse failure.
        if "disconnected" in text or "peer closed" in text:
            return Category.RESET, "closed the connection before the answer was complete"
        return Category.PROTOCOL, f"did not answer in HTTP, is it https? ({detail})"
    if isinstance(exc, (httpx.ProtocolError, httpx.UnsupportedProtocol, httpx.DecodingError)):
        return Category.PROTOCOL, f"broke the HTTP protocol ({detail})"
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.CloseError)):
        return Category.RESET, f"dropped the connection ({detail})"
    return Category.UNREACHABLE, f"could not be reached ({detail})"


def _error_text(body: bytes) -> str | None:
    """Ollama's error text: ``{"error": "..."}``, or ``{"error": {"message": ...}}`` on /v1."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, str):
        return printable(error)
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return printable(error["message"])
    return None


def _describe(response: httpx.Response, body: bytes) -> str:
    """A few words on what answered: content type, <title>, Server header."""
    kind = response.headers.get("content-type", "").split(";")[0].strip() or "untyped data"
    text = body[:4096].decode("utf-8", "replace")
    start = text.lower().find("<title>")
    end = text.lower().find("</title>")
    if 0 <= start < end:
        kind += f" titled {text[start + 7 : end].strip()!r}"
    elif text.strip() and "html" not in kind:
        kind += f" starting {text.strip()[:40]!r}"
    server = response.headers.get("server")
    return f"{kind} from server {server!r}" if server else kind


class _Reply:
    """One streamed response: reads bounded by size and by the call's deadline."""

    def __init__(
        self, response: httpx.Response, url: str, started: float, budget: float, max_body: int
    ) -> None:
        self.response = response
        self.url = url
        self.started = started
        self.budget = budget
        self.deadline_at = started + budget
        self.max_body = max_body
        self._received = 0
        self._lock = threading.Lock()
        self._closed = False
        self._expired = False
        self._timer: threading.Timer | None = None

    def error(
        self,
        category: Category,
        message: str,
        *,
        status: int | None = None,
        server_message: str | None = None,
    ) -> ServerError:
        return ServerError(
            category,
            message,
            url=self.url,
            status=status,
            server_message=server_message,
            elapsed=time.monotonic() - self.started,
        )

    def _timeout(self) -> ServerError:
        return self.error(
            Category.TIMEOUT, f"{self.url} did not finish answering within {self.budget:.1f} s."
        )

    def _arm(self) -> None:
        # httpx's read timeout applies per read, so a server dripping bytes (or stalling mid-body)
        # could run far past the deadline; shutting the socket down at the deadline unblocks the
        # read at once. Custom transports have no socket: the per-chunk check still applies.
        stream = self.response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        self._timer = threading.Timer(
            max(self.deadline_at - time.monotonic(), 0.0), self._expire, (sock,)
        )
        self._timer.daemon = True
        self._timer.start()

    def _expire(self, sock: socket.socket) -> None:
        with self._lock:
            if self._closed:
                return
            self._expired = True
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def chunks(self) -> Iterator[bytes]:
        declared = _to_int(self.response.headers.get("content-length"))
        if declared is not None and declared > self.max_body:
            raise self._too_large()
        if self._timer is None:
            self._arm()
        try:
            for chunk in self.response.iter_bytes():
                self._received += len(chunk)
                if self._received > self.max_body:
                    raise self._too_large()
                if time.monotonic() > self.deadline_at:
                    raise self._timeout()
                yield chunk
        except httpx.RequestError as exc:
            if self._expired:
                raise self._timeout() from exc
            category, phrase = _classify(exc, self.budget)
            raise self.error(category, f"{self.url} {phrase}.") from exc
        with self._lock:
            self._closed = True  # the connection may go back to the pool: hands off
            expired = self._expired
        if expired:  # a body that ends at the close of the connection ended at the deadline
            raise self._timeout()

    def _too_large(self) -> ServerError:
        limit = self.max_body / (1024 * 1024)
        return self.error(Category.TOO_LARGE, f"The answer from {self.url} exceeded {limit:g} MiB.")

    def body(self) -> bytes:
        return b"".join(self.chunks())

    def lines(self) -> Iterator[str]:
        """Decoded lines without their line ends (NDJSON and SSE are both line-based)."""
        pending: list[bytes] = []  # pieces of the unfinished line; only new bytes are scanned
        for chunk in self.chunks():
            first, *rest = chunk.split(b"\n")
            pending.append(first)
            if not rest:
                continue
            for line in [b"".join(pending), *rest[:-1]]:
                yield line.rstrip(b"\r").decode("utf-8", "replace")
            pending = [rest[-1]]
        if any(pending):
            yield b"".join(pending).rstrip(b"\r").decode("utf-8", "replace")

    def check_status(self) -> None:
        """Redirects and error statuses become ServerErrors."""
        response = self.response
        status = response.status_code
        reason = f"{status} {response.reason_phrase}".strip()
        if 300 <= status < 400:
            location = response.headers.get("location", "nowhere")
            raise self.error(
                Category.REDIRECT,
                f"{self.url} redirects ({reason}) to {location}; redirects are not followed.",
                status=status,
            )
        if status < 400:
            return
        try:
            body = self.body()
        except ServerError:
            body = b""  # the status alone still says what happened
        if status == 400 and any(marker in body for marker in _PLAIN_TO_TLS):
            raise self.error(
                Category.PROTOCOL,
                f"{self.url} is a TLS port: use https:// rather than http://.",
                status=status,
            )
        server_message = _error_text(body)
        if server_message is not None:
            message = f"{self.url} answered {reason}: {server_message}"
        elif not body.strip():
            message = f"{self.url} answered {reason} with an empty body"
        else:
            message = f"{self.url} answered {reason} ({_describe(response, body)})"
        error = self.error(
            Category.HTTP_STATUS,
            message.rstrip(".") + ".",
            status=status,
            server_message=server_message,
        )
        error.empty = not body.strip()
        raise error

    def json(self) -> Any:
        body = self.body()
        try:
            return json.loads(body)
        except ValueError:
            content_type = self.response.headers.get("content-type", "")
        if "json" in content_type:
            raise self.error(Category.MALFORMED, f"{self.url} answered broken JSON.") from None
        raise self.error(
            Category.NOT_OLLAMA,
            f"Something answers at {self.url} but it is not Ollama: "
            f"it sent {_describe(self.response, body)} instead of JSON.",
        ) from None

    def malformed(self, detail: str) -> ServerError:
        return self.error(
            Category.MALFORMED, f"The answer from {self.url} is not what Ollama sends: {detail}."
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        self.response.close()


def _to_int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _sse(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """Server-sent events as (event name, data) pairs."""
    event: str | None = None
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = None, []
        elif line.startswith(":"):
            continue  # a comment / keep-alive
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
    if data:
        yield event, "\n".join(data)


@cache
def _tls_context() -> ssl.SSLContext:
    # Building one costs ~30 ms (it loads the CA bundle); every client can share it.
    import certifi  # an httpx dependency: the CA bundle httpx itself would load

    return ssl.create_default_context(cafile=certifi.where())
