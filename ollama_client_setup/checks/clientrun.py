"""Run each managed client once, headless, the way a new terminal would, and judge the result.

The question is the one users ask: does `aider` (or `claude`, `cn`, `codex`, `opencode`)
really answer from the server after setup? Requests made by this tool itself cannot answer it;
only the client, reading the files and variables the tool wrote, can.

How a client runs (docs/clients/, "Running each client once, headless"):

- Its environment is what the managed shell files give: this process's environment minus
  every variable that tells a client where its server, model or key is (OPENAI_*,
  ANTHROPIC_*, OLLAMA_*, AIDER_*, CLAUDE_CODE_*, OPENCODE_CONFIG), plus the variables of
  ``targets.shell_env``. A stale export in this shell, or a real cloud key, cannot make a
  run pass or fail. Locations (HOME, XDG_*, CODEX_HOME, CLAUDE_CONFIG_DIR, ...) are kept:
  they say where the files the tool wrote are.
- Claude Code in launcher mode also gets the `claude-ollama` launcher's variables, as that
  launcher would pass them; in settings mode plain `claude` reads settings.json. Either way
  CLAUDE_CODE_MAX_RETRIES=0, or it retries for minutes when the server is down.
- In an empty temporary folder, stdin closed, output captured up to a cap, under a timeout;
  at the timeout the whole process group is killed (Codex never stops reconnecting on its
  own while the server is down).

Judging (:func:`judge`) reads the output as well as the exit code: Aider exits 0 even when
every request failed. The prompt asks for a random word; the word in the answer (not in an
echo of the prompt) is the proof that the server answered. No Click here: smoke and doctor
render the doctor Results this module returns.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ollama_client_setup import plan as targets
from ollama_client_setup.base.output import printable
from ollama_client_setup.base.results import Fix, Result, Status, fail, ok, skip, warn
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.shells.profiles import ShellEnv

CMD = "ollama-client-setup"
#: Per client: a cold load of a big model can take most of a minute.
DEFAULT_TIMEOUT = 60.0
#: `PROGRAM --version` answers at once or not at all.
VERSION_TIMEOUT = 3.0
#: A run with less time than this left is not started.
MIN_RUN = 1.0
#: Bytes of output kept per run: the head (banners) and the tail (the answer, the error).
OUTPUT_HEAD = 32 * 1024
OUTPUT_TAIL = 224 * 1024
#: After SIGTERM at the timeout, this long before SIGKILL.
KILL_GRACE = 1.0
#: How long to wait for the output pipe to close once the program has exited.
DRAIN_GRACE = 2.0
#: The client's own words in a Result's detail: its last lines, this many, this long.
DETAIL_LINES = 10
DETAIL_CHARS = 800

#: How to install each client (the package managers their own docs name).
INSTALL = {
    "aider": "pipx install aider-chat",
    "claude-code": "npm install -g @anthropic-ai/claude-code",
    "continue": "npm install -g @continuedev/cli",
    "codex": "npm install -g @openai/codex",
    "opencode": "npm install -g opencode-ai",
}

#: Variables that steer a client to a server, model or key: never inherited from this process.
STRIPPED_PREFIXES = ("OLLAMA_", "OPENAI_", "ANTHROPIC_", "AIDER_", "CLAUDE_CODE_")
STRIPPED_NAMES = frozenset({"OPENCODE_CONFIG"})

PROMPT = "Reply with exactly this word and nothing else: {token}"
_WORDS = ("PINEAPPLE", "MANGO", "APRICOT", "PAPAYA", "LYCHEE", "QUINCE", "GUAVA", "KUMQUAT")


def new_token() -> str:
    """A word no model says unprompted, e.g. PINEAPPLE-47."""
    return f"{secrets.choice(_WORDS)}-{secrets.randbelow(90) + 10}"


# -- what to run ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invocation:
    client: str
    title: str
    program: str
    #: The arguments after the program.
    args: tuple[str, ...]
    env: dict[str, str]
    #: The same run as a user would type it in a new terminal.
    shown: str
    model: str | None


def stripped(name: str) -> bool:
    return name in STRIPPED_NAMES or name.startswith(STRIPPED_PREFIXES)


def environment(
    settings: Settings, environ: Mapping[str, str], shell: ShellEnv | None = None
) -> dict[str, str]:
    """This process's environment without the steering variables, plus the managed ones."""
    env = {name: value for name, value in environ.items() if not stripped(name)}
    shell = shell or targets.shell_env(settings, environ)
    env.update(shell.variables)
    # With a real API key the env files read OPENAI_API_KEY from a 0600 file (a line, as
    # the shell's `read` takes it); a missing file leaves it unset there too.
    secret = getattr(shell, "secret_file", None)
    if secret is not None:
        with contextlib.suppress(OSError):
            lines = Path(secret).read_text(encoding="utf-8").splitlines()
            if lines:
                env["OPENAI_API_KEY"] = lines[0]
    env["NO_COLOR"] = "1"
    return env


