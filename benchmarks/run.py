#!/usr/bin/env python3
"""Benchmarks for the waits a person notices (docs/performance.md).

    python benchmarks/run.py                 # full run, about two minutes
    python benchmarks/run.py --quick         # fewer runs, about a minute
    python benchmarks/run.py --json out.json # also write the results as JSON

Every figure is compared with a baseline measured in the same run (a ratio or a
difference), as the median of repeated runs, so the figures carry across machines.

Every command runs in a sandbox home under a temporary folder (HOME, XDG_*, ZDOTDIR,
OLLAMA_CLIENT_SETUP_CONFIG_DIR/STATE_DIR, a null keyring); the real home is never read or
written. The only network peer is the fake Ollama server this script starts on 127.0.0.1
(tests/fakes/ollama.py, in a thread of this process); Tailscale is the fake CLI from
tests/fakes/tailscale. Standard library only, plus the project and its dependencies.

The groups are in startup.py (cli, shell), doctor.py and edits.py; the sandbox, the timing,
the figures and the profiling they share are in sandbox.py, timing.py, figures.py and
profiling.py, the homes set up with `init` in homes.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # for benchmarks.* and tests.fakes.ollama

from benchmarks.doctor import bench_doctor  # noqa: E402
from benchmarks.edits import bench_edits  # noqa: E402
from benchmarks.figures import Figure, Results, _print_details, table  # noqa: E402
from benchmarks.sandbox import Sandbox, sandbox_root  # noqa: E402
from benchmarks.startup import bench_cli, bench_shells  # noqa: E402
from benchmarks.timing import TOOL_LABEL, BenchError, run  # noqa: E402
from tests.fakes.ollama import FakeOllama  # noqa: E402

GROUPS = ("cli", "shell", "doctor", "edits")


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (about a minute)")
    parser.add_argument("--runs", type=int, help="runs per figure (shell start: 3x this)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--only", metavar="GROUP", action="append", choices=GROUPS, help="repeatable"
    )
    parser.add_argument("--tmpdir", help="where the sandbox homes go [default: the system's]")
    parser.add_argument("--keep", action="store_true", help="keep the sandbox for inspection")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed, not only on errors"
    )
    parser.add_argument(
        "--table-from",
        metavar="PATH",
        help="print the table of an earlier --json file; run nothing",
    )
    args = parser.parse_args(argv)
    if args.table_from:
        doc = json.loads(Path(args.table_from).read_text(encoding="utf-8"))
        print(table([Figure(**f) for f in doc["figures"]]))
        return 0
    runs = args.runs or (10 if args.quick else 20)
    counts = {
        "cli": runs,
        "shell": 3 * runs if args.runs else (30 if args.quick else 60),
        "doctor": args.runs or (5 if args.quick else 10),
        "hang": args.runs or (3 if args.quick else 10),
        "edits": args.runs or (5 if args.quick else 10),
    }
    groups = args.only or list(GROUPS)
    res = Results()
    started = time.perf_counter()
    print(f"ollama-client-setup benchmarks: {TOOL_LABEL}", file=sys.stderr)
    load_before = _load()
    if load_before and load_before[0] > (os.cpu_count() or 1) / 2:
        print(
            f"  warning: load average {load_before[0]:.2f} on {os.cpu_count()} CPUs: other "
            "work will add noise",
            file=sys.stderr,
        )
    with sandbox_root(args.tmpdir, args.keep) as root, FakeOllama() as fake:
        package = run(
            [sys.executable, "-c", "import ollama_client_setup as m; print(m.__file__)"],
            Sandbox(root, "where").env,
        ).stdout.strip()
        print(f"  package: {package}", file=sys.stderr)
        steps: dict[str, Callable[[], None]] = {
            "cli": lambda: bench_cli(res, root, counts["cli"]),
            "shell": lambda: bench_shells(res, root, counts["shell"]),
            "doctor": lambda: bench_doctor(res, root, fake, counts["doctor"], counts["hang"]),
            "edits": lambda: bench_edits(res, root, fake, counts["edits"]),
        }
        for group in groups:
            print(f"  {group} ...", file=sys.stderr, flush=True)
            began = time.perf_counter()
            try:
                steps[group]()
            except Exception as exc:
                if not isinstance(exc, BenchError):
                    traceback.print_exc()
                res.add(Figure(group, f"{group} (all)", "-", "-", error=str(exc)))
                res.notes.append(f"{group}: not measured: {exc}")
            finally:
                fake.clear_fault()  # a group that stopped half-way leaves no fault behind
            print(f"    {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    total = time.perf_counter() - started
    machine = {
        "package": package,
        "load_before": load_before,
        "load_after": _load(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "tool": TOOL_LABEL,
    }
    load = "/".join(f"{x:.2f}" for x in load_before) if load_before else "n/a"
    print(
        f"\n{machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, "
        f"load average before {load}; medians; runs: {counts}; {total:.0f} s\n"
    )
    print(table(res.figures))
    _print_details(res)
    if args.json:
        doc = {
            "machine": machine,
            "runs": counts,
            "seconds": total,
            "figures": [asdict(f) for f in res.figures],
            "details": res.details,
            "notes": res.notes,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    errors = any(f.error for f in res.figures)
    missed = any(f.met is False for f in res.figures)
    return 1 if errors or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
