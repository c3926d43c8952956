"""The path to the server, one question at a time (Tailscale's side: docs/tailscale.md):
Tailscale, name resolution, TCP, "is it Ollama", models, the configured model."""

from __future__ import annotations

import sys
from typing import Any

from ollama_client_setup.base.results import Fix, Result, fail, ok, skip, warn
from ollama_client_setup.checks.catalog import closest, resolve_name
from ollama_client_setup.checks.doctor.context import Context
from ollama_client_setup.config import endpoints
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.net import probe as netprobe
from ollama_client_setup.net import tailnet, tailnet_advice

CMD = "ollama-client-setup"


def _status(ctx: Context) -> tailnet.TailnetStatus:
    return ctx.fact("tailnet", lambda: tailnet.read_status(timeout=ctx.remaining(2.5)))


def _advice_fix(items: list[tailnet_advice.Advice]) -> Fix | None:
    if not items:
        return None
    first = items[0]
    return Fix(first.fix, first.command)


def _non_tailnet_ip(host: str) -> bool:
    """A literal address outside Tailscale's ranges: the user reaches the server another way."""
    try:
        import ipaddress

        ipaddress.ip_address(host)
    except ValueError:
        return False
    return not netprobe.is_tailscale_ip(host)


def tailscale_installed(ctx: Context) -> Result:
    status = _status(ctx)
    if status.error is tailnet.StatusError.NOT_INSTALLED:
        advice = tailnet_advice.advice(status, None, ctx.settings.host)
        return fail("Tailscale is not installed", _advice_fix(advice), status.error_detail)
    where = f" ({status.cli_path})" if status.cli_path else ""
    version = f" {status.version}" if status.version else ""
    return ok(f"Tailscale{version} is installed{where}")


def tailscale_running(ctx: Context) -> Result:
    status = _status(ctx)
    blocking = tailnet_advice.connection_advice(status)
    if blocking:
        first = blocking[0]
        # The daemon's words, and Tailscale's own health report (e.g. the login error).
        detail = "\n".join(x for x in (status.error_detail, *status.health) if x) or None
        return fail(first.problem.rstrip("."), Fix(first.fix, first.command), detail)
    name = f" to {status.tailnet_name}" if status.tailnet_name else ""
    info = tailnet_advice.informational_health(status)
    notes = tailnet_advice.running_notes(status)
    if notes:
        first = notes[0]
        more = [n.problem for n in notes[1:]] + info
        return warn(
            f"connected{name}, but {first.problem.rstrip('.')}",
            Fix(first.fix, first.command),
            "\n".join(more) or None,
        )
    return ok(f"connected{name}", "\n".join(info) or None)


def tailscale_peer(ctx: Context) -> Result:
    host = ctx.settings.host
    status = _status(ctx)
    if _non_tailnet_ip(host):
        return _subnet_peer(status, host)
    match = tailnet.match_peer(status, host)
    peer = match.peer if match else None
    advice = tailnet_advice.advice(status, peer, host)
    rest = [a.problem for a in advice[1:]]
    state = peer.online_state() if peer else "absent"
    if peer is None or peer.expired or state == "offline":
        return fail(
            advice[0].problem.rstrip(".") if advice else f"{host} is not reachable",
            _advice_fix(advice),
            "\n".join(rest) or None,
        )
    address = f" ({peer.ipv4})" if peer.ipv4 else ""
    said = {
        "online": "is online",
        # Online false can mean "unknown" (tailcfg.Node.Online is nil then): not offline.
        "traffic": f"is reported offline, but traffic flows ({', '.join(peer.traffic())}); "
        "Tailscale's online flag can mean unknown, so the TCP check decides",
        "unreported": f"is a peer; Tailscale {status.version or '(this version)'} does not "
        "report whether peers are online (1.20 and later do), so the TCP check decides",
    }[state]
    summary = f"{peer.name}{address} {said}"
    if advice:
        return warn(
            advice[0].problem.rstrip("."),
            _advice_fix(advice),
            "\n".join([*rest, summary]),
            ip=peer.ipv4,
        )
    return ok(summary, ip=peer.ipv4)


def _subnet_peer(status: tailnet.TailnetStatus, host: str) -> Result:
    """A LAN address: Tailscale matters only when a subnet router of the tailnet routes it."""
    routed = tailnet_advice.route_for(status, host) if status.running else None
    if routed is None:
        return skip(f"skipped: {host} is not a Tailscale address")
    router, route = routed
    off = tailnet_advice.health_matching(status, tailnet_advice.ACCEPT_ROUTES_OFF)
    if off:
        return warn(
            f"{host} is in {route}, which {router.name} routes, but this machine does not "
            "accept subnet routes",
            Fix(
                f"Tailscale reports: {off[0]}. If you reach {host} over Tailscale, accept "
                "the routes:",
                tailnet_advice.accept_routes_command(),
            ),
        )
    return ok(f"{host} is reached through the subnet router {router.name} ({route})")


