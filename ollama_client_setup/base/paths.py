"""Where the tool keeps its own files. Every location can be overridden for tests and fleets."""

from __future__ import annotations

import os
from pathlib import Path

APP = "ollama-client-setup"
ENV_CONFIG_DIR = "OLLAMA_CLIENT_SETUP_CONFIG_DIR"
ENV_STATE_DIR = "OLLAMA_CLIENT_SETUP_STATE_DIR"


def check_home() -> None:
    """Refuse a HOME that is set but is not an absolute, existing folder: `~` would then be
    the filesystem root or the current folder for the start-up files, while platformdirs
    finds the real home for the settings, and the work would split between the two."""
    raw = os.environ.get("HOME")
    if raw is None:
        return  # Unset: the password database decides, for every program alike.
    if raw and os.path.isabs(raw) and os.path.isdir(raw):
        return
    from ollama_client_setup.base.errors import RefusedError

    what = (
        "empty"
        if not raw
        else "not an absolute path"
        if not os.path.isabs(raw)
        else ("not an existing folder")
    )
    raise RefusedError(
        f"HOME is {raw!r}, which is {what}; nothing was read or changed",
        hint="Run it with HOME set to your home folder, e.g. "
        "`HOME=/home/you ollama-client-setup ...` (sudo -H sets it for root).",
    )


def home() -> Path:
    # expanduser honours $HOME, which is what every shell and client also uses.
    return Path(os.path.expanduser("~"))


def config_dir() -> Path:
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def state_dir() -> Path:
    """Receipts, backups and the lock: what the tool needs to take its changes back."""
    override = os.environ.get(ENV_STATE_DIR)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir(APP, appauthor=False))


def settings_file() -> Path:
    return config_dir() / "settings.toml"


def xdg_config_home() -> Path:
    value = os.environ.get("XDG_CONFIG_HOME")
    return Path(value) if value and os.path.isabs(value) else home() / ".config"


def display(path: Path) -> str:
    """A path as a person reads it: under the home directory as ~/..."""
    try:
        return "~/" + str(path.relative_to(home()))
    except ValueError:
        return str(path)
