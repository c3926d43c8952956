"""The verdict on one run: ok / warn / fail, with the category and the fix.

Judging reads the output as well as the exit code: Aider exits 0 even when every request
failed. The prompt asks for a random word; the word in the answer (not in an echo of the
prompt) is the proof that the server answered.
"""

from __future__ import annotations

from typing import Any

from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.results import Fix, Result, fail, ok, warn
from ollama_client_setup.checks.clientrun.invocation import Invocation
from ollama_client_setup.checks.clientrun.process import Finished
from ollama_client_setup.checks.clientrun.transcript import (
    _NO_ROUTE,
    _STATUS,
    Failure,
    _has_token,
    classify,
    clean,
    excerpt,
)
from ollama_client_setup.checks.doctor.server_fix import SERVER_LOG
from ollama_client_setup.clients import registry
from ollama_client_setup.config.settings import Settings


def _model_fix(inv: Invocation, settings: Settings) -> str:
    own = settings.options(inv.client).model is not None
    return f"{CMD} model use MODEL" + (f" --client {inv.client}" if own else "")


def judge(
    inv: Invocation,
    done: Finished,
    *,
    token: str,
    prompt: str,
    timeout: float,
    settings: Settings,
) -> Result:
    """ok / warn / fail for one run, with the category and the fix."""
    program = inv.program
    numbers: dict[str, Any] = {
        "client": inv.client,
        "program": program,
        "exit_code": done.exit_code,
        "total_s": round(done.elapsed, 3),
        "command": inv.shown,
    }
    host = settings.host
    if done.error is not None:
        return fail(
            f"{program} could not be started: {done.error}",
            Fix(f"Reinstall {inv.title}:", registry.spec(inv.client).install),
            f"$ {inv.shown}",
            category="client_error",
            **numbers,
        )
    text = clean(done.output)
    headless = registry.spec(inv.client).headless
    parsed = headless.answer(text) if headless.answer is not None else None
    answer = parsed[0] if parsed is not None else text
    said_error = bool(parsed and parsed[1])
    detail_tail = excerpt(text, host)
    command_line = f"$ {inv.shown}"

    if not said_error and _has_token(answer, token, prompt):
        if done.timed_out:
            return warn(
                f"{program} answered from the server, but did not exit within {_secs(timeout)} s",
                Fix(
                    f"The setup works; {inv.title} kept running after its answer. Run it in a "
                    "new terminal to see what it waits for:",
                    inv.shown,
                ),
                "\n".join(filter(None, [command_line, detail_tail])),
                category=None,
                **numbers,
            )
        if done.exit_code != 0:
            return warn(
                f"{program} answered from the server, but exited with status {done.exit_code}",
                Fix(
                    f"The setup works; {inv.title} failed after the answer. Run it in a new "
                    "terminal to see the whole output:",
                    inv.shown,
                ),
                "\n".join(filter(None, [command_line, detail_tail])),
                category=None,
                **numbers,
            )
        return ok(
            f"{program} answered from the server in {done.elapsed:.1f} s",
            command_line,
            category=None,
            **numbers,
        )

    failure = classify(answer if said_error else text, host)
    if failure is None and said_error:
        failure = classify(text, host)
    if failure is not None and headless.answered and headless.answered.search(text):
        failure = None  # The server answered; the matched line was about something else.
    if failure is not None:
        detail = "\n".join(filter(None, [command_line, excerpt(text, host, keep=failure.line)]))
        return _failed(inv, done, failure, timeout, settings, detail, numbers)
    if done.timed_out:
        return fail(
            f"{program} did not finish within {_secs(timeout)} s",
            _timeout_fix(inv, timeout),
            "\n".join(filter(None, [command_line, detail_tail or "(it printed nothing)"])),
            category="timeout",
            **numbers,
        )
    if done.exit_code != 0 or said_error:
        how = f"exited with status {done.exit_code}" if done.exit_code else "reported an error"
        return fail(
            f"{program} {how} before it answered",
            Fix(
                f"{inv.title} stopped before it got an answer from the server. Run the same "
                "command in a new terminal to see all it says:",
                inv.shown,
            ),
            "\n".join(filter(None, [command_line, detail_tail or "(it printed nothing)"])),
            category="client_error",
            **numbers,
        )
    said = excerpt(answer, host) or "(nothing)"
    return warn(
        f"{program} answered, but without the word it was asked for: the model, not the setup",
        Fix(
            f"{inv.title} reached the server and got an answer, so the setup works; the model "
            f"did not follow a one-line instruction (asked for {token}). Agents need a model "
            "that does: try another one.",
            _model_fix(inv, settings),
        ),
        f"{command_line}\nit answered:\n{said}",
        category=None,
        **numbers,
    )


def _secs(seconds: float) -> str:
    """3 -> "3", 1.5 -> "1.5", 18.1333 -> "18.1"."""
    return f"{seconds:.1f}".removesuffix(".0")


def _timeout_fix(inv: Invocation, timeout: float) -> Fix:
    longer = max(120, int(timeout * 2))
    return Fix(
        f"{inv.title} got no answer within {_secs(timeout)} s. Loading a big model can take a "
        "minute or more: try a longer --client-timeout. If it never answers, check the "
        "server's log.",
        f"{CMD} smoke --clients --client-timeout {longer}",
    )


def _failed(
    inv: Invocation,
    done: Finished,
    failure: Failure,
    timeout: float,
    settings: Settings,
    detail: str,
    numbers: dict[str, Any],
) -> Result:
    program = inv.program
    category = failure.category
    if category == "connection":
        summary = f"{program} could not reach the server"
        if done.timed_out:
            doing = "kept reconnecting" if failure.reconnecting else "kept trying"
            summary += f": it {doing} until it was stopped after {_secs(timeout)} s"
        fix = Fix(
            f"{inv.title} could not connect with the settings it was given. doctor checks the "
            f"way to the server step by step, and whether {inv.title}'s files are current:",
            f"{CMD} doctor",
        )
    elif category == "unknown_model":
        model = inv.model or "its model"
        summary = f"{program}: the server does not have the model {model}"
        fix = Fix(
            f"Pull {model} on the server (`ollama pull {model}`), or choose a model the server "
            f"has (`{CMD} model list` shows them):",
            _model_fix(inv, settings),
        )
    elif category == "timeout":
        summary = f"{program} gave up waiting for the server"
        if done.timed_out:
            summary = f"{program} did not finish within {_secs(timeout)} s"
        fix = _timeout_fix(inv, timeout)
    elif _NO_ROUTE.search(failure.line):
        summary = f"{program} calls a path the server does not have (404 page not found)"
        fix = Fix(
            f"{inv.title}'s base URL is wrong (a /v1 too many or too few is the usual cause). "
            "Write its files again from the settings; doctor's `conflicts` check shows other "
            "places that set the same variables:",
            f"{CMD} init --yes",
        )
    else:
        status = _STATUS.search(failure.line)
        code = f" (HTTP {status.group(1)})" if status else ""
        summary = f"{program} got an error from the server{code}"
        fix = Fix(
            "The server answered with an error (above). A 500 means the model failed to load "
            f"or ran out of memory (see the server's log: {SERVER_LOG}); doctor checks the "
            "rest:",
            f"{CMD} doctor",
        )
    if done.timed_out and "stopped after" not in summary and category != "timeout":
        detail += f"\n(stopped after {_secs(timeout)} s)"
    return fail(summary, fix, detail, category=category, **numbers)
