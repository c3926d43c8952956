"""Codex CLI: an opt-in profile file (default), or the server as config.toml's provider.

Facts from docs/clients/codex.md: the built-in provider id `ollama` cannot be
redefined, so the tool's provider is `ollama-server`; `codex --profile NAME` reads
$CODEX_HOME/NAME.config.toml, which may hold the provider table itself, so profile mode
never touches config.toml; a legacy `[profiles.*]` table there breaks --profile, so none is
ever written; only the Responses API is supported (no `wire_api = "chat"`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ollama_client_setup.base import names, paths
from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.clients.base import Client, ClientContext
from ollama_client_setup.edits.changes import Change, Memo, OwnedFile, Rendered
from ollama_client_setup.formats import structured as st

PROVIDER = "ollama-server"
PROVIDER_NAME = "Ollama server"
PROFILE = "ollama-server"
TABLE = ("model_providers", PROVIDER)
#: The top-level keys of config.toml the tool sets in default mode.
TOP_KEYS = ("model", "model_provider", "model_catalog_json")


STREAM_IDLE_TIMEOUT_MS = 900_000


def codex_home(environ: Mapping[str, str]) -> Path:
    custom = environ.get("CODEX_HOME")
    return Path(custom).expanduser() if custom else paths.home() / ".codex"


def _provider_lines(base_url: str) -> list[str]:
    return [
        f"[model_providers.{PROVIDER}]",
        f"name = {st.toml_string(PROVIDER_NAME)}",
        f"base_url = {st.toml_string(base_url)}",
        # Codex gives up on a silent stream after 5 minutes; a cold load of a large model
        # can take longer (field failure 7).
        f"stream_idle_timeout_ms = {STREAM_IDLE_TIMEOUT_MS}",
    ]


def profile_text(model: str | None, base_url: str, catalog: Path | None = None) -> str:
    lines = [
        f"# Written by ollama-client-setup for `codex --profile {PROFILE}`. It is rewritten by",
        "# `ollama-client-setup init` and `model use`, and removed by `uninstall`.",
    ]
    if model:
        lines.append(f"model = {st.toml_string(model)}")
    lines.append(f"model_provider = {st.toml_string(PROVIDER)}")
    if catalog is not None:
        lines.append(f"model_catalog_json = {st.toml_string(str(catalog))}")
    lines += ["", *_provider_lines(base_url)]
    return "\n".join(lines) + "\n"


# --- the model catalog ----------------------------------------------------------------------
# Codex knows the windows of OpenAI's models only; for any other it warns "Model metadata for
# `NAME` not found" on every run and guesses the window it compacts at. A catalog named by
# `model_catalog_json` tells it the server's real window (docs/clients/codex.md, "Model
# catalog"); the entry's fields are the ones Codex 0.169 requires.


def catalog_path(home: Path) -> Path:
    return home / f"{PROFILE}.models.json"


def catalog_entry(model: str, window: int) -> dict[str, Any]:
    return {
        "slug": model,
        "display_name": model,
        "context_window": window,
        "shell_type": "default",
        "visibility": "list",
        "supported_in_api": True,
        "priority": 0,
        "truncation_policy": {"mode": "bytes", "limit": 10000},
        "input_modalities": ["text"],
        "base_instructions": "",
        "support_verbosity": True,
        "default_verbosity": "low",
        "supports_parallel_tool_calls": False,
        "supports_reasoning_summaries": False,
        "supported_reasoning_levels": [],
        "experimental_supported_tools": [],
    }


def catalog_models(ctx: ClientContext) -> list[tuple[str, int]]:
    """Codex's model first, then every other model with a measured window."""
    found: dict[str, int] = {}
    if ctx.model and ctx.window:
        found[ctx.model] = ctx.window
    for model, window in sorted(ctx.windows.items()):
        if not any(names.same(model, have) for have in found):
            found[model] = window
    return list(found.items())


def catalog_text(models: list[tuple[str, int]]) -> str:
    doc = {"models": [catalog_entry(model, window) for model, window in models]}
    return json.dumps(doc, indent=2) + "\n"


