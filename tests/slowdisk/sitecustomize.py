"""Test-only fault injection for scripts/crash_trials.py --slow-disk: a disk whose fsync
takes OCS_TEST_FSYNC_DELAY seconds, so the writes of one run are spread out in time and a
SIGKILL lands between them far more often. On the child's PYTHONPATH only in those trials;
nothing in the package refers to it.
"""

import os
import time

_DELAY = float(os.environ.get("OCS_TEST_FSYNC_DELAY") or 0)
if _DELAY > 0:
    _real_fsync = os.fsync

    def _slow_fsync(fd: int) -> None:
        _real_fsync(fd)
        time.sleep(_DELAY)

    os.fsync = _slow_fsync
