"""The docs cannot drift from the code: the CLI reference and the doctor check ids."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from ollama_client_setup.checks.doctor import registry
from ollama_client_setup.config.settings import Settings

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


def test_every_error_code_is_documented() -> None:
    """The codes `--json` can put in `error.code`: every SetupError's, and the CLI's own."""
    import re

    from ollama_client_setup.base import errors

    codes = {"usage": 2, "internal": 1}
    for value in vars(errors).values():
        if isinstance(value, type) and issubclass(value, errors.SetupError):
            codes[value.code] = int(value.exit_code)
    table = (ROOT / "docs" / "json.md").read_text()
    rows = re.findall(r"^\| `([a-z_.]+)` \| (\d+) \|", table, re.MULTILINE)
    documented = {code: int(exit) for code, exit in rows}
    assert {c: documented.get(c) for c in codes} == codes
