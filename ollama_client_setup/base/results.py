"""What a check is and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Fix:
    """What to do: a sentence, and the exact command when there is one."""

    text: str
    command: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"text": self.text, "command": self.command}


@dataclass
class Result:
    status: Status
    summary: str
    detail: str | None = None
    fix: Fix | None = None
    #: Facts for the checks that depend on this one (never printed).
    data: dict[str, Any] = field(default_factory=dict)
    duration_ms: int = 0
    #: Why a skip happened, without the "skipped: " its summary starts with (None otherwise).
    reason: str | None = None


def ok(summary: str, detail: str | None = None, **data: Any) -> Result:
    return Result(Status.OK, summary, detail, data=data)


def warn(summary: str, fix: Fix | None = None, detail: str | None = None, **data: Any) -> Result:
    return Result(Status.WARN, summary, detail, fix, data=data)


def fail(summary: str, fix: Fix | None = None, detail: str | None = None, **data: Any) -> Result:
    return Result(Status.FAIL, summary, detail, fix, data=data)


def skip(summary: str, **data: Any) -> Result:
    """A skip; `summary` reads "skipped: REASON" and the reason is kept as `reason`."""
    return Result(Status.SKIP, summary, data=data, reason=summary.removeprefix("skipped: "))
