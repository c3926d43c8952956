"""Receipts: what each managed file looked like before the tool touched it.

One JSON file in the state folder. An entry is written *before* its file is replaced, so a
run killed half-way leaves a receipt that still describes the file (old or new).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ollama_client_setup.base.errors import RefusedError
from ollama_client_setup.edits import fsio

VERSION = 1
NAME = "receipts.json"


@dataclass
class Entry:
    path: str
    owner: str
    kind: str
    #: The file did not exist before the tool first wrote it.
    created: bool
    #: Name of the backup of the original bytes (None when created).
    backup: str | None
    original_sha: str | None
    #: What the tool last wrote, and what the file held just before that write.
    written_sha: str | None
    previous_sha: str | None
    #: True while nobody but the tool has changed the file: uninstall may then restore
    #: the backup byte for byte instead of taking the tool's part out.
    pristine: bool
    memo: dict[str, Any] | None
    created_dirs: list[str] = field(default_factory=list)

    def ours(self, current_sha: str | None) -> bool:
        return current_sha is not None and current_sha in (self.written_sha, self.previous_sha)


@dataclass
class Receipts:
    entries: dict[str, Entry] = field(default_factory=dict)
    #: Folders created for the tool's own files (state, config), removed at uninstall.
    tool_dirs: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, state_dir: Path) -> Receipts:
        path = state_dir / NAME
        raw = fsio.read(path)
        if raw is None:
            return cls()
        try:
            data = json.loads(raw)
            entries = {key: Entry(**value) for key, value in data["entries"].items()}
            return cls(entries, list(data.get("tool_dirs", [])))
        except (ValueError, KeyError, TypeError) as exc:
            raise RefusedError(
                f"{path}: the receipts file is damaged ({exc})",
                hint=(
                    "It records how to undo the tool's changes. Restore it from a backup, or "
                    "move it away and run `ollama-client-setup init` again (uninstall will then "
                    "remove managed blocks but cannot restore earlier values)."
                ),
            ) from None

    def dumps(self) -> bytes:
        data = {
            "version": VERSION,
            "entries": {key: asdict(entry) for key, entry in sorted(self.entries.items())},
            "tool_dirs": self.tool_dirs,
        }
        return (json.dumps(data, indent=2, sort_keys=False) + "\n").encode()

    def save(self, state_dir: Path) -> None:
        fsio.atomic_write(state_dir / NAME, self.dumps(), 0o600)
