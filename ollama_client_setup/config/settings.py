"""The settings file: the one source of truth every managed file is rendered from.

TOML, edited with tomlkit so the user's comments and layout survive every change.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ollama_client_setup.base import names, paths, validate
from ollama_client_setup.base.errors import SettingsError
from ollama_client_setup.base.registry import CLIENTS, MODES

DEFAULT_HOST = "ollama-server"
DEFAULT_PORT = 11434
SHELLS = ("bash", "zsh", "fish", "sh", "pwsh")

_HEADER = """\
# Settings for ollama-client-setup. Every file the tool manages is generated from
# this file. Change it with `ollama-client-setup init` or `model use`, or edit it by
# hand and run `ollama-client-setup init --yes` to apply.
"""

# table -> key -> attribute
_SCHEMA: dict[str, dict[str, str]] = {
    "server": {"host": "host", "port": "port", "api_key": "api_key_store", "windows": "windows"},
    "model": {"default": "model"},
    "shells": {"managed": "shells", "completion": "completion"},
    "clients": {"managed": "clients"},
}
_OPTION_KEYS = ("model", "autocomplete_model", "mode", "context")
MAX_CONTEXT = 1 << 21


@dataclass(frozen=True)
class ClientOptions:
    """Per-client choices under [clients.NAME]; unset fields follow the defaults."""

    model: str | None = None
    autocomplete_model: str | None = None
    mode: str | None = None
    context: int | None = None

    def to_table(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in _OPTION_KEYS if getattr(self, k) is not None}


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    model: str | None = None
    #: Where the server's API key is kept ("keyring" or "file"); None: no key (plain Ollama).
    api_key_store: str | None = None
    shells: tuple[str, ...] = ()
    #: Tab completion for the tool itself in the managed bash, zsh and fish.
    completion: bool = True
    clients: tuple[str, ...] = ()
    client_options: dict[str, ClientOptions] = field(default_factory=dict)
    #: The window (tokens) the server gives each model when a request names none, as
    #: measured by init and `model use` (docs/server.md, "One window per model"), keyed by
    #: the canonical model name. Every client that sends num_ctx is pinned to it.
    windows: dict[str, int] = field(default_factory=dict)
    #: The file these came from; None for defaults that were never saved.
    source: Path | None = field(default=None, compare=False)

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def options(self, client: str) -> ClientOptions:
        return self.client_options.get(client, ClientOptions())

    def with_options(self, client: str, **changes: Any) -> Settings:
        merged = {**self.client_options, client: replace(self.options(client), **changes)}
        return replace(self, client_options={k: v for k, v in merged.items() if v.to_table()})

    def model_for(self, client: str) -> str | None:
        """The model a client uses: its own override, else the default."""
        return self.options(client).model or self.model

    def window_for(self, model: str | None) -> int | None:
        """The server's measured window for `model` (None: not measured yet)."""
        return names.lookup(self.windows, model)

    def mode_for(self, client: str) -> str | None:
        modes = MODES.get(client)
        if not modes:
            return None
        return self.options(client).mode or modes[0]


def _names(value: object, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of {what} names, like [{allowed[0]!r}]")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {unknown[0]!r} (known: {', '.join(allowed)})")
    # Keep the user's order, drop repeats.
    return tuple(dict.fromkeys(value))


def _convert(attr: str, value: object) -> object:
    if attr == "host":
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return validate.check_host(value)
    if attr == "port":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expected a whole number")
        return validate.check_port(value)
    if attr == "model":
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return validate.check_model(value)
    if attr == "api_key_store":
        if value not in ("keyring", "file"):
            raise ValueError('expected "keyring" or "file" (where the key is kept, never the key)')
        return value
    if attr == "completion":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if attr == "windows":
        if not isinstance(value, dict):
            raise ValueError('expected a table of model = tokens, like { "qwen3:8b" = 4096 }')
        out: dict[str, int] = {}
        for model, tokens in value.items():
            try:
                out[names.canonical(validate.check_model(model))] = check_context(tokens)
            except ValueError as exc:
                raise ValueError(f"{model!r}: {exc}") from None
        return out
    if attr == "shells":
        return _names(value, SHELLS, "shell")
    if attr == "clients":
        return _names(value, CLIENTS, "client")
    raise AssertionError(attr)


