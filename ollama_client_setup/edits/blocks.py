"""Managed blocks in start-up files: begin/end markers that name the tool.

Only text between the markers is ever ours. A begin marker without its end marker means the
user edited the block by hand: it is left alone and the file is refused with the line number.
"""

from __future__ import annotations

import re

from ollama_client_setup.base.errors import ContentError

BEGIN = "# >>> ollama-client-setup >>>"
END = "# <<< ollama-client-setup <<<"
NOTE = "# Managed by ollama-client-setup; changes inside this block are overwritten."

_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _is(line: str, marker: str) -> bool:
    return line.rstrip("\r\n").strip() == marker


def find(text: str) -> list[tuple[int, int]]:
    """(first, last) line indexes of every complete block; raise on an unterminated one."""
    lines = _lines(text)
    found: list[tuple[int, int]] = []
    start: int | None = None
    for index, line in enumerate(lines):
        if _is(line, BEGIN):
            if start is not None:
                break
            start = index
        elif _is(line, END):
            if start is None:
                raise ContentError(
                    "an ollama-client-setup end marker has no begin marker above it", index + 1
                )
            found.append((start, index))
            start = None
    if start is not None:
        raise ContentError(
            "the ollama-client-setup block starting here has no end marker (edited by hand?); "
            "restore the end marker line or delete the block",
            start + 1,
        )
    return found


def render_block(body: list[str]) -> str:
    return "\n".join([BEGIN, NOTE, *body, END]) + "\n"


def upsert(text: str, body: list[str]) -> tuple[str, dict[str, bool] | None]:
    """Put the block in the text. Returns the new text and, for a new block, how it was added."""
    block = render_block(body)
    found = find(text)
    if found:
        lines = _lines(text)
        first, last = found[0]
        trailer = lines[last][len(lines[last].rstrip("\r\n")) :] or ""
        replacement = block if trailer else block.rstrip("\n")
        out = [*lines[:first], replacement, *lines[last + 1 :]]
        # Collapse duplicates: later complete blocks are dropped (indexes shift by one line).
        for dup_first, dup_last in reversed(found[1:]):
            shift = (last - first + 1) - 1
            del out[dup_first - shift : dup_last - shift + 1]
        return "".join(out), None
    added_newline = bool(text) and not text.endswith("\n")
    if added_newline:
        text += "\n"
    added_blank = bool(text.strip()) and not text.endswith(("\n\n", "\n\r\n"))
    if added_blank:
        text += "\n"
    return text + block, {"added_newline": added_newline, "added_blank": added_blank}


def remove(text: str, memo: dict[str, bool] | None) -> str:
    """Take every block out, and the separators the first insertion added."""
    found = find(text)
    if not found:
        return text
    memo = memo or {}
    lines = _lines(text)
    at_end = found[-1][1] == len(lines) - 1
    for first, last in reversed(found):
        del lines[first : last + 1]
        if memo.get("added_blank") and first > 0 and not lines[first - 1].strip():
            del lines[first - 1]
    result = "".join(lines)
    if memo.get("added_newline") and at_end and result.endswith("\n"):
        result = result[:-1]
    return result
