"""~/.aider.model.settings.yml: the tool's entry pins num_ctx for its model, so Aider does not
size it per prompt and restart the model on the server (docs/clients/aider.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ollama_client_setup.base import paths
from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.config import endpoints
from ollama_client_setup.edits.changes import Change, Memo, Rendered
from ollama_client_setup.formats import spans
from ollama_client_setup.formats import yaml_edit as yamlx

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
        root = yamlx.parse_yaml_list(text)
        # Checked in the user's text, so a refusal's line and column point into their file.
        _check_entry(text, root, self.name)
        memo = None if _marks(text, root) else {"eol": spans.final_newline(text)}
        with spans.own_edits(shown):
            user = _strip(text)
            want = _read(_pinned(user, self.name, self.num_ctx))
            # Already right (perhaps with the user's entries after the tool's): leave it.
            if _read(_entries(text)) != want or _user_part(text, user) != user:
                text = self._pin(user)
            ok = _read(_entries(text)) == want and _user_part(text, user) == user
        if not ok:
            raise spans.changed_meaning(shown)
        return Rendered(text, memo)

    def _pin(self, text: str) -> str:
        """Add the tool's part to a text that has none."""
        root = yamlx.parse_yaml_list(text)
        items = root.value if root is not None else []
        unit, offset = yamlx.y_style(text, root)
        entry = _user_entry(text, items, self.name)
        if entry is None:
            block = {"name": self.name, "extra_params": {"num_ctx": self.num_ctx}}
            if items:
                start, at = yamlx.y_item_lines(text, items[-1])
                column = text.index("-", start) - start
            else:
                at, column = len(text), 0
            return _insert_marked(text, at, yamlx.y_block([block], column, unit, offset))
        pair = yamlx.y_get(entry, "extra_params")
        if pair is None:
            column = entry.value[0][0].start_mark.column
            block = {"extra_params": {"num_ctx": self.num_ctx}}
            at = spans.next_line(text, _end(text, entry))
            return _insert_marked(text, at, yamlx.y_block(block, column, unit, offset))
        params = pair[1]
        found = yamlx.y_get(params, "num_ctx")
        if found is None:
            column = params.value[0][0].start_mark.column
            at = spans.next_line(text, _end(text, params))
            lines = yamlx.y_block({"num_ctx": self.num_ctx}, column, unit, offset)
            return _insert_marked(text, at, lines)
        value = found[1]
        if value.style is None and value.value == str(self.num_ctx):
            return text  # The user's own value already: nothing of the tool's to add.
        start, end = value.start_mark.index, value.end_mark.index
        was = json.dumps(text[start:end], ensure_ascii=False)
        return spans.splice(text, start, end, f"{self.num_ctx}  {WAS}{was}")

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        yamlx.parse_yaml_list(current)  # The user's file: its errors are the user's to fix.
        with spans.own_edits("~/.aider.model.settings.yml"):
            return spans.restore_final_newline(_strip(current), memo or {})


def _check_entry(text: str, root: Any, name: str) -> None:
    """Refuse a user's entry for the model whose num_ctx cannot be set by editing lines."""
    entry = _user_entry(text, root.value if root is not None else [], name)
    if entry is None:
        return
    if entry.flow_style:
        raise _unsettable(f"the entry for {name} is a {{...}} mapping", "`key: value` lines", entry)
    pair = yamlx.y_get(entry, "extra_params")
    if pair is None or _note(text, yamlx.y_colon(text, pair[0]))[0] == ADDED:
        return  # None yet, or the tool's own: it is written afresh.
    key, params = pair
    if params.id != "mapping" or params.flow_style or not params.value:
        what = f"extra_params of the entry for {name} is not `key: value` lines"
        raise _unsettable(what, "`key: value` lines", key)
    found = yamlx.y_get(params, "num_ctx")
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
    return node.id == "scalar" and not yamlx.y_is_null(node) and node.style in (None, "'", '"')


def _user_entry(text: str, items: list[Any], name: str) -> Any:
    """The user's entry for the name: the last one, as Aider lets it replace the others."""
    found = None
    for item in items:
        if item.id != "mapping" or _own_entry(text, item):
            continue
        pair = yamlx.y_get(item, "name")
        if pair and pair[1].id == "scalar" and pair[1].value == name:
            found = item
    return found


def _own_entry(text: str, item: Any) -> bool:
    """The tool's own entry: its name line carries the ADDED note."""
    pair = yamlx.y_get(item, "name")
    return (
        pair is not None and pair[1].id == "scalar" and _note(text, _end(text, pair[1]))[0] == ADDED
    )


def _insert_marked(text: str, at: int, lines: list[str]) -> str:
    lines = [lines[0] + "  " + ADDED, *lines[1:]]
    return spans.insert_lines(text, at, "".join(line + "\n" for line in lines))


def _end(text: str, node: Any) -> int:
    end = yamlx.y_end(text, node)
    return node.end_mark.index if end is None else end


def _note(text: str, index: int) -> tuple[str, int]:
    """The comment after `index` on its line, and where that line's text ends."""
    tail = text[index : spans.line_end(text, index)].rstrip("\r")
    return tail.strip(), index + len(tail)


def _marks(text: str, root: Any) -> list[tuple[int, int, str]]:
    """The tool's parts, each as the splice that takes it out: (start, end, new text)."""
    out: list[tuple[int, int, str]] = []
    for item in root.value if root is not None else []:
        if item.id != "mapping" or item.flow_style:
            continue
        if _own_entry(text, item):
            out.append((*yamlx.y_item_lines(text, item), ""))
            continue
        pair = yamlx.y_get(item, "extra_params")
        if pair is None:
            continue
        key, params = pair
        block = params.id == "mapping" and not params.flow_style
        found = yamlx.y_get(params, "num_ctx") if block else None
        note, stop = _note(text, yamlx.y_colon(text, key))
        if note == ADDED:
            if yamlx.y_is_null(params) or (found and len(params.value) == 1):
                out.append((*yamlx.y_entry_lines(text, key, params), ""))
            elif found:  # The user added to it: those keys stay, under the key.
                out.append((*yamlx.y_entry_lines(text, *found), ""))
            else:  # The user rewrote it: it is theirs now, but for the note.
                out.append((yamlx.y_colon(text, key), stop, ""))
        elif found is not None and found[1].id == "scalar":
            value = found[1]
            note, stop = _note(text, value.end_mark.index)
            if note == ADDED:
                out.append((*yamlx.y_entry_lines(text, *found), ""))
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
    if not isinstance(old, str) or stop is None or stop > spans.line_end(text, at):
        raise ContentError(
            "the note ollama-client-setup left after num_ctx was edited, so the value it "
            "replaced is unknown; set num_ctx as you want it and delete the note",
            *spans.line_col(text, value.start_mark.index),
        )
    return value.start_mark.index, stop, old


def _strip(text: str) -> str:
    """The text without the tool's parts (one at a time: positions move)."""
    while True:
        marks = _marks(text, yamlx.parse_yaml_list(text))
        if not marks:
            return text
        start, end, new = marks[-1]
        text = spans.splice(text, start, end, new)


def _entries(text: str) -> list[Any]:
    data = spans.plain(yamlx.yaml_data(text))
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
    return spans.restore_final_newline(_strip(text), {"eol": spans.final_newline(user)})
