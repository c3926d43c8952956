"""The figures a run measures, their table, and the details printed after it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.timing import median


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
