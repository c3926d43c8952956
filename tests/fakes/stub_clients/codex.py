"""A stand-in for `codex exec --skip-git-repo-check [--profile NAME] TEXT`.

Like current Codex: config.toml in $CODEX_HOME (or ~/.codex), with `--profile NAME` the file
NAME.config.toml over it; a legacy [profiles.*] table makes --profile refuse to run. The
provider's base_url plus /responses (the only API it speaks). It echoes the prompt in its
header, as Codex does. While the server cannot be reached it prints "Reconnecting..." for
ever: only a timeout ends it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import _stub


def read_toml(path: Path) -> dict[str, Any]:
    import tomlkit

    return tomlkit.parse(path.read_text()).unwrap() if path.exists() else {}


def fail(message: str) -> None:
    print(f"ERROR: {message}", file=sys.stderr)
    raise SystemExit(1)


def main() -> None:
    _stub.version_asked("codex-cli 0.169.0")
    args = sys.argv[1:]
    if args[:2] != ["exec", "--skip-git-repo-check"] or len(args) < 3:
        print("stub codex: expected exec --skip-git-repo-check [--profile NAME] TEXT")
        raise SystemExit(2)
    prompt = args[-1]
    profile = _stub.option(args, "--profile")
    folder = os.environ.get("CODEX_HOME")
    home = Path(folder) if folder else _stub.home() / ".codex"
    config = read_toml(home / "config.toml")
    if profile is not None:
        if "profiles" in config or "profile" in config:
            fail(f"--profile {profile} cannot be used while config.toml contains legacy profiles")
        extra = home / f"{profile}.config.toml"
        if not extra.exists():
            fail(f"profile {profile!r} not found")
        layered = read_toml(extra)
        providers = {**config.get("model_providers", {}), **layered.get("model_providers", {})}
        config = {**config, **layered, "model_providers": providers}
    provider_id = config.get("model_provider", "openai")
    provider = config.get("model_providers", {}).get(provider_id)
    if provider is None:
        fail("Not logged in: run `codex login` to use OpenAI")
        return
    model = config.get("model", "gpt-5-codex")
    base = str(provider["base_url"]).rstrip("/")
    print(
        f"OpenAI Codex v0.169.0 (research preview)\n--------\nmodel: {model}\n"
        f"provider: {provider_id}\n--------\nuser\n{prompt}\n",
        file=sys.stderr,
        flush=True,
    )
    url = base + "/responses"
    attempt = 0
    while True:
        try:
            status, answer = _stub.post(url, {"model": model, "input": prompt, "stream": False})
            break
        except _stub.Unreachable:
            attempt += 1
            print(
                f"Reconnecting... {attempt}/5 (stream disconnected before completion: error "
                f"sending request for url ({url}))",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(0.1)
    if status != 200:
        fail(f"unexpected status {status}: {_stub.error_text(answer)}")
    text = "".join(
        part.get("text", "")
        for item in answer.get("output", [])
        for part in item.get("content", [])
    )
    print(f"codex\n{text}", file=sys.stderr)
    print("tokens used: 1,024", file=sys.stderr)
    print(text)


if __name__ == "__main__":
    main()
