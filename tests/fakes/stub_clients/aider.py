"""A stand-in for `aider --message TEXT ...` with an ollama_chat/ model.

Like Aider (through litellm): the model from AIDER_MODEL (else ~/.aider.conf.yml), the
server from OLLAMA_API_BASE (else the conf's set-env), /api/show then /api/chat. Offline it
first prints the harmless DNS error of the model price list fetch, and it exits 0 whatever
happened: failures are only in its output.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import _stub

PRICE_LIST_ERROR = (
    "HTTPSConnectionPool(host='raw.githubusercontent.com', port=443): Max retries exceeded "
    "with url: /BerriAI/litellm/main/model_prices_and_context_window.json (Caused by "
    'NameResolutionError("<urllib3.connection.HTTPSConnection object at 0x7f3a>: Failed to '
    "resolve 'raw.githubusercontent.com' ([Errno -3] Temporary failure in name resolution)\"))"
)


def from_conf() -> dict[str, Any]:
    path = _stub.home() / ".aider.conf.yml"
    found: dict[str, Any] = {}
    if not path.exists():
        return found
    for line in path.read_text().splitlines():
        model = re.match(r"\s*model:\s*(\S+)", line)
        if model:
            found["model"] = model.group(1).strip("'\"")
        base = re.match(r"\s*-\s*['\"]?OLLAMA_API_BASE=([^'\"\s]+)", line)
        if base:
            found["base"] = base.group(1)
    return found


def main() -> None:
    _stub.version_asked("aider 0.86.1")
    args = sys.argv[1:]
    message = _stub.option(args, "--message")
    if message is None or "--yes" not in args:
        print("stub aider: expected --message TEXT --yes", file=sys.stderr)
        raise SystemExit(2)
    print(PRICE_LIST_ERROR)
    conf = from_conf()
    model = os.environ.get("AIDER_MODEL") or conf.get("model") or "gpt-4o"
    base = (os.environ.get("OLLAMA_API_BASE") or conf.get("base") or "").rstrip("/")
    print(f"Aider v0.86.1\nModel: {model} with whole edit format\nGit repo: none")
    if not model.startswith("ollama_chat/") or not base:
        print(f"Warning for {model}: Unknown which environment variables are required.")
        return
    name = model.removeprefix("ollama_chat/")
    try:
        _stub.post(base + "/api/show", {"model": name})
        status, body = _stub.post(
            base + "/api/chat",
            {"model": name, "messages": [{"role": "user", "content": message}], "stream": False},
        )
    except _stub.Unreachable as exc:
        for delay in ("0.2", "0.5"):
            print(f"litellm.APIConnectionError: Ollama_chatException - {exc}")
            print(f"Retrying in {delay} seconds...")
        return  # exit 0, as Aider does
    if status != 200:
        print(f"litellm.APIConnectionError: Ollama_chatException - {_stub.error_text(body)}")
        return
    print(body["message"]["content"])
    print("Tokens: 52 sent, 9 received.")


if __name__ == "__main__":
    main()
