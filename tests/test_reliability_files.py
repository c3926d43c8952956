"""Issue 6: no user's file is ever lost or corrupted, and no malformed file gets through.

Fast subsets of scripts/corpus_trials.py (home layouts, in-process), the malformed-input
matrix for every structured file the tool reads, and one regression test per defect found.
OpenCode is not here: its file is the tool's own (OPENCODE_CONFIG points at it), so the
user's own opencode.json(c) is never read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from tests import layouts as lay
from tests.helpers import need, run, snapshot

INIT = ("init", "--yes", "--no-probe", "--host", "127.0.0.1", "--model", "m")
CONFIG = Path(".config/ollama-client-setup")
STATE = Path(".local/state/ollama-client-setup")

# --- the corpus of home layouts (every fifth of the script's 60) ---------------------------

LAYOUTS = list(lay.layouts(60))[::5]


def _runner(*args: str) -> tuple[int, str]:
    result = run(*args, code=None)
    return result.exit_code, result.stderr


@pytest.mark.parametrize("layout", LAYOUTS, ids=[x.name.split()[0] for x in LAYOUTS])
def test_layout_init_uninstall_is_exact(sandbox_home: Path, layout: lay.Layout) -> None:
    assert lay.check_exact(sandbox_home, layout, _runner) == [], layout.name


@pytest.mark.parametrize("layout", LAYOUTS[::2], ids=[x.name.split()[0] for x in LAYOUTS[::2]])
def test_layout_user_edit_survives_uninstall(sandbox_home: Path, layout: lay.Layout) -> None:
    assert lay.check_user_edit(sandbox_home, layout, _runner) == [], layout.name


@pytest.mark.parametrize("layout", LAYOUTS[1::3], ids=[x.name.split()[0] for x in LAYOUTS[1::3]])
def test_layout_read_only_startup_file(sandbox_home: Path, layout: lay.Layout) -> None:
    assert lay.read_only_target(layout) is not None
    assert lay.check_read_only(sandbox_home, layout, _runner) == [], layout.name


# --- malformed input, every structured file the tool reads ---------------------------------

AIDER = ("--client", "aider")
CONTINUE = ("--client", "continue")
CLAUDE = ("--client", "claude-code", "--claude-code-mode", "settings")
CODEX = ("--client", "codex", "--codex-mode", "default")
SETTINGS = str(CONFIG / "settings.toml")
BOM = b"\xef\xbb\xbf"

#: (file, flags, content, where, reason): cases the per-client tests do not have already.
MALFORMED = [
    (SETTINGS, (), b'[server]\nhost = "ollama-server\n', ":2:22", "not valid TOML"),
    (SETTINGS, (), b'[server]\nhost = "a"\n  host = "b"\n', ":3:3", "already exists"),
    (SETTINGS, (), b'server = "x"\n', ":1:1", "[server] must be a table"),
    (SETTINGS, (), b'[server]\nport = "11434"\n', ":2:1", "expected a whole number"),
    (SETTINGS, (), b"[model]\n\nnmae = 1\n", ":3:1", "unknown key 'nmae' in [model]"),
    (SETTINGS, (), b'[clients.aider]\nmodel = "a b"\n', ":2:1", "[clients.aider] model"),
    (SETTINGS, (), b'# caf\xe9\n[server]\nhost = "a"\n', ":1:6", "is not UTF-8"),
    (".aider.conf.yml", AIDER, b"just a sentence\n", ":1:1", "not a single value"),
    (".aider.conf.yml", AIDER, b"{model: a}\n", ":1:1", "not a {...} mapping on one line"),
    (".aider.conf.yml", AIDER, b"set-env:\n  A: 1\n", ":2:3", "set-env holds a single value"),
    (".aider.conf.yml", AIDER, b"# caf\xe9\nmodel: a\n", ":1:6", "bytes that are not UTF-8"),
    (".continue/config.yaml", CONTINUE, b"'unterminated\n", ":2:1", "not valid YAML"),
    (".continue/config.yaml", CONTINUE, b"models:\n  a: 1\n", ":2:3", "must be a list"),
    (".continue/config.json", CONTINUE, b'"just a string"', ":1:1", "not a single value"),
    (".continue/config.json", CONTINUE, b'{"models": {}}', ":1:2", '"models" must be a list'),
    (".continue/config.json", CONTINUE, b'{"a": 1 "b": 2}', ":1:9", "expected ',' or '}'"),
    (".claude/settings.json", CLAUDE, b"{'env': {}}", ":1:2", "expected a key in double quotes"),
    (".claude/settings.json", CLAUDE, b'{"a": NaN}', ":1:7", "expected a JSON value"),
    (".claude/settings.json", CLAUDE, BOM + b"{\n}\n", ":1:1", "byte order mark"),
    (".codex/config.toml", CODEX, b"[t]\nk = 1\n  k = 2\n", ":3:3", "already exists"),
    (".codex/config.toml", CODEX, b'model_providers = "x"\n', ":1:1", "must be a table of"),
    (
        ".codex/config.toml",
        CODEX,
        b'[model_providers]\nollama-server = { name = "x" }\n',
        ":2:1",
        "defined inline or with dotted keys",
    ),
    (".codex/config.toml", CODEX, b'# caf\xe9\nmodel = "a"\n', ":1:6", "not UTF-8"),
]


@pytest.mark.parametrize(
    ("rel", "flags", "content", "where", "reason"),
    MALFORMED,
    ids=[f"{Path(c[0]).name}-{i}" for i, c in enumerate(MALFORMED)],
)
def test_malformed_file_refused_everywhere_unchanged(
    sandbox_home: Path, rel: str, flags: tuple[str, ...], content: bytes, where: str, reason: str
) -> None:
    path = sandbox_home / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    (sandbox_home / ".bashrc").write_text("# mine\n")
    before = snapshot(sandbox_home)
    result = run(*INIT, *flags, "--shell", "bash", code=ExitCode.REFUSED)
    assert f"~/{rel}{where}: " in result.stderr
    assert reason in result.stderr
    assert snapshot(sandbox_home) == before


@pytest.mark.parametrize(
    ("rel", "flags", "content"),
    [
        (SETTINGS, (), BOM + b'[server]\nhost = "127.0.0.1"\n'),
        (".aider.conf.yml", AIDER, BOM + b"dark-mode: true\n"),
        (".continue/config.yaml", CONTINUE, BOM + b"name: x\nversion: 1.0.0\n"),
        (".continue/config.json", CONTINUE, BOM + b'{"models": []}\n'),
        (".codex/config.toml", CODEX, BOM + b'approval_policy = "never"\n'),
    ],
    ids=["settings", "aider", "continue-yaml", "continue-json", "codex"],
)
def test_bom_is_kept_and_given_back(
    sandbox_home: Path, rel: str, flags: tuple[str, ...], content: bytes
) -> None:
    """A BOM is valid for these readers (only Claude Code rejects one): kept, and uninstall
    restores the file byte for byte."""
    path = sandbox_home / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    before = snapshot(sandbox_home)
    run(*INIT, *flags, "--shell", "bash")
    assert path.read_bytes().startswith(content[:3])
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_file_broken_by_hand_after_init_stops_uninstall_with_its_position(
    sandbox_home: Path,
) -> None:
    """Codex's revert used to slice a hand-broken config.toml without parsing it first."""
    path = sandbox_home / ".codex" / "config.toml"
    path.parent.mkdir()
    path.write_text('approval_policy = "never"\n')
    run(*INIT, *CODEX, "--shell", "bash")
    path.write_text(path.read_text() + "[broken\n")
    before = snapshot(sandbox_home)
    result = run("uninstall", "--yes", code=ExitCode.REFUSED)
    assert "~/.codex/config.toml:" in result.stderr and "not valid TOML" in result.stderr
    assert snapshot(sandbox_home) == before


