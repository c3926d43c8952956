"""One window per model: what the server gives each model, and what each client will send.

Ollama restarts a model's runner whenever a request's runner options differ from the loaded
runner's, num_ctx among them, and a restart empties the prompt cache (docs/server.md). Only
the native routes can carry num_ctx; every client on the OpenAI or Anthropic routes runs at
the server's own window. So the tool measures that window once per model (a request without
num_ctx, then /api/ps) and pins every client that sends num_ctx to exactly it. Clients that
cannot send one are told the number instead, so they compact before the server cuts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ollama_client_setup.base import names
from ollama_client_setup.checks import fit
from ollama_client_setup.config.settings import Settings

if TYPE_CHECKING:
    from ollama_client_setup.net.ollama_client import OllamaClient

#: How long loading the models may take by default (a cold 20 GB model over a slow disk
#: takes minutes); init --load-timeout and model use/warm --timeout change it.
LOAD_DEADLINE = 300.0
#: What a client sends when it sizes num_ctx itself, per prompt (Aider without a pin).
VARIES = "varies"


def models_in_use(settings: Settings) -> list[str]:
    """Every model a managed client uses (the default model too), once each."""
    found: dict[str, str] = {}
    for model in fit.by_model(settings):
        found.setdefault(names.key(model), model)
    return list(found.values())


@dataclass(frozen=True)
class Measured:
    #: model (as the settings name it) -> the window the server gave it.
    windows: dict[str, int]
    #: model -> why it could not be measured.
    errors: dict[str, str]
    #: model -> seconds the server spent loading it for the measurement.
    loads: dict[str, float]


def measure(client: OllamaClient, models: list[str], *, deadline: float) -> Measured:
    """Load each model with a request that names no num_ctx (instant when it is already
    loaded that way), then read the window /api/ps reports for it. One model at a time: the
    server loads one at a time anyway, and each must still be loaded when /api/ps is read."""
    from ollama_client_setup.checks.catalog import warm
    from ollama_client_setup.net.ollama_types import ServerError

    windows: dict[str, int] = {}
    errors: dict[str, str] = {}
    loads: dict[str, float] = {}
    for model in models:
        left = deadline - time.monotonic()
        if left <= 0.2:
            errors[model] = "no time left to load it"
            continue
        try:
            loads[model], _ = warm(client, model, deadline=left)
            running = {names.key(m.name): m for m in client.ps()}
        except ServerError as exc:
            errors[model] = str(exc)
            continue
        found = running.get(names.key(model))
        if found is None or not found.context_length:
            errors[model] = UNREPORTED
            continue
        windows[model] = found.context_length
        # /api/ps shows the num_ctx the runner was asked for; the runner itself holds at most
        # the model's own maximum (docs/server.md, "Runners and reloads").
        most = _most(client, model)
        if most:
            windows[model] = min(windows[model], most)
    return Measured(windows, errors, loads)


def _most(client: OllamaClient, model: str) -> int | None:
    from ollama_client_setup.net.ollama_types import ServerError

    try:
        return client.show(model).context_length
    except ServerError:
        return None


def merged(settings: Settings, measured: dict[str, int]) -> dict[str, int]:
    """The windows to keep: the new measurements, and earlier ones for models still in use
    that were not measured now (a model no client uses any more is dropped)."""
    keep = {names.key(m) for m in models_in_use(settings)}
    out = dict(settings.windows)
    for model, window in measured.items():
        out = {k: v for k, v in out.items() if not names.same(k, model)}
        out[names.canonical(model)] = window
    return {k: v for k, v in sorted(out.items()) if names.key(k) in keep}


# -- what each client sends -------------------------------------------------------------------


def sends_num_ctx(client: str, role: str = "chat") -> bool:
    need = fit.needs_for(client, role)
    return bool(need and need.requests_context)


def sent(settings: Settings) -> dict[str, dict[str, int | str | None]]:
    """model -> {who: the num_ctx its requests carry}: a number, VARIES (sized per prompt),
    or None (none: the server's own window applies)."""
    out: dict[str, dict[str, int | str | None]] = {}
    for client, role, model in fit.uses(settings):
        who = client if role == "chat" else f"{client} {role}"
        value: int | str | None = None
        if sends_num_ctx(client, role):
            value = settings.options(client).context or settings.window_for(model)
            need = fit.needs_for(client, role)
            if value is None and need is not None and need.sizes_per_prompt:
                value = VARIES
        out.setdefault(model, {})[who] = value
    return out


@dataclass(frozen=True)
class Sharing:
    """Whether the clients of one model run it with the same window (one runner)."""

    model: str
    window: int | None  # the server's own, when measured
    #: who -> the window its requests run at (VARIES: a new one per prompt).
    runs_at: dict[str, int | str | None]

    @property
    def varies(self) -> list[str]:
        return [who for who, value in self.runs_at.items() if value == VARIES]

    @property
    def distinct(self) -> set[int | str | None]:
        return set(self.runs_at.values())

    @property
    def shared(self) -> bool:
        return not self.varies and len(self.distinct) <= 1

    def describe(self) -> str:
        parts = []
        for who, value in self.runs_at.items():
            client, _, role = who.partition(" ")
            if value == VARIES:
                shown = "sends a new num_ctx per prompt"
            elif value is None:
                shown = "runs at the server's window (not known yet)"
            elif sends_num_ctx(client, role or "chat"):
                shown = f"sends num_ctx {value}"
            else:
                shown = f"runs at the server's {value}"
            parts.append(f"{who} {shown}")
        return "; ".join(parts)


def sharing(settings: Settings) -> list[Sharing]:
    """Per model in use: the window each client's requests run at. A client that sends no
    num_ctx runs at the server's window, so it counts as that number when it is known."""
    out = []
    for model, who in sent(settings).items():
        window = settings.window_for(model)
        runs_at = {w: (window if value is None and window else value) for w, value in who.items()}
        out.append(Sharing(model, window, runs_at))
    return out


#: Why a window could not be learnt on an Ollama before 0.10.0, whose /api/ps has no
#: context_length: trying again cannot help there.
UNREPORTED = (
    "the server does not report the window it gave the model: /api/ps says it from Ollama 0.10.0 on"
)
#: The way out when the window cannot be learnt.
PIN_IT = (
    "upgrade Ollama on the server (0.10.0 or newer reports it), or give the window yourself "
    "with `ollama-client-setup init --context N` (what the server runs the model with, "
    "OLLAMA_CONTEXT_LENGTH on the server, 4096 unless it is set)"
)


def reload_warnings(settings: Settings) -> list[str]:
    """One sentence per model whose clients would make the server restart it on every
    switch between them, with the server-side fix."""
    out = []
    for share in sharing(settings):
        if share.shared:
            continue
        if share.varies:
            out.append(
                f"{', '.join(share.varies)} will send a new num_ctx with every prompt for "
                f"{share.model}, so the server restarts the model again and again; "
                "`ollama-client-setup init --yes` measures the server's window and pins it "
                f"(if the server cannot say it: {PIN_IT})."
            )
            continue
        asked = sorted(
            {v for v in share.runs_at.values() if isinstance(v, int) and v != share.window}
        )
        wanted = asked[0] if asked else None
        fix = fit.server_fix(wanted) if wanted else ""
        out.append(
            f"the clients of {share.model} run it with different windows ({share.describe()}): "
            "every switch between them restarts the model on the server and empties its "
            f"prompt cache. {fix}".rstrip()
        )
    return out


def measure_settings(settings: Settings, models: list[str], timeout: float) -> Measured:
    """`measure` on the settings' server, all within `timeout` seconds."""
    from ollama_client_setup.net.connect import connect

    deadline = time.monotonic() + timeout
    with connect(settings, timeout=10.0) as client:
        return measure(client, models, deadline=deadline)
