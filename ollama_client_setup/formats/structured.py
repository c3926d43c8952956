"""Editing the clients' structured configs (JSON, YAML, TOML) without disturbing them.

A file is parsed for its meaning and for the position of every value, then edited as text:
only the spans of the keys and entries the tool owns are replaced, so everything else stays
byte for byte. Round-trip dumpers cannot promise that (ruamel normalises `key:   value`,
`~`, escapes, `---` and mixed list indents; tomlkit moves comments and blank lines; `json`
re-indents every array). Each client checks its result by parsing it again and comparing
with what it meant to write, so an edit that would change anything else is refused, never
written.

No file IO here: every function maps text to text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


# --- JSON ---------------------------------------------------------------------------------


@dataclass
class JNode:
    kind: str  # "object" | "array" | "scalar"
    start: int
    end: int
    value: Any = None
    members: list[JMember] = field(default_factory=list)
    items: list[JNode] = field(default_factory=list)

    def get(self, key: str) -> JMember | None:
        return next((m for m in self.members if m.key == key), None)

    def layout(self) -> Items:
        spans = (
            [(m.start, m.node.end) for m in self.members]
            if self.kind == "object"
            else [(n.start, n.end) for n in self.items]
        )
        return Items(self.start, self.end - 1, spans)

    def python(self) -> Any:
        if self.kind == "object":
            return {m.key: m.node.python() for m in self.members}
        if self.kind == "array":
            return [n.python() for n in self.items]
        return self.value


@dataclass
class JMember:
    key: str
    start: int
    node: JNode


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")


class _JsonParser:
    def __init__(self, text: str, jsonc: bool, strict_why: str) -> None:
        self.text = text
        self.jsonc = jsonc
        self.why = strict_why

    def fail(self, reason: str, index: int) -> ContentError:
        if index >= len(self.text):
            reason = "the file ends too early (" + reason + ")"
        return SyntaxProblem(reason, *line_col(self.text, index))

    def gap(self, i: int) -> int:
        text = self.text
        while i < len(text):
            ch = text[i]
            if ch in " \t\r\n":
                i += 1
            elif ch == "/" and text[i + 1 : i + 2] in ("/", "*"):
                if not self.jsonc:
                    raise self.fail(f"it has a comment, and {self.why}", i)
                i = _skip_gap(text, i, hash_comments=False)
            else:
                break
        return i

    def parse(self) -> JNode:
        i = self.gap(0)
        if i >= len(self.text):
            raise self.fail("expected a JSON value", i)
        node = self.value(i)
        rest = self.gap(node.end)
        if rest < len(self.text):
            raise self.fail("unexpected text after the end of the JSON value", rest)
        return node

    def value(self, i: int) -> JNode:
        text = self.text
        ch = text[i : i + 1]
        if ch == "{":
            return self.container(i, "}")
        if ch == "[":
            return self.container(i, "]")
        if ch == '"':
            value, end = self.string(i)
            return JNode("scalar", i, end, value)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, i):
                return JNode("scalar", i, i + len(word), value)
        match = _NUMBER.match(text, i)
        if match and match.end() > i:
            return JNode("scalar", i, match.end(), json.loads(match.group()))
        raise self.fail("expected a JSON value", i)

    def string(self, i: int) -> tuple[str, int]:
        try:
            return json.decoder.scanstring(self.text, i + 1, True)
        except json.JSONDecodeError as exc:
            raise self.fail(exc.msg.lower(), exc.pos) from None

    def container(self, i: int, close: str) -> JNode:
        node = JNode("object" if close == "}" else "array", i, i)
        seen: set[str] = set()
        j = self.gap(i + 1)
        while True:
            if self.text[j : j + 1] == close:
                node.end = j + 1
                return node
            if node.members or node.items:
                if self.text[j : j + 1] != ",":
                    raise self.fail(f"expected ',' or '{close}'", j)
                comma = j
                j = self.gap(j + 1)
                if self.text[j : j + 1] == close:
                    if not self.jsonc:
                        raise self.fail(f"it has a trailing comma, and {self.why}", comma)
                    node.end = j + 1
                    return node
            if close == "]":
                item = self.value(j)
                node.items.append(item)
                j = self.gap(item.end)
                continue
            if self.text[j : j + 1] != '"':
                raise self.fail("expected a key in double quotes", j)
            key, after = self.string(j)
            if key in seen:
                raise self.fail(f'the key "{key}" appears twice in one object', j)
            seen.add(key)
            colon = self.gap(after)
            if self.text[colon : colon + 1] != ":":
                raise self.fail("expected ':' after the key", colon)
            value = self.value(self.gap(colon + 1))
            node.members.append(JMember(key, j, value))
            j = self.gap(value.end)


def parse_json(text: str, *, jsonc: bool = False, strict_why: str = "JSON allows none") -> JNode:
    """Parse JSON (or JSONC: comments and trailing commas) keeping every value's span.
    Duplicate keys are refused, which `json` would silently resolve to the last one."""
    return _JsonParser(text, jsonc, strict_why).parse()


def json_object(node: JNode, what: str, text: str) -> JNode:
    if node.kind != "object":
        kind = "an array" if node.kind == "array" else "a single value"
        raise ContentError(
            f"{what} must be a JSON object {{...}}, not {kind}", *line_col(text, node.start)
        )
    return node


def json_unit(text: str, root: JNode) -> str:
    """The file's indent step, from the first member on its own line (two spaces if none)."""
    for member in root.members:
        prefix = text[line_start(text, member.start) : member.start]
        if prefix and not prefix.strip():
            return prefix
    return "  "