def invocation(
    settings: Settings, name: str, prompt: str, environ: Mapping[str, str]
) -> Invocation:
    from ollama_client_setup.clients import base as clients

    client = clients.get(name)
    shell = targets.shell_env(settings, environ)
    env = environment(settings, environ, shell)
    mode = settings.mode_for(name)
    launcher = None
    if name == "aider":
        args: tuple[str, ...] = (
            "--message",
            prompt,
            "--yes",
            "--no-git",
            "--no-check-update",
            "--no-show-model-warnings",
            "--no-analytics",
        )
    elif name == "claude-code":
        args = ("-p", prompt, "--output-format", "json")
        env["CLAUDE_CODE_MAX_RETRIES"] = "0"
        if mode != "settings":
            found = [item for item in shell.launchers if item.program == client.program]
            if found:
                launcher = found[0]
                env.update(launcher.variables)
    elif name == "continue":
        args = ("-p", prompt)
    elif name == "codex":
        from ollama_client_setup.clients.codex import PROFILE

        profile = ("--profile", PROFILE) if mode != "default" else ()
        args = ("exec", "--skip-git-repo-check", *profile, prompt)
    elif name == "opencode":
        args = ("run", prompt)
    else:  # pragma: no cover - the registry and CLIENTS agree (asserted in targets.clients)
        raise ValueError(name)
    typed = launcher.name if launcher else client.program
    prefix = "CLAUDE_CODE_MAX_RETRIES=0 " if name == "claude-code" else ""
    return Invocation(
        client=name,
        title=client.title,
        program=client.program,
        args=args,
        env=env,
        shown=prefix + shlex.join([typed, *args]),
        model=settings.model_for(name),
    )


# -- running a program ----------------------------------------------------------------------


@dataclass
class Finished:
    #: None when the program was killed at the timeout.
    exit_code: int | None
    #: stdout and stderr as they interleaved, decoded, capped (see OUTPUT_HEAD/OUTPUT_TAIL).
    output: str
    timed_out: bool
    elapsed: float
    #: Set when the program could not be started at all.
    error: str | None = None


class _Capped:
    """Keeps the first OUTPUT_HEAD and the last OUTPUT_TAIL bytes of a stream."""

    def __init__(self, head: int = OUTPUT_HEAD, tail: int = OUTPUT_TAIL) -> None:
        self.head_limit, self.tail_limit = head, tail
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        self.tail += data
        extra = len(self.tail) - self.tail_limit
        if extra > 0:
            del self.tail[:extra]
            self.dropped += extra

    def text(self) -> str:
        middle = f"\n[... {self.dropped} bytes left out ...]\n".encode() if self.dropped else b""
        return bytes(self.head + middle + self.tail).decode("utf-8", errors="replace")


