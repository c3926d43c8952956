"""Domain errors. They become Click exceptions only at the command edge (cli/app.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ollama_client_setup.base.exitcodes import ExitCode


class SetupError(Exception):
    """An error the user can act on: what went wrong, where, and the way out."""

    code: str = "error"
    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


class SettingsError(SetupError):
    """The settings file is unreadable or holds an invalid value."""

    code = "settings.invalid"
    exit_code = ExitCode.REFUSED


class NotSetUpError(SetupError):
    code = "not_set_up"
    exit_code = ExitCode.NOT_SET_UP


class UnreachableError(SetupError):
    """The command needs the server and cannot reach it."""

    code = "unreachable"
    exit_code = ExitCode.UNREACHABLE


class ServerAnswerError(SetupError):
    """The server answered, but not with what the command needs (status, shape, size)."""

    code = "server.bad_answer"
    exit_code = ExitCode.CHECKS_FAILED


class LoadFailed(SetupError):
    """The server answered but could not load the model (memory, a broken file)."""

    code = "model.load_failed"
    exit_code = ExitCode.CHECKS_FAILED


class LockedError(SetupError):
    code = "locked"
    exit_code = ExitCode.LOCKED


class RefusedError(SetupError):
    """The tool will not act; nothing was changed."""

    code = "refused"
    exit_code = ExitCode.REFUSED


class OSRefused(RefusedError, OSError):
    """An operating-system error while writing (a read-only or full disk): refused, with the
    path, the system's reason and the way out, after the run was taken back. Still an
    OSError (errno kept) for code that catches those."""

    def __init__(self, message: str, *, hint: str | None = None, cause: OSError) -> None:
        super().__init__(message, hint=hint)
        self.errno, self.strerror, self.filename = cause.errno, cause.strerror, cause.filename

    def __str__(self) -> str:
        return self.message


@dataclass
class Problem:
    """Why one file cannot be planned. `manual` is what the user can add by hand."""

    path: str
    reason: str
    owner: str = ""
    manual: str | None = None
    fixes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "owner": self.owner,
            "reason": self.reason,
            "manual": self.manual,
            "fixes": self.fixes,
        }


class PlanRefused(RefusedError):
    """One or more targets could not be planned; nothing was applied."""

    code = "plan.refused"

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first.path}: {first.reason}{more}; nothing was changed.")
        self.problems = problems

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data["problems"] = [p.to_dict() for p in self.problems]
        return data


class ContentError(ValueError):
    """A target cannot understand a file's content. line/col are 1-based when known."""

    def __init__(self, reason: str, line: int | None = None, col: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.col = col

    def where(self, path: str) -> str:
        if self.line is None:
            return path
        return f"{path}:{self.line}" + (f":{self.col}" if self.col is not None else "")
