"""Pytest fixtures for the fakes (the fake Ollama server, the fake tailscale CLI).

Each helper module in tests/fakes/ registers its fixtures here so conftest.py stays small.
"""


# ==== fake tailscale CLI ==============================================================
# fake_tailscale(state, peer="ollama-server", ip="100.90.1.2") -> Path of a `tailscale`
# first on PATH (states: tests/fakes/tailscale_states.STATES); no_tailscale: no CLI, no
# LocalAPI socket. Both also point ollama_client_setup.net.tailnet_read away from the real machine.

import json
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from ollama_client_setup.net import tailnet_read
from tests.fakes import tailscale_states

FAKE_TAILSCALE_SCRIPT = Path(__file__).with_name("tailscale")
_FAKE_TAILSCALE_VARS = (
    "FAKE_TAILSCALE_STATE",
    "FAKE_TAILSCALE_PEER",
    "FAKE_TAILSCALE_PEER_IP",
    "FAKE_TAILSCALE_STATUS_FILE",
    "FAKE_TAILSCALE_LOG",
)


def _isolate_tailnet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Neither the macOS/Windows install paths nor a real tailscaled socket may leak in.
    monkeypatch.setattr(tailnet_read, "CLI_FALLBACKS", [])
    monkeypatch.setattr(tailnet_read, "LOCALAPI_SOCKETS", [str(tmp_path / "no-tailscaled.sock")])


_UNSET: Any = object()


class FakeTailscale:
    """Callable factory; `calls()` returns the argv of every invocation so far."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        self.bin_dir = tmp_path / "fake-tailscale-bin"
        self.exe = self.bin_dir / "tailscale"
        self.log = self.bin_dir / "calls.jsonl"

    def _install(self) -> None:
        self.bin_dir.mkdir(parents=True, exist_ok=True)
        # A wrapper that execs the script with this interpreter: faster and more
        # predictable than `env python3` through a version-manager shim. exec keeps the
        # PID, so a caller's timeout kills the Python process itself ("hang").
        self.exe.write_text(
            "#!/bin/sh\n"
            f"exec {shlex.quote(sys.executable)} {shlex.quote(str(FAKE_TAILSCALE_SCRIPT))}"
            ' "$@"\n'
        )
        self.exe.chmod(0o755)
        path = os.environ.get("PATH", "")
        self.monkeypatch.setenv("PATH", f"{self.bin_dir}{os.pathsep}{path}")
        self.monkeypatch.setenv(tailnet_read.ENV_CLI, str(self.exe))
        _isolate_tailnet(self.monkeypatch, self.tmp_path)

    def __call__(
        self,
        state: str = "running",
        peer: str = "ollama-server",
        ip: str = "100.90.1.2",
        *,
        status: Any = _UNSET,
        raw: str | None = None,
    ) -> Path:
        """Set the fake's state and return the `tailscale` path (first on PATH).

        `status` (any JSON value, None included) or `raw` (any text) replaces what
        `status --json` prints; the other commands keep following `state`.
        """
        if state not in tailscale_states.STATES:
            raise ValueError(f"unknown fake tailscale state {state!r}")
        if not self.exe.exists():
            self._install()
        mp = self.monkeypatch
        mp.setenv("FAKE_TAILSCALE_STATE", state)
        mp.setenv("FAKE_TAILSCALE_PEER", peer)
        mp.setenv("FAKE_TAILSCALE_PEER_IP", ip)
        mp.setenv("FAKE_TAILSCALE_LOG", str(self.log))
        if raw is None and status is _UNSET:
            mp.delenv("FAKE_TAILSCALE_STATUS_FILE", raising=False)
        else:
            doc = self.bin_dir / "status.json"
            doc.write_text(raw if raw is not None else json.dumps(status, indent=2))
            mp.setenv("FAKE_TAILSCALE_STATUS_FILE", str(doc))
        return self.exe

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]


@pytest.fixture
def fake_tailscale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTailscale:
    return FakeTailscale(tmp_path, monkeypatch)


@pytest.fixture
def no_tailscale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """PATH without any directory that holds a `tailscale`; returns the new PATH."""
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    kept = [d for d in dirs if d and not shutil.which("tailscale", path=d)]
    new_path = os.pathsep.join(kept)
    monkeypatch.setenv("PATH", new_path)
    monkeypatch.delenv(tailnet_read.ENV_CLI, raising=False)  # exercise the real discovery
    for name in _FAKE_TAILSCALE_VARS:
        monkeypatch.delenv(name, raising=False)
    _isolate_tailnet(monkeypatch, tmp_path)
    return new_path


# ==== fake Ollama server ==============================================================
# fake_ollama: a started FakeOllama (tests/fakes/ollama.py) with the default models, stopped
# at teardown; set faults with fake_ollama.set_fault(...). closed_port: nothing listens there.

from collections.abc import Iterator  # noqa: E402 (sections of this file are appended)

from tests.fakes.ollama import FakeOllama, unused_port  # noqa: E402


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    """A running fake Ollama server with the default models (see tests/fakes/ollama.py)."""
    with FakeOllama() as fake:
        yield fake


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connecting is refused."""
    return unused_port()
