"""Quoting per shell dialect: a value or a path as one word of sh, fish or PowerShell.

Facts from docs/shells.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from ollama_client_setup.base import paths


def sh_quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def ps_quote(value: str) -> str:
    # In single-quoted PowerShell strings only the quote itself (and its Unicode
    # look-alikes, which PowerShell also treats as quotes) needs doubling.
    for quote in ("'", "\u2018", "\u2019", "\u201a", "\u201b"):
        value = value.replace(quote, quote * 2)
    return "'" + value + "'"


def sh_path(path: Path) -> str:
    """A path for sh/bash/zsh: relative to $HOME when under it, so dotfiles stay portable."""
    try:
        rel = path.relative_to(paths.home())
    except ValueError:
        return sh_quote(str(path))
    escaped = re.sub(r'(["\\$`])', r"\\\1", str(rel))
    return f'"$HOME/{escaped}"'


def ps_path(path: Path) -> str:
    try:
        rel = path.relative_to(paths.home())
    except ValueError:
        return ps_quote(str(path))
    # PowerShell also ends a double-quoted string at the Unicode double quotes.
    escaped = re.sub('(["`$\u201c\u201d\u201e])', r"`\1", str(rel).replace("\\", "/"))
    return f'"$HOME/{escaped}"'
