"""Where each shell reads its start-up files: the files that get the managed block (the
fish drop-in instead for fish), and the change for one that cannot be located. The
probes (bash_login_file, pwsh_profile) look at the machine for plan.machine.look;
startup_files reads only what they found (a Machine).

Facts from docs/shells.md.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import ContentError, RefusedError
from ollama_client_setup.edits.changes import Change, Memo, Rendered
from ollama_client_setup.shells.machine import Machine
from ollama_client_setup.shells.zdotdir import ZdotdirUnknown

FISH_DROPIN = "ollama-client-setup.fish"


def bash_login_file() -> Path:
    """The first of the files a bash login shell reads; never create a shadowing one. Looks
    at the disk: plan.machine.look asks it, the planners read Machine.bash_login."""
    home = paths.home()
    for name in (".bash_profile", ".bash_login", ".profile"):
        if (home / name).exists() or (home / name).is_symlink():
            return home / name
    # ~/.profile serves bash and every other sh-family login shell, on Linux and macOS.
    return home / ".profile"


def pwsh_profile(environ: Mapping[str, str]) -> Path:
    """PowerShell's own answer for $PROFILE.CurrentUserAllHosts (up to 15 s), else where it
    keeps it by default. Runs pwsh: plan.machine.look asks it only when pwsh is planned."""
    pwsh = shutil.which("pwsh", path=environ.get("PATH"))
    if pwsh:
        try:
            done = subprocess.run(
                [
                    pwsh,
                    "-NoLogo",
                    "-NoProfile",
                    "-NonInteractive",
                    "-Command",
                    "$PROFILE.CurrentUserAllHosts",
                ],
                capture_output=True,
                text=True,
                timeout=15,
                stdin=subprocess.DEVNULL,
            )
            value = done.stdout.strip()
            if done.returncode == 0 and value:
                return Path(value)
        except (OSError, subprocess.TimeoutExpired):
            pass
    if sys.platform == "win32":
        return paths.home() / "Documents" / "PowerShell" / "profile.ps1"
    return paths.xdg_config_home() / "powershell" / "profile.ps1"


def fish_dropin() -> Path:
    return paths.xdg_config_home() / "fish" / "conf.d" / FISH_DROPIN


def startup_files(shell: str, machine: Machine) -> list[Path]:
    """The files that get the managed block for `shell`, from what `machine` found."""
    home = machine.home
    if shell == "bash":
        return [home / ".bashrc", machine.bash_login_file()]
    if shell == "zsh":
        found = machine.zsh_dotdir()
        if isinstance(found, ZdotdirUnknown):
            raise RefusedError(
                f"{paths.display(found.zshenv)}: {found.reason}",
                hint="Leave zsh out with --no-shell zsh.",
            )
        return [found / ".zshrc"]
    if shell == "sh":
        return [home / ".profile"]
    if shell == "pwsh":
        return [machine.pwsh_profile_file()]
    if shell == "fish":
        return [fish_dropin()]
    raise ValueError(shell)


class Unresolved(Change):
    """A start-up file that cannot be located: planning it refuses with the reason (the
    engine's usual refusal: nothing is written, the way out is named). Uninstall's scan
    skips it: only blocks are looked for."""

    kind = "unresolved"

    def __init__(self, path: Path, owner: str, reason: str, line: int | None, **kwargs: Any):
        super().__init__(path, owner, **kwargs)
        self.reason = reason
        self.line = line

    def render(self, current: str | None) -> Rendered:
        raise ContentError(self.reason, self.line)

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        return current
