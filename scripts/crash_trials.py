#!/usr/bin/env python3
"""SIGKILL `init`, `model use --no-check` and `uninstall` at random moments; check the home.

Each trial restores a sandbox home (every shell and client configured, with the user's own
files in place), starts the command as a child process, and kills it after a delay drawn
uniformly from the command's own measured duration. Then:

1. every user file is wholly the old or wholly the new version, and parses (bash -n,
   zsh -n, fish -n, YAML, JSON, TOML); the receipts parse and name intact backups;
2. running the same command again succeeds, gives exactly what a clean run gives, and
   leaves no temp file (`.*.ocs-tmp-*`) behind;
3. a final `uninstall --yes` gives back the original home byte for byte.

    python scripts/crash_trials.py --trials 200 [--jobs 4] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import reliability as rel  # noqa: E402


def worker(
    job: int, trials: int, seed: int, root: str, focus: float, slow_disk: float
) -> list[tuple[bool, rel.TrialResult]]:
    home = Path(root) / f"job{job}" / "home"
    scenarios = rel.prepare(home, slow_fsync=slow_disk)
    for scenario in scenarios:
        rel.calibrate(home, scenario)
    rng = random.Random(seed * 1000 + job)
    out = []
    for number in range(trials):
        scenario = scenarios[number % len(scenarios)]
        focused = rng.random() < focus
        delay = rel.draw_delay(rng, scenario, focused)
        out.append((focused, rel.crash_trial(home, scenario, delay)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--focus",
        type=float,
        default=0.5,
        help="share of trials whose delay is drawn from the first change to the end of the "
        "run (the rest: from the whole run)",
    )
    parser.add_argument(
        "--slow-disk",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="make every fsync in the child take this long (tests/slowdisk), so that kills "
        "land between its writes more often",
    )
    options = parser.parse_args()

    started = time.monotonic()
    shares = [options.trials // options.jobs] * options.jobs
    for extra in range(options.trials % options.jobs):
        shares[extra] += 1
    results: list[rel.TrialResult] = []
    focused = 0
    with (
        tempfile.TemporaryDirectory(prefix="ocs-crash-") as root,
        ProcessPoolExecutor(options.jobs) as pool,
    ):
        futures = [
            pool.submit(worker, job, share, options.seed, root, options.focus, options.slow_disk)
            for job, share in enumerate(shares)
            if share
        ]
        for future in futures:
            for was_focused, result in future.result():
                focused += was_focused
                results.append(result)

    by_scenario: dict[str, Counter[str]] = {}
    for result in results:
        counts = by_scenario.setdefault(result.scenario, Counter())
        counts["trials"] += 1
        counts["killed" if result.killed else "finished before the kill"] += 1
        if result.killed:
            counts[result.phase] += 1
        if result.problems:
            counts["failed"] += 1
    failed = [r for r in results if r.problems]
    print(
        f"{len(results)} trials in {time.monotonic() - started:.0f} s (seed {options.seed}; "
        f"{focused} with the delay drawn from the write window; "
        f"fsync delay {options.slow_disk:g} s)"
    )
    for name, counts in by_scenario.items():
        print(
            f"  {name:<10} trials={counts['trials']} killed={counts['killed']} "
            f"finished-before-kill={counts['finished before the kill']} "
            f"failed={counts['failed']}"
        )
        print(
            f"  {'':<10} kills landed: before any change={counts['before any change']} "
            f"mid-change={counts['mid-change']} after every change="
            f"{counts['after every change']}"
        )
    for result in failed:
        print(f"FAILED {result.scenario} killed after {result.delay:.3f} s:")
        for problem in result.problems:
            print(f"    {problem}")
    print(f"failures: {len(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
