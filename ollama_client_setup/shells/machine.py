"""What the machine looks like, as planning needs to know it: the home, the environment,
which programs are on PATH, which files are there, where zsh and PowerShell read their
start-up files. plan/machine.py's `look` gathers it before planning; the planners
(plan.build, shells.changes, the clients' changes and `detected`) read only this, so they do
no I/O and the same Machine always plans the same changes. Tests build one by hand.

It lives in the shells layer (not plan/) because shells/ and clients/ take it as a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ollama_client_setup.shells.zdotdir import ZdotdirUnknown


class NotLookedAt(LookupError):
    """A planner asked for something `look` was not told to find out (a programming error:
    the caller's `look` must name the shells it plans)."""


@dataclass(frozen=True)
class Machine:
    home: Path
    environ: Mapping[str, str]
    #: shutil.which's answer per program name looked for (None: not on PATH).
    programs: Mapping[str, str | None] = field(default_factory=dict)
    #: Of the paths looked at, those that exist, and those that are folders.
    existing: frozenset[Path] = frozenset()
    folders: frozenset[Path] = frozenset()
    #: Where zsh reads .zshrc (shells.zdotdir.locate_zdotdir, asking zsh when only it can
    #: tell), or why that cannot be worked out; None when zsh's files were not looked for.
    zdotdir: Path | ZdotdirUnknown | None = None
    #: The first file a bash login shell reads (shells.files.bash_login_file); None when
    #: bash's files were not looked for.
    bash_login: Path | None = None
    #: PowerShell's CurrentUserAllHosts profile (shells.files.pwsh_profile, asking pwsh);
    #: None when pwsh's files were not looked for.
    pwsh_profile: Path | None = None
    #: fsio.file_id of each start-up file looked at: one file reached by two names gets one
    #: block. A path not here counts as a file of its own.
    file_ids: Mapping[Path, object] = field(default_factory=dict)
    #: The folder the env files append to PATH (shells.profiles.path_folder), or None.
    path_append: Path | None = None
    #: The supported shells whose start-up file exists (shells.profiles.detect's disk part).
    shells_found: tuple[str, ...] = ()
    #: The tab-completion script per shell (shells.completion.script): Click's bash script
    #: runs this machine's bash for its version, and warns when it is too old.
    completion_scripts: Mapping[str, str] = field(default_factory=dict)

    def which(self, program: str) -> str | None:
        return self.programs.get(program)

    def exists(self, path: Path) -> bool:
        return path in self.existing

    def is_dir(self, path: Path) -> bool:
        return path in self.folders

    def file_id(self, path: Path) -> object:
        return self.file_ids.get(path, path)

    def zsh_dotdir(self) -> Path | ZdotdirUnknown:
        if self.zdotdir is None:
            raise NotLookedAt("where zsh reads .zshrc was not looked for")
        return self.zdotdir

    def bash_login_file(self) -> Path:
        if self.bash_login is None:
            raise NotLookedAt("the bash login file was not looked for")
        return self.bash_login

    def pwsh_profile_file(self) -> Path:
        if self.pwsh_profile is None:
            raise NotLookedAt("the PowerShell profile was not looked for")
        return self.pwsh_profile

    def completion_script(self, shell: str) -> str:
        if shell not in self.completion_scripts:
            raise NotLookedAt(f"the {shell} completion script was not written")
        return self.completion_scripts[shell]
