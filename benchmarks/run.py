#!/usr/bin/env python3
"""Benchmarks for the waits a person notices (DESIGN.md, "Fast where people wait").

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
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # for tests.fakes.ollama

from tests.fakes.ollama import FakeOllama, RecordedRequest, unused_port  # noqa: E402

FAKE_TAILSCALE = REPO / "tests" / "fakes" / "tailscale"
CLIENTS_WANTED = ("aider", "continue", "claude-code", "codex", "opencode")
MODELS = ("qwen2.5-coder:7b", "llama3.2:3b")  # both exist on the fake server
BLOCK_MARK = ">>> ollama-client-setup >>>"
DELAY_S = 0.3
HANG_BUDGET_S = 2.0

#: Start-up files a user already has; both shell homes get them, only one gets the block.
USER_FILES = {
    ".bashrc": "# the user's own .bashrc\nexport EDITOR=vi\nalias ll='ls -l'\n",
    ".profile": "# the user's own .profile\nexport PAGER=less\n",
    ".zshrc": "# the user's own .zshrc\nexport EDITOR=vi\nalias ll='ls -l'\n",
    ".config/fish/config.fish": "# the user's own config.fish\nset -gx EDITOR vi\n",
}

#: Profiles a command in a fresh interpreter, in-process through cli(standalone_mode=False),
#: imports included (a real run pays for them too).
_PROFILE = """\
import contextlib, cProfile, io, json, pstats, sys, time

args, out, top = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
error = None