def json_value(value: Any, unit: str, indent: str | None) -> str:
    """A value as JSON text; nested lines start with `indent`, or all on one line."""
    if indent is None:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return json.dumps(value, ensure_ascii=False, indent=unit).replace("\n", "\n" + indent)


def json_set(text: str, obj: JNode, key: str, value: Any, unit: str) -> str:
    """Set one member, replacing its value in place or appending it."""
    member = obj.get(key)
    if member is not None:
        new = json_value(value, unit, _own_line(text, member.start))
        return splice(text, member.node.start, member.node.end, new)

    def render(indent: str | None) -> str:
        return json.dumps(key, ensure_ascii=False) + ": " + json_value(value, unit, indent)

    return comma_insert(text, obj.layout(), render, unit, block_empty=True)


def json_set_raw(text: str, obj: JNode, key: str, raw: str, unit: str) -> str:
    """Put a value back exactly as it was written (a memo's prior source text)."""
    member = obj.get(key)
    if member is not None:
        return splice(text, member.node.start, member.node.end, raw)
    return comma_insert(
        text, obj.layout(), lambda _: json.dumps(key, ensure_ascii=False) + ": " + raw, unit, True
    )


def json_delete(text: str, obj: JNode, key: str) -> str:
    index = next((i for i, m in enumerate(obj.members) if m.key == key), None)
    return text if index is None else comma_remove(text, obj.layout(), index)


def json_append(text: str, array: JNode, value: Any, unit: str) -> str:
    return comma_insert(
        text, array.layout(), lambda indent: json_value(value, unit, indent), unit, True
    )


def json_replace(text: str, node: JNode, value: Any, unit: str) -> str:
    return splice(text, node.start, node.end, json_value(value, unit, _own_line(text, node.start)))


def _own_line(text: str, index: int) -> str | None:
    """The indent of a line the element starts, or None when it shares its line (inline)."""
    prefix = text[line_start(text, index) : index]
    return None if prefix.strip() else prefix


# --- YAML ---------------------------------------------------------------------------------

# YAML 1.1 readers (PyYAML: Aider) take these plain scalars as booleans, numbers or null.
_YAML11_SPECIAL = re.compile(
    r"(?i:y|n|yes|no|on|off|true|false|null|~)"
    r"|[-+]?(?:[0-9][0-9_]*)?(?::[0-5]?[0-9])*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?0[xob][0-9a-fA-F_]+|[-+]?\.(?i:inf|nan)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*"
)


def _ruamel() -> Any:
    from ruamel.yaml import YAML

    return YAML()


def parse_yaml(text: str) -> Any:
    """The composed node tree (positions of everything), or None for an empty document.
    Parse errors, duplicate keys and a top level that is not a mapping are refused."""
    from ruamel.yaml.nodes import MappingNode

    root = yaml_compose(text)
    if root is None:
        return None
    if not isinstance(root, MappingNode) or root.flow_style:
        what = "a list" if root.id == "sequence" else "a single value"
        if root.id == "mapping":
            what = "a {...} mapping on one line"
        raise ContentError(
            f"its top level must be `key: value` lines, not {what}",
            root.start_mark.line + 1,
            root.start_mark.column + 1,
        )
    return root


