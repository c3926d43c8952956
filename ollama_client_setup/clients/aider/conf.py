"""~/.aider.conf.yml: `model:` and the OLLAMA_API_BASE item of `set-env:`, every other line
kept byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.config import endpoints
from ollama_client_setup.edits.changes import Change, Memo, Rendered
from ollama_client_setup.formats import spans
from ollama_client_setup.formats import yaml_edit as yamlx

BASE = "OLLAMA_API_BASE="
MODEL_PREFIX = endpoints.aider_model("")


def conf_path() -> Path:
    return paths.home() / ".aider.conf.yml"


class AiderConf(Change):
    """The tool's two settings in .aider.conf.yml.

    Memo (taken the first time the tool edits the file, kept while the file holds the tool's
    values): `model` and `set-env` are the text after each key's colon before the edit (None:
    the key was absent), `item` the OLLAMA_API_BASE item the tool replaced (None: none),
    `eol` whether the file ended with a newline. Uninstall puts exactly that text back.
    """

    kind = "aider:conf"
    strict = True

    def __init__(self, path: Path, owner: str, model: str | None, root: str, **kwargs: Any):
        super().__init__(path, owner, **kwargs)
        self.model = endpoints.aider_model(model) if model else None
        self.item = BASE + root

    def render(self, current: str | None) -> Rendered:
        text = current or ""
        root = yamlx.parse_yaml(text)
        memo = None if self._ours(root) else _memo(text, root)
        before = _data(text)
        with spans.own_edits(paths.display(self.path)):
            if self.model:
                text = self._set_model(text)
            text = self._set_base(text)
            after = _data(text)
        if (
            _others(after) != _others(before)
            or (self.model and after.get("model") != self.model)
            or self.item not in (after.get("set-env") or [])
        ):
            raise spans.changed_meaning(paths.display(self.path))
        return Rendered(text, memo)

    def _ours(self, root: Any) -> bool:
        """Already written by the tool: a later render must keep the first memo, whose prior
        values are the user's own (the engine replaces the memo whenever one is returned)."""
        pair = yamlx.y_get(root, "model")
        if self.model and pair and pair[1].id == "scalar" and pair[1].value == self.model:
            return True
        # No fingerprint beyond that: an ollama_chat model beside an OLLAMA_API_BASE item is
        # also what people write by hand, and those values must be remembered. So a run that
        # changes host and model at once records the tool's values as the prior ones.
        return any(node.value == self.item for node in _base_items(root))

    def _set_model(self, text: str) -> str:
        assert self.model
        root = yamlx.parse_yaml(text)
        pair = yamlx.y_get(root, "model")
        if pair is None:
            pad = " " * yamlx.y_top_column(root)
            return yamlx.y_append_entry(text, root, [f"{pad}model: {yamlx.y_scalar(self.model)}"])
        key, value = pair
        if value.id == "scalar" and value.value == self.model:
            return text
        if value.id == "scalar" and not yamlx.y_is_null(value) and value.style in (None, "'", '"'):
            new = yamlx.y_scalar(self.model, value.style)
            return spans.splice(text, value.start_mark.index, value.end_mark.index, new)
        start, end = yamlx.y_segment(text, key, value)
        return spans.splice(text, start, end, " " + yamlx.y_scalar(self.model))

    def _set_base(self, text: str) -> str:
        root = yamlx.parse_yaml(text)
        pair = yamlx.y_get(root, "set-env")
        column = yamlx.y_top_column(root)
        _, offset = yamlx.y_style(text, root)
        dash = " " * (column + offset) + "- "
        if pair is None:
            lines = [" " * column + "set-env:", dash + yamlx.y_scalar(self.item)]
            return yamlx.y_append_entry(text, root, lines)
        key, value = pair
        if yamlx.y_is_null(value) or (value.id == "sequence" and not value.value):
            return yamlx.y_fill_empty(text, key, value, [dash + yamlx.y_scalar(self.item)])[0]
        if value.id != "sequence":
            raise ContentError(
                "set-env holds a single value; write it as a list (`set-env:` with `- NAME=value`"
                " lines) so ollama-client-setup can add OLLAMA_API_BASE to it",
                value.start_mark.line + 1,
                value.start_mark.column + 1,
            )
        found = _base_items(root)
        if found:
            node = found[0]
            if node.value == self.item:
                return text
            new = yamlx.y_scalar(self.item, node.style)
            return spans.splice(text, node.start_mark.index, node.end_mark.index, new)
        if value.flow_style:
            items = yamlx.y_flow_items(value)
            return spans.comma_insert(text, items, lambda _: yamlx.y_scalar(self.item), "", False)
        last = value.value[-1]
        start, end = yamlx.y_item_lines(text, last)
        prefix = text[start : last.start_mark.index]
        style = last.style if last.id == "scalar" else None
        return spans.insert_lines(text, end, prefix + yamlx.y_scalar(self.item, style) + "\n")

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        if memo is None:
            return current  # The file held these values before the tool came: leave them.
        text = current
        root = yamlx.parse_yaml(text)
        pair = yamlx.y_get(root, "model")
        if pair and _is_ours_model(pair[1]):
            key, value = pair
            if memo.get("model") is None:
                start, end = yamlx.y_entry_lines(text, key, value)
                text = spans.splice(text, start, end, "")
            else:
                start, end = yamlx.y_segment(text, key, value)
                text = spans.splice(text, start, end, memo["model"])
        with spans.own_edits("~/.aider.conf.yml"):
            return spans.restore_final_newline(_revert_base(text, memo), memo)


