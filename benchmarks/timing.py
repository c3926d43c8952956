"""Running the tool and timing it: wall time from spawn to exit, CPU time, and runs
interleaved round by round so drift falls on every case alike."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


class BenchError(Exception):
    """A figure could not be measured; the message says why."""


def _tool_argv() -> tuple[list[str], str]:
    """The console script of the interpreter running this file (not a version-manager shim,
    which would add its own start-up); else `python -m ollama_client_setup`."""
    bindir = Path(sys.executable).parent
    for name in ("ollama-client-setup", "ollama-client-setup.exe"):
        script = bindir / name
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)], str(script)
    return [sys.executable, "-m", "ollama_client_setup"], f"{sys.executable} -m ollama_client_setup"


TOOL, TOOL_LABEL = _tool_argv()


def tool(*args: str) -> list[str]:
    return [*TOOL, *args]


def _tail(text: str | bytes | None) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no output)"


def run(
    argv: list[str], env: dict[str, str], *, ok: Sequence[int] = (0,), cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run for its output (not timed), in the sandbox home unless told otherwise."""
    done = subprocess.run(
        argv,
        env=env,
        cwd=cwd or env["HOME"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode not in ok:
        raise BenchError(f"`{' '.join(argv[-6:])}` exited {done.returncode}: {_tail(done.stderr)}")
    return done


#: CPU time (user + system) of the last `timed` run, in ms: unlike wall time, it hardly
#: moves when other work competes for the CPUs. NaN where the platform cannot tell.
LAST_CPU_MS = [math.nan]


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:
        return math.nan
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def timed(
    argv: list[str],
    env: dict[str, str],
    *,
    ok: Sequence[int] = (0,),
    cwd: Path | None = None,
    failures: list[str] | None = None,
) -> float:
    """Wall time of one run, in ms, from spawn to exit (what a person waits for). An exit
    code outside `ok` raises, or is recorded in `failures` when that list is given."""
    cpu_before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        env=env,
        cwd=cwd or env["HOME"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=120,
    )
    elapsed = (time.perf_counter() - start) * 1000
    LAST_CPU_MS[0] = _children_cpu() - cpu_before
    if done.returncode not in ok and failures is not None:
        failures.append(f"exit {done.returncode}: {_tail(done.stderr)}")
    elif done.returncode not in ok:
        raise BenchError(f"`{' '.join(argv[-6:])}` exited {done.returncode}: {_tail(done.stderr)}")
    return elapsed


def interleaved(
    cases: dict[str, Callable[[], float]],
    runs: int,
    warmup: int = 1,
    cpu: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Run the cases round by round, alternating their order (ABBA), so drift and order
    effects fall on every case alike. `cpu`, when given, collects each run's CPU time."""
    for _ in range(warmup):
        for case in cases.values():
            case()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases)
    for index in range(runs):
        for name in order if index % 2 == 0 else reversed(order):
            LAST_CPU_MS[0] = math.nan
            samples[name].append(cases[name]())
            if cpu is not None:
                cpu.setdefault(name, []).append(LAST_CPU_MS[0])
    return samples


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