#: (table, key) -> a value given on the command line, which replaces the file's before it is
#: checked: a bad value in the file must not stop the flag that sets it again.
Overrides = dict[tuple[str, str], object]
#: The init flag that sets each key, for the way out of a bad value.
_FLAGS = {
    ("server", "host"): "--host HOST",
    ("server", "port"): "--port N",
    ("model", "default"): "--model NAME",
}


def parse(text: str, path: Path, overrides: Overrides | None = None) -> Settings:
    """Parse and validate settings text; errors name the file, key and value."""
    import tomlkit
    from tomlkit.exceptions import ParseError, TOMLKitError

    where = paths.display(path)
    try:
        doc = tomlkit.parse(text)
    except ParseError as exc:
        raise SettingsError(
            # tomlkit counts columns from 0; editors (and path:line:col) from 1.
            f"{where}:{exc.line}:{exc.col + 1}: not valid TOML ({_parse_reason(exc)})",
            hint="Fix the file by hand, or delete it and run `ollama-client-setup init`.",
        ) from None
    except TOMLKitError as exc:  # duplicate keys and tables carry no position
        from ollama_client_setup.formats.toml_edit import toml_repeat

        line, col = toml_repeat(text) or (_duplicate_line(text, exc), 1)
        raise SettingsError(
            f"{where}:{line}:{col}: not valid TOML ({exc})",
            hint="Remove the repeated key, or delete the file and run `ollama-client-setup init`.",
        ) from None
    values: dict[str, object] = {}
    data = doc.unwrap()
    for (table, key), value in (overrides or {}).items():
        if isinstance(data.get(table), dict):
            data[table][key] = value
    options: dict[str, ClientOptions] = {}
    for table, value in data.items():
        keys = _SCHEMA.get(table)
        if keys is None:
            raise SettingsError(
                f"{where}{_at(text, table)}: unknown setting [{table}] "
                f"(known: {', '.join(_SCHEMA)})",
                hint="Remove or rename it; `ollama-client-setup init --help` lists the options.",
            )
        if not isinstance(value, dict):
            raise SettingsError(
                f"{where}{_at(text, table)}: [{table}] must be a table, not {type(value).__name__}"
            )
        for key, item in value.items():
            if table == "clients" and key in CLIENTS:
                options[key] = _client_options(where, key, item, text)
                continue
            attr = keys.get(key)
            if attr is None:
                raise SettingsError(
                    f"{where}{_at(text, table, key)}: unknown key {key!r} in [{table}] "
                    f"(known: {', '.join(keys)})",
                    hint="Remove or rename it.",
                )
            try:
                values[attr] = _convert(attr, item)
            except ValueError as exc:
                flag = _FLAGS.get((table, key))
                again = (
                    f"`ollama-client-setup init {flag}`" if flag else "`ollama-client-setup init`"
                )
                raise SettingsError(
                    f"{where}{_at(text, table, key)}: [{table}] {key} = {_short(item)}: {exc}",
                    hint=f"Fix the value by hand, or set it again with {again}.",
                ) from None
    return Settings(source=path, client_options=options, **values)  # type: ignore[arg-type]


