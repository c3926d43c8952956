"""Model fit: what each client needs from a model, and whether a model offers it.

Facts (docs/clients/, docs/server.md): every chat use needs the `completion` capability,
which embedding models lack (Ollama answers `"NAME" does not support chat`); agent clients send
tool definitions with every request, so a model without `tools` fails every request;
autocomplete needs fill-in-the-middle (`insert`); a prompt longer than the server's window is
cut silently. A server before Ollama 0.6.4 lists no capabilities: unknown, never "none".
Each client's needs are declared in its module (clients/<name>.py, ClientSpec.needs).
"""

from __future__ import annotations

from dataclasses import dataclass

from ollama_client_setup.base.registry import CLIENTS
from ollama_client_setup.clients import registry, spec
from ollama_client_setup.clients.spec import Need
from ollama_client_setup.config.settings import Settings

MODEL_LIMIT = "the most the model supports"
AGENT_CONTEXT = spec.AGENT_CONTEXT


def needs() -> list[Need]:
    """What every client needs, each use (chat, autocomplete) one Need, from its ClientSpec."""
    return [need for found in registry.specs() for need in found.needs]


#: What any chat use needs, whichever client: the default model is judged by it.
CHAT = Need("any client", "chat", ("completion",), None, False, "every client chats")


def needs_for(client: str, role: str = "chat") -> Need | None:
    if client not in CLIENTS:
        return None
    return registry.spec(client).need(role)


@dataclass(frozen=True)
class Offer:
    """What a model offers: capabilities, its maximum window, the window allocated now."""

    capabilities: tuple[str, ...] | None  # None: unknown (the server did not say)
    max_context: int | None
    loaded_context: int | None
    #: The window init or `model use` measured for it (Settings.windows), if any.
    measured_context: int | None = None


@dataclass(frozen=True)
class Verdict:
    client: str
    role: str
    model: str
    missing: tuple[str, ...]
    #: The window that counts for this client, and why we think so (None when unknown).
    window: int | None
    window_source: str | None
    small_window: bool
    need: Need
    #: The server listed no capabilities (Ollama before 0.6.4): nothing could be checked.
    unknown: bool = False
    #: The model lists `embedding`: it turns text into vectors and cannot chat.
    embedding: bool = False

    @property
    def cannot_chat(self) -> bool:
        """No request of this client can work, whatever else is set."""
        return "completion" in self.missing

    @property
    def model_too_small(self) -> bool:
        """The model itself cannot reach the window (no server setting helps)."""
        return self.small_window and self.window_source == MODEL_LIMIT

    @property
    def fits(self) -> bool:
        return not self.missing and not self.small_window

    def reason(self) -> str:
        if self.cannot_chat:
            kind = "an embedding model" if self.embedding else "not a model that generates text"
            if self.role == "autocomplete":
                return (
                    f"{self.model} is {kind}: it cannot complete code (it lacks the "
                    "`completion` capability). Choose a model with fill-in-the-middle (`insert`) "
                    "for autocomplete."
                )
            return (
                f"{self.model} is {kind}: it cannot chat (it lacks the `completion` "
                "capability). Choose a chat model."
            )
        parts = []
        if self.missing:
            parts.append(f"{self.model} lacks {', '.join(self.missing)}")
        if self.small_window and self.window and self.need.min_context:
            parts.append(
                f"its window is {self.window // 1024}k tokens ({self.window_source}), "
                f"below the {self.need.min_context // 1024}k {self.client} needs"
            )
        return (
            "; ".join(parts) + f". {self.need.why[0].upper()}{self.need.why[1:]}."
            if parts
            else "fits"
        )


