"""The JSON envelope every `--json` command prints, and small text helpers."""

from __future__ import annotations

import json
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