# --- regressions -----------------------------------------------------------------------------


def test_empty_startup_file_is_backed_up_and_given_back(sandbox_home: Path) -> None:
    """An empty original got no backup, and uninstall then refused to do anything at all."""
    (sandbox_home / ".bashrc").write_bytes(b"")
    (sandbox_home / ".claude").mkdir()
    (sandbox_home / ".claude" / "settings.json").write_bytes(b"")
    before = snapshot(sandbox_home)
    run(*INIT, *CLAUDE, "--shell", "bash")
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


@pytest.mark.parametrize("shell", ["bash", "zsh", "sh"])
def test_crlf_startup_file_still_parses_after_init(sandbox_home: Path, shell: str) -> None:
    """The block was written with CRLF into CRLF files: `fi\\r` broke the whole file."""
    rel = {"bash": ".bashrc", "zsh": ".zshrc", "sh": ".profile"}[shell]
    checker = {"bash": "bash", "zsh": "zsh", "sh": "dash"}[shell]
    need(checker)
    path = sandbox_home / rel
    path.write_bytes(b"# from Windows\r\nexport EDITOR=vim\r\nalias ll='ls -l'\r\n")
    before = snapshot(sandbox_home)
    run(*INIT, "--shell", shell)
    import subprocess

    done = subprocess.run([checker, "-n", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_continue_list_with_wide_dash_spacing(sandbox_home: Path) -> None:
    """`-   name: a` items: the new entry was indented off the dash and broke the YAML (and
    the refusal blamed the user's file for the tool's own text)."""
    path = sandbox_home / ".continue" / "config.yaml"
    path.parent.mkdir()
    original = "name: x\nversion: 1.0.0\nmodels:\n    -   name: a\n        model: b\n"
    path.write_text(original)
    run(*INIT, *CONTINUE, "--shell", "bash")
    assert "    - name: Ollama server (ollama-client-setup)\n" in path.read_text()
    run("uninstall", "--yes")
    assert path.read_text() == original


def test_a_broken_edit_of_the_tools_own_is_not_blamed_on_the_user() -> None:
    from ollama_client_setup.base.errors import ContentError
    from ollama_client_setup.formats.spans import own_edits
    from ollama_client_setup.formats.yaml_edit import parse_yaml

    with pytest.raises(ContentError) as err, own_edits("~/.x.yml"):
        parse_yaml("a: 'b\n")
    assert err.value.line is None
    assert "could not edit ~/.x.yml without breaking its syntax" in err.value.reason
    assert "bug in ollama-client-setup" in err.value.reason


def test_codex_blank_line_goes_with_the_keys_when_the_user_also_edited(
    sandbox_home: Path,
) -> None:
    path = sandbox_home / ".codex" / "config.toml"
    path.parent.mkdir()
    original = "# docs server\n[mcp_servers.docs]\ncommand = 'x'\n"
    path.write_text(original)
    run(*INIT, *CODEX, "--shell", "bash")
    path.write_text("user_key = 1\n" + path.read_text())
    run("uninstall", "--yes")
    assert path.read_text() == "user_key = 1\n" + original


def test_preseeded_settings_edited_later_are_restored_not_deleted(sandbox_home: Path) -> None:
    """A fleet's pre-seeded settings.toml was deleted by uninstall once the user edited it."""
    path = sandbox_home / CONFIG / "settings.toml"
    path.parent.mkdir(parents=True)
    path.write_text('# fleet default\n[server]\nhost = "ollama-server"\n')
    before = snapshot(sandbox_home)
    run("init", "--yes", "--no-probe", "--model", "m", "--shell", "bash")
    path.write_text(path.read_text() + "# my note\n")
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_settings_broken_by_hand_do_not_block_uninstall(sandbox_home: Path) -> None:
    (sandbox_home / ".bashrc").write_text("export A=1\n")
    before = snapshot(sandbox_home)
    run(*INIT, "--shell", "bash")
    (sandbox_home / CONFIG / "settings.toml").write_text("[server\n")
    run("init", "--yes", "--no-probe", code=ExitCode.REFUSED)  # init still refuses
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_kept_backups_do_not_lose_the_folders_the_tool_made(sandbox_home: Path) -> None:
    """After `uninstall --keep-backups`, a later init and uninstall left ~/.local behind."""
    (sandbox_home / ".bashrc").write_text("export A=1\n")
    run(*INIT, "--shell", "bash")
    run("uninstall", "--yes", "--keep-backups")
    assert any((sandbox_home / STATE / "backups").iterdir())
    before = snapshot(sandbox_home)
    run(*INIT, "--shell", "bash")
    run("uninstall", "--yes")
    after = snapshot(sandbox_home)
    assert not (sandbox_home / ".local").exists()
    assert {k: v for k, v in before.items() if not k.startswith(".local")} == after


def test_state_folder_is_made_with_its_receipt_in_one_step(sandbox_home: Path) -> None:
    """A run killed between making ~/.local/state/... and its first receipt left folders no
    receipt named; now the folder appears only together with a receipt naming them."""
    from ollama_client_setup.base import paths
    from ollama_client_setup.flows import workflow

    state = paths.state_dir()
    assert workflow._create_state_dir(state)
    data = json.loads((state / "receipts.json").read_text())
    assert data["entries"] == {}
    assert data["tool_dirs"] == [
        str(sandbox_home / ".local"),
        str(sandbox_home / ".local" / "state"),
        str(state),
    ]
    assert not workflow._create_state_dir(state)  # already there: nothing made


def test_temp_leftovers_of_a_killed_run_are_swept(sandbox_home: Path) -> None:
    """A kill during a receipt write left `.receipts.json.ocs-tmp-*` for ever, and a kill
    while making or removing the state folder leaves a temp folder beside it."""
    (sandbox_home / ".bashrc").write_text("export A=1\n")
    before = snapshot(sandbox_home)
    run(*INIT, "--shell", "bash")
    (sandbox_home / STATE / ".receipts.json.ocs-tmp-1-2").write_text("{")
    (sandbox_home / "..bashrc.ocs-tmp-1-2").write_text("half")  # beside ~/.bashrc
    (sandbox_home / ".bashrc.ocs-tmp-1-2").write_text("mine")  # not named like ours
    run(*INIT, "--shell", "bash")  # nothing to change, but the leftovers go
    assert not (sandbox_home / STATE / ".receipts.json.ocs-tmp-1-2").exists()
    assert not (sandbox_home / "..bashrc.ocs-tmp-1-2").exists()
    (sandbox_home / ".bashrc.ocs-tmp-1-2").unlink()
    run("uninstall", "--yes")
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    half_removed = sandbox_home / f"..local.ocs-tmp-{gone.pid}-4"
    (half_removed / "state").mkdir(parents=True)
    # A tree another run is building right now (its pid is alive) is not touched.
    building = sandbox_home / f"..local.ocs-tmp-{os.getppid()}-5"
    building.mkdir()
    run("uninstall", "--yes")
    assert not half_removed.exists()
    assert building.is_dir()
    building.rmdir()
    assert snapshot(sandbox_home) == before
