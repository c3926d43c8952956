"""The Tailscale side of the path to the server, and name resolution (docs/tailscale.md):
the client is installed and connected, the server is a reachable peer, its name resolves."""

from __future__ import annotations

from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.results import Fix, Result, fail, ok, skip, warn
from ollama_client_setup.checks.doctor.context import Context
from ollama_client_setup.net import probe as netprobe
from ollama_client_setup.net import tailnet, tailnet_advice, tailnet_peer_advice, tailnet_read


def _status(ctx: Context) -> tailnet.TailnetStatus:
    return ctx.fact("tailnet", lambda: tailnet_read.read_status(timeout=ctx.remaining(2.5)))


def _advice_fix(items: list[tailnet_advice.Advice]) -> Fix | None:
    if not items:
        return None
    first = items[0]
    return Fix(first.fix, first.command)


def non_tailnet_ip(host: str) -> bool:
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
        advice = tailnet_peer_advice.advice(status, None, ctx.settings.host)
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
    if non_tailnet_ip(host):
        return _subnet_peer(status, host)
    match = tailnet.match_peer(status, host)
    peer = match.peer if match else None
    advice = tailnet_peer_advice.advice(status, peer, host)
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
    routed = tailnet_peer_advice.route_for(status, host) if status.running else None
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
    if status.installed and not non_tailnet_ip(host):
        blocking = tailnet_advice.connection_advice(status)
        if blocking:
            first = blocking[0]
            # Its own fix is tailscale.running's to give; repeating it here reads badly.
            return Fix(
                f"{first.problem.rstrip('.')}, and tailnet names like {host} resolve only "
                "while Tailscale is connected: fix that first (see tailscale.running), then "
                f"run this check again. If {host} is not a tailnet name, check it for typos.",
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


def tailnet_hint(ctx: Context, address: str) -> str:
    """Why Tailscale itself keeps packets from `address`, when it does (else "")."""
    status = _status(ctx)
    if not status.running:
        return ""
    if status.tun is False and netprobe.is_tailscale_ip(address):
        return (
            " Tailscale runs in userspace-networking mode here (TUN: false), so programs on "
            "this machine cannot reach 100.x addresses: run tailscaled with a TUN device."
        )
    routed = tailnet_peer_advice.route_for(status, address)
    if routed and tailnet_advice.health_matching(status, tailnet_advice.ACCEPT_ROUTES_OFF):
        router, route = routed
        return (
            f" {address} is in {route}, which {router.name} routes, but this machine does not "
            f"accept subnet routes: run `{tailnet_advice.accept_routes_command()}`."
        )
    return ""
