"""The shell text the tool writes, read from the template files in the top-level shell/
folder and filled in.

A template holds the exact bytes the tool writes, with placeholders `@NAME@` (capitals,
digits, underscores) filled in by Python: the value goes in as it is. A line holding
nothing but a placeholder takes a block instead: zero or more whole lines (each ending in a
newline), so an empty block leaves no line behind. One pass: a filled-in value (a model
name, a URL) is never searched for placeholders itself.

The wheel carries the folder as ollama_client_setup/shell (setup.py maps it there); run from
the source tree (PYTHONPATH, an editable install) it is read where it lies.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

#: The folder in the source tree, beside ollama_client_setup/.
SOURCE = Path(__file__).resolve().parent.parent.parent / "shell"

_PLACEHOLDER = re.compile(
    r"^@(?P<block>[A-Z][A-Z0-9_]*)@\n|@(?P<name>[A-Z][A-Z0-9_]*)@", re.MULTILINE
)


@functools.cache
def template(name: str) -> str:
    """The text of template `name`, a path under shell/ such as "sh/env.sh"."""
    packaged = resources.files("ollama_client_setup") / "shell"
    for part in name.split("/"):
        packaged = packaged / part
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (SOURCE / name).read_text(encoding="utf-8")


def placeholders(name: str) -> set[str]:
    """The placeholder names template `name` holds, block and inline alike."""
    return {m["block"] or m["name"] for m in _PLACEHOLDER.finditer(template(name))}


def fill(name: str, **values: str) -> str:
    """Template `name` with every placeholder filled in from `values` (all of them, and no
    others: a misspelt name fails here rather than writing a file with a hole in it)."""
    wanted = placeholders(name)
    if wanted != set(values):
        raise KeyError(f"{name} takes {sorted(wanted)}, not {sorted(values)}")

    def sub(match: re.Match[str]) -> str:
        block = match["block"]
        if block is None:
            return values[match["name"]]
        text = values[block]
        if text and not text.endswith("\n"):
            raise ValueError(f"{name}: the block {block} must be whole lines")
        return text

    return _PLACEHOLDER.sub(sub, template(name))


def fill_line(name: str, **values: str) -> str:
    """A one-line template filled in, without the newline that ends it (a start-up file's
    block line, a function definition that goes into `eval`)."""
    return fill(name, **values).removesuffix("\n")
