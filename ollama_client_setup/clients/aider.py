"""Aider: `model:` and an OLLAMA_API_BASE item in `set-env:` of ~/.aider.conf.yml, and a
pinned num_ctx for that model in ~/.aider.model.settings.yml (the server's own window for the
model, or `init --context N`).

OLLAMA_API_BASE is the server root: Aider (through litellm) appends /api/chat itself, and a
/v1 there fails silently (docs/clients/aider.md). Every other line of either file is
kept byte for byte.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.clients.base import Client, ClientContext
from ollama_client_setup.config import endpoints
from ollama_client_setup.edits.changes import Change, Memo, Rendered
from ollama_client_setup.formats import structured as st

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
        root = st.parse_yaml(text)
        memo = None if self._ours(root) else _memo(text, root)
        before = _data(text)
        with st.own_edits(paths.display(self.path)):
            if self.model:
                text = self._set_model(text)
            text = self._set_base(text)
            after = _data(text)
        if (
            _others(after) != _others(before)
            or (self.model and after.get("model") != self.model)
            or self.item not in (after.get("set-env") or [])
        ):
            raise st.changed_meaning(paths.display(self.path))
        return Rendered(text, memo)

    def _ours(self, root: Any) -> bool:
        """Already written by the tool: a later render must keep the first memo, whose prior
        values are the user's own (the engine replaces the memo whenever one is returned)."""
        pair = st.y_get(root, "model")
        if self.model and pair and pair[1].id == "scalar" and pair[1].value == self.model:
            return True
        # No fingerprint beyond that: an ollama_chat model beside an OLLAMA_API_BASE item is
        # also what people write by hand, and those values must be remembered. So a run that
        # changes host and model at once records the tool's values as the prior ones.
        return any(node.value == self.item for node in _base_items(root))

    def _set_model(self, text: str) -> str:
        assert self.model
        root = st.parse_yaml(text)
        pair = st.y_get(root, "model")
        if pair is None:
            pad = " " * st.y_top_column(root)
            return st.y_append_entry(text, root, [f"{pad}model: {st.y_scalar(self.model)}"])
        key, value = pair
        if value.id == "scalar" and value.value == self.model:
            return text
        if value.id == "scalar" and not st.y_is_null(value) and value.style in (None, "'", '"'):
            new = st.y_scalar(self.model, value.style)
            return st.splice(text, value.start_mark.index, value.end_mark.index, new)
        start, end = st.y_segment(text, key, value)
        return st.splice(text, start, end, " " + st.y_scalar(self.model))

    def _set_base(self, text: str) -> str:
        root = st.parse_yaml(text)
        pair = st.y_get(root, "set-env")
        column = st.y_top_column(root)
        _, offset = st.y_style(text, root)
        dash = " " * (column + offset) + "- "
        if pair is None:
            lines = [" " * column + "set-env:", dash + st.y_scalar(self.item)]
            return st.y_append_entry(text, root, lines)
        key, value = pair
        if st.y_is_null(value) or (value.id == "sequence" and not value.value):
            return st.y_fill_empty(text, key, value, [dash + st.y_scalar(self.item)])[0]
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
            new = st.y_scalar(self.item, node.style)
            return st.splice(text, node.start_mark.index, node.end_mark.index, new)
        if value.flow_style:
            items = st.y_flow_items(value)
            return st.comma_insert(text, items, lambda _: st.y_scalar(self.item), "", False)
        last = value.value[-1]
        start, end = st.y_item_lines(text, last)
        prefix = text[start : last.start_mark.index]
        style = last.style if last.id == "scalar" else None
        return st.insert_lines(text, end, prefix + st.y_scalar(self.item, style) + "\n")

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        if memo is None:
            return current  # The file held these values before the tool came: leave them.
        text = current
        root = st.parse_yaml(text)
        pair = st.y_get(root, "model")
        if pair and _is_ours_model(pair[1]):
            key, value = pair
            if memo.get("model") is None:
                start, end = st.y_entry_lines(text, key, value)
                text = st.splice(text, start, end, "")
            else:
                start, end = st.y_segment(text, key, value)
                text = st.splice(text, start, end, memo["model"])
        with st.own_edits("~/.aider.conf.yml"):
            return st.restore_final_newline(_revert_base(text, memo), memo)


