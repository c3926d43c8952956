"""1. CLI start (`--version`, `--help` against `import click`) and 2. shell start (an
interactive shell with the managed block against one without)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from benchmarks.figures import Figure, Results, ms, ratio_figure
from benchmarks.homes import init_flags, settle_init
from benchmarks.profiling import import_report
from benchmarks.sandbox import USER_FILES, Sandbox
from benchmarks.timing import TOOL, BenchError, interleaved, median, run, timed, tool
from tests.fakes.ollama import unused_port

# --- 1. CLI start -------------------------------------------------------------------------


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


BLOCK_MARK = ">>> ollama-client-setup >>>"


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
