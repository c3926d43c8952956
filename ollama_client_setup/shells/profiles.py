"""Shells: the env file per dialect, and the changes that install it.

Facts from docs/shells.md. The start-up files (shells/files.py) get one managed block that
sources a tool-owned env file; the env files only export (no subprocess at shell start), so
changing a value rewrites only the tool's own file. fish gets a conf.d drop-in instead. The
text itself is the template files in shell/ (shells/templates.py). The planning here
(changes, detect) reads a Machine (shells/machine.py) and does no I/O; path_folder,
shells_with_files and zdotdir look at the machine, for plan.machine and doctor.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.base.constants import CMD
from ollama_client_setup.config.settings import SHELLS
from ollama_client_setup.edits.changes import Change, ManagedBlock, OwnedFile
from ollama_client_setup.shells.files import Unresolved, fish_dropin, startup_files
from ollama_client_setup.shells.machine import Machine
from ollama_client_setup.shells.quoting import fish_quote, ps_path, ps_quote, sh_path, sh_quote
from ollama_client_setup.shells.templates import fill, fill_line
from ollama_client_setup.shells.zdotdir import ZdotdirUnknown, locate_zdotdir

#: Set by the env files when they append the tool's own folder to PATH, to that folder: the
#: next plan can tell the tool's own addition from a PATH that already held the folder.
ADDED_PATH = "OLLAMA_CLIENT_SETUP_ADDED_PATH"


@dataclass(frozen=True)
class Launcher:
    """A command that runs a program with extra variables for that run only."""

    name: str
    program: str
    variables: dict[str, str]


@dataclass(frozen=True)
class ShellEnv:
    variables: dict[str, str]
    launchers: tuple[Launcher, ...] = field(default_factory=tuple)
    #: A 0600 file whose one line is the API key, read into OPENAI_API_KEY with the shell's
    #: own `read` (no program runs at shell start).
    secret_file: Path | None = None
    #: The folder holding the `ollama-client-setup` command, when the user's PATH lacks it:
    #: appended to PATH once (a shell that reads the file twice, or starts with the folder
    #: already there, gets no second copy). Decided when planning, never by the renderers.
    path_append: Path | None = None


# --- rendering the env files (shell/sh, shell/fish, shell/pwsh) -------------------------


def render_sh(env: ShellEnv) -> str:
    sets = "".join(
        fill("sh/set.sh", NAME=name, VALUE=sh_quote(value)) for name, value in env.variables.items()
    )
    secret = fill("sh/secret.sh", FILE=sh_path(env.secret_file)) if env.secret_file else ""
    path = ""
    if env.path_append is not None:
        # Appended only when missing: a shell that reads the file twice gets it once.
        path = fill("sh/path.sh", FOLDER=sh_path(env.path_append), ADDED=ADDED_PATH)
    launchers = ""
    for launcher in env.launchers:
        assigns = " ".join(f"{k}={sh_quote(v)}" for k, v in launcher.variables.items())
        definition = fill_line(
            "sh/function.bash", NAME=launcher.name, ASSIGNS=assigns, PROGRAM=launcher.program
        )
        # A '-' in a function name is not POSIX: dash (which reads ~/.profile at a Debian
        # login) would stop at it. Only bash (outside POSIX mode) and zsh define it, via eval
        # so the other shells never parse the name.
        launchers += fill("sh/launcher.sh", DEFINITION=sh_quote(definition))
    return fill("sh/env.sh", SETS=sets, SECRET=secret, PATH=path, LAUNCHERS=launchers)


def render_fish(env: ShellEnv) -> str:
    sets = "".join(
        fill("fish/set.fish", NAME=name, VALUE=fish_quote(value))
        for name, value in env.variables.items()
    )
    secret = ""
    if env.secret_file:
        secret = fill("fish/secret.fish", FILE=fish_quote(str(env.secret_file)))
    path = ""
    if env.path_append is not None:
        folder = fish_quote(str(env.path_append))
        path = fill("fish/path.fish", FOLDER=folder, ADDED=ADDED_PATH)
    launchers = ""
    for launcher in env.launchers:
        assigns = " ".join(f"{k}={fish_quote(v)}" for k, v in launcher.variables.items())
        launchers += fill(
            "fish/launcher.fish", NAME=launcher.name, PROGRAM=launcher.program, ASSIGNS=assigns
        )
    return fill("fish/env.fish", SETS=sets, SECRET=secret, PATH=path, LAUNCHERS=launchers)


def render_ps1(env: ShellEnv) -> str:
    sets = "".join(
        fill("pwsh/set.ps1", NAME=name, VALUE=ps_quote(value))
        for name, value in env.variables.items()
    )
    secret = fill("pwsh/secret.ps1", FILE=ps_path(env.secret_file)) if env.secret_file else ""
    path = ""
    if env.path_append is not None:
        folder = ps_quote(str(env.path_append))
        path = fill("pwsh/path.ps1", FOLDER=folder, ADDED=ADDED_PATH)
    launchers = ""
    for launcher in env.launchers:
        saved = ", ".join(ps_quote(k) for k in launcher.variables)
        launcher_sets = "".join(
            fill("pwsh/launcher-set.ps1", NAME=name, VALUE=ps_quote(value))
            for name, value in launcher.variables.items()
        )
        launchers += fill(
            "pwsh/launcher.ps1",
            NAME=launcher.name,
            SAVED=saved,
            SETS=launcher_sets,
            PROGRAM=launcher.program,
        )
    return fill("pwsh/env.ps1", SETS=sets, SECRET=secret, PATH=path, LAUNCHERS=launchers)


RENDER = {"sh": render_sh, "fish": render_fish, "pwsh": render_ps1}


def dialect(shell: str) -> str:
    return {"bash": "sh", "zsh": "sh", "sh": "sh", "fish": "fish", "pwsh": "pwsh"}[shell]


# --- the tool's own folder on PATH -----------------------------------------------------

TOOL = CMD


def _key(path: str) -> str:
    return os.path.normcase(os.path.normpath(path))


def _is_tool(argv0: str) -> bool:
    """Whether `argv0` names the console script (pip's launchers on Windows end in .exe or
    -script.py)."""
    name = re.sub(r"(?i)(-script\.pyw?|\.exe)$", "", os.path.basename(argv0))
    return (name.lower() if sys.platform == "win32" else name) == TOOL


def running_command(environ: Mapping[str, str], argv0: str) -> Path | None:
    """The `ollama-client-setup` the user runs: `argv0` (sys.argv[0] of this process, made
    absolute but not resolved: a link in ~/.local/bin stays there, never the venv it points
    into) when this process was started as that command; else (`python -m`, a test runner)
    the first one on PATH; None when neither."""
    if _is_tool(argv0):
        if os.path.dirname(argv0):
            return Path(os.path.abspath(argv0))
        found = shutil.which(argv0, path=environ.get("PATH", ""))
    else:
        found = shutil.which(TOOL, path=environ.get("PATH", ""))
    return Path(os.path.abspath(found)) if found else None


def on_path(folder: Path, environ: Mapping[str, str]) -> bool:
    """Whether the PATH in `environ` holds `folder` (as written, or another name for it),
    not counting the entry the env files appended themselves (ADDED_PATH names it): a
    terminal opened after `init` must plan what the one before it did. Empty and relative
    entries (which depend on the current folder) do not count."""
    entries = [e for e in environ.get("PATH", "").split(os.pathsep) if e and os.path.isabs(e)]
    added = environ.get(ADDED_PATH)
    if added:
        for index, entry in enumerate(entries):
            if _key(entry) == _key(added):
                del entries[index]
                break
    wanted = {_key(str(folder)), _key(os.path.realpath(folder))}
    return any(_key(e) in wanted or _key(os.path.realpath(e)) in wanted for e in entries)


def _venv_internal(folder: Path) -> bool:
    """A virtual environment's (or conda environment's) own bin folder: it also holds that
    environment's python and pip, which would shadow the user's."""
    return (folder.parent / "pyvenv.cfg").is_file() or (folder.parent / "conda-meta").is_dir()


def _temporary(folder: Path) -> bool:
    """Under the temporary folder (outside the home) or the user's cache: gone by the time
    a new terminal looks (`uvx`, `pipx run`)."""
    real = os.path.realpath(folder)

    def under(root: str) -> bool:
        top = os.path.realpath(root)
        return _key(real) == _key(top) or _key(real).startswith(_key(top).rstrip(os.sep) + os.sep)

    if sys.platform != "win32":
        import platformdirs

        if under(platformdirs.user_cache_dir()):
            return True
    if under(str(paths.home())):
        return False
    import tempfile

    temps = {tempfile.gettempdir()}
    if os.name == "posix":
        temps |= {"/tmp", "/var/tmp", "/dev/shm"}
    return any(under(t) for t in temps)


def path_folder(environ: Mapping[str, str], argv0: str) -> Path | None:
    """The folder the env files append to PATH: the one holding the `ollama-client-setup`
    the user runs (see running_command), when the PATH in `environ` lacks it. None when it
    is there already, or is a folder that would not serve: one a PATH cannot hold (a
    separator in its name), a virtual environment's own bin, a temporary or cache folder,
    one that does not hold the command. A function of `environ` and `argv0` (and the
    files they name): the same snapshot plans the same file, so `init` twice changes
    nothing. Looks at the disk: plan.machine.look asks it (Machine.path_append)."""
    command = running_command(environ, argv0)
    if command is None:
        return None
    folder = command.parent
    if os.pathsep in str(folder) or "\n" in str(folder):
        return None
    if shutil.which(TOOL, path=str(folder)) is None:
        return None
    if _venv_internal(folder) or _temporary(folder) or on_path(folder, environ):
        return None
    return folder


# --- which shells a home has ------------------------------------------------------------


def zdotdir(environ: Mapping[str, str]) -> Path:
    """The folder zsh reads .zshrc from, for looking at files (doctor's scans): $HOME when
    it cannot be worked out. Planning reads Machine.zdotdir (locate_zdotdir's answer), and
    refuses instead."""
    found = locate_zdotdir(environ)
    return paths.home() if isinstance(found, ZdotdirUnknown) else found


def login_shell(environ: Mapping[str, str]) -> str | None:
    name = Path(environ.get("SHELL", "")).name
    return (
        {"dash": "sh", "ksh": "sh", "mksh": "sh", "powershell": "pwsh"}.get(name, name)
        if name
        else None
    )


def detect(machine: Machine) -> list[str]:
    """The login shell plus every supported shell whose start-up file already exists."""
    found: list[str] = []
    login = login_shell(machine.environ)
    if login in SHELLS:
        found.append(login)
    found += [shell for shell in machine.shells_found if shell not in found]
    return found


def shells_with_files(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The supported shells whose start-up file exists. Looks at the disk: plan.machine's
    look_for_shells asks it, detect reads Machine.shells_found."""
    home = paths.home()
    exists = {
        "bash": any((home / n).exists() for n in (".bashrc", ".bash_profile", ".bash_login")),
        "zsh": (home / ".zshenv").exists() or (zdotdir(environ) / ".zshrc").exists(),
        "fish": (paths.xdg_config_home() / "fish").is_dir(),
        "sh": (home / ".profile").exists(),
        "pwsh": (paths.xdg_config_home() / "powershell" / "profile.ps1").exists(),
    }
    return tuple(shell for shell in SHELLS if exists[shell])


def env_file(kind: str) -> Path:
    return paths.config_dir() / {"sh": "env.sh", "pwsh": "env.ps1"}[kind]


def source_line(kind: str) -> str:
    if kind == "sh":
        return fill_line("sh/source.sh", FILE=sh_path(env_file("sh")))
    return fill_line("pwsh/source.ps1", FILE=ps_path(env_file("pwsh")))


def load_command(shell: str | None) -> str:
    """The one command that loads the environment into an already open shell: the file
    the tool writes for `shell` (which must be managed for the file to be there)."""
    if shell == "fish":
        return f"source {fish_dropin()}"
    if shell == "pwsh":
        return f". {ps_path(env_file('pwsh'))}"
    return f". {sh_path(env_file('sh'))}"


def hint_shell(managed: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The shell the load hint is for: the login shell when it is managed, else the first
    managed one; None when no shell is managed."""
    login = login_shell(environ)
    if login in managed:
        return login
    return managed[0] if managed else None


def load_hint(managed: Sequence[str], environ: Mapping[str, str]) -> str:
    """The command that loads the environment into an open terminal, for init's last line,
    its --json `load_command` and doctor. It names a file the tool wrote: the one for a
    managed shell ($SHELL alone says nothing about which files exist). With no shell
    managed there is no such file; `env` prints the values from the settings instead."""
    shell = hint_shell(managed, environ)
    if shell is not None:
        return load_command(shell)
    login = login_shell(environ)
    if login == "fish":
        return "ollama-client-setup env --shell fish | source"
    if login == "pwsh":
        return "ollama-client-setup env --shell pwsh | Out-String | Invoke-Expression"
    return 'eval "$(ollama-client-setup env)"'


def changes(
    shells: list[str] | tuple[str, ...],
    env: ShellEnv,
    machine: Machine,
    completion: bool = False,
) -> list[Change]:
    """The env files and start-up blocks for `shells`, from what `machine` found (no I/O)."""
    from ollama_client_setup.shells import completion as comp

    out: list[Change] = []
    kinds = {dialect(s) for s in shells}
    for kind in ("sh", "pwsh"):
        if kind in kinds:
            out.append(OwnedFile(env_file(kind), f"env.{kind}", RENDER[kind](env)))
    # One file reached by two names (~/.bashrc a link to ~/.bash_profile, a hard link) gets
    # one block, under the first name: two blocks would overwrite each other on every run.
    seen: set[object] = set()
    profile = machine.file_id(machine.home / ".profile")
    for shell in shells:
        skip = f"--no-shell {shell}"
        with_completion = completion and shell in comp.SHELLS
        if with_completion:
            script = machine.completion_script(shell)
            out.append(OwnedFile(comp.path(shell), f"completion.{shell}", script))
        if shell == "fish":
            out.append(OwnedFile(fish_dropin(), "shell.fish", render_fish(env), skip_flag=skip))
            continue
        line = source_line(dialect(shell))
        if shell == "zsh":
            found = machine.zsh_dotdir()
            if isinstance(found, ZdotdirUnknown):
                out.append(
                    Unresolved(found.zshenv, "shell.zsh", found.reason, found.line, skip_flag=skip)
                )
                continue
            files = [found / ".zshrc"]
        else:
            files = startup_files(shell, machine)
        for index, path in enumerate(files):
            file_id = machine.file_id(path)
            if file_id in seen:
                continue
            seen.add(file_id)
            body = [line]
            # Completion belongs to interactive shells: the first file (.bashrc, .zshrc).
            if with_completion and index == 0:
                completion_line = comp.source_line(shell, sh_path(comp.path(shell)))
                if file_id == profile and shell == "bash":
                    # ~/.bashrc is ~/.profile, which dash and sh read too: only bash may
                    # source the bash completion script.
                    completion_line = fill_line("sh/bash-only.sh", LINE=completion_line)
                body.append(completion_line)
            manual = f"add these lines to {paths.display(path)} yourself:\n    " + (
                "\n    ".join(body)
            )
            out.append(ManagedBlock(path, f"shell.{shell}", body, skip_flag=skip, manual=manual))
    return out
