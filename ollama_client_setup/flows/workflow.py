"""The flows the commands share: reconcile the files with the settings, uninstall, status.

Everything that reads settings and then writes happens under the lock, so two runs at
once are serialised and neither loses the other's update.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ollama_client_setup import plan as targets
from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import (
    LockedError,
    NotSetUpError,
    OSRefused,
    PlanRefused,
    Problem,
    RefusedError,
    SettingsError,
    SetupError,
)
from ollama_client_setup.config import secrets
from ollama_client_setup.config import settings as settings_mod
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.edits import engine, fileplan, fsio, lock, planning, revert
from ollama_client_setup.edits.fileplan import Plan
from ollama_client_setup.edits.receipts import NAME as RECEIPTS_NAME
from ollama_client_setup.edits.receipts import Receipts
from ollama_client_setup.plan.machine import look, look_at_shells
from ollama_client_setup.plan.state import secret_for

Update = Callable[[Settings], Settings]
Confirm = Callable[[Plan], bool]
#: What --dry-run computes; raises the refusal (PlanRefused) when the run cannot be done.
Preview = Callable[[], object]


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


#: How long a run waits for another one to finish before giving up (exit 7).
LOCK_WAIT = 15.0


def _create_state_dir(state: Path) -> bool:
    """Make the state folder, with a receipts file naming every folder made for it, in one
    step: a run killed at any moment never leaves folders that no receipt records (the last
    uninstall could not remove them). True when this run made it."""

    def files(made: list[Path]) -> dict[str, bytes]:
        return {RECEIPTS_NAME: Receipts(tool_dirs=[str(d) for d in made]).dumps()}

    return fsio.create_tree(state, files) is not None


def reconcile(
    update: Update,
    *,
    dry_run: bool = False,
    confirm: Confirm | None = None,
    environ: Mapping[str, str] | None = None,
    secret: str | None = None,
    overrides: settings_mod.Overrides | None = None,
) -> Outcome:
    """Change the settings with `update`, then make every managed file match them.
    `secret` is a new API key; otherwise the kept one (if any) is rendered again.
    `overrides`: values from the command line that replace the file's before they are
    checked, so a flag can repair the value it sets."""
    state = paths.state_dir()

    def preview() -> tuple[Settings, Plan, Receipts]:
        new = update(settings_mod.load(overrides=overrides))
        receipts = Receipts.load(state)
        changes = targets.build(new, look(new, environ), secret_for(new, secret))
        return new, _with_state(planning.plan(changes, receipts, state), state), receipts

    if dry_run:
        new, plan, _ = preview()
        return Outcome(new, plan, False)
    check_home_owner()
    if not state.is_dir():
        preview()  # Refuse (as --dry-run says) before making the state folder.
    with _state_session(state, preview):
        new, plan, receipts = preview()  # again, under the lock: another run may have written
        if confirm is not None and plan.changed and not confirm(plan):
            return Outcome(new, plan, False, ["Nothing was changed."])
        engine.apply(plan, receipts, state)
        return Outcome(new, plan, True)


def _state_problem(state: Path) -> Problem | None:
    """Why the state folder (receipts, backups, lock) cannot be made or written, or None."""
    reason = None
    blocker: Path | None = None
    if state.is_dir():
        if not os.access(state, os.W_OK | os.X_OK):
            reason = "it is not writable"
    else:
        try:
            missing = fsio.missing_dirs(state / RECEIPTS_NAME)
        except fsio.UnsafePath:
            missing = None
            folder = state
            while not folder.is_dir():
                folder = folder.parent
            blocker = state
            while blocker.parent != folder:
                blocker = blocker.parent
            reason = (
                f"{paths.display(blocker)} is a symbolic link to a folder that does not exist"
                if blocker.is_symlink()
                else f"{paths.display(blocker)} is in the way: it is not a folder"
            )
        if missing is not None:
            folder = missing[0].parent
            if not os.access(folder, os.W_OK | os.X_OK):
                reason = f"its folder {paths.display(folder)} is not writable"
    if reason is None:
        return None
    fixes = [f"set {paths.ENV_STATE_DIR} to a folder you can write"]
    if blocker is not None:
        fixes.insert(0, f"move {paths.display(blocker)} away (a folder belongs there)")
    return Problem(
        path=paths.display(state),
        reason=f"{reason} (the state folder: receipts, backups and the lock)",
        owner="ollama-client-setup",
        fixes=fixes,
    )


def _with_state(plan: Plan, state: Path) -> Plan:
    """The plan, refused when it changes files but the state folder cannot be written."""
    problem = _state_problem(state) if plan.changed else None
    if problem is not None:
        raise PlanRefused([problem])
    return plan


def _state_refused(exc: OSError | fsio.UnsafePath, state: Path, preview: Preview) -> SetupError:
    """The error for a state folder that cannot be made or locked: the --dry-run message
    when it has one, else the path, the system's reason and the way out."""
    try:
        preview()
    except SetupError as refused:
        return refused
    except (OSError, fsio.UnsafePath):
        pass  # The plan cannot be made either: the system's reason below says why.
    if isinstance(exc, OSError):
        return OSRefused(
            f"could not make or lock the state folder {paths.display(state)}: "
            f"{fsio.os_reason(exc)}; nothing was changed",
            hint=fsio.os_way_out(exc),
            cause=exc,
        )
    return RefusedError(
        f"could not make the state folder {paths.display(state)}: {exc}; nothing was changed",
        hint=f"Move it out of the way, or set {paths.ENV_STATE_DIR} to a folder you can write.",
    )


