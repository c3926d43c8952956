"""The docs cannot drift from the code: the CLI reference and the doctor check ids."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from ollama_client_setup.doctor import registry
from ollama_client_setup.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "cli_reference", ROOT / "scripts" / "cli_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render()
    actual = (ROOT / "docs" / "cli.md").read_text()
    assert actual == expected, "docs/cli.md is out of date: run python scripts/cli_reference.py"


def test_every_doctor_check_has_a_troubleshooting_entry() -> None:
    text = (ROOT / "docs" / "troubleshooting.md").read_text()
    headings = set(re.findall(r"^## `([^`]+)`", text, flags=re.M))
    ids = {c.id for c in registry.listing(Settings())}
    assert ids <= headings, f"missing entries: {sorted(ids - headings)}"
