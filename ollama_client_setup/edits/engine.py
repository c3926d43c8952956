"""Apply a plan: the one place that turns targets' wishes into changed files.

Plans come from :mod:`.planning` (a change set) and :mod:`.revert` (uninstall). Applying
re-checks every file, backs up and records a receipt before each write, replaces atomically,
and rolls back what it already wrote if a later write fails.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import OSRefused, RefusedError
from ollama_client_setup.edits import fsio
from ollama_client_setup.edits.fileplan import BACKUPS, FilePlan, Plan
from ollama_client_setup.edits.receipts import NAME as RECEIPTS_NAME
from ollama_client_setup.edits.receipts import Entry, Receipts


def _record(plan: FilePlan, receipts: Receipts, backup_dir: Path) -> str | None:
    """Record the file before it is written; the name of the backup made for it, if any."""
    key = str(plan.path)
    entry = receipts.entries.get(key)
    backup = None
    if entry is None:
        # An empty file is backed up too: uninstall must give back exactly that empty file.
        backup = (
            fsio.store_backup(backup_dir, plan.path, plan.before)
            if plan.before is not None
            else None
        )
        entry = Entry(
            key,
            plan.owner,
            plan.kind,
            created=plan.before is None,
            backup=backup,
            original_sha=fsio.sha(plan.before),
            written_sha=None,
            previous_sha=None,
            pristine=True,
            memo=plan.memo,
            created_dirs=[str(d) for d in plan.new_dirs],
        )
        receipts.entries[key] = entry
    else:
        if not entry.ours(fsio.sha(plan.before)) and entry.written_sha is not None:
            entry.pristine = False
        if plan.before is None:
            entry.created = True  # The user deleted it; uninstall removes it again.
        if plan.memo is not None and entry.kind == plan.kind:
            entry.memo = plan.memo
        entry.kind, entry.owner = plan.kind, plan.owner
        entry.created_dirs += [str(d) for d in plan.new_dirs if str(d) not in entry.created_dirs]
    entry.previous_sha = fsio.sha(plan.before)
    entry.written_sha = fsio.sha(plan.after)
    return backup


def _write(plan: FilePlan) -> None:
    if plan.after is None:
        fsio.remove(plan.real)
    else:
        fsio.make_dirs(plan.new_dirs)
        fsio.atomic_write(plan.real, plan.after, plan.mode)


@dataclass
class _Undo:
    """What a run has done so far, so that a failure can take all of it back."""

    receipts_file: Path
    old_receipts: bytes | None
    backup_dir: Path
    had_backups: bool
    backups: list[str] = field(default_factory=list)
    #: Files written, each with a second name for its original (fsio.keep_original).
    done: list[tuple[FilePlan, Path | None]] = field(default_factory=list)
    receipts_saved: bool = False

    def run(self) -> list[str]:
        """Put everything back; the paths that could not be, as shown to the user."""
        failed = _roll_back(self.done)
        for name in self.backups:
            with contextlib.suppress(FileNotFoundError, OSError):
                (self.backup_dir / name).unlink()
        if not self.had_backups:
            with contextlib.suppress(OSError):
                self.backup_dir.rmdir()
        if self.receipts_saved:
            try:
                if self.old_receipts is None:
                    fsio.remove(self.receipts_file)
                else:
                    fsio.atomic_write(self.receipts_file, self.old_receipts, 0o600)
            except OSError:
                failed.append(paths.display(self.receipts_file))
        return failed


def apply(the_plan: Plan, receipts: Receipts, state_dir: Path) -> None:
    """Apply under the caller's lock. All files are re-checked before the first write.

    All or nothing: when any step fails (an OSError such as a full disk or a read-only file
    system, or an interrupt), the files already written are put back, the backups made are
    removed and the receipts file is given its old bytes; an OSError is then reported as a
    RefusedError naming the path, the system's reason and the way out.
    """
    for item in the_plan.files:
        # A run killed mid-write leaves its temp file; clear it even when this file is
        # already right (only files that exist are removed: no change otherwise).
        fsio.sweep_temp_files(item.real)
    todo = the_plan.changed
    if not todo and not any(item.revert for item in the_plan.files):
        return  # Nothing to do: not even the receipts are rewritten.
    for item in todo:
        if fsio.read(item.real) != item.before:
            raise RefusedError(
                f"{paths.display(item.path)} changed while the plan was being made; "
                "nothing was changed",
                hint="Run the command again.",
            )
    backup_dir = state_dir / BACKUPS
    receipts_file = state_dir / RECEIPTS_NAME
    saved = copy.deepcopy(receipts)
    undo = _Undo(receipts_file, fsio.read(receipts_file), backup_dir, backup_dir.exists())
    current = backup_dir  # What is being written, for the message.
    try:
        for item in todo:
            if not item.revert:
                backup = _record(item, receipts, backup_dir)
                if backup:
                    undo.backups.append(backup)
        current = receipts_file
        undo.receipts_saved = True
        receipts.save(state_dir)
        for item in todo:
            current = item.path
            kept = fsio.keep_original(item.real) if item.before is not None else None
            try:
                _write(item)
            except BaseException:
                fsio.drop_original(kept)
                with contextlib.suppress(OSError):
                    fsio.remove_empty_dirs(item.new_dirs)
                raise
            undo.done.append((item, kept))
        _forget_reverted(the_plan, receipts)
        current = receipts_file
        receipts.save(state_dir)
    except BaseException as exc:
        failed = undo.run()
        receipts.entries, receipts.tool_dirs = saved.entries, saved.tool_dirs
        if isinstance(exc, OSError):
            raise _os_refused(exc, current, failed) from exc
        raise
    for _, kept in undo.done:
        fsio.drop_original(kept)


def _forget_reverted(the_plan: Plan, receipts: Receipts) -> None:
    for item in the_plan.files:
        if item.revert:
            entry = receipts.entries.pop(str(item.path), None)
            if entry:
                dirs = [Path(d) for d in entry.created_dirs]
                fsio.remove_empty_dirs(dirs)
                # A folder we created that another managed file still uses: remember it,
                # so the final uninstall removes it once it is empty.
                receipts.tool_dirs += [
                    str(d) for d in dirs if d.exists() and str(d) not in receipts.tool_dirs
                ]


def _os_refused(exc: OSError, path: Path, failed: list[str]) -> OSRefused:
    shown = paths.display(path)
    if failed:
        outcome = (
            "some files could not be put back: "
            + ", ".join(failed)
            + " (their receipts still describe them; `ollama-client-setup status` shows them)"
        )
    else:
        outcome = "nothing was changed"
    return OSRefused(
        f"could not write {shown}: {fsio.os_reason(exc)}; {outcome}",
        hint=fsio.os_way_out(exc),
        cause=exc,
    )


def _roll_back(done: list[tuple[FilePlan, Path | None]]) -> list[str]:
    failed: list[str] = []
    for item, kept in reversed(done):
        try:
            if item.before is None:
                fsio.remove(item.real)
            else:
                item.real.parent.mkdir(parents=True, exist_ok=True)
                if kept is not None:
                    fsio.put_back(item.real, kept)
                else:
                    fsio.atomic_write(item.real, item.before, item.mode)
            fsio.remove_empty_dirs(item.new_dirs)
        except OSError:
            fsio.drop_original(kept)
            failed.append(paths.display(item.path))
    return failed
