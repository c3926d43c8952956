"""Every managed client (or the ones named) run once in turn, each judged; one doctor
Result for all of them."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping

from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.results import Fix, Result, Status, skip, warn
from ollama_client_setup.checks.clientrun.invocation import PROMPT, invocation, new_token
from ollama_client_setup.checks.clientrun.judge import _secs, judge
from ollama_client_setup.checks.clientrun.process import run_invocation
from ollama_client_setup.clients import registry
from ollama_client_setup.config.settings import Settings

#: Per client: a cold load of a big model can take most of a minute.
DEFAULT_TIMEOUT = 60.0
#: A run with less time than this left is not started.
MIN_RUN = 1.0


Progress = Callable[[str], None]


def run_clients(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    deadline: float | None = None,
    names: Iterable[str] | None = None,
    token: str | None = None,
    progress: Progress | None = None,
) -> list[tuple[str, Result]]:
    """Run each managed client (or `names`) once, one after another, and judge each.

    One at a time on purpose: the server would queue concurrent requests anyway, and Aider's
    own num_ctx could make it reload the model under the others. `deadline` (monotonic) stops
    starting new runs and shortens the last; `token` is for tests (default: a random one).
    """
    environ = os.environ if environ is None else environ
    token = token or new_token()
    prompt = PROMPT.format(token=token)
    wanted = list(names if names is not None else settings.clients)
    done: dict[str, Result] = {}
    # Codex runs last: while the server is down it only ends at its timeout, and under a
    # shared deadline it would leave the others no time. Results keep the settings' order.
    for name in sorted(wanted, key=lambda n: registry.spec(n).headless.last):
        started = time.monotonic()
        result = _run_one(settings, name, environ, timeout, deadline, token, prompt, progress)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        done[name] = result
    return [(name, done[name]) for name in wanted]


def _run_one(
    settings: Settings,
    name: str,
    environ: Mapping[str, str],
    timeout: float,
    deadline: float | None,
    token: str,
    prompt: str,
    progress: Progress | None,
) -> Result:
    inv = invocation(settings, name, prompt, environ)
    path = shutil.which(inv.program, path=inv.env.get("PATH"))
    if path is None:
        install = registry.spec(name).install
        return skip(
            f"skipped: {inv.program} is not installed ({install})",
            client=name,
            program=inv.program,
            install=install,
            category=None,
        )
    if not inv.model:
        return warn(
            f"no model is chosen for {inv.title}: nothing to run",
            Fix("Choose one of the server's models:", f"{CMD} model use MODEL"),
            client=name,
            program=inv.program,
            category=None,
        )
    limit = timeout
    if deadline is not None:
        left = deadline - time.monotonic()
        if left < MIN_RUN:
            return skip(
                "skipped: not reached within the time budget", client=name, program=inv.program
            )
        limit = min(timeout, left)
    if progress is not None:
        progress(f"running {inv.program} once (up to {_secs(limit)} s)")
    done = run_invocation(inv, path, limit)
    return judge(inv, done, token=token, prompt=prompt, timeout=limit, settings=settings)


_RANK = {Status.FAIL: 3, Status.WARN: 2, Status.OK: 1, Status.SKIP: 0}


def combine(runs: list[tuple[str, Result]]) -> Result:
    """One doctor Result for all runs: the worst status, a line per client, the first fix."""
    if not runs:
        return skip("skipped: no client is managed here")
    worst = max((result.status for _, result in runs), key=_RANK.__getitem__)
    lines = []
    for name, result in runs:
        lines.append(f"{result.status.value:<4}  {name}: {result.summary}")
        if result.status in (Status.FAIL, Status.WARN) and result.detail:
            lines += [f"        {line}" for line in result.detail.splitlines()]
    detail = "\n".join(lines)
    if worst is Status.SKIP:
        return skip(
            "skipped: " + "; ".join((result.reason or result.summary) for _, result in runs)
        )
    parts = []
    for name, result in runs:
        program = result.data.get("program", name)
        if result.status is Status.OK:
            parts.append(f"{program} answered")
        elif result.status is Status.SKIP:
            parts.append((result.reason or result.summary).split(" (")[0])
        else:
            category = result.data.get("category")
            word = "failed" if result.status is Status.FAIL else "warn"
            parts.append(f"{program} {word}" + (f" ({category})" if category else ""))
    summary = ", ".join(parts)
    first = next(r for _, r in runs if r.status is worst)
    return Result(worst, summary, detail, first.fix, data={"runs": [n for n, _ in runs]})
