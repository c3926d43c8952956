"""The server's models with what a person choosing one needs to know.

/api/tags lists them; /api/show (one request per model, run concurrently) adds the context
length and capabilities; /api/ps says which are loaded and with what window. A model whose
/api/show fails or is slow still gets its row, saying so.
"""

from __future__ import annotations

import difflib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from ollama_client_setup.base import names
from ollama_client_setup.net.ollama_client import OllamaClient
from ollama_client_setup.net.ollama_types import ModelDetails, ServerError


@dataclass
class ModelInfo:
    name: str
    size: int
    parameter_size: str | None
    quantization: str | None
    family: str | None
    capabilities: list[str] | None = None
    max_context: int | None = None
    loaded: bool = False
    loaded_context: int | None = None
    #: Why /api/show gave nothing for this model (the row is still shown).
    error: str | None = None
    #: Managed clients (and roles) that use this model.
    used_by: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """A name the tool can write into a shell or a config (validate.check_model); one
        carrying escapes (see output.printable) or spaces is shown, never offered."""
        return usable_name(self.name)

    @property
    def tools(self) -> bool | None:
        return None if self.capabilities is None else "tools" in self.capabilities

    @property
    def chat(self) -> bool | None:
        """Whether it can chat at all (`completion`); False for an embedding model."""
        return None if self.capabilities is None else "completion" in self.capabilities

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _show(client: OllamaClient, name: str) -> ModelDetails | ServerError:
    try:
        return client.show(name)
    except ServerError as exc:
        return exc


def catalog(client: OllamaClient) -> list[ModelInfo]:
    """Every model with details; raises ServerError only when the list itself fails."""
    entries = client.tags()
    try:
        loaded = {names.key(m.name): m for m in client.ps()}
    except ServerError:
        loaded = {}  # Older or restricted servers: "loaded" is then unknown, not an error.
    infos = [
        ModelInfo(
            e.name,
            e.size,
            e.parameter_size,
            e.quantization_level,
            e.family,
            capabilities=e.capabilities,
        )
        for e in entries
    ]
    if infos:
        with ThreadPoolExecutor(max_workers=min(8, len(infos))) as pool:
            shown = list(pool.map(lambda i: _show(client, i.name), infos))
        for info, details in zip(infos, shown, strict=True):
            if isinstance(details, ServerError):
                info.error = details.message
                continue
            info.max_context = details.context_length
            if info.capabilities is None:
                info.capabilities = details.capabilities
    for info in infos:
        running = loaded.get(names.key(info.name))
        if running is not None:
            info.loaded, info.loaded_context = True, running.context_length
    return sorted(infos, key=lambda i: i.name)


def usable_name(name: str) -> bool:
    from ollama_client_setup.base.validate import check_model

    try:
        check_model(name)
    except ValueError:
        return False
    return True


def resolve_name(name: str, available: list[str]) -> str | None:
    """The server's name for `name`: exact, or NAME for NAME:latest (names.find)."""
    return names.find(name, available)


def require(name: str, available: list[str], skip: str) -> str:
    """The server's own name for `name` (exact, NAME for NAME:latest, any case: names.find);
    refuses a name the server does not have, with the closest ones. `skip` is the way to
    write it anyway (the server is offline, or will pull it later). The one resolver of
    init, `model use` and the picker."""
    from ollama_client_setup.base.errors import RefusedError

    found = resolve_name(name, available)
    if found:
        return found
    hint = did_you_mean(name, available).lstrip()
    hint = f"{hint} " if hint else ""
    raise RefusedError(
        f"the server has no model called {name!r}; nothing was changed",
        hint=f"{hint}`ollama-client-setup model list` shows what it has; pull a new one on "
        f"the server with `ollama pull {name}`, or {skip}.",
    )


def closest(name: str, available: list[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(name, available, n=n, cutoff=0.4)


def did_you_mean(name: str, available: list[str]) -> str:
    """ " Did you mean a, b?" with the server's closest names, or "" (the one wording of
    init, `model use`, doctor and smoke)."""
    close = closest(name, available)
    return f" Did you mean {', '.join(close)}?" if close else ""


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def human_tokens(count: int | None) -> str:
    if not count:
        return "-"
    return f"{count // 1024}k" if count % 1024 == 0 else f"{count / 1000:.0f}k"


def details_for(client: OllamaClient, models: list[str]) -> dict[str, ModelInfo]:
    """Details for just these models (what fit checks need), one /api/show each plus /api/ps."""
    out: dict[str, ModelInfo] = {}
    wanted = list(dict.fromkeys(models))
    # /api/ps and every /api/show at once: one round trip however many models.
    with ThreadPoolExecutor(max_workers=min(9, len(wanted) + 1)) as pool:
        running = pool.submit(client.ps)
        shown = dict(zip(wanted, pool.map(lambda n: _show(client, n), wanted), strict=True))
        try:
            loaded = {names.key(m.name): m for m in running.result()}
        except ServerError:
            loaded = {}
    for name in wanted:
        details = shown[name]
        info = ModelInfo(name, 0, None, None, None)
        if isinstance(details, ServerError):
            info.error = details.message
        else:
            info.capabilities = details.capabilities
            info.max_context = details.context_length
            info.parameter_size = details.parameter_size
            info.quantization = details.quantization_level
        live = loaded.get(names.key(name))
        if live is not None:
            info.loaded, info.loaded_context = True, live.context_length
        out[name] = info
    return out


def offer(info: ModelInfo, measured: int | None = None) -> Any:
    """What the model offers; `measured` is the window the settings hold for it."""
    from ollama_client_setup.checks.fit import Offer

    caps = None if info.capabilities is None or info.error else tuple(info.capabilities)
    loaded = info.loaded_context if info.loaded else None
    return Offer(caps, info.max_context, loaded, measured)


def warm(client: OllamaClient, name: str, *, deadline: float) -> tuple[float, float]:
    """Load `name` with a one-token request, so the first real request does not wait.
    Returns (seconds the server spent loading, seconds in all)."""
    answer = client.chat(
        name, [{"role": "user", "content": "hi"}], options={"num_predict": 1}, deadline=deadline
    )
    return (answer.load_duration or 0) / 1e9, answer.elapsed
