"""~/.continue/config.yaml: the tool's model entries, every other line kept byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.clients.base import ClientContext
from ollama_client_setup.clients.continue_.entries import AUTOCOMPLETE, SCAFFOLD, entry_name, is_own
from ollama_client_setup.edits.changes import Change, Memo, Rendered
from ollama_client_setup.formats import json_edit as jsonx
from ollama_client_setup.formats import spans
from ollama_client_setup.formats import yaml_edit as yamlx

# --- config.yaml ---------------------------------------------------------------------------


def yaml_entry(role: str, model: str, ctx: ClientContext) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": entry_name(role == AUTOCOMPLETE),
        "provider": "ollama",
        "model": model,
        "apiBase": ctx.root,
    }
    if role == AUTOCOMPLETE:
        entry["roles"] = [AUTOCOMPLETE]  # Never implied: the default roles leave it out.
    # The IDE extensions send it as num_ctx: the same window as every other client, so the
    # model is not restarted between them (docs/clients/continue.md).
    window = ctx.num_ctx_of(model)
    if window:
        entry["defaultCompletionOptions"] = {"contextLength": window}
    return entry


def _role(entry: Any) -> str:
    roles = entry.get("roles") if isinstance(entry, dict) else None
    return AUTOCOMPLETE if isinstance(roles, list) and AUTOCOMPLETE in roles else "chat"


class ContinueYaml(Change):
    """The tool's entries in the `models:` list of config.yaml.

    Memo (from the first edit): `models` is the text after `models:` before the edit (None:
    absent), `scaffold` the original text when the tool had to start the file (missing or
    only comments), `eol` whether the file ended with a newline.
    """

    kind = "continue:yaml"
    strict = True

    def __init__(self, path: Path, owner: str, entries: list[dict[str, Any]], **kwargs: Any):
        super().__init__(path, owner, **kwargs)
        self.entries = entries

    def render(self, current: str | None) -> Rendered:
        text = current or ""
        root = yamlx.parse_yaml(text)
        memo = None if _own_yaml(root) else _yaml_memo(text, root)
        before = _yaml_data(text)
        with spans.own_edits(paths.display(self.path)):
            if root is None:
                lines = [f"{key}: {yamlx.y_scalar(value)}" for key, value in SCAFFOLD.items()]
                text = yamlx.y_append_entry(text, root, lines)
                before = dict(SCAFFOLD)
            for entry in self.entries:
                text = self._put(text, entry)
            text = _drop_own_yaml(text, keep={e["name"] for e in self.entries})
            after = _yaml_data(text)
        got = [
            e for e in after.get("models") or [] if isinstance(e, dict) and is_own(e.get("name"))
        ]
        if _yaml_others(after) != _yaml_others(before) or got != self.entries:
            raise spans.changed_meaning(paths.display(self.path))
        return Rendered(text, memo)

    def _put(self, text: str, entry: dict[str, Any]) -> str:
        """Update the tool's entry for this role in place, or append it."""
        root = yamlx.parse_yaml(text)
        column = yamlx.y_top_column(root)
        unit, offset = yamlx.y_style(text, root)
        pair = yamlx.y_get(root, "models")
        if pair is None:
            body = yamlx.y_block([entry], column + offset, unit, offset)
            return yamlx.y_append_entry(text, root, [" " * column + "models:", *body])
        key, value = pair
        if yamlx.y_is_null(value) or (value.id == "sequence" and not value.value):
            body = yamlx.y_block([entry], column + offset, unit, offset)
            return yamlx.y_fill_empty(text, key, value, body)[0]
        if value.id != "sequence":
            raise ContentError(
                "its `models` must be a list",
                value.start_mark.line + 1,
                value.start_mark.column + 1,
            )
        data = _yaml_data(text).get("models") or []
        index = next(
            (
                i
                for i, item in enumerate(data)
                if isinstance(item, dict)
                and is_own(item.get("name"))
                and _role(item) == _role(entry)
            ),
            None,
        )
        if value.flow_style:
            flow = jsonx.json_value(entry, "", None)
            if index is None:
                return spans.comma_insert(
                    text, yamlx.y_flow_items(value), lambda _: flow, "", False
                )
            node = value.value[index]
            return spans.splice(text, node.start_mark.index, node.end_mark.index, flow)
        if index is not None:
            if data[index] == entry:
                return text
            start, end = yamlx.y_item_lines(text, value.value[index])
            dash = text.index("-", start) - start
            lines = yamlx.y_block([entry], dash, unit, offset)
            return spans.splice(text, start, end, "".join(line + "\n" for line in lines))
        last = value.value[-1]
        start, end = yamlx.y_item_lines(text, last)
        # The dash's own column (the items may put more than one space after it).
        dash = text.index("-", start) - start
        lines = yamlx.y_block([entry], dash, unit, offset)
        return spans.insert_lines(text, end, "".join(line + "\n" for line in lines))

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        yamlx.parse_yaml(current)  # The user's file: its errors are the user's to fix.
        with spans.own_edits("Continue's config.yaml"):
            return cls._revert(current, memo)

    @classmethod
    def _revert(cls, current: str, memo: Memo | None) -> str | None:
        # Entries named as the tool's are its own whatever the memo says.
        text = _drop_own_yaml(current, keep=set())
        if memo is None:
            return text
        root = yamlx.parse_yaml(text)
        pair = yamlx.y_get(root, "models")
        if pair is not None and yamlx.y_is_null(pair[1]):
            key, value = pair
            if memo.get("models") is None:
                start, end = yamlx.y_entry_lines(text, key, value)
                text = spans.splice(text, start, end, "")
            else:
                text = yamlx.y_unfill(text, key, memo["models"])
        if memo.get("scaffold") is not None:
            data = _yaml_data(text)
            if data == SCAFFOLD:
                return memo["scaffold"]
        return spans.restore_final_newline(text, memo)