def parse_yaml_list(text: str) -> Any:
    """parse_yaml for a file whose top level is a block list of entries (Aider's model
    settings): the sequence node, or None for an empty document."""
    root = yaml_compose(text)
    if root is None:
        return None
    if root.id != "sequence" or root.flow_style:
        what = "a single value"
        if root.id == "sequence":
            what = "a [...] list on one line"
        elif root.id == "mapping":
            what = "a {...} mapping on one line" if root.flow_style else "`key: value` lines"
        raise ContentError(
            f"its top level must be a list of `- key: value` entries, not {what}",
            root.start_mark.line + 1,
            root.start_mark.column + 1,
        )
    return root


def yaml_compose(text: str) -> Any:
    """The composed node tree whatever its top level, or None for an empty document.
    Parse errors and duplicate keys are refused with their line and column."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        root = _ruamel().compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "unreadable"
        if "'\\t'" in problem:
            problem = "a tab where YAML allows only spaces"
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise SyntaxProblem(f"it is not valid YAML ({problem})", line, col) from None
    except YAMLError as exc:
        raise SyntaxProblem(f"it is not valid YAML ({exc})") from None
    if root is not None:
        _check_duplicates(root)
    return root


def _check_duplicates(node: Any) -> None:
    if node.id == "mapping":
        seen: set[str] = set()
        for key, value in node.value:
            if key.id == "scalar":
                if key.value in seen:
                    raise SyntaxProblem(
                        f"the key {key.value!r} appears twice",
                        key.start_mark.line + 1,
                        key.start_mark.column + 1,
                    )
                seen.add(key.value)
            _check_duplicates(value)
    elif node.id == "sequence":
        for item in node.value:
            _check_duplicates(item)


def yaml_data(text: str) -> Any:
    """The file's meaning, for comparing before and after an edit."""
    return _ruamel().load(text)


def y_get(mapping: Any, key: str) -> tuple[Any, Any] | None:
    if mapping is None:
        return None
    return next(((k, v) for k, v in mapping.value if k.id == "scalar" and k.value == key), None)


def y_is_null(node: Any) -> bool:
    """An empty value: nothing after the colon, `~` or `null`."""
    return node.id == "scalar" and (_y_blank(node) or str(node.tag) == "tag:yaml.org,2002:null")


def _y_blank(node: Any) -> bool:
    return node.start_mark.index == node.end_mark.index


def y_end(text: str, node: Any) -> int | None:
    """Where the node's own text ends: block collections and block scalars run on to the next
    token (blank lines and comments included); None for an empty (null) value."""
    if node.id == "scalar":
        if _y_blank(node):
            return None
        if node.style in ("|", ">"):
            body = text[node.start_mark.index : node.end_mark.index]
            return node.start_mark.index + len(body.rstrip())
        return node.end_mark.index
    if node.flow_style or not node.value:
        return node.end_mark.index
    last = node.value[-1]
    if node.id == "mapping":
        key, value = last
        end = y_end(text, value)
        return key.end_mark.index if end is None else end
    return y_end(text, last)


def y_colon(text: str, key: Any) -> int:
    """The index just after the ':' that follows a key."""
    colon = text.index(":", key.end_mark.index)
    return colon + 1


def y_segment(text: str, key: Any, value: Any) -> tuple[int, int]:
    """The text after a key's colon up to the end of its value."""
    start = y_colon(text, key)
    end = y_end(text, value)
    return start, start if end is None else end


def y_entry_lines(text: str, key: Any, value: Any) -> tuple[int, int]:
    """Whole lines holding a key and its value."""
    end = y_end(text, value)
    return line_start(text, key.start_mark.index), next_line(
        text, key.end_mark.index if end is None else end
    )


def y_item_lines(text: str, item: Any) -> tuple[int, int]:
    """Whole lines holding a block sequence item (refused if the dash has company)."""
    start = line_start(text, item.start_mark.index)
    if not re.fullmatch(r"[ ]*-[ ]+", text[start : item.start_mark.index]):
        raise changed_meaning("a list entry that shares its line")
    end = y_end(text, item)
    return start, next_line(text, item.end_mark.index if end is None else end)


