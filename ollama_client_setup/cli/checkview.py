"""How a check's result is printed, shared by `doctor` and `smoke`: a status mark, the id and
the summary; the detail and the fix under it when something is wrong (the detail always
with -v)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ollama_client_setup.cli.app import Application

if TYPE_CHECKING:
    from ollama_client_setup.base.results import Result

MARKS = {
    "ok": ("ok", "green"),
    "warn": ("warn", "yellow"),
    "fail": ("FAIL", "red"),
    "skip": ("skip", None),
}


#: -q hides the lines of checks that passed or were skipped, never a problem.
QUIET = -1


def echo_result(app: Application, ident: str, result: Result, width: int = 20) -> None:
    status = result.status.value
    word, color = MARKS[status]
    problem = status in ("fail", "warn")
    level = QUIET if problem else 0
    mark = app.style(f"{word:<4}", fg=color, bold=status == "fail")
    app.echo(f"{mark}  {ident:<{width}} {result.summary}", level=level)
    if result.detail and (problem or app.verbosity > 0):
        for line in result.detail.splitlines():
            app.echo(f"      {line}", level=level)
    if result.fix and problem:
        app.echo(f"      fix: {result.fix.text}", level=level)
        if result.fix.command:
            app.echo(f"        $ {result.fix.command}", level=level)
