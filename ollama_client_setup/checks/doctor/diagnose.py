"""One doctor run: choose the checks, run them, reconcile, summarise."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ollama_client_setup.base.results import Result, Status, skip
from ollama_client_setup.checks.doctor import registry, runner
from ollama_client_setup.checks.doctor.context import Check, Context
from ollama_client_setup.config.settings import Settings

SCHEMA = 1


@dataclass
class DoctorReport:
    checks: list[tuple[Check, Result]]
    budget: float
    elapsed: float

    @property
    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for _, result in self.checks:
            counts[result.status.value] += 1
        return counts

    @property
    def failed(self) -> bool:
        """A check failed, or could not run because one it depends on failed (shown or
        not: `--only X` must not pass when X was never checked)."""
        return any(
            r.status is Status.FAIL or (r.status is Status.SKIP and r.data.get("blocked"))
            for _, r in self.checks
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "doctor_schema": SCHEMA,
            "checks": [
                {
                    "id": check.id,
                    "title": check.title,
                    "status": result.status.value,
                    "summary": result.summary,
                    "detail": result.detail,
                    "fix": result.fix.to_dict() if result.fix else None,
                    "duration_ms": result.duration_ms,
                }
                for check, result in self.checks
            ],
            "summary": {**self.counts, "failed": self.failed},
            "budget_s": self.budget,
            "elapsed_ms": int(self.elapsed * 1000),
        }


def _with_dependencies(chosen: set[str], checks: list[Check]) -> set[str]:
    by_id = {c.id: c for c in checks}
    todo, out = list(chosen), set()
    while todo:
        check_id = todo.pop()
        if check_id in out or check_id not in by_id:
            continue
        out.add(check_id)
        todo += list(by_id[check_id].depends_on)
    return out


def _reconcile(results: dict[str, Result]) -> None:
    """Users who reach the server another way (LAN, SSH tunnel, VPN) have no use for
    Tailscale: once the server answers, Tailscale findings are not failures."""
    server = results.get("server.version")
    if server is None or server.status is not Status.OK:
        return
    for check_id in registry.TAILSCALE_IDS:
        result = results.get(check_id)
        if result is not None and result.status in (Status.FAIL, Status.SKIP):
            reason = result.reason or result.summary
            results[check_id] = skip(f"skipped: the server answers without it ({reason})")
            results[check_id].duration_ms = result.duration_ms


def diagnose(
    settings: Settings,
    environ: Mapping[str, str],
    *,
    budget: float,
    deep: bool,
    only: tuple[str, ...] = (),
    skip: tuple[str, ...] = (),
    started: float | None = None,
) -> DoctorReport:
    checks = [c for c in registry.all_checks(settings) if deep or not c.deep]
    shown = {c.id for c in checks}
    if only:
        shown = {c.id for c in checks if c.id in only}
        needed = _with_dependencies(shown, checks)
        checks = [c for c in checks if c.id in needed]
    checks = [c for c in checks if c.id not in skip]
    shown -= set(skip)
    ctx = Context(settings, environ, budget, started)
    results = runner.run(checks, ctx)
    _reconcile(results)
    ordered = [(c, results[c.id]) for c in checks if c.id in shown]
    return DoctorReport(ordered, budget, time.monotonic() - ctx.started)


def known_ids(settings: Settings) -> list[str]:
    return [c.id for c in registry.listing(settings)]
