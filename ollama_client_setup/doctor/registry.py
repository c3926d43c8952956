"""Every check, in the order they are shown, with what each depends on."""

from __future__ import annotations

from ..settings import Settings
from . import deep, local, network
from .model import Check

_BASE = [
    Check("tailscale.installed", "Tailscale installed", network.tailscale_installed),
    Check(
        "tailscale.running",
        "Tailscale connected",
        network.tailscale_running,
        ("tailscale.installed",),
    ),
    Check(
        "tailscale.peer", "server is a tailnet peer", network.tailscale_peer, ("tailscale.running",)
    ),
    Check("dns.resolve", "server name resolves", network.dns_resolve),
    Check("tcp.connect", "server port accepts connections", network.tcp_connect, ("dns.resolve",)),
    Check("server.version", "Ollama answers", network.server_version, ("tcp.connect",)),
    Check("server.models", "server lists its models", network.server_models, ("server.version",)),
    Check(
        "model.available", "configured models exist", network.model_available, ("server.models",)
    ),
    Check("model.fit", "models suit their clients", network.model_fit, ("model.available",)),
    Check("env.shell", "this shell's environment", local.env_shell),
    Check("profiles", "shell start-up files", local.profiles),
]
_TAIL = [
    Check("conflicts", "nothing else sets the same variables", local.conflicts),
    Check("chat", "a chat request answers", deep.chat, ("model.available",), deep=True),
    Check("stream", "streaming works", deep.stream, ("model.available",), deep=True),
    Check(
        "anthropic",
        "Anthropic /v1/messages answers",
        deep.anthropic,
        ("model.available",),
        deep=True,
    ),
    Check("reload", "the model stays loaded", deep.reload, ("model.available",), deep=True),
    Check("context", "the server's window", deep.context, ("model.available",), deep=True),
    Check("origin", "browser origins", deep.origin, ("server.version",), deep=True),
]

TAILSCALE_IDS = ("tailscale.installed", "tailscale.running", "tailscale.peer")


def all_checks(settings: Settings) -> list[Check]:
    return _BASE + [local.client_check(name) for name in settings.clients] + _TAIL


def listing(settings: Settings) -> list[Check]:
    """For --list-checks: includes the clients.<name> pattern even when none is managed."""
    return (
        [*_BASE, local.client_check("<name>"), *_TAIL]
        if not settings.clients
        else (all_checks(settings))
    )
