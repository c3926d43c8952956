"""What init, status and uninstall do to a home directory, byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from tests.helpers import mtimes, run, run_json, snapshot

INIT = ("init", "--yes", "--host", "127.0.0.1", "--model", "m")


def realistic_home(home: Path) -> None:
    (home / ".bashrc").write_bytes(
        b"# ~/.bashrc\r\nalias ll='ls -l'\r\nexport EDITOR=vim\r\n"  # CRLF throughout
    )
    (home / ".profile").write_bytes(b"# caf\xe9 latin-1 comment\nPATH=$HOME/bin:$PATH")
    (home / ".zshrc").write_text("setopt autocd\n")
    (home / ".config").mkdir()


def test_init_then_uninstall_is_byte_identical(sandbox_home: Path) -> None:
    realistic_home(sandbox_home)
    before = snapshot(sandbox_home)
    run(*INIT, "--shell", "bash", "--shell", "zsh", "--shell", "fish", "--shell", "sh")
    assert snapshot(sandbox_home) != before
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_dry_run_changes_nothing_at_all(sandbox_home: Path) -> None:
    realistic_home(sandbox_home)
    before = snapshot(sandbox_home)
    result = run(*INIT, "--shell", "bash", "--dry-run")
    assert "+++ b/~/.bashrc" in result.stdout
    assert "Dry run: nothing was changed." in result.stdout
    assert snapshot(sandbox_home) == before


def test_dry_run_uninstall_changes_nothing(sandbox_home: Path) -> None:
    run(*INIT, "--shell", "bash")
    before = snapshot(sandbox_home)
    result = run("uninstall", "--dry-run")
    assert "--- a/~/.bashrc" in result.stdout
    assert snapshot(sandbox_home) == before


def test_second_init_writes_nothing(sandbox_home: Path) -> None:
    realistic_home(sandbox_home)
    run(*INIT, "--shell", "bash", "--shell", "zsh")
    first, times = snapshot(sandbox_home), mtimes(sandbox_home)
    result = run(*INIT, "--shell", "bash", "--shell", "zsh")
    assert "Nothing to change" in result.stdout
    assert snapshot(sandbox_home) == first
    assert mtimes(sandbox_home) == times


def test_crlf_missing_newline_and_latin1_are_kept(sandbox_home: Path) -> None:
    realistic_home(sandbox_home)
    run(*INIT, "--shell", "bash")
    bashrc = (sandbox_home / ".bashrc").read_bytes()
    # The user's lines keep their CRLF; the tool's are LF only: a POSIX shell reads the CR
    # as part of the line, and `fi\r` would be a syntax error in the user's start-up file.
    mine = b"# ~/.bashrc\r\nalias ll='ls -l'\r\nexport EDITOR=vim\r\n"
    assert bashrc.startswith(mine + b"\n# >>> ollama-client-setup >>>\n")
    assert b"\r" not in bashrc[len(mine) :]
    profile = (sandbox_home / ".profile").read_bytes()
    assert profile.startswith(b"# caf\xe9 latin-1 comment\nPATH=$HOME/bin:$PATH\n\n# >>>")


def test_symlinked_dotfile_stays_a_link(sandbox_home: Path) -> None:
    dotfiles = sandbox_home / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "bashrc").write_text("# from my dotfiles repo\n")
    (sandbox_home / ".bashrc").symlink_to(dotfiles / "bashrc")
    run(*INIT, "--shell", "bash")
    assert (sandbox_home / ".bashrc").is_symlink()
    assert "ollama-client-setup" in (dotfiles / "bashrc").read_text()
    run("uninstall", "--yes")
    assert (sandbox_home / ".bashrc").is_symlink()
    assert (dotfiles / "bashrc").read_text() == "# from my dotfiles repo\n"


def test_dangling_symlink_is_refused_and_nothing_changes(sandbox_home: Path) -> None:
    (sandbox_home / ".bashrc").symlink_to(sandbox_home / "gone" / "bashrc")
    before = snapshot(sandbox_home)
    result = run(*INIT, "--shell", "bash", code=ExitCode.REFUSED)
    assert "~/.bashrc: it is a symbolic link to" in result.stderr
    assert "--no-shell bash" in result.stderr
    assert snapshot(sandbox_home) == before


def test_read_only_startup_file_refuses_everything_and_prints_the_line(
    sandbox_home: Path,
) -> None:
    (sandbox_home / ".zshrc").write_text("# managed by home-manager\n")
    (sandbox_home / ".zshrc").chmod(0o444)
    before = snapshot(sandbox_home)
    result = run(*INIT, "--shell", "bash", "--shell", "zsh", code=ExitCode.REFUSED)
    assert "~/.zshrc: it is read-only" in result.stderr
    assert "add these lines to ~/.zshrc yourself:" in result.stderr
    assert '. "$HOME/.config/ollama-client-setup/env.sh"' in result.stderr
    assert "--no-shell zsh" in result.stderr
    assert snapshot(sandbox_home) == before  # bash was not written either
    run(*INIT, "--shell", "bash", "--shell", "zsh", "--no-shell", "zsh")
    assert "ollama-client-setup" in (sandbox_home / ".bashrc").read_text()


def test_unterminated_block_is_refused_with_its_line(sandbox_home: Path) -> None:
    (sandbox_home / ".bashrc").write_text("a\nb\n# >>> ollama-client-setup >>>\nexport X=1\n")
    before = snapshot(sandbox_home)
    result = run(*INIT, "--shell", "bash", code=ExitCode.REFUSED)
    assert "~/.bashrc:3: the ollama-client-setup block starting here has no end marker" in (
        result.stderr
    )
    assert snapshot(sandbox_home) == before


def test_user_edit_outside_the_block_survives_uninstall(sandbox_home: Path) -> None:
    (sandbox_home / ".bashrc").write_text("export A=1\n")
    run(*INIT, "--shell", "bash")
    with (sandbox_home / ".bashrc").open("a") as handle:
        handle.write("export ADDED_LATER=1\n")
    run("uninstall", "--yes")
    assert (sandbox_home / ".bashrc").read_text() == "export A=1\nexport ADDED_LATER=1\n"


def test_uninstall_without_receipts_still_removes_blocks(sandbox_home: Path) -> None:
    (sandbox_home / ".bashrc").write_text("export A=1\n")
    run(*INIT, "--shell", "bash")
    state = sandbox_home / ".local" / "state" / "ollama-client-setup"
    (state / "receipts.json").unlink()
    run("uninstall", "--yes")
    assert "ollama-client-setup" not in (sandbox_home / ".bashrc").read_text()


def test_changing_model_touches_only_the_env_file_and_settings(sandbox_home: Path) -> None:
    run(*INIT, "--shell", "bash")
    bashrc = (sandbox_home / ".bashrc").read_bytes()
    times = mtimes(sandbox_home)
    data = run_json("init", "--yes", "--model", "other:7b")
    changed = {Path(f["path"]).name for f in data["result"]["files"] if f["action"] != "unchanged"}
    assert changed == {"env.sh", "settings.toml"}
    assert (sandbox_home / ".bashrc").read_bytes() == bashrc
    assert mtimes(sandbox_home)[".bashrc"] == times[".bashrc"]
    env = (sandbox_home / ".config" / "ollama-client-setup" / "env.sh").read_text()
    assert "export AIDER_MODEL='ollama_chat/other:7b'" in env


def test_dropping_a_shell_takes_its_block_out(sandbox_home: Path) -> None:
    (sandbox_home / ".zshrc").write_text("setopt autocd\n")
    run(*INIT, "--shell", "bash", "--shell", "zsh")
    run(*INIT, "--shell", "bash")
    assert (sandbox_home / ".zshrc").read_text() == "setopt autocd\n"
    assert "ollama-client-setup" in (sandbox_home / ".bashrc").read_text()


def test_backups_are_kept_and_never_overwritten(sandbox_home: Path) -> None:
    (sandbox_home / ".bashrc").write_text("original\n")
    run(*INIT, "--shell", "bash")
    backups = sandbox_home / ".local" / "state" / "ollama-client-setup" / "backups"
    names = sorted(p.name for p in backups.iterdir())
    assert any(n.endswith("bashrc") for n in names)
    assert (backups / next(n for n in names if n.endswith("bashrc"))).read_text() == "original\n"
    assert oct((backups / names[0]).stat().st_mode & 0o777) == "0o600"
    run("uninstall", "--yes", "--keep-backups")
    run(*INIT, "--shell", "bash")
    again = sorted(p.name for p in backups.iterdir())
    assert set(names) <= set(again) and len(again) > len(names)


def test_file_mode_is_kept(sandbox_home: Path) -> None:
    (sandbox_home / ".bashrc").write_text("x\n")
    (sandbox_home / ".bashrc").chmod(0o640)
    run(*INIT, "--shell", "bash")
    assert (sandbox_home / ".bashrc").stat().st_mode & 0o777 == 0o640


def test_json_output_is_one_document(sandbox_home: Path) -> None:
    data = run_json(*INIT, "--shell", "bash")
    assert data["command"] == "init" and data["ok"] is True and data["exit_code"] == 0
    assert data["result"]["settings"]["server_root"] == "http://127.0.0.1:11434"
    actions = {Path(f["path"]).name: f["action"] for f in data["result"]["files"]}
    assert actions[".bashrc"] == "create"


def test_status_reports_drift(sandbox_home: Path) -> None:
    run(*INIT, "--shell", "bash")
    assert all(f["state"] == "ok" for f in run_json("status")["result"]["files"])
    env = sandbox_home / ".config" / "ollama-client-setup" / "env.sh"
    env.write_text(env.read_text() + "export HAND_EDIT=1\n")
    data = run_json("status")["result"]
    states = {Path(f["path"]).name: f["state"] for f in data["files"]}
    assert states["env.sh"] == "drifted" and data["in_sync"] is False
    human = run("status").stdout
    assert "drifted  ~/.config/ollama-client-setup/env.sh" in human


def test_malformed_settings_refused_and_nothing_changed(sandbox_home: Path) -> None:
    run(*INIT, "--shell", "bash")
    settings = sandbox_home / ".config" / "ollama-client-setup" / "settings.toml"
    settings.write_text(settings.read_text().replace("port = 11434", "port = = 1"))
    before = snapshot(sandbox_home)
    result = run(*INIT, code=ExitCode.REFUSED)
    assert "settings.toml:" in result.stderr and "not valid TOML" in result.stderr
    assert snapshot(sandbox_home) == before
    data = run_json("init", "--yes", code=ExitCode.REFUSED)
    assert data["error"]["code"] == "settings.invalid"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--host", "a b"), "not a valid host name"),
        (("--port", "0"), "outside 1-65535"),
        (("--model", "bad'name"), "characters Ollama model names never have"),
        (("--shell", "tcsh"), "Invalid value for '--shell'"),
    ],
)
def test_bad_flags_are_usage_errors(
    sandbox_home: Path, args: tuple[str, ...], message: str
) -> None:
    before = snapshot(sandbox_home)
    result = run("init", "--yes", *args, code=ExitCode.USAGE)
    assert message in result.stderr
    assert snapshot(sandbox_home) == before


def test_env_and_status_need_settings(sandbox_home: Path) -> None:
    result = run("env", code=ExitCode.NOT_SET_UP)
    assert "Run `ollama-client-setup init` first." in result.stderr
    assert result.stdout == ""
    run("status", code=ExitCode.NOT_SET_UP)


def test_uninstall_without_a_terminal_needs_yes(sandbox_home: Path) -> None:
    run(*INIT, "--shell", "bash")
    before = snapshot(sandbox_home)
    result = run("uninstall", code=ExitCode.REFUSED)
    assert "--yes" in result.stderr
    assert snapshot(sandbox_home) == before


def test_uninstall_with_nothing_installed(sandbox_home: Path) -> None:
    before = snapshot(sandbox_home)
    assert "Nothing to undo." in run("uninstall", "--yes").stdout
    assert snapshot(sandbox_home) == before


def test_failed_write_rolls_back_files_already_written(sandbox_home: Path) -> None:
    """A real failure mid-apply: a file stands where the fish drop-in's folder must go."""
    (sandbox_home / ".bashrc").write_text("export A=1\n")
    (sandbox_home / ".config" / "fish").mkdir(parents=True)
    before = snapshot(sandbox_home)
    from ollama_client_setup import plan as targets
    from ollama_client_setup.config import settings as settings_mod
    from ollama_client_setup.edits import engine
    from ollama_client_setup.flows import workflow

    real_apply = engine.apply

    def sabotage(plan, receipts, state):  # block the drop-in folder after planning
        (sandbox_home / ".config" / "fish" / "conf.d").write_text("not a folder")
        return real_apply(plan, receipts, state)

    engine.apply, saved = sabotage, engine.apply
    try:
        with pytest.raises(OSError):
            workflow.reconcile(lambda s: s.with_changes(shells=("bash", "fish"), model="m"))
    finally:
        engine.apply = saved
    (sandbox_home / ".config" / "fish" / "conf.d").unlink()
    after = snapshot(sandbox_home)
    assert after[".bashrc"] == before[".bashrc"]
    assert not (sandbox_home / ".config" / "ollama-client-setup" / "env.sh").exists()
    del settings_mod, targets


def test_version_and_help(sandbox_home: Path) -> None:
    from ollama_client_setup import __version__

    assert __version__ in run("--version").stdout
    for command in ("init", "env", "status", "uninstall"):
        assert "Usage:" in run(command, "--help").stdout


def test_python_dash_m_works(sandbox_home: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ollama_client_setup", "--version"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=30,
    )
    from ollama_client_setup import __version__

    assert done.returncode == 0
    assert done.stdout.strip() == f"ollama-client-setup, version {__version__}"
