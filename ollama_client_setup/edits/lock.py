"""An exclusive lock around every read-modify-write, so two runs cannot interleave.

flock is released by the kernel when the holder dies, so a lock left by a killed run
never needs manual clean-up.

The lock file lives in the state folder, which the last uninstall removes (lock file
included) while holding it. A run that was waiting meanwhile then holds a lock on a file
no other run can find, so after every acquisition the holder checks that the file it
locked is still the one at the path; if not, it lets go and reports it, and the caller
makes the state folder again and retries.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ollama_client_setup.base.errors import LockedError

NAME = "lock"


class Stale(Exception):
    """The lock file (or its folder) went away while this run waited: start over."""


def acquire(state_dir: Path, deadline: float) -> int:
    """The descriptor of the held lock; LockedError at `deadline` (time.monotonic())."""
    import fcntl

    path = state_dir / NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:
        raise Stale from None
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(
                        f"another ollama-client-setup run holds {path}",
                        hint="Wait for it to finish, then run this command again.",
                    ) from None
                time.sleep(0.05)
        if not _still_there(fd, path):
            raise Stale
    except BaseException:
        os.close(fd)
        raise
    return fd


def _still_there(fd: int, path: Path) -> bool:
    held = os.fstat(fd)
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)


def release(fd: int) -> None:
    os.close(fd)
