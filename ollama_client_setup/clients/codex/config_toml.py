"""Default mode: the tool's provider and top-level keys in ~/.codex/config.toml, every other
line kept byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.clients.codex.profile import (
    PROVIDER,
    PROVIDER_NAME,
    TABLE,
    TOP_KEYS,
    _provider_lines,
)
from ollama_client_setup.edits.changes import Change, Memo, Rendered
from ollama_client_setup.formats import spans
from ollama_client_setup.formats import toml_edit as tomlx


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
        before = tomlx.parse_toml(text)
        providers = before.get("model_providers")
        if providers is not None and not isinstance(providers, dict):
            where = tomlx.toml_position(text, ("model_providers",)) or ()
            raise ContentError("its model_providers must be a table of providers", *where)
        if PROVIDER in (providers or {}) and tomlx.TomlDoc(text).table(TABLE) is None:
            raise ContentError(
                f"model_providers.{PROVIDER} is defined inline or with dotted keys; write "
                f"it as a [model_providers.{PROVIDER}] table so ollama-client-setup can "
                "update it",
                *(tomlx.toml_position(text, TABLE, prefix=True) or ()),
            )
        if providers is not None and tomlx.TomlDoc(text).key((), "model_providers") is not None:
            # `model_providers = { ... }`: no [model_providers.*] table can be added to it.
            raise ContentError(
                "its model_providers is an inline table; write its providers as "
                "[model_providers.NAME] tables (or remove an empty one) so ollama-client-setup "
                f"can add [model_providers.{PROVIDER}]",
                *(tomlx.toml_position(text, ("model_providers",)) or ()),
            )
        memo = None if _own(before) else _memo(text)
        with spans.own_edits(paths.display(self.path)):
            for key, value in self.top.items():
                text = _set_key(text, (), key, value)
            text = self._set_table(text)
            after = tomlx.parse_toml(text)
        table = after.get("model_providers", {}).get(PROVIDER, {})
        if (
            _others(after) != _others(before)
            or any(after.get(k) != v for k, v in self.top.items())
            or table.get("base_url") != self.base_url
            or table.get("name") != PROVIDER_NAME
        ):
            raise spans.changed_meaning(paths.display(self.path))
        return Rendered(text, memo)

    def _set_table(self, text: str) -> str:
        doc = tomlx.TomlDoc(text)
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
        tomlx.parse_toml(current)
        with spans.own_edits("Codex's config.toml"):
            return cls._revert(current, memo)

    @classmethod
    def _revert(cls, current: str, memo: Memo) -> str | None:
        text = current
        stmts = tomlx.TomlDoc(text).table(TABLE)
        if stmts:
            text = _cut(text, stmts[0].start, stmts[-1].end)
        cut_at = None
        for key in TOP_KEYS:
            stmt = tomlx.TomlDoc(text).key((), key)
            prior = memo.get(key)
            if stmt is None:
                continue
            if prior is None:
                text = _cut(text, stmt.start, stmt.end)
                cut_at = stmt.start
            else:
                text = spans.splice(text, *stmt.value, prior)
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
        return spans.restore_final_newline(text, memo)


def _own(data: dict[str, Any]) -> bool:
    providers = data.get("model_providers")
    return isinstance(providers, dict) and PROVIDER in providers


def _memo(text: str) -> Memo:
    doc = tomlx.TomlDoc(text)
    memo: Memo = {"eol": spans.final_newline(text)}
    for key in TOP_KEYS:
        stmt = doc.key((), key)
        memo[key] = text[stmt.value[0] : stmt.value[1]] if stmt else None
    # No top-level keys yet but a table: _set_key adds a blank line after the new keys.
    memo["gap"] = not doc.table(()) and doc.first_header() is not None
    return memo


def _set_key(text: str, table: tuple[str, ...], key: str, value: str) -> str:
    """Set `key = "value"` in a table (() is the top level), in place or as a new line.
    A new top-level key goes before the first table (and its comment) so it stays top-level."""
    doc = tomlx.TomlDoc(text)
    stmt = doc.key(table, key)
    if stmt is not None:
        raw = text[stmt.value[0] : stmt.value[1]]
        if tomlx.parse_toml(f"x = {raw}\n").get("x") == value:
            return text
        return spans.splice(text, *stmt.value, tomlx.toml_string(value, raw))
    line = f"{key} = {tomlx.toml_string(value)}\n"
    stmts = doc.table(table) or []
    if stmts:
        return spans.insert_lines(text, stmts[-1].end, line)
    header = doc.first_header()
    if header is None:
        return spans.insert_lines(text, len(text), line)
    at = header.start
    while at > 0:  # Keep a comment that sits right above the header with its table.
        above = spans.line_start(text, at - 1)
        if not text[above:at].lstrip().startswith("#"):
            break
        at = above
    return spans.splice(text, at, at, line + "\n")


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
