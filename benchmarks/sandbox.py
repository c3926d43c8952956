"""The sandbox homes every benchmark runs in: their environment, and the guard that refuses
any home-like variable outside the run's temporary folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


#: Start-up files a user already has; both shell homes get them, only one gets the block.
USER_FILES = {
    ".bashrc": "# the user's own .bashrc\nexport EDITOR=vi\nalias ll='ls -l'\n",
    ".profile": "# the user's own .profile\nexport PAGER=less\n",
    ".zshrc": "# the user's own .zshrc\nexport EDITOR=vi\nalias ll='ls -l'\n",
    ".config/fish/config.fish": "# the user's own config.fish\nset -gx EDITOR vi\n",
}


class Sandbox:
    """A home of its own under the run's temporary folder, and the environment that uses it."""

    def __init__(
        self,
        root: Path,
        name: str,
        *,
        path_prepend: Sequence[Path] = (),
        extra_env: dict[str, str] | None = None,
        user_files: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        self.dir = root / name
        self.home = self.dir / "home"
        for sub in ("home", "tmp", "run"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        (self.dir / "run").chmod(0o700)
        self.path_prepend = list(path_prepend)
        self.extra_env = dict(extra_env or {})
        for rel, text in (user_files or {}).items():
            target = self.home / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    @property
    def env(self) -> dict[str, str]:
        home = self.home
        path = os.pathsep.join([*map(str, self.path_prepend), os.environ.get("PATH", os.defpath)])
        env = {
            "PATH": path,
            "HOME": str(home),
            "USERPROFILE": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_RUNTIME_DIR": str(self.dir / "run"),
            "ZDOTDIR": str(home),
            "OLLAMA_CLIENT_SETUP_CONFIG_DIR": str(home / ".config" / "ollama-client-setup"),
            "OLLAMA_CLIENT_SETUP_STATE_DIR": str(home / ".local" / "state" / "ollama-client-setup"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "TMPDIR": str(self.dir / "tmp"),
            "SHELL": "/bin/bash",
            "TERM": "dumb",
            "LC_ALL": "C.UTF-8",
            "NO_COLOR": "1",
            "COLUMNS": "100",
            # No Tailscale unless a figure brings the fake one: never the machine's own.
            "OLLAMA_CLIENT_SETUP_TAILSCALE": "none",
        }
        if os.environ.get("PYTHONPATH"):  # e.g. to measure a checkout that is not installed
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        env.update(self.extra_env)
        _guard(env, self.root)
        return env


_SANDBOXED_VARS = (
    "HOME",
    "USERPROFILE",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_CACHE_HOME",
    "XDG_RUNTIME_DIR",
    "ZDOTDIR",
    "OLLAMA_CLIENT_SETUP_CONFIG_DIR",
    "OLLAMA_CLIENT_SETUP_STATE_DIR",
    "TMPDIR",
)


def _guard(env: dict[str, str], root: Path) -> None:
    """Refuse to run anything whose home-like variables point outside the sandbox root."""
    base = root.resolve()
    for name in _SANDBOXED_VARS:
        value = env.get(name)
        if not value or not Path(value).resolve().is_relative_to(base):
            raise RuntimeError(f"refusing to run: {name}={value!r} is outside {base}")


@contextlib.contextmanager
def sandbox_root(base: str | None, keep: bool) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="ocs-bench-", dir=base)).resolve()
    try:
        yield root
    finally:
        if keep:
            print(f"sandbox kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
