"""The JSON envelope every `--json` command prints, and small text helpers."""

from __future__ import annotations

import json
import re
from typing import Any

SCHEMA_VERSION = 1


def envelope(
    command: str,
    exit_code: int,
    result: Any = None,
    *,
    warnings: list[str] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "ok": exit_code == 0,
        "exit_code": exit_code,
        "result": result,
        "warnings": warnings or [],
        "error": error,
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=str)


# C0 controls but newline and tab, DEL, and C1 controls: ESC ] 0;... BEL retitles a
# terminal, OSC 52 writes its clipboard. Text from the network never reaches it raw.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with control characters shown as escapes (\\x1b), newlines and tabs kept."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
