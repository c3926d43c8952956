"""The flows the commands share: reconcile the files with the settings, uninstall, status.

Everything that reads settings and then writes happens under the lock, so two runs at
once are serialised and neither loses the other's update.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import paths, targets
from . import settings as settings_mod
from .edits import engine, fsio, lock
from .edits.engine import Plan
from .edits.receipts import NAME as RECEIPTS_NAME
from .edits.receipts import Receipts
from .errors import NotSetUpError, RefusedError
from .settings import Settings

Update = Callable[[Settings], Settings]
Confirm = Callable[[Plan], bool]


@dataclass
class Outcome:
    settings: Settings
    plan: Plan
    applied: bool
    notes: list[str] = field(default_factory=list)


def check_home_owner() -> None:
    """Root writing into another user's home leaves root-owned files behind (sudo without -H)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    home = paths.home()
    try:
        owner = home.stat().st_uid
    except OSError:
        return
    if owner != 0:
        raise RefusedError(
            f"you are root, but the home folder {home} belongs to user id {owner}; files written "
            "now would belong to root and break that user's shell",
            hint="Run the command as that user, without sudo (or use `sudo -H` for root's own "
            "home).",
        )


def _ensure_state_dir(state: Path, receipts: Receipts) -> None:
    created = fsio.missing_dirs(state / RECEIPTS_NAME)
    fsio.make_dirs(created)
    receipts.tool_dirs += [str(d) for d in created if str(d) not in receipts.tool_dirs]


def reconcile(
    update: Update,
    *,
    dry_run: bool = False,
    confirm: Confirm | None = None,
    environ: Mapping[str, str] | None = None,
) -> Outcome:
    """Change the settings with `update`, then make every managed file match them."""
    state = paths.state_dir()
    if dry_run:
        new = update(settings_mod.load())
        receipts = Receipts.load(state)
        return Outcome(new, engine.plan(targets.build(new, environ), receipts, state), False)
    check_home_owner()
    with _state_session(state) as fresh:
        receipts = Receipts.load(state)
        receipts.tool_dirs = list(dict.fromkeys(receipts.tool_dirs + fresh.tool_dirs))
        new = update(settings_mod.load())
        plan = engine.plan(targets.build(new, environ), receipts, state)
        if confirm is not None and plan.changed and not confirm(plan):
            return Outcome(new, plan, False, ["Nothing was changed."])
        engine.apply(plan, receipts, state)
        return Outcome(new, plan, True)


@contextmanager
def _state_session(state: Path) -> Iterator[Receipts]:
    """Create the state folder if needed and hold the lock. A run that created the folder
    but applied nothing (refused, declined, interrupted) removes it again."""
    fresh = Receipts()
    created = not state.exists()
    if created:
        _ensure_state_dir(state, fresh)
    try:
        with lock.held(state):
            yield fresh
    finally:
        if created and not (state / RECEIPTS_NAME).exists():
            _remove_tool_state(state, fresh, keep_backups=False)


def uninstall(
    *,
    dry_run: bool = False,
    keep_backups: bool = False,
    confirm: Confirm | None = None,
    environ: Mapping[str, str] | None = None,
) -> Outcome:
    state = paths.state_dir()
    current = settings_mod.load()
    scan = targets.scan_candidates(environ)
    if dry_run or not state.exists():
        receipts = Receipts.load(state)
        plan = engine.plan_uninstall(receipts, state, scan)
        if dry_run or not plan.changed:
            return Outcome(current, plan, False)
    check_home_owner()
    with _state_session(state) as fresh:
        receipts = Receipts.load(state)
        receipts.tool_dirs = list(dict.fromkeys(receipts.tool_dirs + fresh.tool_dirs))
        plan = engine.plan_uninstall(receipts, state, scan)
        if confirm is not None and plan.changed and not confirm(plan):
            return Outcome(current, plan, False, ["Nothing was changed."])
        engine.apply(plan, receipts, state)
        notes = []
        if keep_backups and (state / engine.BACKUPS).exists():
            notes.append(f"Backups kept in {paths.display(state / engine.BACKUPS)}.")
        _remove_tool_state(state, receipts, keep_backups)
        return Outcome(current, plan, True, notes)


def _remove_tool_state(state: Path, receipts: Receipts, keep_backups: bool) -> None:
    for name in (RECEIPTS_NAME, lock.NAME):
        with contextlib.suppress(FileNotFoundError):
            (state / name).unlink()
    if not keep_backups:
        shutil.rmtree(state / engine.BACKUPS, ignore_errors=True)
    fsio.remove_empty_dirs([Path(d) for d in receipts.tool_dirs] + [state])


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
    plan = engine.plan(targets.build(settings, environ), receipts, state)
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
        elif item.before is None:
            out.append(FileState(item.path, item.owner, "missing", "not written yet, or deleted"))
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


def require_settings() -> Settings:
    current = settings_mod.load()
    if current.source is None:
        raise NotSetUpError(
            f"there are no settings yet ({paths.display(paths.settings_file())} does not exist)",
            hint="Run `ollama-client-setup init` first.",
        )
    return current
