"""A stand-in for the Continue CLI, `cn -p TEXT`.

Like `cn` 1.5: it reads only config.yaml in $CONTINUE_GLOBAL_DIR or ~/.continue (never the
legacy config.json), takes the first model that has the chat role, and calls
`apiBase/v1/chat/completions` even for `provider: ollama`. Failures: a JSON error on stderr
and exit 1.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import _stub


def chat_model() -> dict[str, str] | None:
    from ruamel.yaml import YAML

    folder = os.environ.get("CONTINUE_GLOBAL_DIR")
    path = (Path(folder) if folder else _stub.home() / ".continue") / "config.yaml"
    if not path.exists():
        return None
    data = YAML(typ="safe").load(path.read_text()) or {}
    for entry in data.get("models") or []:
        roles = entry.get("roles")
        if roles is None or "chat" in roles:
            return entry
    return None


def fail(message: str) -> None:
    print(json.dumps({"error": message}), file=sys.stderr)
    raise SystemExit(1)


def main() -> None:
    _stub.version_asked("1.5.0")
    prompt = _stub.option(sys.argv[1:], "-p")
    if prompt is None:
        print("stub cn: expected -p TEXT", file=sys.stderr)
        raise SystemExit(2)
    model = chat_model()
    if model is None:
        fail("No models configured: run `cn login` or add a model to config.yaml")
        return
    base = str(model.get("apiBase") or "").rstrip("/")
    try:
        status, answer = _stub.post(
            base + "/v1/chat/completions",
            {"model": model["model"], "messages": [{"role": "user", "content": prompt}]},
            {"Authorization": "Bearer ollama"},
        )
    except _stub.Unreachable:
        fail("Connection error.")
        return
    if status != 200:
        fail(f"{status} {_stub.error_text(answer)}")
    print(answer["choices"][0]["message"]["content"])


if __name__ == "__main__":
    main()
