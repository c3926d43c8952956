"""The application object every command receives: output, verbosity, and the error edge."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import PlanRefused, SetupError
from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.base.output import dumps, envelope

F = TypeVar("F", bound=Callable[..., Any])


class Application:
    def __init__(self, verbosity: int = 0) -> None:
        self.verbosity = verbosity
        self.json = False
        self.command = ""
        self.warnings: list[str] = []
        #: Set once files were written, so an interrupt after that does not claim otherwise.
        self.applied = False

    @property
    def color(self) -> bool:
        return sys.stdout.isatty() and "NO_COLOR" not in os.environ

    @staticmethod
    def interactive() -> bool:
        return sys.stdin.isatty() and sys.stdout.isatty()

    def style(self, text: str, **styles: Any) -> str:
        return click.style(text, **styles) if self.color else text

    def echo(self, text: str = "", *, level: int = 0) -> None:
        """Normal output; hidden in --json mode and when -q outweighs its level."""
        if not self.json and self.verbosity >= level:
            click.echo(text)

    @contextmanager
    def progress(self, message: str) -> Iterator[None]:
        """ "message..." on stderr while something slow runs: only on a terminal, never with
        --json, so scripts and captured output never see it."""
        show = sys.stderr.isatty() and not self.json
        if show:
            click.echo(f"{message}...", err=True, nl=False)
        try:
            yield
        finally:
            if show:
                click.echo("\r\033[K", err=True, nl=False)

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        if not self.json:
            click.echo(self.style("warning: ", fg="yellow") + text, err=True)

    def emit(self, result: Any, exit_code: int = 0) -> None:
        if self.json:
            click.echo(dumps(envelope(self.command, exit_code, result, warnings=self.warnings)))

    def fail(self, error: SetupError) -> None:
        code = int(error.exit_code)
        if self.json:
            click.echo(
                dumps(
                    envelope(
                        self.command, code, None, warnings=self.warnings, error=error.to_dict()
                    )
                )
            )
        else:
            click.echo(self.style("error: ", fg="red", bold=True) + error.message, err=True)
            if isinstance(error, PlanRefused):
                for problem in error.problems:
                    click.echo(f"  {problem.path}: {problem.reason}", err=True)
                    if problem.manual:
                        click.echo(f"    or {problem.manual}", err=True)
                    for fix in problem.fixes:
                        click.echo(f"    or {fix}", err=True)
            if error.hint:
                click.echo(error.hint, err=True)
        sys.exit(code)


def command_edge(name: str) -> Callable[[F], F]:
    """Turn domain errors into their exit codes, and Ctrl-C into a calm message."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            app = click.get_current_context().find_object(Application) or Application()
            app.command = name
            app.json = bool(kwargs.get("as_json"))
            try:
                paths.check_home()
                return func(app, *args, **kwargs)
            except SetupError as exc:
                app.fail(exc)
            except (KeyboardInterrupt, click.Abort):
                if app.applied:
                    click.echo(
                        "\nInterrupted after the files were updated; "
                        "`ollama-client-setup status` shows them.",
                        err=True,
                    )
                else:
                    click.echo("\nInterrupted; nothing was changed.", err=True)
                sys.exit(ExitCode.INTERRUPTED)

        return inner  # type: ignore[return-value]

    return wrap


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else."
)
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would change (a diff per file); change nothing."
)
