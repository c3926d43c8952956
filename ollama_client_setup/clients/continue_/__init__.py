"""Continue: one model entry per role in ~/.continue/config.yaml (or the legacy config.json
when that is what Continue reads), named the same across model switches; every other line is
kept. entries.py names the entries, yaml_config.py and json_config.py write each format.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.clients.base import Client, ClientContext
from ollama_client_setup.clients.continue_.entries import (
    AUTOCOMPLETE,
    entry_name,
    global_dir,
    wanted,
)
from ollama_client_setup.clients.continue_.json_config import ContinueJson, json_entry
from ollama_client_setup.clients.continue_.yaml_config import ContinueYaml, yaml_entry
from ollama_client_setup.clients.spec import ClientSpec, Headless, Need
from ollama_client_setup.edits.changes import Change
from ollama_client_setup.formats import yaml_edit as yamlx
from ollama_client_setup.shells.machine import Machine

# --- the client ------------------------------------------------------------------------------


SPEC = ClientSpec(
    name="continue",
    title="Continue",
    program="cn",
    install="npm install -g @continuedev/cli",
    needs=(
        Need(
            "continue",
            "chat",
            ("completion", "tools"),
            None,
            True,
            "Continue's agent mode calls tools",
        ),
        Need(
            "continue",
            "autocomplete",
            ("completion", "insert"),
            None,
            True,
            "autocomplete needs fill-in-the-middle (the `insert` capability)",
        ),
    ),
    headless=Headless(lambda prompt, mode: ("-p", prompt)),
)


class Continue(Client):
    name = SPEC.name
    title = SPEC.title
    program = SPEC.program

    def config_dir(self, environ: Mapping[str, str]) -> Path:
        return global_dir(environ)

    def probes(self, environ: Mapping[str, str]) -> list[Path]:
        folder = global_dir(environ)
        return [folder / "config.json", folder / "config.yaml"]

    def config_path(self, machine: Machine) -> Path:
        """config.json when only it is there (what Continue then reads), else config.yaml."""
        folder = global_dir(machine.environ)
        if machine.exists(folder / "config.json") and not machine.exists(folder / "config.yaml"):
            return folder / "config.json"
        return folder / "config.yaml"

    def changes(self, ctx: ClientContext) -> list[Change]:
        roles = wanted(ctx)
        if not roles:
            return []  # Nothing to add; a file written before is reverted by the engine.
        path = self.config_path(ctx.machine)
        common = {"skip_flag": ctx.skip_flag}
        if path.suffix == ".json":
            models = dict(roles)
            chat = json_entry(models["chat"], False, ctx) if "chat" in models else None
            tab = json_entry(models[AUTOCOMPLETE], True, ctx) if AUTOCOMPLETE in models else None
            return [ContinueJson(path, "continue", chat, tab, **common)]
        entries = [yaml_entry(role, model, ctx) for role, model in roles]
        body = "\n".join(yamlx.y_block(entries, 2, 2, 2))
        manual = f"add these entries to `models:` in {paths.display(path)} yourself:\n{body}"
        return [ContinueYaml(path, "continue", entries, manual=manual, **common)]

    def describe(self, ctx: ClientContext) -> str:
        names = ", ".join(f'{m} as "{entry_name(r == AUTOCOMPLETE)}"' for r, m in wanted(ctx))
        where = paths.display(self.config_path(ctx.machine))
        return f"Continue: {names or '(no model chosen)'} in {where}"


CLIENT = Continue()
