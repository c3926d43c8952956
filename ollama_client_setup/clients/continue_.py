"""Continue: the tool's model entries in config.yaml (or the legacy config.json).

config.yaml wins when both exist, and the Continue CLI reads only config.yaml, so it is
written unless a legacy config.json is the only file there (the IDE extensions then still
read config.json, and a new config.yaml would hide it). The tool's entries are the ones
whose name (title in config.json) ends in OWN_SUFFIX: they are updated in place when the
model changes and removed at uninstall; every other entry is left alone.

Their names never contain the model: Continue remembers the selected model by name (`cn`
in index/globalContext.json's `cliSelectedModel`, the IDE extensions per profile), and a
name that changed with `model use` would match nothing there, so Continue fell back to the
first model in the file, perhaps a paid provider's. Entries written by earlier versions,
named `MODEL (ollama-client-setup)`, end in the same suffix: they are recognised as the
tool's own and renamed in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.clients.base import Client, ClientContext
from ollama_client_setup.edits.changes import Change, Memo, Rendered
from ollama_client_setup.formats import structured as st

OWN_SUFFIX = " (ollama-client-setup)"
#: The names of the tool's chat and autocomplete entries, the same whatever the model.
CHAT_NAME = "Ollama server" + OWN_SUFFIX
AUTOCOMPLETE_NAME = "Ollama server autocomplete" + OWN_SUFFIX
AUTOCOMPLETE = "autocomplete"
#: The top of a config.yaml the tool creates (Continue requires name and version).
SCAFFOLD = {"name": "Local Config", "version": "1.0.0", "schema": "v1"}


def global_dir(environ: Mapping[str, str]) -> Path:
    custom = environ.get("CONTINUE_GLOBAL_DIR")
    return Path(custom).expanduser() if custom else paths.home() / ".continue"


def entry_name(autocomplete: bool = False) -> str:
    """The name (title in config.json) of the tool's entry for a role: stable across model
    switches, so Continue's saved selection of it still matches after `model use`."""
    return AUTOCOMPLETE_NAME if autocomplete else CHAT_NAME


def is_own(name: object) -> bool:
    """The tool's entries, under their names now and under the model-based names earlier
    versions wrote (`MODEL (ollama-client-setup)`, `MODEL autocomplete (...)`)."""
    return isinstance(name, str) and name.endswith(OWN_SUFFIX)


