"""Every check, in the order they are shown, with what each depends on."""

from __future__ import annotations

from ollama_client_setup.checks import compat
from ollama_client_setup.checks.doctor import (
    cost,
    deep,
    local,
    model_checks,
    network,
    tailnet_checks,
)
from ollama_client_setup.checks.doctor.context import Check
from ollama_client_setup.config.settings import Settings

_BASE = [
    Check("tailscale.installed", "Tailscale installed", tailnet_checks.tailscale_installed),
    Check(
        "tailscale.running",
        "Tailscale connected",
        tailnet_checks.tailscale_running,
        ("tailscale.installed",),
    ),
    Check(
        "tailscale.peer",
        "server is a tailnet peer",
        tailnet_checks.tailscale_peer,
        ("tailscale.running",),
    ),
    Check("dns.resolve", "server name resolves", tailnet_checks.dns_resolve),
    Check("tcp.connect", "server port accepts connections", network.tcp_connect, ("dns.resolve",)),
    Check("server.version", "Ollama answers", network.server_version, ("tcp.connect",)),
    Check("server.models", "server lists its models", network.server_models, ("server.version",)),
    Check(
        "model.available",
        "configured models exist",
        model_checks.model_available,
        ("server.models",),
    ),
    Check("model.fit", "models suit their clients", model_checks.model_fit, ("model.available",)),
    Check("env.shell", "this shell's environment", local.env_shell),
    Check("profiles", "shell start-up files", local.profiles),
]
#: The deep checks after `chat` depend on it: a model that cannot answer (an embedding model,
#: no memory, a busy server) is one finding, not six. `runners` measures the prompt cache
#: with four requests in a row, so it runs after every other request-sending check, and
#: `context` (its long prompt) and the client runs after it.
_AFTER_CHAT = ("model.available", "chat")
_TAIL = [
    Check("conflicts", "nothing else sets the same variables", local.conflicts),
    Check("chat", "a chat request answers", deep.chat, ("model.available",), deep=True),
    Check("stream", "streaming works", deep.stream, _AFTER_CHAT, deep=True),
    Check(
        "anthropic",
        "Anthropic /v1/messages answers",
        deep.anthropic,
        _AFTER_CHAT,
        deep=True,
    ),
    Check("reload", "the model stays loaded", deep.reload, _AFTER_CHAT, deep=True),
    Check(
        "runners",
        "clients share one runner and its prompt cache",
        cost.runners,
        _AFTER_CHAT,
        deep=True,
        after=("stream", "anthropic", "reload"),
    ),
    Check(
        "context", "the server's window", deep.context, _AFTER_CHAT, deep=True, after=("runners",)
    ),
    Check("origin", "browser origins", deep.origin, ("server.version",), deep=True),
]

#: Only when a managed client needs a minimum Ollama version (compat.floors): otherwise
#: there is nothing to compare, and the check would be a skip in every run.
COMPAT = Check(
    "server.compat",
    "server version suits the clients",
    local.server_compat,
    ("server.version",),
)
#: --deep: each managed client run once, headless, one after another (clientrun).
CLIENTS_RUN = Check(
    "clients.run",
    "each client answers when run",
    deep.clients_run,
    ("model.available",),
    deep=True,
    after=("context",),
)

TAILSCALE_IDS = ("tailscale.installed", "tailscale.running", "tailscale.peer")


def _base(with_compat: bool) -> list[Check]:
    if not with_compat:
        return list(_BASE)
    at = next(i for i, c in enumerate(_BASE) if c.id == "server.version") + 1
    return [*_BASE[:at], COMPAT, *_BASE[at:]]


def all_checks(settings: Settings) -> list[Check]:
    with_compat = bool(compat.floors(settings.clients))
    clients = [local.client_check(name) for name in settings.clients]
    return _base(with_compat) + clients + _TAIL + [CLIENTS_RUN]


def listing(settings: Settings) -> list[Check]:
    """For --list-checks: every check that can run, with the clients.<name> pattern even
    when none is managed."""
    names = settings.clients or ("<name>",)
    return _base(True) + [local.client_check(name) for name in names] + _TAIL + [CLIENTS_RUN]
