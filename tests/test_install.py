"""install.sh, run for real in a sandbox home: the private-venv path, init (which puts the
tool's folder on the new terminals' PATH), --uninstall, and the message when only an old
Python exists. Packaging: sdist and wheel without tests, with the shell/ templates (the
installed tool reads them when init writes the env files)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.helpers import need, read_vars, shell_env, snapshot

ROOT = Path(__file__).resolve().parent.parent


def sandbox_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(
        HOME=str(home),
        OCS_INSTALLER="venv",
        OCS_PYTHON=sys.executable,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        **extra,
    )
    # Some machines' Pythons reach a rustup shim while creating a venv; keep its state out
    # of the sandbox home (it is not the installer's doing).
    env["RUSTUP_HOME"] = str(home.parent / "rustup")
    return env


def test_install_runs_init_and_uninstall_restores_the_home(
    sandbox_home: Path, tmp_path: Path
) -> None:
    (sandbox_home / ".bashrc").write_text("# mine\n")
    before = snapshot(sandbox_home)
    env = sandbox_env(sandbox_home, PIP_CACHE_DIR=str(tmp_path / "pip-cache"))
    done = subprocess.run(
        [
            "sh",
            str(ROOT / "install.sh"),
            "--yes",
            "--no-probe",
            "--host",
            "127.0.0.1",
            "--model",
            "m",
            "--shell",
            "bash",
            "--shell",
            "zsh",
            "--shell",
            "fish",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Installed: ollama-client-setup, version" in done.stdout
    assert "is not on your PATH" in done.stdout  # ~/.local/bin is not on the sandbox PATH
    link = sandbox_home / ".local" / "bin" / "ollama-client-setup"
    assert link.is_symlink()
    vars_ = read_vars(["bash", "-ic"], sandbox_home)
    assert vars_["OLLAMA_API_BASE"] == "http://127.0.0.1:11434"
    # init added ~/.local/bin to the shells' PATH: every new terminal finds the command.
    assert str(link.parent) not in env["PATH"].split(os.pathsep)
    for argv in (["bash", "-ic"], ["bash", "-lc"], ["dash", "-lc"], ["zsh", "-ic"], ["fish", "-c"]):
        need(argv[0])
        # fish keeps its own data (history, universal variables) under XDG_DATA_HOME.
        extra = {"XDG_DATA_HOME": str(tmp_path / "fish-data")} if argv[0] == "fish" else {}
        found = read_vars(argv, sandbox_home, ("PATH",), extra)["PATH"].split(os.pathsep)
        assert found.count(str(link.parent)) == 1, argv
        version = subprocess.run(
            [*argv, "ollama-client-setup --version"],
            env=shell_env(sandbox_home, extra),
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert version.returncode == 0 and "version" in version.stdout, (argv, version.stderr)
    # The link's folder, not the venv's own bin (its python and pip would shadow the user's).
    env_sh = (sandbox_home / ".config" / "ollama-client-setup" / "env.sh").read_text()
    assert '"$HOME/.local/bin"' in env_sh and "venv" not in env_sh

    again = subprocess.run(
        ["sh", str(ROOT / "install.sh"), "--no-init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert again.returncode == 0, again.stderr  # idempotent: a second run upgrades in place

    gone = subprocess.run(
        ["sh", str(ROOT / "install.sh"), "--uninstall"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "ollama-client-setup is removed." in gone.stdout
    assert snapshot(sandbox_home) == before


def test_only_an_old_python_gets_a_clear_message(sandbox_home: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sh", "dirname", "grep", "sed", "tail", "head", "cat", "mkdir", "awk"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    old = bin_dir / "python3"
    old.write_text('#!/bin/sh\ncase "$*" in *version_info*) exit 1;; esac\necho 3.8.10\n')
    old.chmod(0o755)
    env = {"HOME": str(sandbox_home), "PATH": str(bin_dir)}
    done = subprocess.run(
        [str(bin_dir / "sh"), str(ROOT / "install.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert "found Python 3.8.10, but ollama-client-setup needs Python 3.10 or newer" in (
        done.stderr
    )
    assert "OCS_PYTHON" in done.stderr


def test_sdist_and_wheel_hold_no_tests(tmp_path: Path) -> None:
    pytest.importorskip("build")
    out = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    sdist = next(out.glob("*.tar.gz"))
    wheel = next(out.glob("*.whl"))
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert not [n for n in names if "/tests/" in n]
    assert any(n.endswith("ollama_client_setup/cli/main.py") for n in names)
    # The shell text the tool writes (shell/, beside the package) ships in both: in the
    # wheel as package data, where ollama_client_setup/shells/templates.py reads it.
    shell = ROOT / "shell"
    templates = sorted(p.relative_to(shell).as_posix() for p in shell.rglob("*") if p.is_file())
    assert templates
    top = names[0].split("/")[0]
    assert {f"{top}/shell/{t}" for t in templates} <= set(names)
    with zipfile.ZipFile(wheel) as archive:
        assert not [n for n in archive.namelist() if n.startswith("tests/")]
        for name in templates:
            packaged = archive.read(f"ollama_client_setup/shell/{name}")
            assert packaged == (shell / name).read_bytes(), name
    if shutil.which("twine") or _has("twine"):
        check = subprocess.run(
            [sys.executable, "-m", "twine", "check", str(sdist), str(wheel)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert check.returncode == 0, check.stdout + check.stderr


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
