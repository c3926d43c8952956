#!/usr/bin/env python3
"""What the five real clients cost the server after a plain `init`: reloads and prompt cache.

    python benchmarks/clients.py            # needs scripts/install_clients.sh first

Against the test server in tests/fakes/, which models Ollama's scheduler (a request whose
num_ctx differs from the loaded runner's restarts it) and prompt cache (each slot keeps the
last prompt; a new one reuses the longest common prefix), with Ollama's defaults (one slot,
three runners) and OLLAMA_CONTEXT_LENGTH=65536, the window Ollama recommends for agents.
Two configurations, measured in the same run:

- baseline: the files as the tool wrote them before (no window learnt, so Aider sizes num_ctx
  per prompt and Claude Code keeps its per-prompt billing line);
- now: a plain `init --yes` with all five clients.

For each: every client run twice back to back, in one project folder, with new words each
time (the second session's share of its answer prompt before those words that the server
took from its cache), then the issue's interleaved session on one model (aider, claude,
aider, cn, aider, codex, opencode, aider) and the reloads it caused after the first load.
Prints a table and the ratios now/baseline; its result is in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ollama_client_setup.checks.clientrun import invocation  # noqa: E402
from tests import realclients  # noqa: E402
from tests.reliability import sandbox_env  # noqa: E402

MODEL = realclients.AGENT_MODEL
CLIENTS = ("aider", "claude-code", "continue", "codex", "opencode")
INTERLEAVED = ("aider", "claude-code", "aider", "continue", "aider", "codex", "opencode", "aider")
TIMEOUT = 120.0


@dataclass
class Measured:
    reuse: dict[str, float] = field(default_factory=dict)  # client -> second session's reuse
    answered: dict[str, bool] = field(default_factory=dict)
    metadata_warning: bool = False
    reloads: int = 0  # in the interleaved session, after its first request
    loads: int = 0  # runner starts in the interleaved session, the first one included
    requests: int = 0
    num_ctx: dict[str, set[int | None]] = field(default_factory=dict)


def sandbox(base: Path) -> dict[str, str]:
    """Point this process (and the tool and clients it starts) at a sandbox home."""
    home = base / "home"
    home.mkdir()
    env = sandbox_env(home)
    env["PATH"] = f"{realclients.BIN}{os.pathsep}{env['PATH']}"
    for name in list(os.environ):
        if invocation.stripped(name) or name.startswith(("XDG_", "OLLAMA_CLIENT_SETUP_")):
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


#: What the tool did not write before this work: Claude Code's per-prompt billing line stays.
BASELINE_DROPS = ("CLAUDE_CODE_ATTRIBUTION_HEADER", "CLAUDE_CODE_AUTO_COMPACT_WINDOW")


def session(name: str, baseline: bool, project: Path, token: str | None = None) -> tuple[bool, str]:
    drop = BASELINE_DROPS if baseline else ()
    result, output = realclients.session(
        name, project=project, token=token, timeout=TIMEOUT, drop=drop
    )
    return result.status.value == "ok", output


def measure(baseline: bool, slots: int = 1, multiuser: bool = False) -> Measured:
    out = Measured()
    with tempfile.TemporaryDirectory(prefix="ocs-bench-") as base:
        env = sandbox(Path(base))
        project = Path(env["HOME"]) / "project"
        with realclients.agent_server(slots, multiuser) as fake:
            init(fake.port, baseline)
            for name in CLIENTS:
                session(name, baseline, project)
                token = invocation.new_token()
                requests, runs = len(fake.requests), len(fake.runs)
                answered, output = session(name, baseline, project, token)
                out.answered[name] = answered
                out.reuse[name] = realclients.prefix_reuse(fake, requests, runs, token)
                if name == "codex" and "Model metadata for" in output:
                    out.metadata_warning = True
            first = len(fake.runs)
            for name in INTERLEAVED:
                start = len(fake.runs)
                session(name, baseline, project)
                sent = {r.num_ctx for r in fake.runs[start:] if r.prompt_tokens}
                out.num_ctx.setdefault(name, set()).update(sent)
            runs = [r for r in fake.runs[first:] if r.prompt_tokens]
            out.reloads = sum(1 for r in runs[1:] if r.event == "reload")
            out.loads = sum(1 for r in runs if r.event in ("load", "reload"))
            out.requests = len(runs)
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
    # The server-side fix doctor gives for OpenCode's title request.
    slots = measure(baseline=False, slots=2, multiuser=True)
    columns = (("baseline", before), ("now", now), ("now, 2 slots", slots))
    print(f"{'':<24}" + "".join(f"{name:>14}" for name, _ in columns))

    def row(label: str, value: Callable[[Measured], str]) -> None:
        print(f"{label:<24}" + "".join(f"{value(m):>14}" for _, m in columns))

    row("reloads (interleaved)", lambda m: str(m.reloads))
    row("loads (interleaved)", lambda m: str(m.loads))
    row("requests (interleaved)", lambda m: str(m.requests))
    for name in CLIENTS:
        row(f"reuse {name}", lambda m, n=name: f"{m.reuse[n]:.1%}")
    for name in CLIENTS:
        row(f"answered {name}", lambda m, n=name: str(m.answered[n]))
    row("codex metadata warning", lambda m: str(m.metadata_warning))
    shown = {n: sorted(map(str, v)) for n, v in now.num_ctx.items()}
    print(f"num_ctx per client now: {shown}")
    print(f"ratio now/baseline: reloads+1 {(now.reloads + 1) / (before.reloads + 1):.2f}")
    for name in CLIENTS:
        if before.reuse[name]:
            ratio = now.reuse[name] / before.reuse[name]
            print(f"ratio now/baseline: reuse {name} {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
