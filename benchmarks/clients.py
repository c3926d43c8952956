#!/usr/bin/env python3
"""What the five real clients cost the server after a plain `init`: reloads and prompt cache.

    python benchmarks/clients.py            # needs scripts/install_clients.sh first

Against the test server in tests/fakes/, which models Ollama's scheduler (a request whose
num_ctx differs from the loaded runner's restarts it) and prompt cache (each slot keeps the
last prompt; a new one reuses the longest common prefix), with Ollama's defaults: one slot,
three runners, a 4k window. Two configurations, measured in the same run:

- baseline: the files as the tool wrote them before (no window learnt, so Aider sizes num_ctx
  per prompt and Claude Code keeps its per-prompt billing line);
- now: a plain `init --yes` with all five clients.

For each: every client run twice back to back (the second session's share of its prompt
reused from the cache), then the issue's interleaved session on one model (aider, claude,
aider, cn, aider, codex, opencode, aider) and the reloads it caused after the first load.
Prints a table and the ratios now/baseline; its result is in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ollama_client_setup import clientrun  # noqa: E402
from ollama_client_setup import settings as settings_mod  # noqa: E402
from tests import realclients  # noqa: E402
from tests.fakes.ollama import FakeOllama  # noqa: E402

MODEL = "qwen2.5-coder:7b"
CLIENTS = ("aider", "claude-code", "continue", "codex", "opencode")
INTERLEAVED = ("aider", "claude-code", "aider", "continue", "aider", "codex", "opencode", "aider")
TIMEOUT = 120.0


@dataclass
class Measured:
    reuse: dict[str, float] = field(default_factory=dict)  # client -> second session's reuse
    answered: dict[str, bool] = field(default_factory=dict)
    metadata_warning: bool = False
    reloads: int = 0  # in the interleaved session, after its first request
    loads: int = 0
    num_ctx: dict[str, set[int | None]] = field(default_factory=dict)


def sandbox(base: Path) -> dict[str, str]:
    home = base / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "SHELL": "/bin/bash",
        "OLLAMA_CLIENT_SETUP_TAILSCALE": "none",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "PATH": f"{realclients.BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for name in list(os.environ):
        if clientrun.stripped(name) or name.startswith(("XDG_", "OLLAMA_CLIENT_SETUP_")):
            del os.environ[name]
    os.environ.update(env)
    return env


def init(port: int, baseline: bool) -> None:
    flags = [arg for name in CLIENTS for arg in ("--client", name)]
    args = ["init", "--yes", "--host", "127.0.0.1", "--port", str(port), "--model", MODEL]
    args += ["--shell", "bash", *flags, *(["--no-probe"] if baseline else [])]
    subprocess.run(
        [sys.executable, "-m", "ollama_client_setup", *args],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


def session(name: str, baseline: bool) -> tuple[bool, str]:
    """One headless run of the client, as smoke --clients runs it."""
    settings = settings_mod.load()
    token = clientrun.new_token()
    prompt = clientrun.PROMPT.format(token=token)
    inv = clientrun.invocation(settings, name, prompt, os.environ)
    if baseline:
        inv.env.pop("CLAUDE_CODE_ATTRIBUTION_HEADER", None)
        inv.env.pop("CLAUDE_CODE_AUTO_COMPACT_WINDOW", None)
    path = str(realclients.BIN / inv.program)
    done = clientrun.run_invocation(inv, path, TIMEOUT)
    result = clientrun.judge(
        inv, done, token=token, prompt=prompt, timeout=TIMEOUT, settings=settings
    )
    return result.status.value == "ok", done.output


def main_request_reuse(fake: FakeOllama, start: int) -> float:
    """The cached share of the largest prompt the session sent (its answer request)."""
    runs = [r for r in fake.runs[start:] if r.prompt_tokens]
    if not runs:
        return 0.0
    biggest = max(runs, key=lambda r: r.prompt_tokens)
    return biggest.cached_tokens / biggest.prompt_tokens


def measure(baseline: bool) -> Measured:
    out = Measured()
    with tempfile.TemporaryDirectory(prefix="ocs-bench-") as base:
        sandbox(Path(base))
        with FakeOllama(obedient=True) as fake:
            init(fake.port, baseline)
            for name in CLIENTS:
                session(name, baseline)
                start = len(fake.runs)
                answered, output = session(name, baseline)
                out.answered[name] = answered
                out.reuse[name] = main_request_reuse(fake, start)
                if name == "codex" and "Model metadata for" in output:
                    out.metadata_warning = True
            first = len(fake.runs)
            for name in INTERLEAVED:
                start = len(fake.runs)
                session(name, baseline)
                sent = {r.num_ctx for r in fake.runs[start:] if r.prompt_tokens}
                out.num_ctx.setdefault(name, set()).update(sent)
            runs = fake.runs[first:]
            out.reloads = sum(1 for r in runs[1:] if r.event == "reload")
            out.loads = sum(1 for r in runs if r.event == "load")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    missing = [p for p in realclients.PROGRAMS.values() if not (realclients.BIN / p).exists()]
    if missing:
        print(f"missing real clients: {', '.join(missing)}; run scripts/install_clients.sh")
        return 2
    before = measure(baseline=True)
    now = measure(baseline=False)
    print(f"{'':<22}{'baseline':>10}{'now':>10}")
    print(f"{'reloads (interleaved)':<22}{before.reloads:>10}{now.reloads:>10}")
    print(f"{'loads (interleaved)':<22}{before.loads:>10}{now.loads:>10}")
    for name in CLIENTS:
        label = f"reuse {name}"
        print(f"{label:<22}{before.reuse[name]:>10.1%}{now.reuse[name]:>10.1%}")
    for name in CLIENTS:
        label = f"answered {name}"
        print(f"{label:<22}{before.answered[name]!s:>10}{now.answered[name]!s:>10}")
    warned = (str(before.metadata_warning), str(now.metadata_warning))
    print(f"{'codex metadata warning':<22}{warned[0]:>10}{warned[1]:>10}")
    shown = {n: sorted(map(str, v)) for n, v in now.num_ctx.items()}
    print(f"num_ctx per client now: {shown}")
    ratio = (now.reloads + 1) / (before.reloads + 1)
    print(f"ratio now/baseline: reloads+1 {ratio:.2f}")
    for name in CLIENTS:
        if before.reuse[name]:
            print(f"ratio now/baseline: reuse {name} {now.reuse[name] / before.reuse[name]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
