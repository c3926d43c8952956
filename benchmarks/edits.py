"""4. init and model use: a fresh home, init again with nothing to change, and switching the
model, against `--version`; then a profile of each."""

from __future__ import annotations

from pathlib import Path

from benchmarks.figures import Figure, Results
from benchmarks.homes import MODELS, init_argv, init_flags, settle_init, usable_clients
from benchmarks.profiling import import_report, profile
from benchmarks.sandbox import USER_FILES, Sandbox
from benchmarks.timing import TOOL, interleaved, median, timed, tool
from tests.fakes.ollama import FakeOllama


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
