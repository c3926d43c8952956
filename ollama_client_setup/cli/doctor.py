"""`doctor`: every check, its status, and the fix for each problem."""

from __future__ import annotations

import os

import click

from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.cli import main as entry
from ollama_client_setup.cli.app import Application, command_edge, json_option
from ollama_client_setup.cli.checkview import QUIET, echo_result
from ollama_client_setup.config import settings as settings_mod


def _check_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Tab completion of check ids (from the settings' clients; no network)."""
    from ollama_client_setup.base.errors import SettingsError
    from ollama_client_setup.checks.doctor import diagnose
    from ollama_client_setup.config import settings as settings_mod

    try:
        current = settings_mod.load()
    except SettingsError:
        current = settings_mod.Settings()
    return [i for i in diagnose.known_ids(current) if i.startswith(incomplete)]


@click.command()
@click.option(
    "--timeout",
    "budget",
    type=click.FloatRange(0.5, 600),
    default=None,
    help="Time budget for the whole run, in seconds. [default: 5, 60 with --deep]",
)
@click.option(
    "--deep",
    is_flag=True,
    help="Also send real chat, streaming and Anthropic requests to the configured model.",
)
@click.option(
    "--only",
    multiple=True,
    metavar="ID",
    shell_complete=_check_ids,
    help="Run only this check (repeatable).",
)
@click.option(
    "--skip",
    "skip_ids",
    multiple=True,
    metavar="ID",
    shell_complete=_check_ids,
    help="Leave this check out (repeatable).",
)
@click.option("--list-checks", is_flag=True, help="List the check ids and exit.")
@json_option
@command_edge("doctor")
def command(
    app: Application,
    budget: float | None,
    deep: bool,
    only: tuple[str, ...],
    skip_ids: tuple[str, ...],
    list_checks: bool,
    as_json: bool,
) -> None:
    """Check, step by step, that this machine can use the server, and say how to fix what
    does not work. Exit code 3 when a check failed."""
    from ollama_client_setup.checks.doctor import diagnose, registry

    settings = settings_mod.load()
    if list_checks:
        checks = registry.listing(settings)
        if app.json:
            app.emit(
                {
                    "checks": [
                        {
                            "id": c.id,
                            "title": c.title,
                            "deep": c.deep,
                            "depends_on": list(c.depends_on),
                        }
                        for c in checks
                    ]
                }
            )
        else:
            for check in checks:
                suffix = "  (--deep)" if check.deep else ""
                app.echo(f"{check.id:<22} {check.title}{suffix}")
        return
    known = set(diagnose.known_ids(settings)) | {c.id for c in registry.all_checks(settings)}
    for check_id in (*only, *skip_ids):
        if check_id not in known:
            raise click.BadParameter(
                f"no check is called {check_id!r}; see --list-checks", param_hint="--only/--skip"
            )
    report = diagnose.diagnose(
        settings,
        os.environ,
        budget=budget or (60.0 if deep else 5.0),
        started=entry.STARTED,
        deep=deep,
        only=only,
        skip=skip_ids,
    )
    code = ExitCode.CHECKS_FAILED if report.failed else ExitCode.OK
    if app.json:
        app.emit(report.to_dict(), int(code))
    else:
        for check, result in report.checks:
            echo_result(app, check.id, result)
        counts = report.counts
        app.echo(
            f"\n{counts['ok']} ok, {counts['warn']} warn, {counts['fail']} failed, "
            f"{counts['skip']} skipped in {report.elapsed:.1f} s",
            level=QUIET,
        )
    if code:
        raise SystemExit(int(code))