def judge(
    client: str,
    role: str,
    model: str,
    offer: Offer,
    requested: int | None = None,
    need: Need | None = None,
) -> Verdict:
    """How `model` serves `client` (or `need`, e.g. CHAT for the default model).
    `requested` is the window the tool asks for on the client's behalf (init --context),
    when the client can carry it."""
    need = need or needs_for(client, role)
    if need is None:
        need = Need(client, role, (), None, False, "")
    known = offer.capabilities
    missing = tuple(c for c in need.capabilities if known is not None and c not in known)
    window, source = None, None
    if need.requests_context and requested:
        window, source = min(requested, offer.max_context or requested), "asked for by the tool"
    elif offer.loaded_context:
        window, source = offer.loaded_context, "what the server allocated for it now"
    elif offer.measured_context:
        window, source = offer.measured_context, "what the server gave it when last measured"
    small = bool(need.min_context and window is not None and window < need.min_context)
    if need.min_context and offer.max_context and offer.max_context < need.min_context:
        window, source, small = offer.max_context, MODEL_LIMIT, True
    embedding = known is not None and "embedding" in known
    return Verdict(
        client, role, model, missing, window, source, small, need, known is None, embedding
    )


#: What to say when the server lists no capabilities.
UNKNOWN_CAPABILITIES = (
    "the server does not say what {model} can do (Ollama before 0.6.4 lists no "
    "capabilities), so tools and fill-in-the-middle are not checked; upgrade Ollama on the "
    "server to have them checked"
)


def uses(settings: Settings) -> list[tuple[str, str, str]]:
    """(client, role, model) for every managed client that has a model."""
    out = []
    for client in settings.clients:
        model = settings.model_for(client)
        if model:
            out.append((client, "chat", model))
        auto = settings.options(client).autocomplete_model
        if auto:
            out.append((client, "autocomplete", auto))
    return out


def by_model(settings: Settings) -> dict[str, list[str]]:
    """model -> who uses it ("default", a client, "continue autocomplete"), from uses()."""
    out: dict[str, list[str]] = {}
    if settings.model:
        out[settings.model] = ["default"]
    for client, role, model in uses(settings):
        out.setdefault(model, []).append(client if role == "chat" else f"{client} {role}")
    return out


def for_each_client(settings: Settings, model: str, offer: Offer) -> dict[str, dict[str, object]]:
    """For each managed client (and Continue's autocomplete, when one is set): does `model`
    fit, and why not."""
    roles = [(c, "chat") for c in settings.clients]
    if "continue" in settings.clients and settings.options("continue").autocomplete_model:
        roles.append(("continue", "autocomplete"))
    out: dict[str, dict[str, object]] = {}
    for client, role in roles:
        verdict = judge(client, role, model, offer, settings.options(client).context)
        out[client if role == "chat" else f"{client} {role}"] = {
            "fits": verdict.fits,
            "reason": verdict.reason(),
        }
    return out


def affected(settings: Settings, client: str | None, role: str) -> list[tuple[str, str, str]]:
    """The (client, role, model) uses a change of model touches, on the new settings."""
    every = uses(settings)
    if role == "autocomplete":
        return [u for u in every if u[0] == "continue" and u[1] == "autocomplete"]
    if client:
        return [u for u in every if u[0] == client and u[1] == "chat"]
    return [u for u in every if u[1] == "chat" and not settings.options(u[0]).model]


def server_fix(min_context: int) -> str:
    """How to raise the window on a macOS server (a LaunchAgent; systemd in brackets)."""
    return (
        f"Raise the server's window: add OLLAMA_CONTEXT_LENGTH={min_context} to "
        "EnvironmentVariables in ~/Library/LaunchAgents/com.ollama.plist on the server, then "
        "run `launchctl kickstart -k gui/$(id -u)/com.ollama` there (systemd: "
        f'Environment="OLLAMA_CONTEXT_LENGTH={min_context}" in `systemctl edit ollama`).'
    )


def misfits(
    settings: Settings, offers: dict[str, Offer], only: list[tuple[str, str, str]] | None = None
) -> list[Verdict]:
    """The uses (all, or `only`) whose model does not fit; models without an offer are
    not judged."""
    out = []
    for client, role, model in only if only is not None else uses(settings):
        found = offers.get(model)
        if found is None:
            continue
        verdict = judge(client, role, model, found, settings.options(client).context)
        if not verdict.fits:
            out.append(verdict)
    return out
