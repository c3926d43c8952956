"""TOML: its meaning from tomlkit, the position of every statement from a scanner of our own,
for edits as text (spans.py); tomlkit's dumper would move comments and blank lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.formats.spans import SyntaxProblem, line_col, line_end, next_line


def parse_toml(text: str) -> dict[str, Any]:
    """The document's meaning as plain Python; errors carry their line and column."""
    import tomlkit
    from tomlkit.exceptions import ParseError, TOMLKitError

    try:
        return tomlkit.parse(text).unwrap()
    except ParseError as exc:
        message = str(exc)
        cut = message.rfind(" at line ")
        reason = message[:cut] if cut > 0 else message
        # tomlkit counts lines from 1 and columns from 0.
        raise SyntaxProblem(f"it is not valid TOML ({reason})", exc.line, exc.col + 1) from None
    except TOMLKitError as exc:  # a repeated key in a table carries no position
        raise SyntaxProblem(f"it is not valid TOML ({exc})", *toml_repeat(text)) from None


def toml_position(text: str, path: tuple[str, ...], prefix: bool = False) -> tuple[int, int] | None:
    """Line and column of the statement that defines `path` (a [table] header, or a key,
    dotted or inside its table); `prefix`: also one that defines a part of it, such as an
    inline table holding it. None when not found (or the text is not valid TOML)."""
    table: tuple[str, ...] = ()
    try:
        statements = toml_statements(text)
    except (ContentError, IndexError, ValueError):
        return None
    for stmt in statements:
        full = stmt.path if stmt.kind != "kv" else (*table, *stmt.path)
        if stmt.kind != "kv":
            table = stmt.path
        near = full[: len(path)] == path or path[: len(full)] == full
        hit = full == path or (prefix and stmt.kind == "kv" and near)
        if hit:
            return line_col(text, _toml_blank(text, stmt.start))
    return None


def toml_repeat(text: str) -> tuple[int, int] | tuple[()]:
    """Line and column of the first key defined twice in one table (or nothing)."""
    seen: set[tuple[str, ...]] = set()
    table: tuple[str, ...] = ()
    try:
        statements = toml_statements(text)
    except (ContentError, IndexError, ValueError):
        return ()
    for number, stmt in enumerate(statements):
        if stmt.kind != "kv":
            # Each [[array]] header starts a table of its own.
            table = stmt.path if stmt.kind == "table" else (*stmt.path, f"[{number}]")
            continue
        key = (*table, *stmt.path)
        if key in seen:
            at = _toml_blank(text, stmt.start)
            return line_col(text, at)
        seen.add(key)
    return ()


@dataclass(frozen=True)
class TStmt:
    """One TOML statement: a [table] / [[array]] header or a `key = value` line."""

    kind: str  # "table" | "array" | "kv"
    path: tuple[str, ...]
    #: Whole lines: from the statement's line start to just after its last newline.
    start: int
    end: int
    #: The value's own text (kv only), without the trailing comment.
    value: tuple[int, int] = (0, 0)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_statements(text: str) -> list[TStmt]:
    """Every statement with its position. Assumes valid TOML (parse_toml first)."""
    out: list[TStmt] = []
    i = 0
    while i < len(text):
        start = i
        j = _toml_blank(text, i)
        if j >= len(text) or text[j] in "\r\n#":
            i = next_line(text, j)
            continue
        if text[j] == "[":
            array = text.startswith("[[", j)
            path, k = _toml_key(text, j + (2 if array else 1))
            i = next_line(text, k)
            out.append(TStmt("array" if array else "table", path, start, i))
            continue
        path, k = _toml_key(text, j)
        vstart = _toml_blank(text, k + 1)  # past "="
        vend = _toml_value_end(text, vstart)
        i = next_line(text, vend)
        out.append(TStmt("kv", path, start, i, (vstart, vend)))
    return out


def _toml_blank(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _toml_key(text: str, i: int) -> tuple[tuple[str, ...], int]:
    """A dotted key; returns the parts and the index of the `=` or `]` after it."""
    parts: list[str] = []
    while True:
        i = _toml_blank(text, i)
        if text[i] == '"':
            close = _toml_string_end(text, i)
            try:
                parts.append(json.loads(text[i:close]))
            except ValueError:  # a TOML-only escape: compare the key as written
                parts.append(text[i + 1 : close - 1])
            i = close
        elif text[i] == "'":
            close = text.index("'", i + 1)
            parts.append(text[i + 1 : close])
            i = close + 1
        else:
            match = _BARE_KEY.match(text, i)
            if not match:
                raise ContentError("unreadable TOML key", *line_col(text, i))
            parts.append(match.group())
            i = match.end()
        i = _toml_blank(text, i)
        if text[i] != ".":
            return tuple(parts), i
        i += 1


def _toml_value_end(text: str, i: int) -> int:
    """The index just after a value (strings, arrays and inline tables may span lines)."""
    depth = 0
    end = i
    while i < len(text):
        ch = text[i]
        if ch in " \t" or (depth and ch in "\r\n"):
            i += 1
            continue
        if ch in "#\r\n":
            if not depth:
                break
            i = line_end(text, i)
            continue
        if text.startswith('"""', i) or text.startswith("'''", i):
            i = _toml_multiline_end(text, i)
        elif ch in "\"'":
            i = _toml_string_end(text, i)
        else:
            depth += (ch in "[{") - (ch in "]}")
            i += 1
        end = i
    return end


def _toml_string_end(text: str, i: int) -> int:
    quote = text[i]
    j = i + 1
    while text[j] != quote:
        j += 2 if quote == '"' and text[j] == "\\" else 1
    return j + 1


def _toml_multiline_end(text: str, i: int) -> int:
    quote = text[i : i + 3]
    j = i + 3
    while not text.startswith(quote, j):
        j += 2 if quote == '"""' and text[j] == "\\" else 1
    j += 3
    # Up to two quotes may sit against the closing delimiter and belong to the string.
    extra = 0
    while extra < 2 and text[j : j + 1] == quote[0]:
        j += 1
        extra += 1
    return j


def toml_string(value: str, like: str | None = None) -> str:
    """A TOML string; literal ('...') when the value it replaces was one and it fits."""
    literal = like and like.startswith("'") and not like.startswith("'''")
    if literal and "'" not in value and value.isprintable():
        return "'" + value + "'"
    return json.dumps(value, ensure_ascii=False)


@dataclass
class TomlDoc:
    """Statement positions grouped by table, for small edits of a valid TOML text."""

    text: str
    statements: list[TStmt] = field(init=False)

    def __post_init__(self) -> None:
        self.statements = toml_statements(self.text)

    def table(self, path: tuple[str, ...]) -> list[TStmt] | None:
        """The statements of a table: () is the top level; the header comes first."""
        current: tuple[str, ...] | None = ()
        found: list[TStmt] | None = [] if path == () else None
        for stmt in self.statements:
            if stmt.kind != "kv":
                current = stmt.path if stmt.kind == "table" else None
                if current == path:
                    found = [stmt]
                continue
            if current == path and found is not None:
                found.append(stmt)
        return found

    def key(self, table: tuple[str, ...], key: str) -> TStmt | None:
        stmts = self.table(table) or []
        return next((s for s in stmts if s.kind == "kv" and s.path == (key,)), None)

    def first_header(self) -> TStmt | None:
        return next((s for s in self.statements if s.kind != "kv"), None)
