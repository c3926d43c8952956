"""A stand-in for `claude -p TEXT [--output-format json]`.

Like Claude Code: the `env` of settings.json ($CLAUDE_CONFIG_DIR or ~/.claude) beats the
environment; without ANTHROPIC_BASE_URL it would go to Anthropic and says "Invalid API key";
it POSTs /v1/messages?beta=true with `Authorization: Bearer $ANTHROPIC_AUTH_TOKEN` (and
x-api-key only for a non-empty ANTHROPIC_API_KEY). When the server cannot be reached it
retries for ever unless CLAUDE_CODE_MAX_RETRIES=0, then fails at once with exit 1.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import _stub


def settings_env() -> dict[str, str]:
    folder = os.environ.get("CLAUDE_CONFIG_DIR")
    path = (Path(folder) if folder else _stub.home() / ".claude") / "settings.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    env = data.get("env") if isinstance(data, dict) else None
    return {k: str(v) for k, v in env.items()} if isinstance(env, dict) else {}


def finish(text: str, error: bool, as_json: bool) -> None:
    if as_json:
        document = {
            "type": "result",
            "subtype": "error_during_execution" if error else "success",
            "is_error": error,
            "result": text,
        }
        print(json.dumps(document))
    else:
        print(text)
    raise SystemExit(1 if error else 0)


def main() -> None:
    _stub.version_asked("2.1.3 (Claude Code)")
    args = sys.argv[1:]
    prompt = _stub.option(args, "-p")
    as_json = _stub.option(args, "--output-format") == "json"
    if prompt is None:
        print("stub claude: expected -p TEXT", file=sys.stderr)
        raise SystemExit(2)
    env = {**os.environ, **settings_env()}
    base = env.get("ANTHROPIC_BASE_URL", "").rstrip("/")
    if not base:
        finish("Invalid API key · Please run /login", True, as_json)
    headers = {"anthropic-version": "2023-06-01"}
    if env.get("ANTHROPIC_AUTH_TOKEN"):
        headers["Authorization"] = f"Bearer {env['ANTHROPIC_AUTH_TOKEN']}"
    if env.get("ANTHROPIC_API_KEY"):
        headers["x-api-key"] = env["ANTHROPIC_API_KEY"]
    body = {
        "model": env.get("ANTHROPIC_MODEL") or "claude-sonnet-4-5",
        "max_tokens": 32000,
        "messages": [{"role": "user", "content": prompt}],
    }
    while True:
        try:
            status, answer = _stub.post(base + "/v1/messages?beta=true", body, headers)
            break
        except _stub.Unreachable:
            if env.get("CLAUDE_CODE_MAX_RETRIES") == "0":
                finish("API Error: Connection error.", True, as_json)
            time.sleep(0.2)  # retrying for minutes, as Claude Code does by default
    if status != 200:
        finish(f"API Error: {status} {json.dumps(answer)}", True, as_json)
    text = "".join(part.get("text", "") for part in answer.get("content", []))
    finish(text, False, as_json)


if __name__ == "__main__":
    main()