def _own_yaml(root: Any) -> bool:
    pair = yamlx.y_get(root, "models")
    if pair is None or pair[1].id != "sequence":
        return False
    for item in pair[1].value:
        name = yamlx.y_get(item, "name") if item.id == "mapping" else None
        if name and is_own(name[1].value):
            return True
    return False


def _drop_own_yaml(text: str, keep: set[str]) -> str:
    """Remove the tool's entries not in `keep` (one at a time: positions move)."""
    while True:
        root = yamlx.parse_yaml(text)
        pair = yamlx.y_get(root, "models")
        if pair is None or pair[1].id != "sequence":
            return text
        value = pair[1]
        data = _yaml_data(text).get("models") or []
        index = next(
            (
                i
                for i, item in enumerate(data)
                if isinstance(item, dict) and is_own(item.get("name")) and item["name"] not in keep
            ),
            None,
        )
        if index is None:
            return text
        if value.flow_style:
            text = spans.comma_remove(text, yamlx.y_flow_items(value), index)
        else:
            start, end = yamlx.y_item_lines(text, value.value[index])
            text = spans.splice(text, start, end, "")


def _yaml_memo(text: str, root: Any) -> Memo:
    memo: Memo = {"models": None, "scaffold": None, "eol": spans.final_newline(text)}
    if root is None:
        memo["scaffold"] = text
        return memo
    pair = yamlx.y_get(root, "models")
    if pair is not None:
        start, end = yamlx.y_segment(text, *pair)
        memo["models"] = text[start:end]
    return memo


def _yaml_data(text: str) -> dict[str, Any]:
    data = spans.plain(yamlx.yaml_data(text))
    return data if isinstance(data, dict) else {}


def _yaml_others(data: dict[str, Any]) -> dict[str, Any]:
    rest = dict(data)
    models = rest.get("models")
    if isinstance(models, list):
        models = [m for m in models if not (isinstance(m, dict) and is_own(m.get("name")))]
    if not models:
        rest.pop("models", None)
    else:
        rest["models"] = models
    return rest
