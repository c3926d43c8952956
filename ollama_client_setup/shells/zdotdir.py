"""Where zsh reads .zshrc: ZDOTDIR from the environment, from ~/.zshenv read without running
anything, or, when only zsh can tell, from zsh itself.

Facts from docs/shells.md.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ollama_client_setup.base import paths

#: How long zsh may take to read ~/.zshenv when the tool asks it where ZDOTDIR points.
ZSH_TIMEOUT = 5.0

# One straight assignment: `[export] NAME=WORD [# comment]`, WORD unquoted or in one pair
# of quotes, with nothing that runs a program (`$(`, backquotes) or escapes (backslashes).
_ASSIGN = re.compile(
    r"(?:export\s+)?(?P<name>[A-Za-z_]\w*)="
    r"(?P<value>[\w$@%+=:,./~{}-]*|\"[^\"\\`]*\"|'[^']*')(?:\s+#.*)?"
)
_EXPORT_ONLY = re.compile(r"export(?:\s+[A-Za-z_]\w*)+(?:\s+#.*)?")
_PARAM = re.compile(
    r"\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?-)(?P<default>[^}$]*(?:\$\{?\w+\}?[^}$]*)*))?\}"
    r"|\$(?P<bare>[A-Za-z_]\w*)"
)
# A line that reads another file or evaluates text: it may set ZDOTDIR where no reader sees.
_SOURCES = re.compile(r"(?:^|[;&|({]\s*|\b(?:then|do|else)\s+)(?:source|\.|eval)\s")


class _Unsure(Exception):
    """The static reader cannot be sure; only zsh can tell."""


def _expand(value: str, known: Mapping[str, str | None], environ: Mapping[str, str]) -> str:
    """One assignment's value, as zsh would expand it; _Unsure when it cannot be sure: an
    unset variable (zsh would expand it to "", and a ZDOTDIR of "/zsh" follows), anything
    set by a line the reader did not follow, anything but plain parameter expansion."""
    quote = value[:1] if value[:1] in "\"'" else ""
    if quote:
        value = value[1:-1]
    if quote == "'":
        return value
    if value.startswith("~"):
        if quote or not (value == "~" or value.startswith("~/")):
            raise _Unsure  # "~/x" is not expanded in quotes; ~user is another home.
        value = str(paths.home()) + value[1:]

    def lookup(name: str) -> str | None:
        if name in known:
            found = known[name]
            if found is None:
                raise _Unsure  # Set by a line the reader did not follow.
            return found
        if name == "HOME":
            return str(paths.home())
        return environ.get(name)

    def sub(match: re.Match[str]) -> str:
        name = match.group("name") or match.group("bare")
        found = lookup(name)
        op = match.group("op")
        if op is not None and (found is None or (op == ":-" and not found)):
            default = match.group("default") or ""
            if "~" in default:
                raise _Unsure
            return _PARAM.sub(sub, default)
        if not found:
            raise _Unsure  # Unset or empty: zsh would put "" in its place.
        return found

    expanded = _PARAM.sub(sub, value)
    if "$" in expanded or "`" in expanded:
        raise _Unsure
    return expanded


def read_zdotdir(environ: Mapping[str, str]) -> tuple[Path | None, int | None]:
    """ZDOTDIR as ~/.zshenv sets it, read without running anything.

    (folder, None) when sure: no ZDOTDIR there ($HOME), or one set by straight assignments
    the reader follows line by line. (None, line) when only zsh can tell: `line` (1-based)
    is the first line the reader does not follow that matters (a conditional assignment, a
    value from an unset variable or a command, a file sourced before or instead).
    """
    home = paths.home()
    try:
        content = (home / ".zshenv").read_text(errors="replace")
    except OSError:
        return home, None  # zsh cannot read it either.
    known: dict[str, str | None] = {}
    opaque: int | None = None  # The first line not followed.
    found: str | None = None
    for number, raw in enumerate(content.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _ASSIGN.fullmatch(line)
        if match:
            name = match.group("name")
            if name == "ZDOTDIR" and opaque is not None:
                return None, number
            try:
                known[name] = _expand(match.group("value"), known, environ)
            except _Unsure:
                if name == "ZDOTDIR":
                    return None, number
                known[name] = None
            if name == "ZDOTDIR":
                found = known[name]
            continue
        if _EXPORT_ONLY.fullmatch(line):
            continue
        if "ZDOTDIR" in line:
            return None, number
        if opaque is None:
            opaque = number
        if _SOURCES.search(line):
            return None, number
    if found is None:
        return home, None
    if not found or not Path(found).is_absolute():
        return None, _last_mention(content)
    return Path(found), None


def _last_mention(content: str) -> int | None:
    lines = [n for n, line in enumerate(content.splitlines(), 1) if "ZDOTDIR" in line]
    return lines[-1] if lines else None


@dataclass(frozen=True)
class ZdotdirUnknown:
    """Why the folder zsh reads .zshrc from cannot be worked out; planning zsh refuses."""

    zshenv: Path
    line: int | None
    reason: str


def locate_zdotdir(environ: Mapping[str, str]) -> Path | ZdotdirUnknown:
    """Where zsh reads .zshrc: $ZDOTDIR, else what ~/.zshenv sets it to, else $HOME.

    A ~/.zshenv the static reader cannot be sure of is read by zsh itself (`zsh -c`, the
    given environment, at most ZSH_TIMEOUT seconds). When zsh is missing, fails, or
    answers with a path that cannot be meant (relative, or at the top of the file system,
    as `$UNSET/zsh` gives), the answer is a ZdotdirUnknown, never a guess. Looks at the
    disk (and may run zsh): plan.machine asks it before planning, into Machine.zdotdir.
    """
    if environ.get("ZDOTDIR"):
        return Path(environ["ZDOTDIR"]).expanduser()
    home = paths.home()
    found, line = read_zdotdir(environ)
    if found is not None:
        return found
    try:
        content = (home / ".zshenv").read_text(errors="replace")
    except OSError:
        content = ""
    env = tuple(sorted({**environ, "HOME": str(home)}.items()))
    answer, failure = _ask_zsh(str(home), content, env, ZSH_TIMEOUT)
    zshenv = home / ".zshenv"
    if failure is not None:
        why = "ZDOTDIR is set here in a way ollama-client-setup cannot read for sure, and "
        return ZdotdirUnknown(zshenv, line, why + failure)
    if answer is None:
        return home
    if not answer:
        why = (
            "zsh works ZDOTDIR out as an empty value (and then reads /.zshrc): a variable it "
            "is built from is not set here; set that variable in ~/.zshenv before ZDOTDIR"
        )
        return ZdotdirUnknown(zshenv, line, why)
    value = Path(answer)
    if not value.is_absolute():
        why = f"zsh works ZDOTDIR out as {answer!r}, which is not an absolute path"
        return ZdotdirUnknown(zshenv, line, why)
    if value.parent == value or value.parent == Path(value.anchor):
        why = (
            f"zsh works ZDOTDIR out as {answer}, at the top of the file system: a variable "
            "it is built from is not set here; set that variable in ~/.zshenv before ZDOTDIR"
        )
        return ZdotdirUnknown(zshenv, line, why)
    return value


_MARK = "@@ollama-client-setup@@"


@functools.lru_cache(maxsize=16)
def _ask_zsh(
    home: str, zshenv: str, env: tuple[tuple[str, str], ...], timeout: float
) -> tuple[str | None, str | None]:
    """(ZDOTDIR as zsh sets it reading ~/.zshenv, None when it is not set; None) or
    (None, why zsh could not tell). Cached per home, ~/.zshenv text (`zshenv`, a key
    only) and environment: one run of the tool asks zsh once."""
    environ = dict(env)
    zsh = shutil.which("zsh", path=environ.get("PATH"))
    if not zsh:
        return None, "zsh is not installed to work it out"
    script = f'print -rn -- "{_MARK}${{ZDOTDIR+set}}:${{ZDOTDIR-}}{_MARK}"'
    posix = os.name == "posix"
    try:
        proc = subprocess.Popen(
            [zsh, "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environ,
            cwd=home,
            start_new_session=posix,
        )
    except OSError as exc:
        return None, f"zsh could not be started ({exc})"
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Kill the whole group: a `sleep` started by ~/.zshenv would keep the pipes open.
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.communicate()
        return None, f"zsh did not answer within {timeout:g} s reading it"
    text = out.decode(errors="replace")
    found = re.findall(re.escape(_MARK) + r"(set)?:(.*?)" + re.escape(_MARK), text, re.DOTALL)
    if proc.returncode != 0 or not found:
        lines = err.decode(errors="replace").strip().splitlines()
        said = f": {lines[-1]}" if lines else ""
        return None, f"zsh failed reading it (exit {proc.returncode}{said})"
    is_set, value = found[-1]
    return (value if is_set else None), None
