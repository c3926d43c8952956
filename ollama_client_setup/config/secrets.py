"""The API key for a server behind an authenticating proxy (plain Ollama needs none).

The keyring is the store of record. Clients started from a shell need the key in their
environment, and the shell start-up must not run a program, so the env files read a copy
from a file only the user can read (0600) with the shell's own `read`. Without a usable
keyring backend that file is the only copy, and the user is told so.
"""

from __future__ import annotations

from pathlib import Path

from ollama_client_setup.base import paths

SERVICE = "ollama-client-setup"
ACCOUNT = "api-key"


def key_file() -> Path:
    return paths.config_dir() / "api-key"


def keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:
        return False
    backend = keyring.get_keyring()
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return False
    try:
        return float(getattr(backend, "priority", 0)) > 0
    except (TypeError, ValueError):
        return False


def store(key: str) -> str:
    """Keep the key; returns where: "keyring", or "file" (the 0600 copy is the only one)."""
    if keyring_usable():
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, ACCOUNT, key)
            return "keyring"
        except KeyringError:
            pass
    return "file"


def load(where: str | None) -> str | None:
    """The key, from where the settings say it is kept (None when there is none)."""
    if where == "keyring":
        try:
            import keyring
            from keyring.errors import KeyringError

            found = keyring.get_password(SERVICE, ACCOUNT)
        except (ImportError, KeyringError):
            found = None
        if found:
            return found
    if where in ("keyring", "file"):
        try:
            return key_file().read_text(encoding="utf-8").strip() or None
        except OSError:
            return None
    return None


def forget() -> None:
    try:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        keyring.delete_password(SERVICE, ACCOUNT)
    except (ImportError, KeyringError, PasswordDeleteError):
        pass


def check_key(value: str) -> str:
    """Keys go into a file the shell reads with `read`: one line, printable, no quotes."""
    value = value.strip()
    if not value:
        raise ValueError("the API key is empty")
    if len(value) > 4096:
        raise ValueError("the API key is longer than 4096 characters")
    if any(ch.isspace() or not ch.isprintable() or ch in "'\"\\`$" for ch in value):
        raise ValueError("the API key has spaces, quotes or control characters; keys never do")
    return value


def redact(text: str, key: str | None) -> str:
    return text.replace(key, "[redacted]") if key else text