def wanted(ctx: ClientContext) -> list[tuple[str, str]]:
    """(role, model) pairs: "chat" for the default roles, "autocomplete" for tab completion."""
    out = [("chat", ctx.model)] if ctx.model else []
    if ctx.options.autocomplete_model:
        out.append((AUTOCOMPLETE, ctx.options.autocomplete_model))
    return out


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
        root = st.parse_yaml(text)
        memo = None if _own_yaml(root) else _yaml_memo(text, root)
        before = _yaml_data(text)
        with st.own_edits(paths.display(self.path)):
            if root is None:
                lines = [f"{key}: {st.y_scalar(value)}" for key, value in SCAFFOLD.items()]
                text = st.y_append_entry(text, root, lines)
                before = dict(SCAFFOLD)
            for entry in self.entries:
                text = self._put(text, entry)
            text = _drop_own_yaml(text, keep={e["name"] for e in self.entries})
            after = _yaml_data(text)
        got = [
            e for e in after.get("models") or [] if isinstance(e, dict) and is_own(e.get("name"))
        ]
        if _yaml_others(after) != _yaml_others(before) or got != self.entries:
            raise st.changed_meaning(paths.display(self.path))
        return Rendered(text, memo)

    def _put(self, text: str, entry: dict[str, Any]) -> str:
        """Update the tool's entry for this role in place, or append it."""
        root = st.parse_yaml(text)
        column = st.y_top_column(root)
        unit, offset = st.y_style(text, root)
        pair = st.y_get(root, "models")
        if pair is None:
            body = st.y_block([entry], column + offset, unit, offset)
            return st.y_append_entry(text, root, [" " * column + "models:", *body])
        key, value = pair
        if st.y_is_null(value) or (value.id == "sequence" and not value.value):
            body = st.y_block([entry], column + offset, unit, offset)
            return st.y_fill_empty(text, key, value, body)[0]
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
            flow = st.json_value(entry, "", None)
            if index is None:
                return st.comma_insert(text, st.y_flow_items(value), lambda _: flow, "", False)
            node = value.value[index]
            return st.splice(text, node.start_mark.index, node.end_mark.index, flow)
        if index is not None:
            if data[index] == entry:
                return text
            start, end = st.y_item_lines(text, value.value[index])
            dash = text.index("-", start) - start
            lines = st.y_block([entry], dash, unit, offset)
            return st.splice(text, start, end, "".join(line + "\n" for line in lines))
        last = value.value[-1]
        start, end = st.y_item_lines(text, last)
        # The dash's own column (the items may put more than one space after it).
        dash = text.index("-", start) - start
        lines = st.y_block([entry], dash, unit, offset)
        return st.insert_lines(text, end, "".join(line + "\n" for line in lines))

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        st.parse_yaml(current)  # The user's file: its errors are the user's to fix.
        with st.own_edits("Continue's config.yaml"):
            return cls._revert(current, memo)

    @classmethod
    def _revert(cls, current: str, memo: Memo | None) -> str | None:
        # Entries named as the tool's are its own whatever the memo says.
        text = _drop_own_yaml(current, keep=set())
        if memo is None:
            return text
        root = st.parse_yaml(text)
        pair = st.y_get(root, "models")
        if pair is not None and st.y_is_null(pair[1]):
            key, value = pair
            if memo.get("models") is None:
                start, end = st.y_entry_lines(text, key, value)
                text = st.splice(text, start, end, "")
            else:
                text = st.y_unfill(text, key, memo["models"])
        if memo.get("scaffold") is not None:
            data = _yaml_data(text)
            if data == SCAFFOLD:
                return memo["scaffold"]
        return st.restore_final_newline(text, memo)


def _own_yaml(root: Any) -> bool:
    pair = st.y_get(root, "models")
    if pair is None or pair[1].id != "sequence":
        return False
    for item in pair[1].value:
        name = st.y_get(item, "name") if item.id == "mapping" else None
        if name and is_own(name[1].value):
            return True
    return False


def _drop_own_yaml(text: str, keep: set[str]) -> str:
    """Remove the tool's entries not in `keep` (one at a time: positions move)."""
    while True:
        root = st.parse_yaml(text)
        pair = st.y_get(root, "models")
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
            text = st.comma_remove(text, st.y_flow_items(value), index)
        else:
            start, end = st.y_item_lines(text, value.value[index])
            text = st.splice(text, start, end, "")


def _yaml_memo(text: str, root: Any) -> Memo:
    memo: Memo = {"models": None, "scaffold": None, "eol": st.final_newline(text)}
    if root is None:
        memo["scaffold"] = text
        return memo
    pair = st.y_get(root, "models")
    if pair is not None:
        start, end = st.y_segment(text, *pair)
        memo["models"] = text[start:end]
    return memo


