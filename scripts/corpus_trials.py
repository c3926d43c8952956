#!/usr/bin/env python3
"""Exact uninstall over a corpus of home layouts (tests/layouts.py), with the real CLI.

For each layout (CRLF, no final newline, BOM, Latin-1, empty files, stow-style symlinks,
ZDOTDIR in ~/.zshenv, existing exports, client configs with comments and odd formatting):

- exact:     init (all shells and clients), init again (changes nothing), uninstall:
             every byte back; files that parsed before init still parse after it;
- user edit: init, the user adds a line at the top of every file init changed, uninstall:
             the tool's part is gone, the user's edit is kept;
- read-only: a read-only start-up file makes init refuse (exit 4, nothing changed); init
             with --no-shell for that shell works without touching it; uninstall exact.

    python scripts/corpus_trials.py [--layouts 60] [--jobs 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import layouts as lay  # noqa: E402
from tests import reliability as rel  # noqa: E402

CHECKS = {
    "exact": lay.check_exact,
    "user edit": lay.check_user_edit,
    "read-only": lay.check_read_only,
}


def run_layout(index: int, count: int, root: str) -> list[tuple[str, str, list[str]]]:
    layout = list(lay.layouts(count))[index]
    out = []
    for name, check in CHECKS.items():
        if name == "read-only" and lay.read_only_target(layout) is None:
            continue
        home = Path(root) / f"{index}-{name.replace(' ', '-')}"

        def runner(*args: str, home: Path = home) -> tuple[int, str]:
            done = rel.run_cli(home, *args)
            return done.returncode, done.stderr

        out.append((layout.name, name, check(home, layout, runner)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layouts", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=4)
    options = parser.parse_args()
    started = time.monotonic()
    results: list[tuple[str, str, list[str]]] = []
    with (
        tempfile.TemporaryDirectory(prefix="ocs-corpus-") as root,
        ProcessPoolExecutor(options.jobs) as pool,
    ):
        futures = [
            pool.submit(run_layout, index, options.layouts, root)
            for index in range(options.layouts)
        ]
        for future in futures:
            results += future.result()
    failed = [r for r in results if r[2]]
    print(f"{options.layouts} layouts, {len(results)} checks in {time.monotonic() - started:.0f} s")
    for name in CHECKS:
        mine = [r for r in results if r[1] == name]
        bad = [r for r in mine if r[2]]
        print(f"  {name:<10} runs={len(mine)} failed={len(bad)}")
    for layout, check, problems in failed:
        print(f"FAILED {check}: {layout}")
        for problem in problems:
            print(f"    {problem}")
    print(f"failures: {len(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
