"""`smoke`: real, small requests against the server, each judged and timed."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from ollama_client_setup.base import validate
from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.cli.app import Application, command_edge, json_option
from ollama_client_setup.cli.checkview import QUIET, echo_result
from ollama_client_setup.flows import workflow

#: Kept here as well as in ..checks.smoke.asks so `--help` does not import httpx.
DEFAULT_BUDGET = 120.0
#: Kept here as well as in ..checks.clientrun.runner (asserted by the tests).
DEFAULT_CLIENT_TIMEOUT = 60.0


def _model(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return validate.check_model(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _progress(app: Application) -> Callable[[str], None] | None:
    """Shows "checking chat..." on stderr, each over the last; only on a terminal."""
    if app.json or not sys.stderr.isatty():
        return None

    def show(message: str) -> None:
        click.echo(f"\r\033[K{message}...", err=True, nl=False)

    return show


@click.command()
@click.option(
    "--model",
    metavar="MODEL",
    callback=_model,
    help="The model to test, as the server names it. [default: the configured model]",
)
@click.option(
    "--anthropic/--no-anthropic",
    default=None,
    help="Test Claude Code's /v1/messages route too (or not). [default: when Claude Code is "
    "set up]",
)
@click.option(
    "--timeout",
    "budget",
    type=click.FloatRange(0.5, 3600),
    default=DEFAULT_BUDGET,
    show_default=True,
    help="Time budget for the whole run, in seconds; a cold model load counts.",
)
@click.option(
    "--clients",
    "with_clients",
    is_flag=True,
    help="Also run each managed client that is installed once, headless, as a new terminal "
    "would, and check it answers from the server (steps run.<client>; they use the "
    "configured models, not --model).",
)
@click.option(
    "--client-timeout",
    type=click.FloatRange(1, 3600),
    default=DEFAULT_CLIENT_TIMEOUT,
    show_default=True,
    help="With --clients: seconds each client may take before it is stopped.",
)
@json_option
@command_edge("smoke")
def command(
    app: Application,
    model: str | None,
    anthropic: bool | None,
    budget: float,
    with_clients: bool,
    client_timeout: float,
    as_json: bool,
) -> None:
    """Send the model a few real, small requests (chat, streaming, JSON, a tool call,
    Anthropic) and report each with its timing; with --clients, run each client once too.
    Exit code 3 when one failed."""
    settings = workflow.require_settings()
    report = run_with_progress(app, settings, model=model, anthropic=anthropic, budget=budget)
    if with_clients:
        add_client_steps(app, settings, report, client_timeout)
    code = ExitCode.CHECKS_FAILED if report.failed else ExitCode.OK
    if app.json:
        app.emit(report.to_dict(), int(code))
    else:
        show_report(app, report)
    if code:
        raise SystemExit(int(code))


def show_report(app: Application, report: Any) -> None:
    """The one screen that says whether the setup works and how fast the model answers."""
    shown = report.model or "(no model)"
    app.echo(f"Smoke test of {shown} at {report.server_root}, {report.elapsed:.1f} s in all")
    width = max([10, *(len(step.id) for step in report.steps)])
    for step in report.steps:
        echo_result(app, step.id, step.result, width=width)
    app.echo(f"\n{report.summary}", level=QUIET)


def run_with_progress(app: Application, settings: Any, **kwargs: Any) -> Any:
    from ollama_client_setup.checks.smoke import steps

    progress = _progress(app)
    try:
        return steps.run(settings, progress=progress, **kwargs)
    finally:
        if progress is not None:
            click.echo("\r\033[K", err=True, nl=False)


def add_client_steps(app: Application, settings: Any, report: Any, timeout: float) -> None:
    """flows.smoke_clients.add_client_steps, with the progress line on a terminal."""
    from ollama_client_setup.flows import smoke_clients

    progress = _progress(app)
    try:
        smoke_clients.add_client_steps(settings, report, timeout, progress)
    finally:
        if progress is not None:
            click.echo("\r\033[K", err=True, nl=False)
