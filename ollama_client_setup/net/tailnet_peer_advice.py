"""What is wrong on the Tailscale side for reaching the server, and the way out: the whole
verdict (`advice`), and what is wrong with the server's peer: absent, offline, expired,
shared in, twin names, MagicDNS off, or reached through a subnet router.

Works on a TailnetStatus (tailnet.py); this machine's own side is tailnet_advice.py. Each
state it recognises is defined in Tailscale's source; docs/tailscale.md lists where.
"""

from __future__ import annotations

import ipaddress
import sys

from ollama_client_setup.base.constants import CMD
from ollama_client_setup.net.tailnet import (
    Peer,
    TailnetStatus,
    _ip_version,
    _wanted,
    candidates,
    match_peer,
)
from ollama_client_setup.net.tailnet_advice import Advice, connection_advice


def advice(
    status: TailnetStatus, peer: Peer | None, host: str, platform: str = sys.platform
) -> list[Advice]:
    """What is wrong on the Tailscale side for reaching `host`, most basic first.

    Stops at the first blocking problem (nothing about peers while the daemon is down);
    once the peer is known, non-blocking notes (duplicate names, shared-in, MagicDNS off)
    may come together. NOT_INSTALLED yields one item the caller should treat as informational
    when the user reaches the server another way (LAN, SSH tunnel, WireGuard).
    """
    blocking = connection_advice(status, platform)
    if blocking:
        return blocking
    if peer is None:
        return _absent(status, host)
    return _peer_notes(status, peer, host)


def _absent(status: TailnetStatus, host: str) -> list[Advice]:
    sharees = sharee_nodes_named(status, host)
    if sharees:
        node = sharees[0]
        return [
            Advice(
                f"{host} is only in this machine's map because its owner was shared a "
                f"machine of this tailnet ({node.name}): it may connect to you, not you to it.",
                f"Ask its owner to share {node.name} with you (admin console, Machines, "
                "Share), then use the full name it gets here.",
                "tailscale status",
            )
        ]
    return [
        Advice(
            f"{host} is not a machine in this tailnet.",
            "Check the name in `tailscale status`; the server must be logged in to the "
            "same tailnet (or shared with it).",
            "tailscale status",
        )
    ]


def _describe(status: TailnetStatus, peer: Peer) -> str:
    where = "shared in" if status.in_own_tailnet(peer) is False else "this tailnet"
    ip = f"{peer.ips[0]}, " if peer.ips else ""
    return f"{peer.name} ({ip}{where}, {peer.online_state()})"


def _peer_notes(status: TailnetStatus, peer: Peer, host: str) -> list[Advice]:
    if peer.expired:
        return [
            Advice(
                f"The key of {peer.name} has expired.",
                "On the server run `tailscale up --force-reauth`, or disable key expiry "
                "for it in the admin console.",
                None,
            )
        ]
    out: list[Advice] = []
    wanted = _wanted(host)
    match = match_peer(status, host)
    twins = namesakes(status, peer)
    if peer.online_state() == "offline":
        since = f" (last seen {peer.last_seen})" if peer.last_seen else ""
        fix, command = "Wake the server and make sure Tailscale runs on it.", None
        live = [t for t in twins if t.online_state() != "offline" and t.dns_name]
        if live:
            fix += (
                f" If the Ollama server is {_describe(status, live[0])}, use its full name instead:"
            )
            command = f"{CMD} init --host {live[0].dns_name}"
        out.append(Advice(f"{peer.name} is offline in the tailnet{since}.", fix, command))
    if match and match.by == "dns_label" and status.in_own_tailnet(peer) is False:
        # The search domain is this tailnet's suffix only (ipn/ipnlocal/node_backend.go).
        out.append(
            Advice(
                f"{peer.name} is shared into this tailnet from another tailnet, so its short "
                f"name {wanted} does not resolve here (it is not under {status.suffix}).",
                "Use its full name:",
                f"{CMD} init --host {peer.dns_name}",
            )
        )
    if match and match.by == "host_name" and peer.dns_name:
        out.append(
            Advice(
                f"{host} is the machine's host name, but its MagicDNS name is {peer.short_name}.",
                f"Use {peer.dns_name} (another machine has the same host name).",
                None,
            )
        )
    if twins:
        why = (
            " (the short name resolves to it)"
            if match and match.by == "dns_label" and status.in_own_tailnet(peer)
            else ""
        )
        others = "; ".join(_describe(status, t) for t in twins)
        out.append(
            Advice(
                f"Several machines are called {peer.host_name or peer.short_name}: "
                f"{_describe(status, peer)} was chosen{why}; also {others}.",
                "Make sure the chosen one is the Ollama server; otherwise use the other's "
                "full name or address, or rename a machine in the admin console.",
                None,
            )
        )
    if status.magic_dns_enabled is False and not _ip_version(wanted):
        fallback = f"use its address {peer.ipv4}" if peer.ipv4 else "use its Tailscale IP"
        out.append(
            Advice(
                "MagicDNS is off in this tailnet, so Tailscale names do not resolve.",
                f"Enable MagicDNS in the admin console (DNS page), or {fallback}.",
                None,
            )
        )
    return out


def namesakes(status: TailnetStatus, peer: Peer) -> list[Peer]:
    """Other nodes with `peer`'s first DNS label or host name (shared-in twins included)."""
    label, host = peer.short_name.lower(), peer.host_name.lower()
    return [
        n
        for n in candidates(status)
        if n is not peer
        and not n.is_self
        and ((label and n.short_name.lower() == label) or (host and n.host_name.lower() == host))
    ]


def sharee_nodes_named(status: TailnetStatus, host: str) -> list[Peer]:
    want = _wanted(host)
    return [
        p
        for p in status.peers
        if p.sharee_node
        and want in (p.short_name.lower(), p.dns_name.lower(), p.host_name.lower(), *p.ips)
    ]


def route_for(status: TailnetStatus, address: str) -> tuple[Peer, str] | None:
    """The peer that routes `address` (a subnet router's PrimaryRoutes), with the route."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    best: tuple[Peer, str, int] | None = None
    for peer in candidates(status):
        for route in peer.primary_routes:
            try:
                net = ipaddress.ip_network(route, strict=False)
            except ValueError:
                continue
            if (
                ip.version == net.version
                and ip in net
                and (best is None or net.prefixlen > best[2])
            ):
                best = (peer, route, net.prefixlen)
    return (best[0], best[1]) if best else None
