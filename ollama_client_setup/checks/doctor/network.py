"""The network and the server: TCP to the port, "is it Ollama", its version and models.
The Tailscale checks before these are in tailnet_checks.py."""

from __future__ import annotations

import sys
from typing import Any

from ollama_client_setup.base.results import Fix, Result, fail, ok, warn
from ollama_client_setup.checks.doctor.context import Context
from ollama_client_setup.checks.doctor.tailnet_checks import non_tailnet_ip, tailnet_hint
from ollama_client_setup.config import endpoints
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.net import probe as netprobe
from ollama_client_setup.net import tailnet


def _server_fix_refused(settings: Settings) -> Fix:
    # Field failure 1: the server's own service sets where Ollama listens.
    port = settings.port
    return Fix(
        "Nothing listens there: Ollama is stopped, or listens only on 127.0.0.1. On the "
        f"server, set OLLAMA_HOST=0.0.0.0:{port} in the service, not in a shell (macOS "
        "LaunchAgent: EnvironmentVariables in ~/Library/LaunchAgents/com.ollama.plist; "
        f'systemd: `systemctl edit ollama` with Environment="OLLAMA_HOST=0.0.0.0:{port}", then '
        "`systemctl daemon-reload && systemctl restart ollama`; Windows: a user environment "
        "variable, then quit Ollama from the tray and start it again), then restart it. Curly "
        "quotes pasted into a unit file break it silently. Ollama has no "
        "authentication once it listens beyond localhost: keep it on the tailnet. On the "
        "macOS server run:",
        "launchctl kickstart -k gui/$(id -u)/com.ollama",
    )


def tcp_connect(ctx: Context) -> Result:
    addresses: list[str] = ctx.data("dns.resolve").get("addresses", [])
    port = ctx.settings.port
    errors: list[netprobe.ProbeError] = []
    for address in addresses[:2]:
        try:
            done = netprobe.tcp_connect(address, port, timeout=ctx.remaining(2.0))
        except netprobe.ProbeError as exc:
            errors.append(exc)
            continue
        return ok(
            f"{address}:{port} accepts connections ({done.elapsed * 1000:.0f} ms)", address=address
        )
    if not errors:
        return fail("no address to connect to", Fix("Run `dns.resolve` first."))
    first, address = errors[0], addresses[0]
    detail = "\n".join(e.message for e in errors)
    if first.category is netprobe.ProbeCategory.REFUSED:
        return fail(
            f"nothing listens on {address}:{port} (connection refused)",
            _server_fix_refused(ctx.settings),
            detail,
        )
    if first.category is netprobe.ProbeCategory.TIMEOUT:
        tailnet_host = not non_tailnet_ip(ctx.settings.host)
        ping = " ".join(tailnet.ping_command(ctx.settings.host)) if tailnet_host else None
        return fail(
            f"no answer from {address}:{port}: packets do not arrive",
            Fix(
                "A firewall on the server, a route, or Tailscale ACLs drop the "
                "connection. Check that the server is up and that port "
                f"{port} is allowed"
                + ("; test the path with:" if ping else ".")
                + tailnet_hint(ctx, address),
                ping,
            ),
            detail,
        )
    if first.category is netprobe.ProbeCategory.UNREACHABLE:
        if netprobe.looks_like_local_network_block(first, address, sys.platform):
            return fail(
                f"no route to {address} (refused at once by this Mac)",
                Fix(
                    "macOS blocks this app from the local network. Allow your terminal "
                    "in System Settings > Privacy & Security > Local Network, then "
                    "quit and reopen it."
                ),
                detail,
            )
        return fail(
            f"no route to {address}",
            Fix(
                "This machine has no route to that network: check Wi-Fi/VPN and "
                "that Tailscale is connected." + tailnet_hint(ctx, address)
            ),
            detail,
        )
    return fail(f"cannot connect to {address}:{port}", Fix("See the detail."), detail)


def _client(ctx: Context, cap: float) -> Any:
    from ollama_client_setup.net.connect import connect

    return connect(ctx.settings, timeout=ctx.remaining(cap))


def _server_failure(ctx: Context, exc: Any, model: str | None = None) -> Result:
    from ollama_client_setup.checks.doctor import server_fix

    fix = server_fix.for_failure(ctx.settings, exc, model)
    if fix is None:  # refused: where Ollama listens
        return fail(exc.message, _server_fix_refused(ctx.settings))
    return fail(exc.message.rstrip("."), fix, exc.server_message)


def server_failure(settings: Settings, exc: Any, model: str | None = None) -> Result:
    """The failed Result for a ServerError, with the fix for its category (used by smoke)."""
    return _server_failure(Context(settings, {}, 0.0), exc, model)


def server_version(ctx: Context) -> Result:
    from concurrent.futures import ThreadPoolExecutor

    from ollama_client_setup.checks import fit
    from ollama_client_setup.checks.catalog import details_for
    from ollama_client_setup.net.ollama_types import ServerError

    # Independent questions at once: a slow server costs one round trip, not one per
    # question. The model list and the details of the models in use are kept for
    # server.models and model.fit, which would otherwise ask again, later.
    in_use = [model for _, _, model in fit.uses(ctx.settings)]
    with _client(ctx, 3.0) as client, ThreadPoolExecutor(4) as pool:
        identity = pool.submit(client.identity)
        version = pool.submit(client.version)
        tags = pool.submit(client.tags)
        details = pool.submit(details_for, client, in_use) if in_use else None
        # Recorded after every request is on its way: recording waits for the answer.
        ctx.fact("tags", lambda: _settle(tags))
        if details is not None:
            ctx.fact("details", lambda: _settle(details))
        try:
            identity.result()  # "not Ollama" explains a version failure, so it comes first
            found = version.result()
        except ServerError as exc:
            return _server_failure(ctx, exc)
    return ok(f"Ollama {found} answers at {endpoints.server_root(ctx.settings)}", version=found)


def _settle(future: Any) -> tuple[Any, Exception | None]:
    try:
        return future.result(), None
    except Exception as exc:  # handed to the check that owns this question
        return None, exc


def server_models(ctx: Context) -> Result:
    from ollama_client_setup.net.ollama_types import ServerError

    def ask() -> tuple[Any, Exception | None]:
        try:
            with _client(ctx, 3.0) as client:
                return client.tags(), None
        except ServerError as exc:
            return None, exc

    models, error = ctx.fact("tags", ask)
    if error is not None:
        if isinstance(error, ServerError):
            return _server_failure(ctx, error)
        raise error
    names = [m.name for m in models]
    if not names:
        return warn(
            "the server has no models yet",
            Fix("Pull one on the server, e.g.:", "ollama pull qwen2.5-coder:7b"),
            models=names,
            entries=models,
        )
    return ok(
        f"{len(names)} model{'s' if len(names) != 1 else ''} on the server",
        ", ".join(names[:12]) + (" ..." if len(names) > 12 else ""),
        models=names,
        entries=models,
    )
