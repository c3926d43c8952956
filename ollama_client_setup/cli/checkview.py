"""How a check's result is printed, shared by `doctor` and `smoke`: a status mark, the id and
the summary; the detail and the fix under it when something is wrong (the detail always
with -v)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .app import Application

if TYPE_CHECKING:
    from ..doctor.model import Result

MARKS = {
    "ok": ("ok", "green"),
    "warn": ("warn", "yellow"),
    "fail": ("FAIL", "red"),
    "skip": ("skip", None),
}


def echo_result(app: Application, ident: str, result: Result, width: int = 20) -> None:
    status = result.status.value
    word, color = MARKS[status]
    mark = app.style(f"{word:<4}", fg=color, bold=status == "fail")
    app.echo(f"{mark}  {ident:<{width}} {result.summary}")
    if result.detail and (status in ("fail", "warn") or app.verbosity > 0):
        for line in result.detail.splitlines():
            app.echo(f"      {line}")
    if result.fix and status in ("fail", "warn"):
        app.echo(f"      fix: {result.fix.text}")
        if result.fix.command:
            app.echo(f"        $ {result.fix.command}")
