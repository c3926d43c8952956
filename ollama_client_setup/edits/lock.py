"""An exclusive lock around every read-modify-write, so two runs cannot interleave.

flock is released by the kernel when the holder dies, so a lock left by a killed run
never needs manual clean-up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LockedError

NAME = "lock"


@contextmanager
def held(state_dir: Path, wait: float = 15.0) -> Iterator[None]:
    import fcntl

    path = state_dir / NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
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
        yield
    finally:
        os.close(fd)
