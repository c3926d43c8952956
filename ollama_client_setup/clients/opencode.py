"""OpenCode: a tool-owned opencode.json named by OPENCODE_CONFIG in the shells.

OpenCode merges the file OPENCODE_CONFIG names over the user's global config key by key
(docs/clients/opencode.md), so the user's own ~/.config/opencode/opencode.json, often
JSONC with comments, is never touched. The price: OpenCode started outside a shell that
loaded the env file (a desktop launcher) does not see the variable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ollama_client_setup.base import paths
from ollama_client_setup.clients.base import Client, ClientContext
from ollama_client_setup.clients.spec import ClientSpec, Headless, Need
from ollama_client_setup.edits.changes import Change, OwnedFile

PROVIDER = "ollama-server"
SCHEMA = "https://opencode.ai/config.json"


def config_path() -> Path:
    return paths.config_dir() / "opencode.json"


#: OpenCode sends limit.output as max_tokens and compacts once a prompt passes
#: limit.context - limit.output; without a limit it sends 32000 and never compacts.
OUTPUT_SHARE = 4
OUTPUT_MAX = 32_000
#: OpenCode 1.18's own instructions and tools take about 8k tokens before the user says a
#: word. In a window with less room than that it compacts, finds itself still too long and
#: compacts again, hundreds of requests a minute (seen with the real program at 4k), so a
#: smaller window is not written: the server then cuts the prompt, as it would anyway.
LIMIT_FLOOR = 16_384


def model_entry(model: str, window: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": model}
    if window and window >= LIMIT_FLOOR:
        # The server's real window, so OpenCode compacts before the server silently cuts the
        # prompt (docs/clients/opencode.md); OpenCode refuses a limit without `output`.
        entry["limit"] = {"context": window, "output": min(window // OUTPUT_SHARE, OUTPUT_MAX)}
    return entry


def document(ctx: ClientContext) -> dict[str, Any]:
    models = {ctx.model: model_entry(ctx.model, ctx.window)} if ctx.model else {}
    doc: dict[str, Any] = {
        "$schema": SCHEMA,
        "provider": {
            PROVIDER: {
                "npm": "@ai-sdk/openai-compatible",
                "name": "Ollama server",
                "options": {"baseURL": ctx.openai_base},
                "models": models,
            }
        },
    }
    if ctx.model:
        doc["model"] = f"{PROVIDER}/{ctx.model}"
    return doc


class OpenCodeConfig(OwnedFile):
    """The tool's own opencode.json in its config folder."""

    kind = "opencode:config"


SPEC = ClientSpec(
    name="opencode",
    title="OpenCode",
    program="opencode",
    install="npm install -g opencode-ai",
    needs=(
        Need(
            "opencode",
            "chat",
            ("completion", "tools"),
            16 * 1024,
            False,
            "OpenCode works through tool calls, and its own instructions and tools take about "
            "8k tokens of the window",
        ),
    ),
    headless=Headless(lambda prompt, mode: ("run", prompt)),
    side_request="OpenCode's title request",
)


class OpenCode(Client):
    name = SPEC.name
    title = SPEC.title
    program = SPEC.program

    def config_dir(self, environ: Mapping[str, str]) -> Path:
        return paths.xdg_config_home() / "opencode"

    def changes(self, ctx: ClientContext) -> list[Change]:
        content = json.dumps(document(ctx), indent=2, ensure_ascii=False) + "\n"
        return [OpenCodeConfig(config_path(), "opencode", content, skip_flag=ctx.skip_flag)]

    def shell_variables(self, ctx: ClientContext) -> dict[str, str]:
        return {"OPENCODE_CONFIG": str(config_path())}

    def describe(self, ctx: ClientContext) -> str:
        model = ctx.model or "(no model chosen)"
        return (
            f"OpenCode uses {model} at {ctx.openai_base} from {paths.display(config_path())} "
            "(via OPENCODE_CONFIG, in shells that load the env file)"
        )


CLIENT = OpenCode()
