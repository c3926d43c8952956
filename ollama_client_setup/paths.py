"""Where the tool keeps its own files. Every location can be overridden for tests and fleets."""

from __future__ import annotations

import os
from pathlib import Path

APP = "ollama-client-setup"
ENV_CONFIG_DIR = "OLLAMA_CLIENT_SETUP_CONFIG_DIR"
ENV_STATE_DIR = "OLLAMA_CLIENT_SETUP_STATE_DIR"


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
