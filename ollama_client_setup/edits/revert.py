"""Planning to put files back: a receipt's file reverted (its block taken out, or its
original bytes restored from the backup), and uninstall, which reverts every receipt."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import ContentError, Problem
from ollama_client_setup.edits import fsio, text
from ollama_client_setup.edits.changes import Change, revert_for
from ollama_client_setup.edits.fileplan import BACKUPS, FilePlan, Plan, _finish, _problem
from ollama_client_setup.edits.receipts import Entry, Receipts


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


def plan_uninstall(receipts: Receipts, state_dir: Path, scan: Sequence[Change] = ()) -> Plan:
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