def _drain(stream: Any, into: _Capped) -> None:
    with contextlib.suppress(OSError, ValueError):
        while True:
            data = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not data:
                break
            into.add(data)


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    if hasattr(os, "killpg"):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
    else:  # pragma: no cover - Windows has no process groups to signal
        with contextlib.suppress(OSError):
            process.kill()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole group, then SIGKILL if it does not go."""
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:
        _signal_group(process, getattr(signal, "SIGKILL", signal.SIGTERM))
        process.wait()


def execute(
    argv: list[str], *, env: Mapping[str, str], cwd: str | None, timeout: float
) -> Finished:
    """Run argv with stdin closed and the output captured; kill its process group at the
    timeout. Never raises for the program's sake: a failure to start is in `error`."""
    started = time.monotonic()
    buffer = _Capped()
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=hasattr(os, "setsid"),
        )
    except OSError as exc:
        return Finished(None, "", False, time.monotonic() - started, error=str(exc))
    reader = threading.Thread(target=_drain, args=(process.stdout, buffer), daemon=True)
    reader.start()
    timed_out = False
    try:
        process.wait(timeout=max(0.01, timeout))
    except subprocess.TimeoutExpired:
        timed_out = True
        _stop(process)
    reader.join(timeout=DRAIN_GRACE)
    if reader.is_alive():
        # Something the program started still holds the output open: the group still exists
        # (so its id cannot have been reused); nothing of a one-shot run may outlive it.
        _signal_group(process, getattr(signal, "SIGKILL", signal.SIGTERM))
        reader.join(timeout=DRAIN_GRACE)
    with contextlib.suppress(OSError):
        if process.stdout is not None:
            process.stdout.close()
    elapsed = time.monotonic() - started
    return Finished(None if timed_out else process.returncode, buffer.text(), timed_out, elapsed)


def run_invocation(inv: Invocation, path: str, timeout: float) -> Finished:
    with tempfile.TemporaryDirectory(prefix="ocs-clientrun-") as folder:
        env = {**inv.env, "PWD": folder}
        return execute([path, *inv.args], env=env, cwd=folder, timeout=timeout)


_VERSION_TOKEN = re.compile(r"(?<![\w.])v?(\d+\.\d+(?:\.\d+)*(?:-[0-9A-Za-z.]+)?)(?![\w.])")


def parse_version(text: str) -> str | None:
    """The first version-looking token of the first lines: "aider 0.86.1" -> "0.86.1".
    Warnings (Node prints deprecations on stderr, which is captured too) are passed over."""
    lines = [line for line in text.splitlines() if line.strip()][:5]
    for line in lines:
        if "warn" in line.lower():
            continue
        match = _VERSION_TOKEN.search(line)
        if match:
            return match.group(1)
    return None


def program_version(path: str, environ: Mapping[str, str], timeout: float) -> str | None:
    """`PROGRAM --version`, parsed; None when it says nothing usable in time."""
    with tempfile.TemporaryDirectory(prefix="ocs-version-") as folder:
        env = {**environ, "NO_COLOR": "1", "PWD": folder}
        done = execute([path, "--version"], env=env, cwd=folder, timeout=timeout)
    if done.error or done.timed_out:
        return None
    return parse_version(clean(done.output))


# -- judging --------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