def dns_resolve(ctx: Context) -> Result:
    host, port = ctx.settings.host, ctx.settings.port
    try:
        found = netprobe.resolve(host, port, timeout=ctx.remaining(2.0))
    except netprobe.ProbeError as exc:
        return fail(f"{host} does not resolve", _dns_fix(ctx, host), exc.message)
    if found.literal:
        return ok(f"{host} is an address (no lookup needed)", addresses=found.addresses)
    return ok(f"{host} resolves to {', '.join(found.addresses[:3])}", addresses=found.addresses)


def _dns_fix(ctx: Context, host: str) -> Fix:
    status = _status(ctx)
    if status.installed and not _non_tailnet_ip(host):
        blocking = tailnet_advice.connection_advice(status)
        if blocking:
            first = blocking[0]
            return Fix(
                f"{first.problem} Tailnet names like {host} resolve only while Tailscale is "
                f"connected, so connect it first: {first.fix} Then run this check again (if "
                f"{host} is not a tailnet name, check it for typos).",
                first.command,
            )
        if status.tun is False:
            return Fix(
                "Tailscale runs in userspace-networking mode here (TUN: false): it does not "
                "set this machine's DNS, and programs cannot reach 100.x addresses directly. "
                "Run tailscaled with a TUN device (without --tun=userspace-networking)."
            )
    match = tailnet.match_peer(status, host) if status.ok else None
    peer = match.peer if match else None
    if match and peer and match.by == "dns_label" and status.in_own_tailnet(peer) is False:
        return Fix(
            f"{host} is {peer.dns_name}, shared into this tailnet from another tailnet: a "
            f"short name resolves only under this tailnet's own suffix ({status.suffix}). "
            "Use its full name:",
            f"{CMD} init --host {peer.dns_name}",
        )
    if peer is not None and peer.ipv4:
        why = (
            "MagicDNS is off in this tailnet"
            if status.magic_dns_enabled is False
            else "this machine does not use Tailscale's DNS (MagicDNS, or --accept-dns=false)"
        )
        return Fix(
            f"{host} is a Tailscale peer, but {why}. Use its Tailscale address "
            "instead, or turn MagicDNS on.",
            f"{CMD} init --yes --host {peer.ipv4}",
        )
    return Fix(
        "Check the name for typos, or give the server's address instead.",
        f"{CMD} init --host ADDRESS",
    )


def _tailnet_hint(ctx: Context, address: str) -> str:
    """Why Tailscale itself keeps packets from `address`, when it does (else "")."""
    status = _status(ctx)
    if not status.running:
        return ""
    if status.tun is False and netprobe.is_tailscale_ip(address):
        return (
            " Tailscale runs in userspace-networking mode here (TUN: false), so programs on "
            "this machine cannot reach 100.x addresses: run tailscaled with a TUN device."
        )
    routed = tailnet_advice.route_for(status, address)
    if routed and tailnet_advice.health_matching(status, tailnet_advice.ACCEPT_ROUTES_OFF):
        router, route = routed
        return (
            f" {address} is in {route}, which {router.name} routes, but this machine does not "
            f"accept subnet routes: run `{tailnet_advice.accept_routes_command()}`."
        )
    return ""


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
    if first.category is netprobe.Category.REFUSED:
        return fail(
            f"nothing listens on {address}:{port} (connection refused)",
            _server_fix_refused(ctx.settings),
            detail,
        )
    if first.category is netprobe.Category.TIMEOUT:
        tailnet_host = not _non_tailnet_ip(ctx.settings.host)
        ping = " ".join(tailnet.ping_command(ctx.settings.host)) if tailnet_host else None
        return fail(
            f"no answer from {address}:{port}: packets do not arrive",
            Fix(
                "A firewall on the server, a route, or Tailscale ACLs drop the "
                "connection. Check that the server is up and that port "
                f"{port} is allowed"
                + ("; test the path with:" if ping else ".")
                + _tailnet_hint(ctx, address),
                ping,
            ),
            detail,
        )
    if first.category is netprobe.Category.UNREACHABLE:
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
                "that Tailscale is connected." + _tailnet_hint(ctx, address)
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
    from ollama_client_setup.net.ollama import ServerError

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
    from ollama_client_setup.net.ollama import ServerError

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