def _revert_base(text: str, memo: Memo) -> str:
    root = yamlx.parse_yaml(text)
    found = _base_items(root)
    pair = yamlx.y_get(root, "set-env")
    if not found or pair is None:
        return text
    key, value = pair
    node = found[0]
    if memo.get("item") is not None:
        return spans.splice(text, node.start_mark.index, node.end_mark.index, memo["item"])
    index = value.value.index(node)
    if value.flow_style:
        text = spans.comma_remove(text, yamlx.y_flow_items(value), index)
    else:
        start, end = yamlx.y_item_lines(text, node)
        text = spans.splice(text, start, end, "")
    root = yamlx.parse_yaml(text)
    key, value = yamlx.y_get(root, "set-env") or (key, value)
    if value.value and not yamlx.y_is_null(value):
        return text
    if memo.get("set-env") is None:
        start, end = yamlx.y_entry_lines(text, key, value)
        return spans.splice(text, start, end, "")
    if yamlx.y_is_null(value):
        return yamlx.y_unfill(text, key, memo["set-env"])
    return text


def _memo(text: str, root: Any) -> Memo:
    memo: Memo = {"model": None, "set-env": None, "item": None, "eol": spans.final_newline(text)}
    for name in ("model", "set-env"):
        pair = yamlx.y_get(root, name)
        if pair:
            start, end = yamlx.y_segment(text, *pair)
            memo[name] = text[start:end]
    found = _base_items(root)
    if found:
        node = found[0]
        memo["item"] = text[node.start_mark.index : node.end_mark.index]
    return memo


def _base_items(root: Any) -> list[Any]:
    pair = yamlx.y_get(root, "set-env")
    if pair is None or pair[1].id != "sequence":
        return []
    return [
        node
        for node in pair[1].value
        if node.id == "scalar" and isinstance(node.value, str) and node.value.startswith(BASE)
    ]


def _is_ours_model(node: Any) -> bool:
    return (
        node.id == "scalar" and isinstance(node.value, str) and node.value.startswith(MODEL_PREFIX)
    )


def _data(text: str) -> dict[str, Any]:
    data = spans.plain(yamlx.yaml_data(text))
    return data if isinstance(data, dict) else {}


def _others(data: dict[str, Any]) -> dict[str, Any]:
    """Everything but the tool's settings, to prove an edit touched nothing else."""
    rest = {k: v for k, v in data.items() if k != "model"}
    items = rest.get("set-env")
    if isinstance(items, list):
        items = [i for i in items if not (isinstance(i, str) and i.startswith(BASE))]
    if not items:
        rest.pop("set-env", None)
    else:
        rest["set-env"] = items
    return rest
