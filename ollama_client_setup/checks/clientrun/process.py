"""Running a program once: stdin closed, output captured up to a cap, under a timeout.

Each run is in an empty temporary folder; at the timeout the whole process group is killed
(Codex never stops reconnecting on its own while the server is down). Also `PROGRAM
--version`, parsed, for doctor.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ollama_client_setup.checks.clientrun.invocation import Invocation
from ollama_client_setup.checks.clientrun.transcript import clean

#: `PROGRAM --version` answers at once or not at all.
VERSION_TIMEOUT = 3.0
#: Bytes of output kept per run: the head (banners) and the tail (the answer, the error).
OUTPUT_HEAD = 32 * 1024
OUTPUT_TAIL = 224 * 1024
#: After SIGTERM at the timeout, this long before SIGKILL.
KILL_GRACE = 1.0
#: How long to wait for the output pipe to close once the program has exited.
DRAIN_GRACE = 2.0


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