# Most specific first; the first kind found anywhere in the output names the failure.
# The server's own words for a model it lacks: `model 'x' not found, try pulling it first`
# (native), `model "x" not found` (compatible routes, often inside escaped JSON). Only the
# name may stand between "model" and "not found": Codex's harmless "Model metadata for `x`
# not found" (docs/clients/codex.md) is no missing model.
_UNKNOWN_MODEL = re.compile(
    r"\bmodel\s+\\?[\"'`]?[^\s\"'`\\]+\\?[\"'`]?\s+(?:not found|does not exist)"
    r"|\bmodel_not_found\b",
    re.IGNORECASE,
)
_NO_ROUTE = re.compile(r"\b404 page not found\b|\bpage not found\b", re.IGNORECASE)
_CONNECTION = re.compile(
    r"connection refused|connection reset|econnrefused|econnreset|enotfound|eai_again"
    r"|connection error|connecterror|failed to connect|could not connect|couldn't connect"
    r"|unable to connect|cannot connect|error sending request|reconnecting"
    r"|name or service not known|nodename nor servname|temporary failure in name resolution"
    r"|failed to resolve|no route to host|network is unreachable|remote end closed connection"
    r"|connection aborted|socket hang up|fetch failed|getaddrinfo|connection timed out"
    r"|connect timeout|etimedout",
    re.IGNORECASE,
)
_HTTP = re.compile(
    r"api error:?\s*\d{3}|\bstatus(?: code)?:?\s*[45]\d\d\b|\bhttp(?:/[\d.]+)?\s+[45]\d\d\b"
    r"|\b[45]\d\d (?:bad request|unauthorized|forbidden|not found|internal server error"
    r"|bad gateway|service unavailable|too many requests)"
    r"|error code:?\s*[45]\d\d|unexpected status|badrequesterror|internalservererror"
    r"|notfounderror|ratelimiterror|serviceunavailableerror|ai_apicallerror"
    r"|ollama_?chatexception|ollamaexception|\bapi error\b"
    # An SDK's "500 message", alone on its line or as an error's text.
    r"|^\s*[45]\d\d\s+\w|\berror\W{1,6}[45]\d\d\b",
    re.IGNORECASE,
)
_CLIENT_TIMEOUT = re.compile(
    r"\btimed out\b|request timeout|timeout error|timeout exceeded", re.IGNORECASE
)
_GENERIC_CONNECTION = re.compile(r"apiconnectionerror", re.IGNORECASE)
_STATUS = re.compile(r"(?<![\d.])([45]\d\d)(?![\d.])")

#: Lines about fetches that have nothing to do with the server: Aider offline prints a DNS
#: error while it fetches a model price list; that is no failure of the setup.
_ELSEWHERE_MARKERS = (
    "raw.githubusercontent.com",
    "model_prices_and_context_window",
    "cost map",
    "pypi.org",
)
_HOSTS = re.compile(
    r"https?://\[?([^/\]\s:'\"()]+)|host='([^']+)'"
    # A terminal browser Aider may start offline (lynx): "Looking up aider.chat",
    # "Unable to locate remote host aider.chat." name the host without a URL.
    r"|(?:looking up|remote host)\s+([a-z0-9.-]+\.[a-z]{2,})",
    re.IGNORECASE,
)
#: "Alert!: Unable to connect to remote host." follows such a lookup and names no host.
_BROWSER_NOISE = re.compile(r"^\s*alert!:", re.IGNORECASE)
#: Lines real clients print on every run that say nothing about the setup: Codex's warning
#: for a model it has no metadata for (gone once its catalog is written, but an older file or
#: `codex -m OTHER` still shows it) and its sandbox's missing bubblewrap.
_HARMLESS = re.compile(
    r"model metadata for \S+ not found|could not find bubblewrap",
    re.IGNORECASE,
)
#: Aider prints this only after the server answered: the strongest sign the route works.
_AIDER_ANSWERED = re.compile(r"Tokens: [\d.,]+k? sent, [\d.,]+k? received", re.IGNORECASE)


def clean(text: str) -> str:
    """Without colour codes, carriage-return redraws collapsed to their last state, and any
    other control character escaped: the client's words are shown on the user's terminal."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    return printable("\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n")))


def _elsewhere(line: str, server_host: str) -> bool:
    lowered = line.lower()
    if any(marker in lowered for marker in _ELSEWHERE_MARKERS) or _BROWSER_NOISE.match(line):
        return True
    if _HARMLESS.search(line):
        return True
    hosts = {next(h for h in found if h).lower() for found in _HOSTS.findall(line)}
    return bool(hosts) and server_host.lower().strip("[]") not in hosts


@dataclass(frozen=True)
class Failure:
    category: str
    line: str
    #: The Reconnecting loop (Codex) was seen.
    reconnecting: bool = False


def classify(text: str, server_host: str) -> Failure | None:
    """The kind of failure the client's own words describe, or None."""
    lines = [line for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not _elsewhere(line, server_host)]
    reconnecting = any("reconnecting" in line.lower() for line in lines)
    for category, pattern in (
        ("unknown_model", _UNKNOWN_MODEL),
        ("http_error", _NO_ROUTE),
        ("connection", _CONNECTION),
        ("timeout", _CLIENT_TIMEOUT),
        ("http_error", _HTTP),
        ("connection", _GENERIC_CONNECTION),
    ):
        for line in lines:
            if pattern.search(line):
                return Failure(category, line.strip(), reconnecting)
    return None


