"""Planning a change set: read and render every file the changes want, and revert the
managed files no change wants any more. If any file cannot be planned, nothing is applied
(:func:`engine.apply` takes the plan)."""

from __future__ import annotations

from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import ContentError, Problem
from ollama_client_setup.edits import fsio, text
from ollama_client_setup.edits.changes import Change
from ollama_client_setup.edits.fileplan import BACKUPS, FilePlan, Plan, _finish, _problem
from ollama_client_setup.edits.receipts import Entry, Receipts
from ollama_client_setup.edits.revert import _plan_revert


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
