"""The connection to one Ollama server and the request plumbing every call of OllamaClient
(ollama_client.py) shares: URL checks, headers, proxies, TLS, the per-call deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from ollama_client_setup import __version__
from ollama_client_setup.net.ollama_http import (
    _META_PATHS,
    MAX_BODY,
    MAX_META_BODY,
    _classify,
    _Reply,
    _tls_context,
)
from ollama_client_setup.net.ollama_types import ServerError


class _Session:
    """What OllamaClient is built on: the httpx client and sending one request."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 5.0,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
        *,
        max_body: int = MAX_BODY,
        trust_env: bool = False,
    ) -> None:
        url = base_url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"server URL must start with http:// or https://, got {base_url!r}")
        if url.endswith("/v1"):
            raise ValueError(f"give the server root, without /v1: {base_url!r}")
        self.base_url = url
        self.timeout = timeout
        self.max_body = max_body
        self.api_key = api_key
        headers = {"User-Agent": f"ollama-client-setup/{__version__}"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        # trust_env=False by default: an HTTP(S)_PROXY meant for the internet must not swallow
        # requests to a tailnet or LAN host, and a probe must say what the server itself answers.
        self._http = httpx.Client(
            headers=headers,
            follow_redirects=False,
            transport=transport,
            trust_env=trust_env,
            # A CA bundle costs ~25 ms to load; plain http (the usual tailnet case) needs none.
            verify=_tls_context() if url.startswith("https://") else False,
        )

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _open(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
    ) -> Iterator[_Reply]:
        """Send a request; yield the reply once its status is known to be a success."""
        url = self.base_url + path
        budget = self.timeout if deadline is None else deadline
        # Waiting for the headers counts as reading: a cold model load happens before them.
        timeout = httpx.Timeout(budget, connect=min(self.timeout, budget))
        started = time.monotonic()
        request = self._http.build_request(method, url, json=body, headers=headers, timeout=timeout)
        try:
            response = self._http.send(request, stream=True)
        except httpx.RequestError as exc:
            connecting = isinstance(exc, httpx.ConnectTimeout)
            category, phrase = _classify(exc, min(self.timeout, budget) if connecting else budget)
            raise ServerError(
                category, f"{url} {phrase}.", url=url, elapsed=time.monotonic() - started
            ) from exc
        cap = min(self.max_body, MAX_META_BODY) if path in _META_PATHS else self.max_body
        reply = _Reply(response, url, started, budget, cap)
        try:
            reply.check_status()
            yield reply
        finally:
            reply.close()

    def _json(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
    ) -> tuple[_Reply, Any]:
        with self._open(method, path, body=body, headers=headers, deadline=deadline) as reply:
            return reply, reply.json()