def _claude_result(text: str) -> dict[str, Any] | None:
    """The `--output-format json` document Claude Code prints last."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and "result" in data:
            return data
    return None


def _has_token(text: str, token: str, prompt: str) -> bool:
    """The word in the answer; an echo of the prompt (Codex prints it) does not count."""
    answer = text.replace(prompt, " ")
    pattern = r"(?<![A-Za-z0-9])" + re.escape(token) + r"(?![0-9])"
    return re.search(pattern, answer, re.IGNORECASE) is not None


def _normalised(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def excerpt(text: str, server_host: str, keep: str | None = None) -> str:
    """The client's last lines, repeats folded, harmless lines dropped, within DETAIL_CHARS.
    `keep` (the line the verdict rests on) is put first when it fell outside."""
    lines: list[str] = []
    counts: list[int] = []
    for line in text.splitlines():
        if not line.strip() or _elsewhere(line, server_host):
            continue
        if lines and _normalised(lines[-1]) == _normalised(line):
            lines[-1] = line.rstrip()
            counts[-1] += 1
            continue
        lines.append(line.rstrip())
        counts.append(1)
    shown = [
        line if count == 1 else f"{line}  [{count} similar lines]"
        for line, count in zip(lines, counts, strict=True)
    ][-DETAIL_LINES:]
    if keep and not any(_normalised(line).startswith(_normalised(keep)) for line in shown):
        shown = [keep, "...", *shown]
    out = "\n".join(shown)
    if len(out) > DETAIL_CHARS:
        out = "..." + out[-(DETAIL_CHARS - 3) :]
    return out


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
            Fix(f"Reinstall {inv.title}:", INSTALL[inv.client]),
            f"$ {inv.shown}",
            category="client_error",
            **numbers,
        )
    text = clean(done.output)
    claude = _claude_result(text) if inv.client == "claude-code" else None
    answer = text
    if claude is not None:
        answer = str(claude.get("result") or "")
    said_error = bool(claude and claude.get("is_error"))
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
    if failure is not None and inv.client == "aider" and _AIDER_ANSWERED.search(text):
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
            "or ran out of memory (see the server's log: macOS ~/.ollama/logs/server.log, "
            "Linux journalctl -u ollama); doctor checks the rest:",
            f"{CMD} doctor",
        )
    if done.timed_out and "stopped after" not in summary and category != "timeout":
        detail += f"\n(stopped after {_secs(timeout)} s)"
    return fail(summary, fix, detail, category=category, **numbers)


# -- running every managed client -----------------------------------------------------------

Progress = Callable[[str], None]
#: Clients that run after the others (see run_clients).
LAST = frozenset({"codex"})


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
    for name in sorted(wanted, key=lambda n: n in LAST):
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
        return skip(
            f"skipped: {inv.program} is not installed ({INSTALL[name]})",
            client=name,
            program=inv.program,
            install=INSTALL[name],
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
            "skipped: " + "; ".join(result.summary.removeprefix("skipped: ") for _, result in runs)
        )
    parts = []
    for name, result in runs:
        program = result.data.get("program", name)
        if result.status is Status.OK:
            parts.append(f"{program} answered")
        elif result.status is Status.SKIP:
            parts.append(result.summary.removeprefix("skipped: ").split(" (")[0])
        else:
            category = result.data.get("category")
            word = "failed" if result.status is Status.FAIL else "warn"
            parts.append(f"{program} {word}" + (f" ({category})" if category else ""))
    summary = ", ".join(parts)
    first = next(r for _, r in runs if r.status is worst)
    return Result(worst, summary, detail, first.fix, data={"runs": [n for n, _ in runs]})
