"""Exit statuses: a stable contract for scripts, documented in docs/exit-codes.md."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    #: An unexpected failure (a bug, or an OS error we did not foresee).
    FAILURE = 1
    #: Bad flags or values on the command line (Click's own code for usage errors).
    USAGE = 2
    #: doctor or smoke ran and at least one check failed.
    CHECKS_FAILED = 3
    #: The tool refused to act and changed nothing (malformed file, unsafe path, no consent).
    REFUSED = 4
    #: There are no settings yet: run `init` first.
    NOT_SET_UP = 5
    #: The command needs the server and could not reach it.
    UNREACHABLE = 6
    #: Another run holds the lock.
    LOCKED = 7
    #: Interrupted by the user (Ctrl-C); nothing was changed.
    INTERRUPTED = 130
