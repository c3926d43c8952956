#!/usr/bin/env python3
"""Runs at once, as real processes, against one sandbox home.

- model use: two `model use --no-check --client X` at once, for different clients; both
  switches must be in the settings and in the clients' files (no lost update);
- init: two `init --client X` at once, adding different clients; both must end up managed;
- killed holder: two inits at once, one SIGKILLed after a random delay; the other must
  finish (exit 0, not 7: the kernel frees a dead run's flock), a re-run converges, and the
  final uninstall gives back the original home byte for byte;
- uninstall vs init: both at once; each exits 0, and a final uninstall is exact.

    python scripts/concurrency_trials.py [--rounds 25] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import reliability as rel  # noqa: E402

SETTINGS = Path(".config/ollama-client-setup/settings.toml")
BASE = ("init", "--yes", "--no-probe", "--host", "127.0.0.1", "--model", "m", "--shell", "bash")


def spawn(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*rel.CLI, *args],
        env=rel.sandbox_env(home),
        cwd=home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(*procs: subprocess.Popen[str]) -> list[str]:
    problems = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            problems.append(f"{' '.join(map(str, proc.args[3:]))} exited {proc.returncode}: {err}")
    return problems


def fresh(home: Path) -> rel.Snapshot:
    rel.restore(home, {})
    (home / ".bashrc").write_text("export A=1\n")
    (home / ".codex").mkdir()
    return rel.snapshot(home)


def final_uninstall(home: Path, original: rel.Snapshot) -> list[str]:
    done = rel.run_cli(home, "uninstall", "--yes")
    if done.returncode != 0:
        return [f"final uninstall failed: {done.stderr}"]
    changed = rel.differences(original, rel.snapshot(home))
    return [f"after the final uninstall {path} differs" for path in changed]


def model_use_round(home: Path, number: int, rng: random.Random) -> list[str]:
    original = fresh(home)
    rel.run_cli(home, *BASE, "--client", "aider", "--client", "codex")
    a = spawn(home, "model", "use", "--no-check", "--client", "codex", f"codex-{number}")
    b = spawn(home, "model", "use", "--no-check", "--client", "aider", f"aider-{number}")
    problems = finish(a, b)
    settings = (home / SETTINGS).read_text()
    for name in (f"codex-{number}", f"aider-{number}"):
        if f'"{name}"' not in settings:
            problems.append(f"lost update: {name} is not in the settings")
    if f"ollama_chat/aider-{number}" not in (home / ".aider.conf.yml").read_text():
        problems.append("lost update: Aider's file does not have its model")
    if f'"codex-{number}"' not in (home / ".codex/ollama-server.config.toml").read_text():
        problems.append("lost update: Codex's profile does not have its model")
    return problems + final_uninstall(home, original)


def init_round(home: Path, number: int, rng: random.Random) -> list[str]:
    original = fresh(home)
    rel.run_cli(home, *BASE)
    a = spawn(home, *BASE, "--client", "aider")
    b = spawn(home, *BASE, "--client", "codex")
    problems = finish(a, b)
    settings = (home / SETTINGS).read_text()
    if '"aider"' not in settings or '"codex"' not in settings:
        problems.append(f"lost update: clients in the settings: {settings!r}")
    return problems + final_uninstall(home, original)


def killed_holder_round(home: Path, number: int, rng: random.Random) -> list[str]:
    original = fresh(home)
    args = (*BASE, "--client", "aider", "--client", "codex")
    victim = spawn(home, *args)
    other = spawn(home, *args)
    try:
        victim.wait(timeout=rng.uniform(0.0, 0.6))
    except subprocess.TimeoutExpired:
        os.kill(victim.pid, signal.SIGKILL)
    victim.communicate()
    problems = finish(other)
    again = rel.run_cli(home, *args)
    if again.returncode != 0:
        problems.append(f"re-run failed: {again.stderr}")
    problems += [f"leftover {p}" for p in rel.leftovers(home)]
    return problems + final_uninstall(home, original)


def uninstall_vs_init_round(home: Path, number: int, rng: random.Random) -> list[str]:
    original = fresh(home)
    rel.run_cli(home, *BASE, "--client", "aider")
    a = spawn(home, "uninstall", "--yes")
    b = spawn(home, *BASE, "--client", "codex")
    problems = finish(a, b)
    return problems + final_uninstall(home, original)


ROUNDS = {
    "model use x2": model_use_round,
    "init x2": init_round,
    "killed holder": killed_holder_round,
    "uninstall + init": uninstall_vs_init_round,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25, help="rounds of each kind")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    counts: Counter[str] = Counter()
    failures: list[tuple[str, int, list[str]]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ocs-concurrency-") as root:
        home = Path(root) / "home"
        for name, round_ in ROUNDS.items():
            for number in range(options.rounds):
                problems = round_(home, number, rng)
                counts[name] += 1
                if problems:
                    failures.append((name, number, problems))
    print(f"{sum(counts.values())} rounds in {time.monotonic() - started:.0f} s")
    for name in ROUNDS:
        bad = sum(1 for f in failures if f[0] == name)
        print(f"  {name:<17} rounds={counts[name]} failed={bad}")
    for name, number, problems in failures:
        print(f"FAILED {name} #{number}:")
        for problem in problems:
            print(f"    {problem}")
    print(f"failures: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