class CodexCatalog(OwnedFile):
    """$CODEX_HOME/ollama-server.models.json, owned by the tool outright."""

    kind = "codex:catalog"


class CodexProfile(OwnedFile):
    """$CODEX_HOME/ollama-server.config.toml, owned by the tool outright."""

    kind = "codex:profile"


class CodexDefault(Change):
    """The server as Codex's default provider: top-level `model` and `model_provider` in
    config.toml plus the [model_providers.ollama-server] table.

    Memo (from the first edit; kept while the provider table is there): `model` and
    `model_provider` are their values' TOML text before the edit (None: absent), `eol`
    whether the file ended with a newline.
    """

    kind = "codex:config"
    strict = True

    def __init__(
        self,
        path: Path,
        owner: str,
        model: str | None,
        base_url: str,
        catalog: Path | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(path, owner, **kwargs)
        self.top = {"model": model} if model else {}
        self.top["model_provider"] = PROVIDER
        if catalog is not None:
            self.top["model_catalog_json"] = str(catalog)
        self.base_url = base_url

    def render(self, current: str | None) -> Rendered:
        text = current or ""
        before = st.parse_toml(text)
        providers = before.get("model_providers")
        if providers is not None and not isinstance(providers, dict):
            where = st.toml_position(text, ("model_providers",)) or ()
            raise ContentError("its model_providers must be a table of providers", *where)
        if PROVIDER in (providers or {}) and st.TomlDoc(text).table(TABLE) is None:
            raise ContentError(
                f"model_providers.{PROVIDER} is defined inline or with dotted keys; write "
                f"it as a [model_providers.{PROVIDER}] table so ollama-client-setup can "
                "update it",
                *(st.toml_position(text, TABLE, prefix=True) or ()),
            )
        if providers is not None and st.TomlDoc(text).key((), "model_providers") is not None:
            # `model_providers = { ... }`: no [model_providers.*] table can be added to it.
            raise ContentError(
                "its model_providers is an inline table; write its providers as "
                "[model_providers.NAME] tables (or remove an empty one) so ollama-client-setup "
                f"can add [model_providers.{PROVIDER}]",
                *(st.toml_position(text, ("model_providers",)) or ()),
            )
        memo = None if _own(before) else _memo(text)
        with st.own_edits(paths.display(self.path)):
            for key, value in self.top.items():
                text = _set_key(text, (), key, value)
            text = self._set_table(text)
            after = st.parse_toml(text)
        table = after.get("model_providers", {}).get(PROVIDER, {})
        if (
            _others(after) != _others(before)
            or any(after.get(k) != v for k, v in self.top.items())
            or table.get("base_url") != self.base_url
            or table.get("name") != PROVIDER_NAME
        ):
            raise st.changed_meaning(paths.display(self.path))
        return Rendered(text, memo)

    def _set_table(self, text: str) -> str:
        doc = st.TomlDoc(text)
        if doc.table(TABLE) is None:  # (one defined inline was refused before any edit)
            if text.strip():
                text = text if text.endswith("\n") else text + "\n"
                text = text if text.endswith("\n\n") else text + "\n"
            return text + "".join(line + "\n" for line in _provider_lines(self.base_url))
        text = _set_key(text, TABLE, "name", PROVIDER_NAME)
        return _set_key(text, TABLE, "base_url", self.base_url)

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        if memo is None:
            return current  # The provider was there before the tool came: leave it.
        # The user's file: its errors are the user's to fix (and positions need valid TOML).
        st.parse_toml(current)
        with st.own_edits("Codex's config.toml"):
            return cls._revert(current, memo)

    @classmethod
    def _revert(cls, current: str, memo: Memo) -> str | None:
        text = current
        stmts = st.TomlDoc(text).table(TABLE)
        if stmts:
            text = _cut(text, stmts[0].start, stmts[-1].end)
        cut_at = None
        for key in TOP_KEYS:
            stmt = st.TomlDoc(text).key((), key)
            prior = memo.get(key)
            if stmt is None:
                continue
            if prior is None:
                text = _cut(text, stmt.start, stmt.end)
                cut_at = stmt.start
            else:
                text = st.splice(text, *stmt.value, prior)
        # The blank line put between the new top-level keys and the first table, when _cut
        # left it (it cannot tell it from the user's own blank lines once lines were added
        # above it).
        if (
            memo.get("gap")
            and cut_at is not None
            and text[cut_at : cut_at + 1] == "\n"
            and (cut_at == 0 or text[cut_at - 1] == "\n")
        ):
            text = text[:cut_at] + text[cut_at + 1 :]
        return st.restore_final_newline(text, memo)


def _own(data: dict[str, Any]) -> bool:
    providers = data.get("model_providers")
    return isinstance(providers, dict) and PROVIDER in providers


def _memo(text: str) -> Memo:
    doc = st.TomlDoc(text)
    memo: Memo = {"eol": st.final_newline(text)}
    for key in TOP_KEYS:
        stmt = doc.key((), key)
        memo[key] = text[stmt.value[0] : stmt.value[1]] if stmt else None
    # No top-level keys yet but a table: _set_key adds a blank line after the new keys.
    memo["gap"] = not doc.table(()) and doc.first_header() is not None
    return memo


def _set_key(text: str, table: tuple[str, ...], key: str, value: str) -> str:
    """Set `key = "value"` in a table (() is the top level), in place or as a new line.
    A new top-level key goes before the first table (and its comment) so it stays top-level."""
    doc = st.TomlDoc(text)
    stmt = doc.key(table, key)
    if stmt is not None:
        raw = text[stmt.value[0] : stmt.value[1]]
        if st.parse_toml(f"x = {raw}\n").get("x") == value:
            return text
        return st.splice(text, *stmt.value, st.toml_string(value, raw))
    line = f"{key} = {st.toml_string(value)}\n"
    stmts = doc.table(table) or []
    if stmts:
        return st.insert_lines(text, stmts[-1].end, line)
    header = doc.first_header()
    if header is None:
        return st.insert_lines(text, len(text), line)
    at = header.start
    while at > 0:  # Keep a comment that sits right above the header with its table.
        above = st.line_start(text, at - 1)
        if not text[above:at].lstrip().startswith("#"):
            break
        at = above
    return st.splice(text, at, at, line + "\n")


def _cut(text: str, start: int, end: int) -> str:
    """Remove whole lines, and the blank line that separated them if two would meet."""
    text = text[:start] + text[end:]
    blank_before = start == 0 or text[max(0, start - 2) : start] == "\n\n"
    if blank_before and (start == len(text) or text[start] == "\n"):
        at = start if start < len(text) else start - 1
        if at >= 0 and text[at : at + 1] == "\n":
            text = text[:at] + text[at + 1 :]
    return text


def _others(data: dict[str, Any]) -> dict[str, Any]:
    """Everything but the tool's keys, to prove an edit touched nothing else. An empty
    [model_providers] table (Codex's own example config has one) defines no provider: Codex
    reads it as no table at all, so the tool's provider table filling it changes nothing else."""
    rest = {k: v for k, v in data.items() if k not in TOP_KEYS}
    providers = rest.get("model_providers")
    if isinstance(providers, dict):
        providers = {k: v for k, v in providers.items() if k != PROVIDER}
        if providers:
            rest["model_providers"] = providers
        else:
            del rest["model_providers"]
    return rest


class Codex(Client):
    name = "codex"
    title = "Codex"
    program = "codex"

    def config_dir(self, environ: Mapping[str, str]) -> Path:
        return codex_home(environ)

    def changes(self, ctx: ClientContext) -> list[Change]:
        home = codex_home(ctx.environ)
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
                lines.append(f"model = {st.toml_string(ctx.model)}")
            lines.append(f"model_provider = {st.toml_string(PROVIDER)}")
            if catalog is not None:
                lines.append(f"model_catalog_json = {st.toml_string(str(catalog))}")
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
            where = paths.display(codex_home(ctx.environ) / "config.toml")
            return f"Codex: every `codex` run uses {model} at {ctx.openai_base} ({where})"
        return f"Codex: `codex --profile {PROFILE}` uses {model} at {ctx.openai_base}"


CLIENT = Codex()
