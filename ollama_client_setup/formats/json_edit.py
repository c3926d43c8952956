"""JSON and JSONC, parsed with the span of every value and edited as text (spans.py): only
the members the tool owns change, so comments, indents and key order stay as they were.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.formats.spans import (
    Items,
    SyntaxProblem,
    _skip_gap,
    comma_insert,
    comma_remove,
    line_col,
    line_start,
    splice,
)


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
        for word, literal in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, i):
                return JNode("scalar", i, i + len(word), literal)
        match = _NUMBER.match(text, i)
        if match and match.end() > i:
            return JNode("scalar", i, match.end(), json.loads(match.group()))
        raise self.fail("expected a JSON value", i)

    def string(self, i: int) -> tuple[str, int]:
        try:
            # scanstring is public in json.decoder (CPython's own decoder uses it) but
            # typeshed's json/decoder.pyi does not declare it.
            return json.decoder.scanstring(self.text, i + 1, True)  # type: ignore[attr-defined]
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
