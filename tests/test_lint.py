"""The linters pass on the whole tree: ruff's checks, ruff's formatting and mypy.

Each runs as its own process from the repository root, so it reads the settings in
pyproject.toml ([tool.ruff], [tool.mypy]) exactly as a developer's `ruff check .` or `mypy` does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A cold mypy run over the package takes a few seconds; the limit only stops a hung linter.
TIMEOUT = 600

LINTERS = {
    "ruff-check": ["-m", "ruff", "check", "."],
    "ruff-format": ["-m", "ruff", "format", "--check", "."],
    "mypy": ["-m", "mypy"],
}


@pytest.mark.parametrize("name", list(LINTERS))
def test_linter_passes(name: str, tmp_path: Path) -> None:
    args = [sys.executable, *LINTERS[name]]
    if name == "mypy":
        # Its cache goes to the test's own folder, not into the work tree.
        args += ["--cache-dir", str(tmp_path / "mypy_cache")]
    done = subprocess.run(
        args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, (
        f"{' '.join(args[1:])} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
