"""Showing a plan to a person: one line per file, the diff on request, the confirmation."""

from __future__ import annotations

from collections.abc import Callable

import click

from ollama_client_setup.base import paths
from ollama_client_setup.cli.app import Application
from ollama_client_setup.edits.fileplan import Plan

_VERBS = {"create": "create", "update": "update", "delete": "remove", "unchanged": "keep"}
_DONE = {"create": "created", "update": "updated", "delete": "removed", "unchanged": "kept"}


def file_lines(plan: Plan, *, done: bool, include_unchanged: bool = False) -> list[str]:
    lines = []
    for item in plan.files:
        if not item.changed and not include_unchanged:
            continue
        verb = (_DONE if done else _VERBS)[item.action]
        if item.revert and item.action == "update":
            verb = "restored" if done else "restore"
        where = paths.display(item.path)
        if item.real != item.path:
            where += f" (-> {paths.display(item.real)})"
        lines.append(f"  {verb:<9} {where}")
    return lines


def confirm(app: Application, question: str) -> Callable[[Plan], bool]:
    """A confirm callback for the workflow: list the files, offer the diff, ask."""

    def ask(plan: Plan) -> bool:
        click.echo("These files will change:")
        for line in file_lines(plan, done=False):
            click.echo(line)
        while True:
            answer = (
                click.prompt(f"{question} [y]es / [n]o / [d]iff", default="y", show_default=False)
                .strip()
                .lower()
            )
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            if answer in ("d", "diff"):
                click.echo_via_pager(plan.diff()) if plan.diff() else None

    return ask


def show_dry_run(app: Application, plan: Plan, nothing: str) -> None:
    """A dry run's whole output: the diff (or `nothing`), then the promise it kept."""
    diff = plan.diff()
    app.echo(diff.rstrip("\n") if diff else nothing)
    app.echo("Dry run: nothing was changed.")
