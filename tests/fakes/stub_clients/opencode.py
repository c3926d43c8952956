"""A stand-in for `opencode run TEXT`.

Like OpenCode: the global ~/.config/opencode/opencode.json, with the file OPENCODE_CONFIG
names merged over it key by key; `model` is "provider/model", the provider's
options.baseURL plus /chat/completions (@ai-sdk/openai-compatible). Failures: an error on
stderr and exit 1.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import _stub


def merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def fail(message: str) -> None:
    print(f"Error: {message}", file=sys.stderr)
    raise SystemExit(1)


def main() -> None:
    _stub.version_asked("1.18.0")
    args = sys.argv[1:]
    if len(args) != 2 or args[0] != "run":
        print("stub opencode: expected run TEXT", file=sys.stderr)
        raise SystemExit(2)
    prompt = args[1]
    config = load(_stub.xdg_config_home() / "opencode" / "opencode.json")
    extra = os.environ.get("OPENCODE_CONFIG")
    if extra:
        config = merged(config, load(Path(extra)))
    provider_id, _, model = str(config.get("model") or "").partition("/")
    provider = (config.get("provider") or {}).get(provider_id)
    if not model or provider is None:
        fail("ProviderModelNotFoundError: no model configured; run `opencode auth login`")
        return
    base = str(provider["options"]["baseURL"]).rstrip("/")
    try:
        status, answer = _stub.post(
            base + "/chat/completions",
            {"model": model, "messages": [{"role": "user", "content": prompt}]},
        )
    except _stub.Unreachable as exc:
        fail(f"Unable to connect. Is the computer able to access the url? ({exc})")
        return
    if status != 200:
        fail(f"AI_APICallError: {status} {_stub.error_text(answer)}")
    print(answer["choices"][0]["message"]["content"])


if __name__ == "__main__":
    main()
