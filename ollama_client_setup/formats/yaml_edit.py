"""YAML, composed with ruamel for the position of every node and edited as text (spans.py):
ruamel's own dumper would normalise `key:   value`, `~`, escapes, `---` and list indents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.formats.spans import (
    Items,
    SyntaxProblem,
    changed_meaning,
    insert_lines,
    line_end,
    line_start,
    next_line,
    splice,
)

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
