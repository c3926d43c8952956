"""Run checks concurrently: each starts when its dependencies finish, all under one budget.

Threads are daemons so a check stuck in a system call can never keep the process alive;
at the deadline the runner stops waiting and reports what did not finish.
"""

from __future__ import annotations

import queue
import threading
import time

from ollama_client_setup.base.results import Result, Status, fail, skip
from ollama_client_setup.checks.doctor.context import Check, Context

#: Extra time past the budget for checks to report their own timeout before the runner
#: gives up on them (the budget's promise is "+0.5 s at most").
GRACE = 0.3


def _run_one(check: Check, ctx: Context, done: queue.Queue[tuple[str, Result]]) -> None:
    start = time.monotonic()
    try:
        result = check.run(ctx)
    except Exception as exc:  # A broken check is a finding, not a traceback.
        result = fail(f"the check itself failed: {type(exc).__name__}: {exc}")
    result.duration_ms = int((time.monotonic() - start) * 1000)
    done.put((check.id, result))


def _blocked_by(check: Check, ctx: Context) -> Result | None:
    """The skip for a check whose dependency failed or was skipped. `blocked` marks a skip
    whose root cause is a failure: a selection of checks (`doctor --only X`) that could
    not run because something failed has failed too, even when the failure is not shown."""
    for dep in check.depends_on:
        result = ctx.results.get(dep)
        if result is not None and result.status is Status.FAIL:
            return skip(f"skipped: {dep} failed", blocked=dep)
        if result is not None and result.status is Status.SKIP:
            # Name the root cause, not the link before it.
            return skip(result.summary, **{k: v for k, v in result.data.items() if k == "blocked"})
    return None


def run(checks: list[Check], ctx: Context) -> dict[str, Result]:
    known = {c.id for c in checks}
    waiting = list(checks)
    running: dict[str, float] = {}
    done: queue.Queue[tuple[str, Result]] = queue.Queue()
    while waiting or running:
        for check in list(waiting):
            deps = [d for d in (*check.depends_on, *check.after) if d in known]
            if any(d not in ctx.results for d in deps):
                continue
            waiting.remove(check)
            blocked = _blocked_by(check, ctx)
            if blocked is not None:
                ctx.results[check.id] = blocked
                continue
            running[check.id] = time.monotonic()
            threading.Thread(
                target=_run_one, args=(check, ctx, done), daemon=True, name=f"doctor:{check.id}"
            ).start()
        if not running:
            if waiting:  # Only possible with a dependency cycle: report, never spin.
                for check in waiting:
                    ctx.results[check.id] = skip("skipped: its dependencies never finished")
                waiting.clear()
            continue
        left = ctx.deadline + GRACE - time.monotonic()
        try:
            check_id, result = done.get(timeout=max(left, 0))
        except queue.Empty:
            break
        running.pop(check_id, None)
        ctx.results[check_id] = result
    for check_id, began in running.items():
        waited = time.monotonic() - began
        ctx.results[check_id] = fail(
            f"no result within the {ctx.budget:g} s budget (waited {waited:.1f} s)",
            detail="Something on the way does not answer; run with a longer --timeout to see "
            "whether it is slow or stuck.",
        )
    for check in waiting:
        ctx.results[check.id] = skip("skipped: not reached within the time budget")
    return ctx.results
