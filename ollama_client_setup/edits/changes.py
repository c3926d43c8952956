"""What a target wants, as data. Targets build these; only the engine reads or writes files.

A change is a pure function from the file's current text to its desired text, plus the
inverse the engine needs at uninstall time. The inverse is looked up by `kind` from the
receipt, so uninstall works from receipts alone, whatever the settings say by then.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ollama_client_setup.edits import blocks

Memo = dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    #: The desired text; None means the file should not exist.
    text: str | None
    #: What uninstall needs to undo this exactly; None keeps the memo already recorded.
    memo: Memo | None = None


KINDS: dict[str, type[Change]] = {}


class Change(ABC):
    kind: ClassVar[str]
    #: Structured configs refuse bytes that are not UTF-8 instead of passing them through.
    strict: ClassVar[bool] = False
    #: Set to a reason when a UTF-8 BOM makes the file unusable for its reader (Claude Code
    #: ignores a settings.json that starts with one); the engine then refuses the file.
    bom_reason: ClassVar[str | None] = None
    #: The content is a secret: diffs and messages never show it.
    secret: ClassVar[bool] = False
    #: Whether the tool's lines follow a file that uses CRLF throughout. False keeps the
    #: file's own lines as they are but writes the tool's with LF only.
    crlf: bool = True

    def __init__(
        self,
        path: Path,
        owner: str,
        *,
        mode: int = 0o644,
        skip_flag: str | None = None,
        manual: str | None = None,
    ) -> None:
        self.path = path
        self.owner = owner
        self.mode = mode
        #: The flag that leaves this target out, offered when the file cannot be changed.
        self.skip_flag = skip_flag
        #: What the user can add by hand when the file is read-only.
        self.manual = manual

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            KINDS[cls.kind] = cls

    @abstractmethod
    def render(self, current: str | None) -> Rendered:
        """The desired text given the current text (None when the file does not exist)."""

    @classmethod
    @abstractmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        """The text with this tool's part taken out (None: delete the file)."""


class OwnedFile(Change):
    """A file the tool owns outright (env files, drop-ins): rendered whole."""

    kind = "owned"

    def __init__(self, path: Path, owner: str, content: str, **kwargs: Any) -> None:
        super().__init__(path, owner, **kwargs)
        self.content = content

    def render(self, current: str | None) -> Rendered:
        return Rendered(self.content, {})

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        return None


class SecretFile(OwnedFile):
    """A tool-owned file holding a secret (mode 0600; never shown in a diff)."""

    kind = "secret"
    secret = True


class ManagedBlock(Change):
    """A marked block in a user's start-up file; everything outside it is left alone."""

    kind = "block"

    def __init__(self, path: Path, owner: str, body: list[str], **kwargs: Any) -> None:
        super().__init__(path, owner, **kwargs)
        self.body = body
        # A POSIX shell reads a CR as part of the line: `fi\r` is a syntax error that would
        # break the user's whole start-up file. Only PowerShell profiles may get CRLF.
        self.crlf = path.suffix.lower() == ".ps1"

    def render(self, current: str | None) -> Rendered:
        text, memo = blocks.upsert(current or "", self.body)
        return Rendered(text, memo)

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        return blocks.remove(current, memo)


#: Called with a kind's prefix ("<client>" of "<client>:<what>") when no class is known for
#: it yet: the clients layer registers the loader that imports that client's module, so
#: uninstall works from receipts alone while this layer names no client.
LOADERS: list[Callable[[str], object]] = []


def revert_for(kind: str) -> type[Change]:
    """The change class for a receipt's kind; client kinds load lazily (LOADERS)."""
    if kind not in KINDS and ":" in kind:
        for load in LOADERS:
            load(kind.split(":", 1)[0])
    try:
        return KINDS[kind]
    except KeyError:
        raise KeyError(f"no change kind {kind!r} is known to this version") from None
