#!/usr/bin/env python3
"""Run doctor, smoke, model list and model use against a hostile fake server; measure each.

For every fault of tests/fakes/ollama.py (huge and endless bodies, a slow drip, a redirect to
another host, an answer that is not HTTP, a TLS port, a hang, ...) each command runs as a
child process against a sandbox home. Reported per run: the exit code, the problem the
command named, the wall time (against the command's own time budget) and the child's peak
memory (ru_maxrss from wait4). Only 127.0.0.1 is ever contacted.

    python scripts/server_trials.py [--smoke-timeout 20] [--skip-slow] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import reliability as rel  # noqa: E402
from tests.fakes.ollama import FakeOllama  # noqa: E402

MODEL = "qwen2.5-coder:7b"
#: Kill a child that runs this long: far past every budget, so it is a finding.
HARD_LIMIT = 420.0


@dataclass(frozen=True)
class Fault:
    name: str
    kind: str | None
    paths: frozenset[str] | None = None
    delay: float = 0.05


FAULTS = [
    Fault("none (baseline)", None),
    Fault("huge: endless JSON body", "huge"),
    Fault("huge on /api/show only", "huge", frozenset({"/api/show"})),
    Fault("huge on /v1 and /api/chat", "huge", frozenset({"/v1", "/api/chat"})),
    Fault("drip: 1 byte / 50 ms", "drip"),
    Fault("drip on /v1/chat/completions", "drip", frozenset({"/v1/chat/completions"})),
    Fault("redirect to another host", "redirect"),
    Fault("not_http: echoes the request", "not_http"),
    Fault("https_only: a TLS port", "https_only"),
    Fault("malformed JSON", "malformed"),
    Fault("reset after the request", "reset"),
    Fault("other_service: nginx", "other_service"),
    Fault("hang: never answers", "hang"),
    Fault("hang on /api/show only", "hang", frozenset({"/api/show"})),
    Fault("hang on /api/chat only (model load)", "hang", frozenset({"/api/chat"})),
]


def commands(smoke_timeout: float) -> list[tuple[str, tuple[str, ...], str]]:
    """(label, argv, the budget it promises)."""
    return [
        ("doctor", ("doctor", "--json"), "5 s (+0.5 s)"),
        (
            "smoke",
            ("smoke", "--json", "--timeout", f"{smoke_timeout:g}"),
            f"{smoke_timeout:g} s (--timeout)",
        ),
        ("model list", ("model", "list", "--json"), "5 s per request"),
        ("model use", ("model", "use", "llama3.2:3b", "--json"), "5 s per check; load 300 s"),
    ]


@dataclass
class Outcome:
    command: str
    fault: str
    exit_code: int | None
    seconds: float
    peak_mib: float
    named: str


def run_measured(home: Path, args: tuple[str, ...]) -> tuple[int | None, float, float, str]:
    """Exit code (None: killed at HARD_LIMIT), wall seconds, peak RSS in MiB, stdout."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, after wait4)
    started = time.monotonic()
    proc = subprocess.Popen(
        [*rel.CLI, *args],
        env=rel.sandbox_env(home),
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.DEVNULL,
    )
    killed = False

    def kill() -> None:
        nonlocal killed
        killed = True
        os.kill(proc.pid, signal.SIGKILL)

    import threading

    timer = threading.Timer(HARD_LIMIT, kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    out.close()
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return (None if killed else proc.returncode), seconds, usage.ru_maxrss / scale, text


def named_problem(command: str, stdout: str) -> str:
    """The problem the command itself named, from its JSON document."""
    try:
        doc = json.loads(stdout)
    except ValueError:
        return "(no JSON document)"
    if doc.get("error"):
        return str(doc["error"].get("message", ""))
    result = doc.get("result") or {}
    items = result.get("checks") or result.get("steps") or []
    for item in items:
        if item.get("status") == "fail" and not str(item.get("id", "")).startswith("tailscale"):
            category = item.get("category")
            suffix = f" [{category}]" if category else ""
            return f"{item.get('id')}: {item.get('summary')}{suffix}"
    warnings = doc.get("warnings") or []
    if warnings:
        return "warning: " + str(warnings[0])
    return "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke-timeout", type=float, default=20.0)
    parser.add_argument(
        "--skip-slow", action="store_true", help="leave out the model load hang (300 s)"
    )
    parser.add_argument("--markdown", action="store_true", help="print a table for the docs")
    options = parser.parse_args()

    results: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="ocs-server-") as tmp, FakeOllama() as fake:
        home = Path(tmp) / "home"
        home.mkdir()
        done = rel.run_cli(
            home,
            *("init", "--yes", "--no-probe", "--host", "127.0.0.1", "--port", str(fake.port)),
            *("--model", MODEL, "--shell", "bash", "--client", "aider"),
        )
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        for fault in FAULTS:
            for label, args, _budget in commands(options.smoke_timeout):
                slow = fault.kind == "hang" and fault.paths == frozenset({"/api/chat"})
                if slow and (options.skip_slow or label not in ("model use", "smoke")):
                    continue
                if fault.kind is None:
                    fake.clear_fault()
                else:
                    fake.set_fault(fault.kind, paths=set(fault.paths or ()) or None, delay=0.05)
                code, seconds, peak, stdout = run_measured(home, args)
                fake.clear_fault()
                outcome = Outcome(label, fault.name, code, seconds, peak, "")
                outcome.named = named_problem(label, stdout)
                results.append(outcome)
                print(
                    f"{label:<11} {fault.name:<38} exit={code!s:<4} {seconds:6.2f} s "
                    f"{peak:6.1f} MiB  {outcome.named[:110]}",
                    flush=True,
                )
    over = [r for r in results if r.exit_code is None]
    print(f"\n{len(results)} runs; {len(over)} killed at the {HARD_LIMIT:g} s hard limit")
    print(f"slowest: {max(results, key=lambda r: r.seconds).seconds:.2f} s; ", end="")
    print(f"largest peak RSS: {max(r.peak_mib for r in results):.1f} MiB")
    if options.markdown:
        print("\n| command | fault | exit | wall s | peak MiB | named problem |")
        print("|---|---|---|---|---|---|")
        for r in results:
            named = r.named.replace("|", "\\|")[:140]
            print(
                f"| {r.command} | {r.fault} | {r.exit_code} | {r.seconds:.2f} | "
                f"{r.peak_mib:.0f} | {named} |"
            )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
