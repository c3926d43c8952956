"""3. doctor against a slow server (its checks run concurrently: against the serial sum of
its own HTTP calls) and a server that never answers (against the budget)."""

from __future__ import annotations

import http.client
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.figures import Figure, Results
from benchmarks.homes import init_argv, settle_init, usable_clients
from benchmarks.profiling import import_report
from benchmarks.sandbox import REPO, Sandbox
from benchmarks.timing import BenchError, interleaved, median, run, timed, tool
from tests.fakes.ollama import FakeOllama, RecordedRequest

FAKE_TAILSCALE = REPO / "tests" / "fakes" / "tailscale"


DELAY_S = 0.3


HANG_BUDGET_S = 2.0


def _fake_tailscale(root: Path) -> Path:
    """A `tailscale` first on PATH that runs tests/fakes/tailscale with this interpreter."""
    bindir = root / "fake-bin"
    bindir.mkdir(exist_ok=True)
    exe = bindir / "tailscale"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_TAILSCALE}" "$@"\n')
    exe.chmod(0o755)
    return bindir


def replay_serially(port: int, requests: Sequence[RecordedRequest]) -> float:
    """The baseline: the same HTTP calls, one after another, each on a new connection (as
    each doctor check opens its own client). ms."""
    start = time.perf_counter()
    for request in requests:
        target = request.path + (
            f"?{urlencode(request.query, doseq=True)}" if request.query else ""
        )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"} if request.body else {}
            conn.request(request.method, target, body=request.body or None, headers=headers)
            conn.getresponse().read()
        finally:
            conn.close()
    return (time.perf_counter() - start) * 1000


def _doctor_json(env: dict[str, str], *extra: str) -> dict[str, Any]:
    done = run(tool("doctor", "--json", *extra), env, ok=(0, 3))
    doc = json.loads(done.stdout)
    return doc.get("result") or doc


def _breakdown(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "elapsed_ms": doc.get("elapsed_ms"),
        "checks": {
            c["id"]: {"status": c["status"], "ms": c["duration_ms"], "summary": c["summary"]}
            for c in doc.get("checks", [])
        },
        "sum_of_check_ms": sum(c["duration_ms"] for c in doc.get("checks", [])),
    }


def _delayed_figure(
    res: Results, fake: FakeOllama, env: dict[str, str], label: str, key: str, runs: int
) -> None:
    """doctor with every endpoint 300 ms late, against the serial sum of its own calls."""
    fake.set_fault("delay", delay=DELAY_S)
    fake.clear_requests()
    part = _breakdown(_doctor_json(env))
    calls = fake.requests
    part["http_calls"] = [f"{r.method} {r.path}" for r in calls]
    res.details["doctor"][key] = part
    if not calls:
        raise BenchError("doctor made no HTTP call to the server")
    cases = {
        "serial": lambda: replay_serially(fake.port, calls),
        "doctor": lambda: timed(tool("doctor"), env, ok=(0, 3)),
    }
    samples = interleaved(cases, runs, warmup=0)
    figure = Figure(
        "doctor",
        f"doctor, every endpoint +{DELAY_S * 1000:.0f} ms ({label})",
        f"serial sum of its {len(calls)} HTTP calls",
        "< 1000 ms",
    )
    figure.baseline_ms, figure.measured_ms = median(samples["serial"]), median(samples["doctor"])
    figure.ratio = figure.measured_ms / figure.baseline_ms
    figure.diff_ms = figure.measured_ms - figure.baseline_ms
    figure.met = figure.measured_ms < 1000
    figure.runs = runs
    figure.samples = {"baseline": samples["serial"], "measured": samples["doctor"]}
    res.add(figure)
    fake.clear_fault()


def bench_doctor(res: Results, root: Path, fake: FakeOllama, runs: int, hang_runs: int) -> None:
    bindir = _fake_tailscale(root)
    tailscale = {
        "FAKE_TAILSCALE_STATE": "running",
        "FAKE_TAILSCALE_PEER": "localhost",
        "OLLAMA_CLIENT_SETUP_TAILSCALE": str(bindir / "tailscale"),
    }
    fake.clear_fault()
    details: dict[str, Any] = {"tailscale": "fake CLI (state running, peer localhost)"}
    res.details["doctor"] = details
    homes: list[tuple[str, str, dict[str, str]]] = []
    clients = usable_clients(root, res, fake)
    for key, label, chosen in (
        ("shells_only", "shells only", []),
        ("with_clients", f"shells + {len(clients)} clients", clients),
    ):
        if key == "with_clients" and not clients:
            continue
        sandbox = Sandbox(root, f"doctor-{key}", path_prepend=[bindir], extra_env=tailscale)
        env = sandbox.env
        argv = init_argv(fake.port, env, ["bash"], chosen)
        settle_init(
            argv, env, sandbox.home / ".config" / "ollama-client-setup" / "settings.toml", res
        )
        details[f"{key}_no_fault"] = _breakdown(_doctor_json(env))  # also warms the caches
        homes.append((key, label, env))
    details["importtime"] = import_report(homes[0][2], ["doctor", "--list-checks"])
    for key, label, env in homes:
        _delayed_figure(res, fake, env, label, f"delayed_{key}", runs)

    # The server accepts and never answers.
    key, label, env = homes[-1]
    fake.set_fault("hang")
    budget = f"{HANG_BUDGET_S:g}"
    details["hang"] = _breakdown(_doctor_json(env, "--timeout", budget))
    hung = [timed(tool("doctor", "--timeout", budget), env, ok=(0, 3)) for _ in range(hang_runs)]
    figure = Figure(
        "doctor",
        f"doctor, server hangs (`--timeout {budget}`, {label})",
        "the budget",
        "<= budget + 500 ms",
    )
    figure.baseline_ms, figure.measured_ms = HANG_BUDGET_S * 1000, median(hung)
    figure.diff_ms = figure.measured_ms - figure.baseline_ms
    figure.met = figure.diff_ms <= 500
    figure.runs = hang_runs
    figure.samples = {"measured": hung}
    res.add(figure)
    fake.clear_fault()
