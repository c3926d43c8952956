"""Aider: `model:` and an OLLAMA_API_BASE item in `set-env:` of ~/.aider.conf.yml, and a
pinned num_ctx for that model in ~/.aider.model.settings.yml (the server's own window for the
model, or `init --context N`).

OLLAMA_API_BASE is the server root: Aider (through litellm) appends /api/chat itself, and a
/v1 there fails silently (docs/clients/aider.md). Every other line of either file is
kept byte for byte. conf.py and model_settings.py hold the two files' changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.clients.aider.conf import BASE, AiderConf, conf_path
from ollama_client_setup.clients.aider.model_settings import AiderModelSettings, settings_path
from ollama_client_setup.clients.base import Client, ClientContext
from ollama_client_setup.clients.spec import ClientSpec, Headless, Need
from ollama_client_setup.config import endpoints
from ollama_client_setup.edits.changes import Change
from ollama_client_setup.shells.machine import Machine


def _headless_args(prompt: str, mode: str | None) -> tuple[str, ...]:
    return (
        "--message",
        prompt,
        "--yes",
        "--no-git",
        "--no-check-update",
        "--no-show-model-warnings",
        "--no-analytics",
    )


SPEC = ClientSpec(
    name="aider",
    title="Aider",
    program="aider",
    install="pipx install aider-chat",
    needs=(
        Need(
            "aider",
            "chat",
            ("completion",),
            None,
            True,
            "Aider needs no tools; it sends num_ctx itself, pinned to the server's window",
            sizes_per_prompt=True,
        ),
    ),
    # Its token report means the server answered, whatever a warning line matched.
    headless=Headless(
        _headless_args,
        answered=re.compile(r"Tokens: [\d.,]+k? sent, [\d.,]+k? received", re.IGNORECASE),
    ),
)


class Aider(Client):
    name = SPEC.name
    title = SPEC.title
    program = SPEC.program

    def config_dir(self, environ: Mapping[str, str]) -> Path:
        return paths.home()

    def probes(self, environ: Mapping[str, str]) -> list[Path]:
        return [conf_path()]

    def detected(self, machine: Machine) -> bool:
        # The home folder always exists, so only the config file or the program count.
        found = machine.which(self.program)
        return bool(found) or machine.exists(conf_path())

    def changes(self, ctx: ClientContext) -> list[Change]:
        path = conf_path()
        manual = f"add these lines to {paths.display(path)} yourself:\n"
        if ctx.model:
            manual += f"    model: {endpoints.aider_model(ctx.model)}\n"
        manual += f"    set-env:\n      - {BASE}{ctx.root}"
        changes: list[Change] = [
            AiderConf(path, "aider", ctx.model, ctx.root, skip_flag=ctx.skip_flag, manual=manual)
        ]
        num_ctx = ctx.num_ctx_of(ctx.model)
        if ctx.model and num_ctx:
            # Without a window of its own, Aider sizes num_ctx to each prompt, and every new
            # value restarts the model on the server (docs/clients/aider.md): pin it to the
            # window every other client gets. No change when the window is unknown: the
            # engine reverts a file no change wants any more.
            pinned = settings_path()
            name = endpoints.aider_model(ctx.model)
            changes.append(
                AiderModelSettings(
                    pinned,
                    "aider",
                    ctx.model,
                    num_ctx,
                    skip_flag=ctx.skip_flag,
                    manual=f"add this entry to {paths.display(pinned)} yourself:\n"
                    f"    - name: {name}\n      extra_params:\n"
                    f"        num_ctx: {num_ctx}",
                )
            )
        return changes

    def describe(self, ctx: ClientContext) -> str:
        model = endpoints.aider_model(ctx.model) if ctx.model else "(no model chosen)"
        line = f"Aider uses {model} at {ctx.root} ({paths.display(conf_path())})"
        num_ctx = ctx.num_ctx_of(ctx.model)
        if ctx.model and num_ctx:
            line += f", num_ctx {num_ctx} ({paths.display(settings_path())})"
        return line


CLIENT = Aider()
