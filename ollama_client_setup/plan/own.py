"""The tool's own settings file, written through the engine like every other file so that
dry runs show it, uninstall restores it, and a pre-seeded file (fleet roll-out) survives."""

from __future__ import annotations

from pathlib import Path

from ollama_client_setup.config import settings as settings_mod
from ollama_client_setup.edits.changes import Change, Memo, Rendered


class SettingsFile(Change):
    kind = "settings"
    strict = True

    def __init__(self, path: Path, settings: settings_mod.Settings) -> None:
        super().__init__(path, "settings")
        self.settings = settings

    def render(self, current: str | None) -> Rendered:
        return Rendered(settings_mod.render(self.settings, current), {})

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        return None
