"""The legacy ~/.continue/config.json: the tool's model entries, the rest kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.clients.base import ClientContext
from ollama_client_setup.clients.continue_.entries import entry_name, is_own
from ollama_client_setup.edits.changes import Change, Memo, Rendered
from ollama_client_setup.formats import json_edit as jsonx
from ollama_client_setup.formats import spans

# --- legacy config.json ----------------------------------------------------------------------


def json_entry(model: str, autocomplete: bool, ctx: ClientContext) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "title": entry_name(autocomplete),
        "provider": "ollama",
        "model": model,
        "apiBase": ctx.root,
    }
    window = ctx.num_ctx_of(model)
    if window:
        entry["contextLength"] = window
    return entry


def _own_title(value: Any) -> bool:
    return isinstance(value, dict) and is_own(value.get("title"))


class ContinueJson(Change):
    """The tool's entry in `models` and its `tabAutocompleteModel` in a legacy config.json
    (JSONC: Continue accepts comments there).

    Memo (from the first edit): `models` whether the list existed, `tab` the
    tabAutocompleteModel's JSON text as written before (None: absent).
    """

    kind = "continue:json"
    strict = True

    def __init__(
        self,
        path: Path,
        owner: str,
        chat: dict[str, Any] | None,
        tab: dict[str, Any] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(path, owner, **kwargs)
        self.chat = chat
        self.tab = tab

    def render(self, current: str | None) -> Rendered:
        text = current or "{}\n"
        root = _json_root(text)
        data = root.python()
        own = any(_own_title(m) for m in _list(data.get("models"))) or _own_title(
            data.get("tabAutocompleteModel")
        )
        memo = None if own else _json_memo(text, root)
        unit = jsonx.json_unit(text, root)
        with spans.own_edits(paths.display(self.path)):
            text = _drop_own_json(text, keep_first=self.chat is not None)
            if self.chat is not None:
                text = self._put_chat(text, unit)
            if self.tab is not None:
                root = _json_root(text)
                if root.python().get("tabAutocompleteModel") != self.tab:
                    text = jsonx.json_set(text, root, "tabAutocompleteModel", self.tab, unit)
            elif _own_title(_json_root(text).python().get("tabAutocompleteModel")):
                text = jsonx.json_delete(text, _json_root(text), "tabAutocompleteModel")
            after = _json_root(text).python()
        owned = self.tab is not None
        ok = _json_others(after, owned) == _json_others(data, owned)
        ok = ok and [m for m in _list(after.get("models")) if _own_title(m)] == (
            [self.chat] if self.chat else []
        )
        if not ok or (self.tab is not None and after.get("tabAutocompleteModel") != self.tab):
            raise spans.changed_meaning(paths.display(self.path))
        return Rendered(text, memo)

    def _put_chat(self, text: str, unit: str) -> str:
        root = _json_root(text)
        member = root.get("models")
        if member is None:
            return jsonx.json_set(text, root, "models", [self.chat], unit)
        if member.node.kind != "array":
            raise ContentError(
                'its "models" must be a list [...]', *spans.line_col(text, member.start)
            )
        for node in member.node.items:
            if _own_title(node.python()):
                if node.python() == self.chat:
                    return text
                return jsonx.json_replace(text, node, self.chat, unit)
        return jsonx.json_append(text, member.node, self.chat, unit)

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        _json_root(current)  # The user's file: its errors are the user's to fix.
        with spans.own_edits("Continue's config.json"):
            return cls._revert(current, memo)

    @classmethod
    def _revert(cls, current: str, memo: Memo | None) -> str | None:
        text = _drop_own_json(current, keep_first=False)
        root = _json_root(text)
        unit = jsonx.json_unit(text, root)
        models = root.get("models")
        if memo and not memo.get("models") and models and not models.node.items:
            text = jsonx.json_delete(text, root, "models")
            root = _json_root(text)
        if _own_title(root.python().get("tabAutocompleteModel")):
            prior = (memo or {}).get("tab")
            if prior is None:
                text = jsonx.json_delete(text, root, "tabAutocompleteModel")
            else:
                text = jsonx.json_set_raw(text, root, "tabAutocompleteModel", prior, unit)
        return text


def _json_root(text: str) -> jsonx.JNode:
    node = jsonx.parse_json(text, jsonc=True)
    return jsonx.json_object(node, "config.json", text)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _drop_own_json(text: str, keep_first: bool) -> str:
    """Remove the tool's entries from `models` (but the first, which is updated in place)."""
    while True:
        root = _json_root(text)
        member = root.get("models")
        if member is None or member.node.kind != "array":
            return text
        own = [i for i, node in enumerate(member.node.items) if _own_title(node.python())]
        if len(own) <= (1 if keep_first else 0):
            return text
        text = spans.comma_remove(text, member.node.layout(), own[-1])


def _json_memo(text: str, root: jsonx.JNode) -> Memo:
    tab = root.get("tabAutocompleteModel")
    return {
        "models": root.get("models") is not None,
        "tab": text[tab.node.start : tab.node.end] if tab else None,
    }


def _json_others(data: dict[str, Any], tab_owned: bool) -> dict[str, Any]:
    """Everything but the tool's entries, to prove an edit touched nothing else."""
    rest = dict(data)
    if isinstance(rest.get("models"), list):
        models = [m for m in rest["models"] if not _own_title(m)]
        if models:
            rest["models"] = models
        else:
            del rest["models"]
    if tab_owned or _own_title(rest.get("tabAutocompleteModel")):
        rest.pop("tabAutocompleteModel", None)
    return rest