def go():
    global error
    from ollama_client_setup.cli.main import cli
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        try:
            cli(args, prog_name="ollama-client-setup", standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                error = f"exit {exc.code}: {sink.getvalue().strip()[-200:]}"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"

prof = cProfile.Profile()
began = time.perf_counter()
prof.runcall(go)
wall = time.perf_counter() - began
rows = [
    {"where": f"{fn}:{line}", "func": name, "ncalls": nc, "tottime_ms": tt * 1000,
     "cumtime_ms": ct * 1000}
    for (fn, line, name), (cc, nc, tt, ct, callers) in pstats.Stats(prof).stats.items()
]
by_cum = sorted(rows, key=lambda r: -r["cumtime_ms"])[:top]
by_self = sorted(rows, key=lambda r: -r["tottime_ms"])[:top]
with open(out, "w", encoding="utf-8") as fh:
    json.dump({"wall_ms": wall * 1000, "cumulative": by_cum, "self": by_self, "error": error}, fh)
"""

_IMPORTTIME = (
    "import sys\n"
    "from ollama_client_setup.cli.main import main\n"
    "sys.argv = ['ollama-client-setup', *sys.argv[1:]]\n"
    "main()\n"
)


class BenchError(Exception):
    """A figure could not be measured; the message says why."""


# --- the sandbox --------------------------------------------------------------------------


class Sandbox:
    """A home of its own under the run's temporary folder, and the environment that uses it."""

    def __init__(
        self,
        root: Path,
        name: str,
        *,
        path_prepend: Sequence[Path] = (),
        extra_env: dict[str, str] | None = None,
        user_files: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        self.dir = root / name
        self.home = self.dir / "home"
        for sub in ("home", "tmp", "run"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        (self.dir / "run").chmod(0o700)
        self.path_prepend = list(path_prepend)
        self.extra_env = dict(extra_env or {})
        for rel, text in (user_files or {}).items():
            target = self.home / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    @property
    def env(self) -> dict[str, str]:
        home = self.home
        path = os.pathsep.join([*map(str, self.path_prepend), os.environ.get("PATH", os.defpath)])
        env = {
            "PATH": path,
            "HOME": str(home),
            "USERPROFILE": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_RUNTIME_DIR": str(self.dir / "run"),
            "ZDOTDIR": str(home),
            "OLLAMA_CLIENT_SETUP_CONFIG_DIR": str(home / ".config" / "ollama-client-setup"),
            "OLLAMA_CLIENT_SETUP_STATE_DIR": str(home / ".local" / "state" / "ollama-client-setup"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "TMPDIR": str(self.dir / "tmp"),
            "SHELL": "/bin/bash",
            "TERM": "dumb",
            "LC_ALL": "C.UTF-8",
            "NO_COLOR": "1",
            "COLUMNS": "100",
            # No Tailscale unless a figure brings the fake one: never the machine's own.
            "OLLAMA_CLIENT_SETUP_TAILSCALE": "none",
        }
        if os.environ.get("PYTHONPATH"):  # e.g. to measure a checkout that is not installed
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        env.update(self.extra_env)
        _guard(env, self.root)
        return env


_SANDBOXED_VARS = (
    "HOME",
    "USERPROFILE",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_CACHE_HOME",
    "XDG_RUNTIME_DIR",
    "ZDOTDIR",
    "OLLAMA_CLIENT_SETUP_CONFIG_DIR",
    "OLLAMA_CLIENT_SETUP_STATE_DIR",
    "TMPDIR",
)


def _guard(env: dict[str, str], root: Path) -> None:
    """Refuse to run anything whose home-like variables point outside the sandbox root."""
    base = root.resolve()
    for name in _SANDBOXED_VARS:
        value = env.get(name)
        if not value or not Path(value).resolve().is_relative_to(base):
            raise RuntimeError(f"refusing to run: {name}={value!r} is outside {base}")


# --- running and timing -------------------------------------------------------------------


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


# --- results ------------------------------------------------------------------------------


@dataclass
class Figure:
    group: str
    name: str
    baseline_label: str
    target: str
    baseline_ms: float | None = None
    measured_ms: float | None = None
    ratio: float | None = None
    diff_ms: float | None = None
    met: bool | None = None
    runs: int = 0
    error: str | None = None
    samples: dict[str, list[float]] = field(default_factory=dict)

    def cells(self) -> list[str]:
        if self.error:
            return [self.name, self.baseline_label, "error", "-", self.target, "n/a"]
        base = f"{self.baseline_label}: {ms(self.baseline_ms)}"
        if self.ratio is not None and self.diff_ms is not None:
            change = f"{self.ratio:.2f}x ({signed_ms(self.diff_ms)})"
        elif self.ratio is not None:
            change = f"{self.ratio:.2f}x"
        else:
            change = signed_ms(self.diff_ms)
        met = {True: "yes", False: "NO", None: "n/a"}[self.met]
        return [self.name, base, ms(self.measured_ms), change, self.target, met]


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} ms" if abs(value) < 100 else f"{value:.0f} ms"


def signed_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:+.2f} ms" if abs(value) < 10 else f"{value:+.1f} ms"


def ratio_figure(
    figure: Figure, baseline: list[float], measured: list[float], limit: float
) -> Figure:
    figure.baseline_ms, figure.measured_ms = median(baseline), median(measured)
    figure.ratio = figure.measured_ms / figure.baseline_ms
    figure.met = figure.ratio <= limit
    figure.runs = len(measured)
    return figure


# --- 1. CLI start -------------------------------------------------------------------------


def _importtime(env: dict[str, str], code: str, args: Sequence[str] = ()) -> list[dict[str, Any]]:
    # Whatever the command's exit code, the import lines are there.
    done = run([sys.executable, "-X", "importtime", "-c", code, *args], env, ok=range(256))
    rows = []
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if found:
            self_us, cum_us, indent, name = found.groups()
            rows.append(
                {
                    "module": name,
                    "level": (len(indent) - 1) // 2,
                    "self_ms": int(self_us) / 1000,
                    "cumulative_ms": int(cum_us) / 1000,
                }
            )
    return rows


def import_report(env: dict[str, str], args: Sequence[str]) -> dict[str, Any]:
    """Which modules dominate: the top-level imports by cumulative time, and what the tool
    adds beyond `import click` (the baseline) by own time. One run; importtime inflates."""
    floor = {r["module"] for r in _importtime(env, "import click")}
    rows = _importtime(env, _IMPORTTIME, args)
    top = sorted((r for r in rows if r["level"] == 0), key=lambda r: -r["cumulative_ms"])
    added = [r for r in rows if r["module"] not in floor]
    return {
        "args": list(args),
        "total_ms": sum(r["self_ms"] for r in rows),
        "added_ms": sum(r["self_ms"] for r in added),
        "added_count": len(added),
        "top_level": top[:6],
        "added_by_self": sorted(added, key=lambda r: -r["self_ms"])[:10],
    }


def bench_cli(res: Results, root: Path, runs: int) -> None:
    env = Sandbox(root, "cli").env
    py = sys.executable
    cases = {
        "python -c pass": lambda: timed([py, "-c", "pass"], env),
        "python -c 'import click'": lambda: timed([py, "-c", "import click"], env),
        "--version": lambda: timed(tool("--version"), env),
        "--help": lambda: timed(tool("--help"), env),
    }
    # What a person's PATH finds may be a version-manager shim (pyenv, asdf): shown apart.
    on_path = shutil.which("ollama-client-setup", path=env["PATH"])
    if on_path and Path(on_path).resolve() != Path(TOOL[0]).resolve():
        try:
            timed([on_path, "--version"], env)
            cases["PATH --version"] = lambda: timed([on_path, "--version"], env)
        except (BenchError, OSError) as exc:
            res.notes.append(f"`{on_path} --version` not measured: {exc}")
    cpu: dict[str, list[float]] = {}
    samples = interleaved(cases, runs, warmup=2, cpu=cpu)
    floor = samples["python -c 'import click'"]
    for name in ("--version", "--help"):
        figure = Figure("cli", f"CLI start: `{name}`", "python -c 'import click'", "<= 1.5x")
        ratio_figure(figure, floor, samples[name], 1.5)
        figure.diff_ms = figure.measured_ms - figure.baseline_ms  # type: ignore[operator]
        figure.samples = {"baseline": floor, "measured": samples[name]}
        res.add(figure)
    if "PATH --version" in samples:
        res.notes.append(
            f"`ollama-client-setup` on PATH is {on_path}, not the script itself: "
            f"`--version` through it takes {ms(median(samples['PATH --version']))} "
            f"(the script: {ms(median(samples['--version']))})"
        )
    res.details["cli"] = {
        "interpreter_ms": median(samples["python -c pass"]),
        "medians_ms": {name: median(values) for name, values in samples.items()},
        "cpu_medians_ms": {name: median(values) for name, values in cpu.items()},
        "importtime": {
            "--version": import_report(env, ["--version"]),
            "--help": import_report(env, ["--help"]),
        },
    }


# --- 2. shell start -----------------------------------------------------------------------


_INIT_FLAGS: list[list[str]] = []


def init_flags(env: dict[str, str]) -> list[str]:
    """Flags that keep `init` away from the server, if this version has them (asked once)."""
    if not _INIT_FLAGS:
        text = run(tool("init", "--help"), env).stdout
        _INIT_FLAGS.append([flag for flag in ("--no-probe", "--no-check") if flag in text])
    return list(_INIT_FLAGS[0])


def settle_init(argv: list[str], env: dict[str, str], expect: Path, res: Results) -> None:
    """Run a setup `init`; a non-zero exit is tolerated (and noted) when it wrote `expect`."""
    done = run(argv, env, ok=range(256))
    if done.returncode == 0:
        return
    if not expect.exists():
        raise BenchError(f"setup `init` exited {done.returncode}: {_tail(done.stderr)}")
    note = f"setup `init` exited {done.returncode} after writing its files: {_tail(done.stderr)}"
    if note not in res.notes:
        res.notes.append(note)


def bench_shells(res: Results, root: Path, runs: int) -> None:
    shells = [s for s in ("bash", "zsh", "fish") if shutil.which(s)]
    missing = sorted({"bash", "zsh", "fish"} - set(shells))
    if missing:
        res.notes.append(f"shell start: not installed, not measured: {', '.join(missing)}")
    with_block = Sandbox(root, "shell-with-block", user_files=USER_FILES)
    without = Sandbox(root, "shell-without-block", user_files=USER_FILES)
    env_a, env_b = with_block.env, without.env
    no_server = init_flags(env_a)
    argv = tool("init", "--yes", "--host", "127.0.0.1", "--model", "m", *no_server)
    if not no_server:
        argv += ["--port", str(unused_port())]  # nothing answers there: no real server is asked
    for shell in ("bash", "zsh", "fish"):
        argv += ["--shell", shell]
    settle_init(argv, env_a, with_block.home / ".bashrc", res)
    for rel, original in USER_FILES.items():
        text = (with_block.home / rel).read_text(encoding="utf-8")
        if rel != ".config/fish/config.fish" and BLOCK_MARK not in text:
            raise BenchError(f"init wrote no managed block into ~/{rel}")
        if original.strip() not in text:
            res.notes.append(f"shell start: init changed the user's own lines in ~/{rel}")
    dropin = with_block.home / ".config" / "fish" / "conf.d"
    res.details.setdefault("shell", {})["managed_files"] = sorted(
        str(p.relative_to(with_block.home)) for p in with_block.home.rglob("*") if p.is_file()
    )
    if not dropin.is_dir():
        res.notes.append("shell start: init wrote no fish conf.d drop-in")
    for shell in shells:
        # The block must really be read (and only in its home), or the figure means nothing.
        probe = [shell, "-ic", "echo ocs=$OLLAMA_API_BASE"]
        seen_a = run(probe, env_a, cwd=with_block.home).stdout
        seen_b = run(probe, env_b, cwd=without.home).stdout
        if "ocs=http://127.0.0.1" not in seen_a or "ocs=http" in seen_b:
            raise BenchError(
                f"{shell}: the managed block is not what differs ({seen_a!r}, {seen_b!r})"
            )
        argv_shell = [shell, "-ic", "exit"]
        cases = {
            "without": lambda a=argv_shell: timed(a, env_b, cwd=without.home),
            "with": lambda a=argv_shell: timed(a, env_a, cwd=with_block.home),
        }
        samples = interleaved(cases, runs, warmup=3)
        figure = Figure("shell", f"shell start: `{shell} -ic exit`", "no block", "<= +2% or +1 ms")
        figure.baseline_ms = median(samples["without"])
        figure.measured_ms = median(samples["with"])
        figure.diff_ms = figure.measured_ms - figure.baseline_ms
        figure.ratio = figure.measured_ms / figure.baseline_ms
        figure.met = figure.diff_ms <= 1.0 or figure.ratio <= 1.02
        figure.runs = runs
        figure.samples = {"baseline": samples["without"], "measured": samples["with"]}
        res.add(figure)


# --- 3. doctor ----------------------------------------------------------------------------


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


# --- 4. init and model use ----------------------------------------------------------------


def _clients_to_try() -> list[str]:
    try:
        from ollama_client_setup.config.settings import CLIENTS
    except ImportError:
        return list(CLIENTS_WANTED)
    return [c for c in CLIENTS_WANTED if c in CLIENTS] + [
        c for c in CLIENTS if c not in CLIENTS_WANTED
    ]


def init_argv(
    port: int, env: dict[str, str], shells: Sequence[str], clients: Sequence[str]
) -> list[str]:
    """`init --yes` for the fake server's port, kept away from the server when it can be."""
    argv = tool("init", "--yes", "--host", "127.0.0.1", "--port", str(port))
    argv += ["--model", MODELS[0], *init_flags(env)]
    argv += [arg for shell in shells for arg in ("--shell", shell)]
    return argv + [arg for client in clients for arg in ("--client", client)]


def usable_clients(root: Path, res: Results, fake: FakeOllama) -> list[str]:
    """The clients `init --client X` accepts today (some may still be being written);
    found once per run, by trying each in a scratch home with --dry-run."""
    if "clients" in res.details:
        return list(res.details["clients"])
    usable = []
    for index, client in enumerate(_clients_to_try()):
        env = Sandbox(root, f"detect-{index}", user_files=USER_FILES).env
        argv = init_argv(fake.port, env, ["bash"], [client])
        done = run([*argv, "--dry-run"], env, ok=range(256))
        if done.returncode == 0:
            usable.append(client)
        else:
            res.notes.append(f"clients: `--client {client}` left out: {_tail(done.stderr)}")
    res.details["clients"] = usable
    return usable


#: Frames that only pass the call on (click's dispatch, importlib's machinery, the
#: profiling wrapper): left out of the cumulative listing, which would otherwise repeat the
#: total ten times. `_find_and_load` stays: its cumulative time is all imports together.
_PASS_THROUGH = re.compile(
    r"^(click/|<string>:)|importlib\._bootstrap.*:\d+$|builtins\.(exec|__import__)"
)


def profile(res: Results, env: dict[str, str], args: list[str], top: int = 10) -> dict[str, Any]:
    """cProfile of one run, in-process in a fresh interpreter (imports included)."""
    out = Path(env["TMPDIR"]) / "profile.json"
    run([sys.executable, "-c", _PROFILE, json.dumps(args), str(out), "80"], env)
    data = json.loads(out.read_text(encoding="utf-8"))
    for key in ("cumulative", "self"):
        for row in data[key]:
            row["where"] = _short(row["where"])
    data["cumulative"] = [
        row
        for row in data["cumulative"]
        if row["func"] == "_find_and_load"
        or not (_PASS_THROUGH.search(row["where"]) or _PASS_THROUGH.search(row["func"]))
    ][:top]
    data["self"] = data["self"][:top]
    data["args"] = args
    if data.get("error"):
        res.notes.append(
            f"cProfile of `{' '.join(args[:3])} ...`: the command failed: {data['error']}"
        )
    return data


def _short(where: str) -> str:
    for prefix in (str(REPO) + os.sep, *sorted(sys.path, key=len, reverse=True)):
        if prefix and where.startswith(prefix.rstrip(os.sep) + os.sep):
            return where[len(prefix.rstrip(os.sep)) + 1 :]
    return where


def bench_edits(res: Results, root: Path, fake: FakeOllama, runs: int) -> None:
    probe_env = Sandbox(root, "edit-flags").env
    no_server = init_flags(probe_env)
    if not no_server:
        res.notes.append(
            "init has no --no-probe: its timing includes probing the fake server (no delay)"
        )
    fake.clear_fault()
    clients = usable_clients(root, res, fake)
    full = init_argv(fake.port, probe_env, ("bash", "zsh", "fish"), clients)
    label = f"shells + {len(clients)} clients"
    res.details["edits"] = {"clients": clients, "init_argv": full[len(TOOL) :]}

    fresh = [Sandbox(root, f"fresh-{i}", user_files=USER_FILES) for i in range(runs + 1)]
    steady = Sandbox(root, "steady", user_files=USER_FILES)
    settings_file = steady.home / ".config" / "ollama-client-setup" / "settings.toml"
    settle_init(full, steady.env, settings_file, res)
    fresh_iter = iter(fresh)
    turn = iter(range(10**6))
    again = tool("init", "--yes", *no_server)

    # A run that exits non-zero still counts (it is flagged): while a client module is
    # being written, init can fail in its last step, after every file is written.
    failed: dict[str, list[str]] = {"init fresh": [], "init again": [], "model use": []}

    def use() -> float:
        name = MODELS[1 - next(turn) % 2]  # alternate, so every run changes the files
        argv = tool("model", "use", name, "--no-check")
        return timed(argv, steady.env, failures=failed["model use"])

    cases = {
        "--version": lambda: timed(tool("--version"), steady.env),
        "init fresh": lambda: timed(full, next(fresh_iter).env, failures=failed["init fresh"]),
        "init again": lambda: timed(again, steady.env, failures=failed["init again"]),
        "model use": use,
    }
    cpu: dict[str, list[float]] = {}
    samples = interleaved(cases, runs, warmup=1, cpu=cpu)
    res.details["edits"]["cpu_medians_ms"] = {name: median(v) for name, v in cpu.items()}
    floor = samples["--version"]
    names = {
        "init fresh": f"init, fresh home ({label})",
        "init again": "init again, nothing to change",
        "model use": "model use NAME --no-check",
    }
    for key, name in names.items():
        figure = Figure("edits", name, "`--version`", "< 300 ms")
        figure.baseline_ms, figure.measured_ms = median(floor), median(samples[key])
        figure.ratio = figure.measured_ms / figure.baseline_ms
        figure.diff_ms = figure.measured_ms - figure.baseline_ms
        figure.met = figure.measured_ms < 300
        figure.runs = runs
        figure.samples = {"baseline": floor, "measured": samples[key]}
        if failed[key]:
            figure.name += " [exited non-zero]"
            res.notes.append(
                f"{name}: {len(failed[key])} of {runs + 1} runs exited non-zero, "
                f"e.g. {failed[key][0]}"
            )
        res.add(figure)

    spare = Sandbox(root, "profile-init", user_files=USER_FILES)
    res.details["edits"]["profile_init"] = profile(res, spare.env, full[len(TOOL) :])
    spare = Sandbox(root, "importtime-init", user_files=USER_FILES)
    res.details["edits"]["importtime_init"] = import_report(spare.env, full[len(TOOL) :])
    res.details["edits"]["profile_init_again"] = profile(res, steady.env, again[len(TOOL) :])
    res.details["edits"]["profile_model_use"] = profile(
        res, steady.env, ["model", "use", MODELS[0], "--no-check"]
    )


# --- report -------------------------------------------------------------------------------


def table(figures: list[Figure]) -> str:
    head = ["figure", "baseline", "measured", "ratio/diff", "target", "met?"]
    rows = [head, ["---"] * len(head), *(f.cells() for f in figures)]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def _cpu_line(medians: dict[str, float]) -> str:
    return ", ".join(f"{name} {ms(value)}" for name, value in medians.items())


def _print_details(res: Results) -> None:
    cli = res.details.get("cli")
    if cli:
        print(f"\nInterpreter alone (`python -c pass`): {ms(cli['interpreter_ms'])}")
        print(f"CPU time (user+sys) medians: {_cpu_line(cli['cpu_medians_ms'])}")
        for args, rep in cli["importtime"].items():
            top = ", ".join(f"{r['module']} {r['cumulative_ms']:.1f}" for r in rep["top_level"])
            added = ", ".join(f"{r['module']} {r['self_ms']:.1f}" for r in rep["added_by_self"])
            print(
                f"importtime `{args}`: {rep['total_ms']:.1f} ms of imports; beyond `import "
                f"click`: {rep['added_count']} modules, {rep['added_ms']:.1f} ms"
            )
            print(f"  top level (cumulative ms): {top}")
            print(f"  added, by own time (ms):   {added}")
    doctor = res.details.get("doctor")
    if doctor and "importtime" in doctor:
        rep = doctor["importtime"]
        top = ", ".join(f"{r['module']} {r['cumulative_ms']:.1f}" for r in rep["top_level"])
        print(
            f"\nimporttime `doctor --list-checks`: {rep['total_ms']:.1f} ms of imports; "
            f"top level (cumulative ms): {top}"
        )
    if doctor:
        for key in ("delayed_shells_only", "delayed_with_clients", "hang"):
            part = doctor.get(key)
            if not part:
                continue
            checks = ", ".join(
                f"{cid} {c['ms']}" for cid, c in part["checks"].items() if c["ms"] >= 5
            )
            calls = f"; HTTP calls: {', '.join(part['http_calls'])}" if "http_calls" in part else ""
            print(
                f"doctor {key}: runner {part['elapsed_ms']} ms; checks over 5 ms: {checks}{calls}"
            )
    edits = res.details.get("edits")
    if edits:
        print(f"\ninit/model use clients: {', '.join(edits['clients']) or '(none usable)'}")
        if "cpu_medians_ms" in edits:
            print(f"CPU time (user+sys) medians: {_cpu_line(edits['cpu_medians_ms'])}")
        rep = edits.get("importtime_init")
        if rep:
            top = ", ".join(f"{r['module']} {r['cumulative_ms']:.1f}" for r in rep["top_level"])
            print(
                f"importtime `init` (fresh home): {rep['total_ms']:.1f} ms of imports; "
                f"top level (cumulative ms): {top}"
            )
        for key in ("profile_init", "profile_init_again", "profile_model_use"):
            prof = edits.get(key)
            if not prof:
                continue
            print(
                f"cProfile `{' '.join(prof['args'][:3])} ...` in-process, "
                f"{prof['wall_ms']:.0f} ms; top 10 cumulative:"
            )
            for row in prof["cumulative"]:
                print(
                    f"  {row['cumtime_ms']:8.1f} ms cum {row['tottime_ms']:7.1f} ms own "
                    f"{row['ncalls']:>6}  {row['where']}({row['func']})"
                )
            own = ", ".join(f"{r['func']} {r['tottime_ms']:.1f}" for r in prof["self"][:5])
            print(f"  most own time (ms): {own}")
    for note in res.notes:
        print(f"note: {note}")


@contextlib.contextmanager
def sandbox_root(base: str | None, keep: bool) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="ocs-bench-", dir=base)).resolve()
    try:
        yield root
    finally:
        if keep:
            print(f"sandbox kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


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
