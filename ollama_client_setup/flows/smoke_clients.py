"""`smoke --clients`: the smoke report, then a step for the clients' shared runner and one
per managed client run once (checks/clientrun)."""

from __future__ import annotations

from collections.abc import Callable

from ollama_client_setup.checks.smoke.report import SmokeReport
from ollama_client_setup.config.settings import Settings

Progress = Callable[[str], None]


def add_client_steps(
    settings: Settings, report: SmokeReport, timeout: float, progress: Progress | None = None
) -> None:
    """Append a `run.<client>` step per managed client (clientrun) to the smoke report.

    When the `models` step failed (no server, or no such model) every client would fail the
    same way, and Codex only after the whole timeout: the runs are skipped with that reason.
    """
    import time

    from ollama_client_setup.base.results import Status, skip
    from ollama_client_setup.checks.clientrun import runner
    from ollama_client_setup.checks.smoke.report import Step

    started = time.monotonic()
    if not settings.clients:
        result = skip(
            "skipped: no client is managed here (add one with "
            "`ollama-client-setup init --client NAME`)"
        )
        report.steps.append(Step("run", "each managed client answers", result))
        return
    models = report.step("models")
    if models is not None and models.status is Status.FAIL:
        runs = [(name, skip("skipped: the models step failed")) for name in settings.clients]
    else:
        runs = runner.run_clients(settings, timeout=timeout, progress=progress)
    from ollama_client_setup.checks.doctor.cost import sharing

    title = "the clients share one runner per model"
    report.steps.append(Step("runners", title, sharing(settings)))
    for name, result in runs:
        title = f"{result.data.get('program', name)} answers when run once"
        report.steps.append(Step(f"run.{name}", title, result))
    report.elapsed += time.monotonic() - started
