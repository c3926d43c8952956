"""What a plan is: one FilePlan per file (its bytes before and after, its diff), the Plan of
all of them, and the Problem that refuses a plan when any file cannot be planned."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import PlanRefused, Problem
from ollama_client_setup.edits import text
from ollama_client_setup.edits.changes import KINDS, Memo

BACKUPS = "backups"


@dataclass
class FilePlan:
    path: Path
    real: Path
    owner: str
    kind: str
    before: bytes | None
    after: bytes | None
    memo: Memo | None = None
    mode: int = 0o644
    new_dirs: list[Path] = field(default_factory=list)
    #: A revert: the receipt entry is dropped once the file is back.
    revert: bool = False

    @property
    def action(self) -> str:
        if self.before == self.after:
            return "unchanged"
        if self.before is None:
            return "create"
        if self.after is None:
            return "delete"
        return "update"

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        def lines(data: bytes | None) -> list[str]:
            if data is None:
                return []
            shown = text.decode(data).text.encode("utf-8", "surrogateescape")
            return shown.decode("utf-8", "backslashreplace").splitlines(keepends=True)

        name = paths.display(self.path)
        if self.kind in KINDS and KINDS[self.kind].secret:
            return f"--- a/{name}\n+++ b/{name}\n(a secret: its contents are not shown)\n"
        out = difflib.unified_diff(
            lines(self.before),
            lines(self.after),
            fromfile="/dev/null" if self.before is None else f"a/{name}",
            tofile="/dev/null" if self.after is None else f"b/{name}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in out)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "owner": self.owner,
            "action": self.action,
            "symlink_target": str(self.real) if self.real != self.path else None,
        }


@dataclass
class Plan:
    files: list[FilePlan]

    @property
    def changed(self) -> list[FilePlan]:
        return [f for f in self.files if f.changed]

    def diff(self) -> str:
        return "".join(f.diff() for f in self.changed)


def _problem(
    change_path: Path,
    owner: str,
    reason: str,
    skip_flag: str | None = None,
    manual: str | None = None,
    where: str | None = None,
) -> Problem:
    fixes = []
    if skip_flag:
        fixes.append(f"leave it out with {skip_flag}")
    return Problem(
        path=where or paths.display(change_path),
        reason=reason,
        owner=owner,
        manual=manual,
        fixes=fixes,
    )


def _finish(results: list[FilePlan | Problem]) -> Plan:
    problems = [r for r in results if isinstance(r, Problem)]
    if problems:
        raise PlanRefused(problems)
    return Plan([r for r in results if isinstance(r, FilePlan)])