def _revert_base(text: str, memo: Memo) -> str:
    root = st.parse_yaml(text)
    found = _base_items(root)
    pair = st.y_get(root, "set-env")
    if not found or pair is None:
        return text
    key, value = pair
    node = found[0]
    if memo.get("item") is not None:
        return st.splice(text, node.start_mark.index, node.end_mark.index, memo["item"])
    index = value.value.index(node)
    if value.flow_style:
        text = st.comma_remove(text, st.y_flow_items(value), index)
    else:
        start, end = st.y_item_lines(text, node)
        text = st.splice(text, start, end, "")
    root = st.parse_yaml(text)
    key, value = st.y_get(root, "set-env") or (key, value)
    if value.value and not st.y_is_null(value):
        return text
    if memo.get("set-env") is None:
        start, end = st.y_entry_lines(text, key, value)
        return st.splice(text, start, end, "")
    if st.y_is_null(value):
        return st.y_unfill(text, key, memo["set-env"])
    return text


def _memo(text: str, root: Any) -> Memo:
    memo: Memo = {"model": None, "set-env": None, "item": None, "eol": st.final_newline(text)}
    for name in ("model", "set-env"):
        pair = st.y_get(root, name)
        if pair:
            start, end = st.y_segment(text, *pair)
            memo[name] = text[start:end]
    found = _base_items(root)
    if found:
        node = found[0]
        memo["item"] = text[node.start_mark.index : node.end_mark.index]
    return memo


def _base_items(root: Any) -> list[Any]:
    pair = st.y_get(root, "set-env")
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
    data = st.plain(st.yaml_data(text))
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


# --- ~/.aider.model.settings.yml ------------------------------------------------------------

#: On the first line of what the tool added (its own entry, or a key in the user's entry).
ADDED = "# added by ollama-client-setup"
#: After a value of the user's that the tool replaced; the old text follows as a JSON string.
WAS = "# set by ollama-client-setup, was: "


def settings_path() -> Path:
    return paths.home() / ".aider.model.settings.yml"


class AiderModelSettings(Change):
    """The tool's num_ctx for its model in ~/.aider.model.settings.yml (a YAML list).

    Aider lets a later entry with the same name replace an earlier one whole, so a second
    entry would hide the user's own settings for the model. Hence: when the user has no
    entry named `ollama_chat/<model>`, the tool appends one of its own; when they have one,
    it sets only that entry's extra_params.num_ctx.

    Everything the tool wrote is marked by a comment on its line (ADDED, or WAS with the
    replaced text): render never sees the memo, yet `model use` must give a user's entry its
    old value back at once, so the file itself says what is the tool's. The memo (from the
    first edit) holds only `eol`: whether the file ended with a newline.
    """

    kind = "aider:model-settings"
    strict = True

    def __init__(self, path: Path, owner: str, model: str, num_ctx: int, **kwargs: Any):
        super().__init__(path, owner, **kwargs)
        self.name = endpoints.aider_model(model)
        self.num_ctx = num_ctx

    def render(self, current: str | None) -> Rendered:
        text = current or ""
        shown = paths.display(self.path)
        root = st.parse_yaml_list(text)
        # Checked in the user's text, so a refusal's line and column point into their file.
        _check_entry(text, root, self.name)
        memo = None if _marks(text, root) else {"eol": st.final_newline(text)}
        with st.own_edits(shown):
            user = _strip(text)
            want = _read(_pinned(user, self.name, self.num_ctx))
            # Already right (perhaps with the user's entries after the tool's): leave it.
            if _read(_entries(text)) != want or _user_part(text, user) != user:
                text = self._pin(user)
            ok = _read(_entries(text)) == want and _user_part(text, user) == user
        if not ok:
            raise st.changed_meaning(shown)
        return Rendered(text, memo)

    def _pin(self, text: str) -> str:
        """Add the tool's part to a text that has none."""
        root = st.parse_yaml_list(text)
        items = root.value if root is not None else []
        unit, offset = st.y_style(text, root)
        entry = _user_entry(text, items, self.name)
        if entry is None:
            block = {"name": self.name, "extra_params": {"num_ctx": self.num_ctx}}
            if items:
                start, at = st.y_item_lines(text, items[-1])
                column = text.index("-", start) - start
            else:
                at, column = len(text), 0
            return _insert_marked(text, at, st.y_block([block], column, unit, offset))
        pair = st.y_get(entry, "extra_params")
        if pair is None:
            column = entry.value[0][0].start_mark.column
            block = {"extra_params": {"num_ctx": self.num_ctx}}
            at = st.next_line(text, _end(text, entry))
            return _insert_marked(text, at, st.y_block(block, column, unit, offset))
        params = pair[1]
        found = st.y_get(params, "num_ctx")
        if found is None:
            column = params.value[0][0].start_mark.column
            at = st.next_line(text, _end(text, params))
            lines = st.y_block({"num_ctx": self.num_ctx}, column, unit, offset)
            return _insert_marked(text, at, lines)
        value = found[1]
        if value.style is None and value.value == str(self.num_ctx):
            return text  # The user's own value already: nothing of the tool's to add.
        start, end = value.start_mark.index, value.end_mark.index
        was = json.dumps(text[start:end], ensure_ascii=False)
        return st.splice(text, start, end, f"{self.num_ctx}  {WAS}{was}")

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        st.parse_yaml_list(current)  # The user's file: its errors are the user's to fix.
        with st.own_edits("~/.aider.model.settings.yml"):
            return st.restore_final_newline(_strip(current), memo or {})


