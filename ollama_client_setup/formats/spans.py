"""Positions and splicing in text, shared by the JSON, YAML and TOML editors (json_edit.py,
yaml_edit.py, toml_edit.py): line and column of an index, whole-line inserts, the errors
an edit raises, and comma-separated containers (JSON objects and arrays, YAML flow
collections).

No file IO here: every function maps text to text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ollama_client_setup.base.errors import ContentError

# --- positions and splicing ------------------------------------------------------------


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def line_end(text: str, index: int) -> int:
    """The index of the newline ending this line (or the end of the text)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def next_line(text: str, index: int) -> int:
    """The index just after the newline ending this line (or the end of the text)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def splice(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def insert_lines(text: str, at: int, lines: str) -> str:
    """Insert whole lines at a line start; a last line without newline gets one first."""
    if at == len(text) and text and not text.endswith("\n"):
        text += "\n"
        at += 1
    return splice(text, at, at, lines)


def final_newline(text: str) -> bool:
    """Whether text ends with a newline (an empty text counts as yes)."""
    return not text or text.endswith("\n")


def restore_final_newline(text: str, memo: dict[str, Any]) -> str:
    """Undo the newline an insertion at the end had to add to a last line without one."""
    if memo.get("eol") is False and text.endswith("\n"):
        return text[:-1]
    return text


class SyntaxProblem(ContentError):
    """A text does not parse (or repeats a key). In a user's file that is the user's to fix,
    at the line and column given; in a text the tool produced it is the tool's failure."""


@contextmanager
def own_edits(what: str) -> Iterator[None]:
    """Around the edits of a file already parsed once: a parse failure from here on is in
    text the tool produced, so its line and column would point at nothing in the user's
    file. Say so instead, and refuse (nothing is written)."""
    try:
        yield
    except SyntaxProblem as exc:
        raise ContentError(
            f"ollama-client-setup could not edit {what} without breaking its syntax "
            f"({exc.reason}); this is a bug in ollama-client-setup, please report it. Add the "
            "values by hand, or leave this client out"
        ) from None


def changed_meaning(what: str) -> ContentError:
    """Raised when re-parsing an edit shows more changed than intended: never write that."""
    return ContentError(
        f"ollama-client-setup could not edit {what} without changing other settings in it; "
        "add the values by hand, or leave this client out"
    )


# --- comma-separated containers: JSON objects and arrays, YAML flow collections ----------


@dataclass(frozen=True)
class Items:
    """A bracketed, comma-separated container: where it opens and closes, and the span of
    each element (for objects: from the key to the end of the value)."""

    open: int
    close: int
    spans: list[tuple[int, int]]


def _skip_gap(text: str, index: int, hash_comments: bool = True) -> int:
    """Past white space and comments (// and /* */ in JSONC, # in YAML flow)."""
    while index < len(text):
        if text[index] in " \t\r\n":
            index += 1
        elif text.startswith("//", index) or (hash_comments and text[index] == "#"):
            index = line_end(text, index)
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = len(text) if close < 0 else close + 2
        else:
            break
    return index


#: Renders an element for a line indented by `indent`, or on one line when None.
Render = Callable[[str | None], str]


def comma_insert(text: str, items: Items, render: Render, unit: str, block_empty: bool) -> str:
    """Append an element, laid out like the last one (own line or inline)."""
    if items.spans:
        last_start, last_end = items.spans[-1]
        prefix = text[line_start(text, last_start) : last_start]
        if not prefix.strip():
            return splice(text, last_end, last_end, ",\n" + prefix + render(prefix))
        return splice(text, last_end, last_end, ", " + render(None))
    if not block_empty:
        return splice(text, items.open + 1, items.close, render(None))
    base = _indent_of(text, items.open)
    inner = base + unit
    return splice(text, items.open + 1, items.close, "\n" + inner + render(inner) + "\n" + base)


def comma_remove(text: str, items: Items, index: int) -> str:
    """Take an element out with its separator; the inverse of comma_insert."""
    start, end = items.spans[index]
    if len(items.spans) == 1:
        rest = text[items.open + 1 : start] + text[end : items.close]
        if not rest.replace(",", "").strip():
            return splice(text, items.open + 1, items.close, "")
        return splice(text, start, end, "")
    if index < len(items.spans) - 1:
        return splice(text, start, items.spans[index + 1][0], "")
    comma = _skip_gap(text, items.spans[index - 1][1])
    if text[comma : comma + 1] != ",":
        raise changed_meaning("the file")
    own_line = line_start(text, start)
    cut = own_line - 1 if own_line > comma and not text[own_line:start].strip() else comma + 1
    return text[:comma] + text[comma + 1 : cut] + text[end:]


def _indent_of(text: str, index: int) -> str:
    start = line_start(text, index)
    line = text[start:index]
    return line[: len(line) - len(line.lstrip(" \t"))]


def plain(value: Any) -> Any:
    """Parsed containers (ruamel's, tomlkit's) as plain dicts and lists, for comparing."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if type(value).__name__ == "TaggedScalar":  # `!tag value`: ruamel has no equality for it
        return (str(value.tag), value.value)
    return value
