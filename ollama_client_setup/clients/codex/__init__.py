"""Codex CLI: an opt-in profile file (default), or the server as config.toml's provider.

Facts from docs/clients/codex.md: the built-in provider id `ollama` cannot be
redefined, so the tool's provider is `ollama-server`; `codex --profile NAME` reads
$CODEX_HOME/NAME.config.toml, which may hold the provider table itself, so profile mode
never touches config.toml; a legacy `[profiles.*]` table there breaks --profile, so none is
ever written; only the Responses API is supported (no `wire_api = "chat"`). profile.py holds
the files the tool owns (profile, model catalog), config_toml.py the default mode's edit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ollama_client_setup.base import paths
from ollama_client_setup.base.results import Fix, Result, fail
from ollama_client_setup.clients.base import Client, ClientContext
from ollama_client_setup.clients.codex.config_toml import CodexDefault
from ollama_client_setup.clients.codex.profile import (
    PROFILE,
    PROVIDER,
    CodexCatalog,
    CodexProfile,
    _provider_lines,
    catalog_models,
    catalog_path,
    catalog_text,
    codex_home,
    profile_text,
)
from ollama_client_setup.clients.spec import AGENT_CONTEXT, ClientSpec, Floor, Headless, Need
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.edits.changes import Change
from ollama_client_setup.formats import toml_edit as tomlx


def _legacy_profiles(settings: Settings, environ: Mapping[str, str]) -> Result | None:
    """A [profiles.*] table (or `profile =`) in config.toml makes `codex --profile NAME`
    stop with "cannot be used while config.toml contains legacy ..."."""
    path = codex_home(environ) / "config.toml"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # A [profiles.NAME] table or `profile =`; an empty [profiles] table (Codex's own example
    # config has one) does not stop `codex --profile` (checked with Codex 0.169).
    legacy = re.compile(r"\s*(\[\s*profiles\s*\.|profile\s*=)")
    hits = [n for n, line in enumerate(text.splitlines(), 1) if legacy.match(line)]
    if not hits:
        return None
    return fail(
        f"{paths.display(path)}:{hits[0]} has a legacy profile setting; `codex --profile` "
        "refuses to run while it is there",
        Fix(
            "Move each [profiles.NAME] table into its own file NAME.config.toml beside "
            "config.toml (and delete `profile = ...`), as current Codex expects."
        ),
    )


def _headless_args(prompt: str, mode: str | None) -> tuple[str, ...]:
    profile = ("--profile", PROFILE) if mode != "default" else ()
    return ("exec", "--skip-git-repo-check", *profile, prompt)


SPEC = ClientSpec(
    name="codex",
    title="Codex",
    program="codex",
    install="npm install -g @openai/codex",
    needs=(
        Need(
            "codex",
            "chat",
            ("completion", "tools"),
            AGENT_CONTEXT,
            False,
            "Codex works through tool calls and long prompts: 64k tokens or more",
        ),
    ),
    headless=Headless(_headless_args, last=True),
    # Codex speaks only the Responses API (Ollama 0.13.3 on), and refuses an Ollama older
    # than 0.13.4 for `codex --oss`: the oldest server its developers accept for the route.
    # Our profile uses a custom provider, for which Codex does not check, so doctor does.
    floor=Floor("codex", "Codex", "0.13.4", "/v1/responses as Codex uses it"),
    lint=_legacy_profiles,
)


class Codex(Client):
    name = SPEC.name
    title = SPEC.title
    program = SPEC.program

    def config_dir(self, environ: Mapping[str, str]) -> Path:
        return codex_home(environ)

    def changes(self, ctx: ClientContext) -> list[Change]:
        home = codex_home(ctx.machine.environ)
        models = catalog_models(ctx)
        catalog = catalog_path(home) if models else None
        out: list[Change] = []
        if catalog is not None:
            out.append(
                CodexCatalog(catalog, "codex", catalog_text(models), skip_flag=ctx.skip_flag)
            )
        if ctx.mode == "default":
            path = home / "config.toml"
            lines = []
            if ctx.model:
                lines.append(f"model = {tomlx.toml_string(ctx.model)}")
            lines.append(f"model_provider = {tomlx.toml_string(PROVIDER)}")
            if catalog is not None:
                lines.append(f"model_catalog_json = {tomlx.toml_string(str(catalog))}")
            lines += ["", *_provider_lines(ctx.openai_base)]
            manual = f"add these lines to {paths.display(path)} yourself (the keys at the top):\n"
            manual += "\n".join("    " + line for line in lines)
            out.append(
                CodexDefault(
                    path,
                    "codex",
                    ctx.model,
                    ctx.openai_base,
                    catalog,
                    skip_flag=ctx.skip_flag,
                    manual=manual,
                )
            )
            return out
        path = home / f"{PROFILE}.config.toml"
        content = profile_text(ctx.model, ctx.openai_base, catalog)
        out.append(CodexProfile(path, "codex", content, skip_flag=ctx.skip_flag))
        return out

    def describe(self, ctx: ClientContext) -> str:
        model = ctx.model or "(no model chosen)"
        if ctx.mode == "default":
            where = paths.display(codex_home(ctx.machine.environ) / "config.toml")
            return f"Codex: every `codex` run uses {model} at {ctx.openai_base} ({where})"
        return f"Codex: `codex --profile {PROFILE}` uses {model} at {ctx.openai_base}"


CLIENT = Codex()
