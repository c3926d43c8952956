"""Where each managed file stands against what the settings call for: still what the tool
wrote, changed by someone, gone, or out of date (`status` and doctor's `profiles`). Reads
the files and the receipts; writes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ollama_client_setup import plan as targets
from ollama_client_setup.base import paths
from ollama_client_setup.config import secrets
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.edits import fsio, planning
from ollama_client_setup.edits.receipts import Receipts
from ollama_client_setup.plan.machine import look


@dataclass
class FileState:
    path: Path
    owner: str
    state: str  # ok | drifted | missing | pending
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {
            "path": str(self.path),
            "owner": self.owner,
            "state": self.state,
            "detail": self.detail,
        }


def file_states(settings: Settings, environ: Mapping[str, str] | None = None) -> list[FileState]:
    """For each managed file: still what we wrote, changed by someone, gone, or out of date."""
    state = paths.state_dir()
    receipts = Receipts.load(state)
    machine = look(settings, environ)
    plan = planning.plan(
        targets.build(settings, machine, secret_for(settings, None)), receipts, state
    )
    pending = {str(f.path) for f in plan.changed}
    out: list[FileState] = []
    for item in plan.files:
        key = str(item.path)
        entry = receipts.entries.get(key)
        current = fsio.sha(item.before)
        if item.revert:
            out.append(
                FileState(
                    item.path,
                    item.owner,
                    "pending",
                    "no longer wanted by the settings; init will take it out",
                )
            )
        elif item.before is None and entry is None:
            # New in this version or these settings: the next init writes it.
            out.append(FileState(item.path, item.owner, "pending", "not written yet"))
        elif item.before is None:
            out.append(
                FileState(
                    item.path, item.owner, "missing", "deleted since ollama-client-setup wrote it"
                )
            )
        elif entry is not None and current != entry.written_sha and key in pending:
            out.append(
                FileState(
                    item.path, item.owner, "drifted", "changed since ollama-client-setup wrote it"
                )
            )
        elif key in pending:
            out.append(FileState(item.path, item.owner, "pending", "out of date with the settings"))
        else:
            out.append(FileState(item.path, item.owner, "ok", "up to date"))
    return out


def secret_for(settings: Settings, given: str | None) -> str | None:
    """The API key to render: a new one, else the kept one. Without it the key file would
    look unwanted and be removed."""
    if not settings.api_key_store:
        return None
    return given or secrets.load(settings.api_key_store)