def _check_entry(text: str, root: Any, name: str) -> None:
    """Refuse a user's entry for the model whose num_ctx cannot be set by editing lines."""
    entry = _user_entry(text, root.value if root is not None else [], name)
    if entry is None:
        return
    if entry.flow_style:
        raise _unsettable(f"the entry for {name} is a {{...}} mapping", "`key: value` lines", entry)
    pair = st.y_get(entry, "extra_params")
    if pair is None or _note(text, st.y_colon(text, pair[0]))[0] == ADDED:
        return  # None yet, or the tool's own: it is written afresh.
    key, params = pair
    if params.id != "mapping" or params.flow_style or not params.value:
        what = f"extra_params of the entry for {name} is not `key: value` lines"
        raise _unsettable(what, "`key: value` lines", key)
    found = st.y_get(params, "num_ctx")
    if found and not _plain(found[1]):
        what = f"num_ctx of the entry for {name} is not a plain value"
        raise _unsettable(what, "a plain number", found[0])


def _unsettable(problem: str, fix: str, node: Any) -> ContentError:
    return ContentError(
        f"{problem}, so ollama-client-setup cannot set num_ctx in it; write it as {fix}",
        node.start_mark.line + 1,
        node.start_mark.column + 1,
    )


def _plain(node: Any) -> bool:
    return node.id == "scalar" and not st.y_is_null(node) and node.style in (None, "'", '"')


def _user_entry(text: str, items: list[Any], name: str) -> Any:
    """The user's entry for the name: the last one, as Aider lets it replace the others."""
    found = None
    for item in items:
        if item.id != "mapping" or _own_entry(text, item):
            continue
        pair = st.y_get(item, "name")
        if pair and pair[1].id == "scalar" and pair[1].value == name:
            found = item
    return found


def _own_entry(text: str, item: Any) -> bool:
    """The tool's own entry: its name line carries the ADDED note."""
    pair = st.y_get(item, "name")
    return bool(pair) and pair[1].id == "scalar" and _note(text, _end(text, pair[1]))[0] == ADDED


def _insert_marked(text: str, at: int, lines: list[str]) -> str:
    lines = [lines[0] + "  " + ADDED, *lines[1:]]
    return st.insert_lines(text, at, "".join(line + "\n" for line in lines))


def _end(text: str, node: Any) -> int:
    end = st.y_end(text, node)
    return node.end_mark.index if end is None else end