@contextmanager
def _state_session(state: Path, preview: Preview) -> Iterator[None]:
    """Hold the lock in the state folder, making the folder first if needed. A run that made
    the folder but applied nothing (refused, declined, interrupted) removes it again before
    it lets go of the lock, so no other run ever finds its folder gone. When the folder
    cannot be made or locked (a read-only or full disk, a file in its place), `preview`
    (what --dry-run runs) says why if it can, else the system's reason is given."""
    created = False
    try:
        fsio.sweep_temp_dirs(state)  # Left by a run killed while making or removing the folder.
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            if not state.exists():
                created = _create_state_dir(state) or created
                continue  # Made by this run or another one: look again.
            try:
                fd = lock.acquire(state, deadline)
                break
            except lock.Stale:
                # An uninstall removed the folder while this run waited: make it again.
                if time.monotonic() >= deadline:
                    raise LockedError(
                        f"the state folder {state} keeps disappearing",
                        hint="Another ollama-client-setup run is removing it; run this again.",
                    ) from None
    except (OSError, fsio.UnsafePath) as exc:
        if created:
            with contextlib.suppress(OSError):
                _drop_if_unused(state)
        raise _state_refused(exc, state, preview) from exc
    try:
        fsio.sweep_temp_files(state / RECEIPTS_NAME)
        yield
    finally:
        try:
            if created:
                _drop_if_unused(state)
        finally:
            lock.release(fd)


def _drop_if_unused(state: Path) -> None:
    try:
        receipts = Receipts.load(state)
    except RefusedError:
        return
    if not receipts.entries and not (state / fileplan.BACKUPS).exists():
        _remove_tool_state(state, receipts, keep_backups=False)


def uninstall(
    *,
    dry_run: bool = False,
    keep_backups: bool = False,
    confirm: Confirm | None = None,
    environ: Mapping[str, str] | None = None,
) -> Outcome:
    state = paths.state_dir()
    try:
        current = settings_mod.load()
        unreadable = False
    except SettingsError:
        # Uninstall works from the receipts: a settings file broken by hand must not keep
        # the user from taking every change back.
        current, unreadable = Settings(), True
    environ = os.environ if environ is None else environ
    scan = targets.scan_candidates(look_at_shells(environ, targets.SCANNED))

    def preview() -> Plan:
        return _with_state(revert.plan_uninstall(Receipts.load(state), state, scan), state)

    if dry_run or not state.exists():
        if not dry_run:
            with contextlib.suppress(OSError):
                fsio.sweep_temp_dirs(state)  # A killed uninstall's half-removed state folder.
        plan = preview()
        if dry_run or not plan.changed:
            return Outcome(current, plan, False)
    check_home_owner()
    with _state_session(state, preview):
        receipts = Receipts.load(state)
        plan = revert.plan_uninstall(receipts, state, scan)
        if confirm is not None and plan.changed and not confirm(plan):
            return Outcome(current, plan, False, ["Nothing was changed."])
        engine.apply(plan, receipts, state)
        if current.api_key_store == "keyring" or unreadable:
            secrets.forget()  # Settings unreadable: the key may be there; forget it too.
        notes = []
        if keep_backups and (state / fileplan.BACKUPS).exists():
            notes.append(f"Backups kept in {paths.display(state / fileplan.BACKUPS)}.")
        _remove_tool_state(state, receipts, keep_backups)
        return Outcome(current, plan, True, notes)


def _remove_tool_state(state: Path, receipts: Receipts, keep_backups: bool) -> None:
    """Take the state folder away (called under the lock, once nothing is managed).

    The receipts file goes last, with the folder and the empty folders made for it, in one
    step (fsio.remove_tree): a run killed before that still knows which folders to remove.
    """
    if not keep_backups:
        shutil.rmtree(state / fileplan.BACKUPS, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (state / lock.NAME).unlink()  # Safe while held: waiting runs notice (lock.Stale).
    dirs = [Path(d) for d in receipts.tool_dirs]
    if (state / fileplan.BACKUPS).exists():
        # Backups kept: an empty receipt still names the folders the tool made, so the
        # uninstall after a later init removes them as well.
        Receipts(tool_dirs=receipts.tool_dirs).save(state)
    elif state.is_dir() and {p.name for p in state.iterdir()} <= {RECEIPTS_NAME}:
        top = state
        while top.parent in dirs and [p.name for p in top.parent.iterdir()] == [top.name]:
            top = top.parent
        fsio.remove_tree(top)
    else:
        with contextlib.suppress(FileNotFoundError):
            (state / RECEIPTS_NAME).unlink()
    fsio.remove_empty_dirs([*dirs, state])


def require_settings() -> Settings:
    current = settings_mod.load()
    if current.source is None:
        raise NotSetUpError(
            f"there are no settings yet ({paths.display(paths.settings_file())} does not exist)",
            hint="Run `ollama-client-setup init` first.",
        )
    return current
