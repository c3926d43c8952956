"""Plan, diff, apply. The one place that turns targets' wishes into changed files.

Planning reads and renders everything first; if any file cannot be planned, nothing is
applied. Applying re-checks every file, backs up and records a receipt before each write,
replaces atomically, and rolls back what it already wrote if a later write fails.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import (
    ContentError,
    OSRefused,
    PlanRefused,
    Problem,
    RefusedError,
)
from ollama_client_setup.edits import fsio, text
from ollama_client_setup.edits.changes import KINDS, Change, Memo, revert_for
from ollama_client_setup.edits.receipts import NAME as RECEIPTS_NAME
from ollama_client_setup.edits.receipts import Entry, Receipts

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


def _plan_change(change: Change, receipts: Receipts) -> FilePlan | Problem:
    shown = paths.display(change.path)
    try:
        real = fsio.resolve(change.path)
        before = fsio.read(real)
        new_dirs = [] if before is not None else fsio.missing_dirs(real)
    except fsio.UnsafePath as exc:
        return _problem(change.path, change.owner, str(exc), change.skip_flag, manual=change.manual)
    except PermissionError:
        return _problem(
            change.path, change.owner, "it cannot be read (permission denied)", change.skip_flag
        )
    decoded = text.decode(before, change.crlf) if before is not None else text.new_file()
    if change.strict and decoded.has_undecodable:
        line, col = decoded.first_undecodable() or (None, None)
        return _problem(
            change.path,
            change.owner,
            "it holds bytes that are not UTF-8; fix the file's encoding",
            change.skip_flag,
            where=f"{shown}:{line}:{col}",
        )
    if decoded.bom and change.bom_reason:
        return _problem(
            change.path,
            change.owner,
            f"it starts with a UTF-8 byte order mark: {change.bom_reason}",
            change.skip_flag,
            where=f"{shown}:1:1",
        )
    try:
        rendered = change.render(decoded.text if before is not None else None)
    except ContentError as exc:
        return _problem(
            change.path, change.owner, exc.reason, change.skip_flag, where=exc.where(shown)
        )
    after = None if rendered.text is None else decoded.encode(rendered.text)
    plan = FilePlan(
        change.path,
        real,
        change.owner,
        change.kind,
        before,
        after,
        rendered.memo,
        change.mode,
        new_dirs,
    )
    if plan.changed:
        reason = fsio.read_only_reason(real, before is not None)
        if reason:
            return _problem(
                change.path, change.owner, reason, change.skip_flag, manual=change.manual
            )
    return plan


def _plan_revert(entry: Entry, backup_dir: Path) -> FilePlan | Problem:
    path = Path(entry.path)
    try:
        real = fsio.resolve(path)
        before = fsio.read(real)
    except fsio.UnsafePath as exc:
        return _problem(path, entry.owner, str(exc))
    except PermissionError:
        return _problem(path, entry.owner, "it cannot be read (permission denied)")
    plan = FilePlan(path, real, entry.owner, entry.kind, before, before, revert=True)
    current = fsio.sha(before)
    if before is None:
        return plan  # Gone already: nothing to restore, the receipt is simply dropped.
    if current == entry.original_sha:
        return plan  # Nothing of ours is in it.
    if entry.pristine and current == entry.written_sha:
        # Nobody else touched it: put back the exact original bytes (or remove it).
        if entry.created:
            plan.after = None
        else:
            original = _original(entry, backup_dir)
            if original is None:
                return _problem(
                    path,
                    entry.owner,
                    f"its backup {entry.backup} is missing or "
                    "damaged, so the original cannot be restored",
                )
            plan.after = original
        return _check_writable(plan)
    decoded = text.decode(before)
    try:
        reverted = revert_for(entry.kind).revert(decoded.text, entry.memo)
    except ContentError as exc:
        return _problem(path, entry.owner, exc.reason, where=exc.where(paths.display(path)))
    if reverted is None and not entry.created:
        # A file the tool renders whole (its settings) that was there before it came, from
        # a fleet roll-out: edited since, but never the tool's to delete. Give back what
        # was there; keep it as it is when that cannot be had.
        original = _original(entry, backup_dir)
        plan.after = before if original is None else original
    elif reverted is None or (entry.created and not reverted.strip()):
        plan.after = None
    else:
        plan.after = decoded.encode(reverted)
    return _check_writable(plan)


def _original(entry: Entry, backup_dir: Path) -> bytes | None:
    """The file's bytes before the tool first changed it, checked against the receipt."""
    original = fsio.read(backup_dir / entry.backup) if entry.backup else None
    if original is None and entry.original_sha == fsio.sha(b""):
        original = b""  # Receipts from before empty files were backed up.
    if original is None or fsio.sha(original) != entry.original_sha:
        return None
    return original


def _check_writable(plan: FilePlan) -> FilePlan | Problem:
    if plan.changed:
        reason = fsio.read_only_reason(plan.real, True)
        if reason:
            return _problem(plan.path, plan.owner, reason)
    return plan


def plan(changes: list[Change], receipts: Receipts, state_dir: Path) -> Plan:
    """Everything the changes want, plus reverting managed files no change wants any more."""
    results: list[FilePlan | Problem] = []
    wanted: set[str] = set()
    for change in changes:
        key = str(change.path)
        if key in wanted:
            continue  # Two targets sharing one file (bash and sh both use ~/.profile).
        wanted.add(key)
        results.append(_plan_change(change, receipts))
    wanted_files = {fsio.file_id(Path(key)) for key in wanted}
    for key, entry in receipts.entries.items():
        if key in wanted:
            continue
        if fsio.file_id(Path(key)) in wanted_files:
            # The same file, wanted under another name (an older version recorded
            # ~/.bash_profile and its link ~/.bashrc apart): drop the receipt, keep the file.
            results.append(_forget(entry))
        else:
            results.append(_plan_revert(entry, state_dir / BACKUPS))
    return _finish(results)


def _forget(entry: Entry) -> FilePlan:
    """A plan that drops the receipt and leaves the file as it is."""
    path = Path(entry.path)
    try:
        real = fsio.resolve(path)
        before = fsio.read(real)
    except (fsio.UnsafePath, OSError):
        real, before = path, None
    return FilePlan(path, real, entry.owner, entry.kind, before, before, revert=True)


def plan_uninstall(receipts: Receipts, state_dir: Path, scan: list[Change] = ()) -> Plan:
    """Revert every receipt; also take blocks out of `scan` files no receipt knows of
    (receipts lost or deleted), so a missing receipt never leaves a block behind."""
    results: list[FilePlan | Problem] = [
        _plan_revert(entry, state_dir / BACKUPS) for entry in receipts.entries.values()
    ]
    known = set(receipts.entries)
    for change in scan:
        if str(change.path) in known:
            continue
        known.add(str(change.path))
        orphan = Entry(
            str(change.path),
            change.owner,
            change.kind,
            created=False,
            backup=None,
            original_sha=None,
            written_sha=None,
            previous_sha=None,
            pristine=False,
            memo=None,
        )
        if change.kind == "block":
            results.append(_plan_revert(orphan, state_dir / BACKUPS))
    return _finish(results)


def _finish(results: list[FilePlan | Problem]) -> Plan:
    problems = [r for r in results if isinstance(r, Problem)]
    if problems:
        raise PlanRefused(problems)
    return Plan([r for r in results if isinstance(r, FilePlan)])


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
