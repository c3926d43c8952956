"""Model names as the server compares them.

Ollama reads a name without a tag as NAME:latest, and compares names without regard to case
(docs/server.md, "Model names"): `testmodel`, `testmodel:latest` and `TestModel:latest` are
one model. /api/ps and /api/tags always give the full form, so every comparison goes through
:func:`key`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")

DEFAULT_TAG = "latest"


def canonical(name: str) -> str:
    """NAME -> NAME:latest; a name with a tag (after the last /) is left as it is."""
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:{DEFAULT_TAG}"


def key(name: str) -> str:
    """What two names that mean the same model have in common."""
    return canonical(name).casefold()


def same(a: str, b: str) -> bool:
    return key(a) == key(b)


def find(name: str, available: Iterable[str]) -> str | None:
    """The server's spelling of `name` among `available` (exact first), or None."""
    names = list(available)
    if name in names:
        return name
    wanted = key(name)
    return next((n for n in names if key(n) == wanted), None)


def lookup(table: Mapping[str, T], name: str | None) -> T | None:
    """`table[name]` where the keys are model names, compared as the server does."""
    if not name:
        return None
    if name in table:
        return table[name]
    wanted = key(name)
    return next((v for k, v in table.items() if key(k) == wanted), None)
