"""Shared by the stub client programs: argv helpers and one HTTP call with the stdlib.

The stubs run as their own processes (a wrapper on PATH execs them with the test's Python),
so they import only the standard library (and tomlkit / ruamel.yaml where a real client
parses TOML / YAML), and they find their server only through the environment and the files
the tool wrote, as the real clients do.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


class Unreachable(Exception):
    """No HTTP answer at all: refused, reset, no such host."""


def home() -> Path:
    return Path(os.environ.get("HOME") or os.path.expanduser("~"))


def xdg_config_home() -> Path:
    value = os.environ.get("XDG_CONFIG_HOME")
    return Path(value) if value else home() / ".config"


def version_asked(text: str) -> None:
    """`PROGRAM --version` prints `text` and exits, like every real client."""
    if sys.argv[1:] == ["--version"]:
        print(text)
        raise SystemExit(0)


def option(args: list[str], name: str) -> str | None:
    if name in args:
        index = args.index(name)
        if index + 1 < len(args):
            return args[index + 1]
    return None


def post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """(status, parsed JSON or text); raises Unreachable when no HTTP answer came."""
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, _parsed(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _parsed(exc.read())
    except urllib.error.URLError as exc:
        raise Unreachable(str(exc.reason)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise Unreachable(str(exc) or type(exc).__name__) from None


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def error_text(body: Any) -> str:
    """The message of an Ollama error in any of its shapes."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message"))
        if error is not None:
            return str(error)
    return body if isinstance(body, str) else json.dumps(body)