def _yaml_data(text: str) -> dict[str, Any]:
    data = st.plain(st.yaml_data(text))
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
        unit = st.json_unit(text, root)
        with st.own_edits(paths.display(self.path)):
            text = _drop_own_json(text, keep_first=self.chat is not None)
            if self.chat is not None:
                text = self._put_chat(text, unit)
            if self.tab is not None:
                root = _json_root(text)
                if root.python().get("tabAutocompleteModel") != self.tab:
                    text = st.json_set(text, root, "tabAutocompleteModel", self.tab, unit)
            elif _own_title(_json_root(text).python().get("tabAutocompleteModel")):
                text = st.json_delete(text, _json_root(text), "tabAutocompleteModel")
            after = _json_root(text).python()
        owned = self.tab is not None
        ok = _json_others(after, owned) == _json_others(data, owned)
        ok = ok and [m for m in _list(after.get("models")) if _own_title(m)] == (
            [self.chat] if self.chat else []
        )
        if not ok or (self.tab is not None and after.get("tabAutocompleteModel") != self.tab):
            raise st.changed_meaning(paths.display(self.path))
        return Rendered(text, memo)

    def _put_chat(self, text: str, unit: str) -> str:
        root = _json_root(text)
        member = root.get("models")
        if member is None:
            return st.json_set(text, root, "models", [self.chat], unit)
        if member.node.kind != "array":
            raise ContentError(
                'its "models" must be a list [...]', *st.line_col(text, member.start)
            )
        for node in member.node.items:
            if _own_title(node.python()):
                if node.python() == self.chat:
                    return text
                return st.json_replace(text, node, self.chat, unit)
        return st.json_append(text, member.node, self.chat, unit)

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        _json_root(current)  # The user's file: its errors are the user's to fix.
        with st.own_edits("Continue's config.json"):
            return cls._revert(current, memo)

    @classmethod
    def _revert(cls, current: str, memo: Memo | None) -> str | None:
        text = _drop_own_json(current, keep_first=False)
        root = _json_root(text)
        unit = st.json_unit(text, root)
        models = root.get("models")
        if memo and not memo.get("models") and models and not models.node.items:
            text = st.json_delete(text, root, "models")
            root = _json_root(text)
        if _own_title(root.python().get("tabAutocompleteModel")):
            prior = (memo or {}).get("tab")
            if prior is None:
                text = st.json_delete(text, root, "tabAutocompleteModel")
            else:
                text = st.json_set_raw(text, root, "tabAutocompleteModel", prior, unit)
        return text


def _json_root(text: str) -> st.JNode:
    node = st.parse_json(text, jsonc=True)
    return st.json_object(node, "config.json", text)


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
        text = st.comma_remove(text, member.node.layout(), own[-1])


def _json_memo(text: str, root: st.JNode) -> Memo:
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


# --- the client ------------------------------------------------------------------------------


class Continue(Client):
    name = "continue"
    title = "Continue"
    program = "cn"

    def config_dir(self, environ: Mapping[str, str]) -> Path:
        return global_dir(environ)

    def config_path(self, environ: Mapping[str, str]) -> Path:
        folder = global_dir(environ)
        if (folder / "config.json").exists() and not (folder / "config.yaml").exists():
            return folder / "config.json"
        return folder / "config.yaml"

    def changes(self, ctx: ClientContext) -> list[Change]:
        roles = wanted(ctx)
        if not roles:
            return []  # Nothing to add; a file written before is reverted by the engine.
        path = self.config_path(ctx.environ)
        common = {"skip_flag": ctx.skip_flag}
        if path.suffix == ".json":
            models = dict(roles)
            chat = json_entry(models["chat"], False, ctx) if "chat" in models else None
            tab = json_entry(models[AUTOCOMPLETE], True, ctx) if AUTOCOMPLETE in models else None
            return [ContinueJson(path, "continue", chat, tab, **common)]
        entries = [yaml_entry(role, model, ctx) for role, model in roles]
        body = "\n".join(st.y_block(entries, 2, 2, 2))
        manual = f"add these entries to `models:` in {paths.display(path)} yourself:\n{body}"
        return [ContinueYaml(path, "continue", entries, manual=manual, **common)]

    def describe(self, ctx: ClientContext) -> str:
        names = ", ".join(f'{m} as "{entry_name(r == AUTOCOMPLETE)}"' for r, m in wanted(ctx))
        where = paths.display(self.config_path(ctx.environ))
        return f"Continue: {names or '(no model chosen)'} in {where}"


CLIENT = Continue()