def check_context(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number of tokens")
    if not 1024 <= value <= MAX_CONTEXT:
        raise ValueError(f"the context {value} is outside 1024-{MAX_CONTEXT} tokens")
    return value


def check_mode(client: str, value: object) -> str:
    modes = MODES.get(client)
    if not modes:
        raise ValueError(f"{client} has no modes")
    if value not in modes:
        raise ValueError(f"unknown mode {value!r} (known: {', '.join(modes)})")
    return str(value)


def _at(text: str, *path: str) -> str:
    """The ":line:col" of the statement that sets `path` in the settings text, or ""."""
    from ollama_client_setup.formats.toml_edit import toml_position

    found = toml_position(text, path, prefix=True)
    return f":{found[0]}:{found[1]}" if found else ""


def _client_options(where: str, client: str, table: object, text: str = "") -> ClientOptions:
    if not isinstance(table, dict):
        raise SettingsError(
            f"{where}{_at(text, 'clients', client)}: [clients.{client}] must be a table"
        )
    found: dict[str, object] = {}
    for key, item in table.items():
        if key not in _OPTION_KEYS:
            raise SettingsError(
                f"{where}{_at(text, 'clients', client, key)}: unknown key {key!r} in "
                f"[clients.{client}] "
                f"(known: {', '.join(_OPTION_KEYS)})",
                hint="Remove or rename it.",
            )
        try:
            if key in ("model", "autocomplete_model"):
                if not isinstance(item, str):
                    raise ValueError("expected a string")
                found[key] = validate.check_model(item)
            elif key == "mode":
                found[key] = check_mode(client, item)
            else:
                found[key] = check_context(item)
        except ValueError as exc:
            raise SettingsError(
                f"{where}{_at(text, 'clients', client, key)}: [clients.{client}] {key} = "
                f"{_short(item)}: {exc}",
                hint="Fix the value by hand, or set it again with `ollama-client-setup init`.",
            ) from None
    return ClientOptions(**found)  # type: ignore[arg-type]


def _duplicate_line(text: str, exc: Exception) -> int:
    """The line of the second definition of the key tomlkit complains about (or 1)."""
    import re

    match = re.search(r'"([^"]+)"', str(exc))
    if not match:
        return 1
    key = re.compile(rf"^\s*(\[+\s*)?{re.escape(match.group(1))}\s*[=\]]")
    hits = [n for n, line in enumerate(text.splitlines(), 1) if key.match(line)]
    return hits[1] if len(hits) > 1 else (hits[0] if hits else 1)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _parse_reason(exc: Exception) -> str:
    # tomlkit appends " at line L col C" to its messages; the location is already shown.
    message = str(exc)
    cut = message.rfind(" at line ")
    return message[:cut] if cut > 0 else message


def load(path: Path | None = None, overrides: Overrides | None = None) -> Settings:
    """Settings from the file, or defaults (source None) when there is none yet."""
    path = path or paths.settings_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(f"{paths.display(path)}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SettingsError(
            f"{paths.display(path)}:{line}:{col}: byte {exc.start + 1} is not UTF-8",
            hint="TOML files must be UTF-8; re-save it as UTF-8.",
        ) from None
    return parse(text, path, overrides)


def render(settings: Settings, current: str | None) -> str:
    """The settings file's new text: only changed keys are touched, comments are kept."""
    import tomlkit

    doc = tomlkit.parse(current) if current else tomlkit.parse(_HEADER)
    windows = None
    if settings.windows:
        windows = tomlkit.inline_table()
        windows.update(dict(sorted(settings.windows.items())))
    wanted: dict[str, dict[str, object]] = {
        "server": {
            "host": settings.host,
            "port": settings.port,
            "api_key": settings.api_key_store,
            "windows": windows,
        },
        "model": {"default": settings.model},
        "shells": {
            "managed": list(settings.shells),
            "completion": None if settings.completion else False,
        },
        "clients": {"managed": list(settings.clients)},
    }
    for table_name, items in wanted.items():
        table = doc.get(table_name)
        if table is None:
            if all(v is None for v in items.values()):
                continue
            table = tomlkit.table()
            doc[table_name] = table
        for key, value in items.items():
            if value is None:
                if key in table:
                    del table[key]
            elif table.get(key) != value:
                table[key] = value
    _render_client_options(doc, settings)
    return tomlkit.dumps(doc)


def _render_client_options(doc: Any, settings: Settings) -> None:
    import tomlkit

    clients = doc.get("clients")
    for name in CLIENTS:
        wanted = settings.options(name).to_table()
        current = clients.get(name) if clients is not None else None
        if not wanted:
            if clients is not None and name in clients:
                del clients[name]
            continue
        if clients is None:
            clients = tomlkit.table()
            doc["clients"] = clients
        if current is None:
            current = tomlkit.table()
            clients[name] = current
        for key in _OPTION_KEYS:
            value = wanted.get(key)
            if value is None:
                if key in current:
                    del current[key]
            elif current.get(key) != value:
                current[key] = value