def y_flow_items(node: Any) -> Items:
    spans = [(item.start_mark.index, item.end_mark.index) for item in node.value]
    return Items(node.start_mark.index, node.end_mark.index - 1, spans)


def y_scalar(value: str, style: str | None = None) -> str:
    """A string as a YAML scalar: plain when that reads back as the same string in YAML 1.1
    and 1.2, else in the given quotes (double by default)."""
    if style not in ("'", '"'):
        if not _YAML11_SPECIAL.fullmatch(value) and _plain_ok(value):
            return value
        style = style if style in ("'", '"') else '"'
    if style == "'" and "\n" not in value and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


def _plain_ok(value: str) -> bool:
    if not value or value != value.strip() or "\n" in value:
        return False
    try:
        return _ruamel().load("k: " + value + "\n") == {"k": value}
    except Exception:
        return False


def y_block(value: Any, indent: int, unit: int, offset: int) -> list[str]:
    """Block YAML lines for a small value of our own (dicts, lists, strings, numbers)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict):
                lines.append(f"{pad}{key}:")
                lines += y_block(item, indent + unit, unit, offset)
            elif isinstance(item, list):
                lines.append(f"{pad}{key}:")
                lines += y_block(item, indent + offset, unit, offset)
            else:
                lines.append(f"{pad}{key}: {_y_atom(item)}")
        return lines
    for item in value:
        if isinstance(item, (dict, list)):
            inner = y_block(item, indent + 2, unit, offset)
            lines.append(f"{pad}- {inner[0][indent + 2 :]}")
            lines += inner[1:]
        else:
            lines.append(f"{pad}- {_y_atom(item)}")
    return lines


def _y_atom(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return str(value)
    return y_scalar(str(value))


def y_style(text: str, root: Any) -> tuple[int, int]:
    """The file's mapping indent and list-dash offset (how far `-` sits right of its key)."""
    unit = offset = None
    for key, value in _y_pairs(root):
        column = key.start_mark.column
        if value.id == "mapping" and not value.flow_style and value.value and unit is None:
            unit = value.value[0][0].start_mark.column - column
        elif value.id == "sequence" and not value.flow_style and value.value and offset is None:
            first = value.value[0].start_mark
            dash = text.rfind("-", line_start(text, first.index), first.index)
            if dash >= 0:
                offset = dash - line_start(text, dash) - column
    return (unit if unit and unit > 0 else 2), (offset if offset is not None else 2)


def _y_pairs(node: Any) -> Iterator[tuple[Any, Any]]:
    if node is None:
        return
    if node.id == "mapping":
        for key, value in node.value:
            yield key, value
            yield from _y_pairs(value)
    elif node.id == "sequence":
        for item in node.value:
            yield from _y_pairs(item)


def y_top_column(root: Any) -> int:
    return root.value[0][0].start_mark.column if root is not None and root.value else 0


def y_append_entry(text: str, root: Any, lines: list[str]) -> str:
    """Add `key: value` lines at the end of the top-level mapping."""
    if root is None or not root.value:
        at = len(text)
    else:
        key, value = root.value[-1]
        end = y_end(text, value)
        at = next_line(text, key.end_mark.index if end is None else end)
    return insert_lines(text, at, "".join(line + "\n" for line in lines))


def y_fill_empty(text: str, key: Any, value: Any, lines: list[str]) -> tuple[str, str]:
    """Replace an empty value (`key:` or `key: []`) with block list lines (already indented,
    dash included); returns the new text and the prior text after the colon, for the memo.
    A comment after the value stays on the key's line."""
    start, end = y_segment(text, key, value)
    prior = text[start:end]
    text = splice(text, start, end, "")
    eol = line_end(text, start)
    return splice(text, eol, eol, "".join("\n" + line for line in lines)), prior


def y_unfill(text: str, key: Any, prior: str) -> str:
    """Undo y_fill_empty once the list's last item is gone (the value then reads as null)."""
    start = y_colon(text, key)
    return splice(text, start, start, prior)


# --- TOML ---------------------------------------------------------------------------------


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


def plain(value: Any) -> Any:
    """Parsed containers (ruamel's, tomlkit's) as plain dicts and lists, for comparing."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if type(value).__name__ == "TaggedScalar":  # `!tag value`: ruamel has no equality for it
        return (str(value.tag), value.value)
    return value