def _note(text: str, index: int) -> tuple[str, int]:
    """The comment after `index` on its line, and where that line's text ends."""
    tail = text[index : st.line_end(text, index)].rstrip("\r")
    return tail.strip(), index + len(tail)


def _marks(text: str, root: Any) -> list[tuple[int, int, str]]:
    """The tool's parts, each as the splice that takes it out: (start, end, new text)."""
    out: list[tuple[int, int, str]] = []
    for item in root.value if root is not None else []:
        if item.id != "mapping" or item.flow_style:
            continue
        if _own_entry(text, item):
            out.append((*st.y_item_lines(text, item), ""))
            continue
        pair = st.y_get(item, "extra_params")
        if pair is None:
            continue
        key, params = pair
        block = params.id == "mapping" and not params.flow_style
        found = st.y_get(params, "num_ctx") if block else None
        note, stop = _note(text, st.y_colon(text, key))
        if note == ADDED:
            if st.y_is_null(params) or (found and len(params.value) == 1):
                out.append((*st.y_entry_lines(text, key, params), ""))
            elif found:  # The user added to it: those keys stay, under the key.
                out.append((*st.y_entry_lines(text, *found), ""))
            else:  # The user rewrote it: it is theirs now, but for the note.
                out.append((st.y_colon(text, key), stop, ""))
        elif found is not None and found[1].id == "scalar":
            value = found[1]
            note, stop = _note(text, value.end_mark.index)
            if note == ADDED:
                out.append((*st.y_entry_lines(text, *found), ""))
            elif note.startswith(WAS):
                out.append(_was(text, value))
    return out


def _was(text: str, value: Any) -> tuple[int, int, str]:
    """The splice that gives a replaced value its old text back (kept in the WAS note)."""
    at = text.index(WAS, value.end_mark.index) + len(WAS)
    try:
        old, stop = json.JSONDecoder().raw_decode(text, at)
    except ValueError:
        old = stop = None
    if not isinstance(old, str) or stop is None or stop > st.line_end(text, at):
        raise ContentError(
            "the note ollama-client-setup left after num_ctx was edited, so the value it "
            "replaced is unknown; set num_ctx as you want it and delete the note",
            *st.line_col(text, value.start_mark.index),
        )
    return value.start_mark.index, stop, old


def _strip(text: str) -> str:
    """The text without the tool's parts (one at a time: positions move)."""
    while True:
        marks = _marks(text, st.parse_yaml_list(text))
        if not marks:
            return text
        start, end, new = marks[-1]
        text = st.splice(text, start, end, new)


def _entries(text: str) -> list[Any]:
    data = st.plain(st.yaml_data(text))
    return data if isinstance(data, list) else []


def _read(entries: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    """What Aider takes from the entries: the last of each name (a later one replaces an
    earlier one whole; the order of different names does not matter), and the rest."""
    named: dict[str, Any] = {}
    rest: list[Any] = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            named[entry["name"]] = entry
        else:
            rest.append(entry)
    return named, rest


def _pinned(text: str, name: str, num_ctx: int) -> list[Any]:
    """What Aider should read: the user's entries with the tool's num_ctx in place."""
    entries = _entries(text)
    own = [e for e in entries if isinstance(e, dict) and e.get("name") == name]
    if own and isinstance(own[-1].get("extra_params"), dict):
        own[-1]["extra_params"]["num_ctx"] = num_ctx
    elif own:
        own[-1]["extra_params"] = {"num_ctx": num_ctx}
    else:
        entries.append({"name": name, "extra_params": {"num_ctx": num_ctx}})
    return entries


def _user_part(text: str, user: str) -> str:
    """`text` without the tool's parts, to compare with the user's text `user` (an append to
    a last line without a newline had to add one)."""
    return st.restore_final_newline(_strip(text), {"eol": st.final_newline(user)})


class Aider(Client):
    name = "aider"
    title = "Aider"
    program = "aider"

    def config_dir(self, environ: Mapping[str, str]) -> Path:
        return paths.home()

    def detected(self, environ: Mapping[str, str]) -> bool:
        # The home folder always exists, so only the config file or the program count.
        found = shutil.which(self.program, path=environ.get("PATH"))
        return bool(found) or conf_path().exists()

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