def model_available(ctx: Context) -> Result:
    available: list[str] = ctx.data("server.models").get("models", [])
    from ollama_client_setup.checks import fit

    uses = fit.by_model(ctx.settings)
    if not uses:
        suggestion = available[0] if available else "MODEL"
        return warn(
            "no model is chosen yet",
            Fix("Choose one of the server's models:", f"{CMD} model use {suggestion}"),
        )
    missing = [name for name in uses if resolve_name(name, available) is None]
    if not missing:
        return ok(", ".join(f"{n} ({', '.join(u)})" for n, u in uses.items()) + " available")
    name = missing[0]
    close = closest(name, available)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    command = f"{CMD} model use {close[0]}" if close else f"ollama pull {name}"
    where = "" if close else " (on the server)"
    return fail(
        f"{name} ({', '.join(uses[name])}) is not on the server",
        Fix(f"Pick a model the server has, or pull this one on the server{where}.{hint}", command),
        "missing: " + ", ".join(missing),
        missing=missing,
    )


def model_fit(ctx: Context) -> Result:
    """Each managed client's model has the capabilities it needs, and a big enough window."""
    from ollama_client_setup.checks import fit
    from ollama_client_setup.checks.catalog import details_for, offer
    from ollama_client_setup.net.ollama import ServerError

    uses = fit.uses(ctx.settings)
    if not uses:
        return skip("skipped: no managed client has a model")

    def ask() -> tuple[Any, Exception | None]:
        try:
            with _client(ctx, 3.0) as client:
                return details_for(client, [model for _, _, model in uses]), None
        except ServerError as exc:
            return None, exc

    infos, error = ctx.fact("details", ask)
    if error is not None:
        if isinstance(error, ServerError):
            return _server_failure(ctx, error)
        raise error
    settings = ctx.settings
    verdicts = [
        fit.judge(
            client,
            role,
            model,
            offer(infos[model], settings.window_for(model)),
            settings.options(client).context,
        )
        for client, role, model in uses
    ]
    missing = sorted((v for v in verdicts if v.missing), key=lambda v: not v.cannot_chat)
    small = [v for v in verdicts if v.small_window and not v.missing]
    if missing and missing[0].cannot_chat:
        v = missing[0]
        from ollama_client_setup.checks.doctor.server_fix import embedding_fix

        role = " --role autocomplete" if v.role == "autocomplete" else ""
        command = f"{CMD} model use MODEL" + (
            f" --client {v.client}{role}" if v.model != settings.model else ""
        )
        fix = Fix(embedding_fix(v.model).text, command)
        others = "\n".join(x.reason() for x in (missing + small)[1:]) or None
        return fail(
            f"{v.client}{' ' + v.role if v.role != 'chat' else ''}: {v.reason()}", fix, others
        )
    if missing:
        v = missing[0]
        return fail(
            f"{v.client}{' ' + v.role if v.role != 'chat' else ''}: {v.reason()}",
            Fix(
                f"Choose a model with {', '.join(v.need.capabilities)} for {v.client} "
                "(`ollama-client-setup model list` marks which fit):",
                f"{CMD} model use MODEL --client {v.client}"
                + (" --role autocomplete" if v.role == "autocomplete" else ""),
            ),
            "\n".join(x.reason() for x in (missing + small)[1:]) or None,
        )
    if small:
        v = small[0]
        need = v.need.min_context or fit.AGENT_CONTEXT
        others = "\n".join(x.reason() for x in small[1:]) or None
        if v.model_too_small:
            return warn(
                f"{v.client}: {v.reason()}",
                Fix(
                    f"No server setting can give {v.model} more than it supports; "
                    f"choose a model with a window of {need // 1024}k or more for "
                    f"{v.client} (`{CMD} model list` shows each model's context):",
                    f"{CMD} model use MODEL --client {v.client}",
                ),
                others,
            )
        ways = fit.server_fix(need)
        if v.need.requests_context:
            ways += f" Or let the tool ask for it per request: `{CMD} init --context {need}`."
        else:
            ways += f" {v.client} cannot ask for a window itself, so the server's is the one."
        return warn(f"{v.client}: {v.reason()}", Fix(ways), others)
    blind = sorted({v.model for v in verdicts if v.unknown})
    if blind:
        return ok(
            "no model is known to lack what its client needs, but "
            + fit.UNKNOWN_CAPABILITIES.format(model=", ".join(blind)),
            unknown_capabilities=blind,
        )
    unknown = [v for v in verdicts if v.window is None and v.need.min_context]
    if unknown:
        names = ", ".join(sorted({v.model for v in unknown}))
        return ok(
            f"every client's model has what it needs (window of {names} not known "
            "until it is loaded; `doctor --deep` measures it)"
        )
    return ok("every client's model has what it needs")
