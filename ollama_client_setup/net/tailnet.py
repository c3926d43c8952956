"""Tailscale as a client sees it: is it installed, connected, and is the server a live peer.

The status as data (this node, its peers and their state) and finding the server among the
peers. tailnet_read.py reads it from `tailscale status --json` or the LocalAPI; the facts it
relies on, with where Tailscale's source defines each, are in docs/tailscale.md.
"""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import NamedTuple

ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time.Time: "never"/"not applicable"

# WireGuard handshakes again every 2 minutes while packets flow: a handshake younger than
# this is a sign of traffic.
RECENT_HANDSHAKE_S = 180.0


class StatusError(str, Enum):
    """Why no usable status could be read."""

    NOT_INSTALLED = "not_installed"
    DAEMON_DOWN = "daemon_down"
    # tailscaled runs, but this user cannot talk to it (socket permissions, access denied).
    DAEMON_UNREACHABLE = "daemon_unreachable"
    # Windows: tailscaled serves another user of this computer (HTTP 401 from the LocalAPI).
    IN_USE = "in_use_other_user"
    TIMEOUT = "timeout"
    BAD_OUTPUT = "bad_output"


@dataclass
class Peer:
    id: str = ""
    host_name: str = ""  # the machine's OS hostname: not unique, not a DNS name
    dns_name: str = ""  # MagicDNS FQDN without the trailing dot
    os: str = ""
    ips: list[str] = field(default_factory=list)  # IPv4 first, as tailscaled lists them
    # None: not reported (tailscaled before 1.20 has no Online field). False can also
    # mean "unknown": tailscaled writes false when control sent no online state.
    online: bool | None = False
    active: bool = False
    expired: bool = False
    last_seen: str | None = None  # RFC 3339; None when never/zero
    tags: list[str] = field(default_factory=list)
    key: str = ""  # the "nodekey:..." map key, when known
    is_self: bool = False
    cur_addr: str = ""  # the direct endpoint in use, "" when none (relayed or idle)
    last_handshake: str | None = None  # RFC 3339; None when never/zero
    key_expiry: str | None = None  # RFC 3339; None when the key does not expire
    # In the map only because its owner was shared a node of ours: it may connect to us,
    # we are not meant to reach it (`tailscale status` hides these).
    sharee_node: bool = False
    primary_routes: list[str] = field(default_factory=list)  # subnets it routes for

    @property
    def short_name(self) -> str:
        """The first DNSName label: what MagicDNS answers to (falls back to HostName)."""
        return self.dns_name.split(".", 1)[0] if self.dns_name else self.host_name

    @property
    def ipv4(self) -> str | None:
        return next((ip for ip in self.ips if _ip_version(ip) == 4), None)

    @property
    def name(self) -> str:
        """The most precise name to show: the full MagicDNS name, else the host name."""
        return self.dns_name or self.host_name

    def traffic(self, now: float | None = None) -> list[str]:
        """Signs that packets flow to this peer right now (empty when there are none)."""
        signs = ["active"] if self.active else []
        if self.cur_addr:
            signs.append(f"direct {self.cur_addr}")
        handshake = _epoch(self.last_handshake)
        if handshake is not None:
            age = (time.time() if now is None else now) - handshake
            if age < RECENT_HANDSHAKE_S:
                signs.append(f"WireGuard handshake {max(0, int(age))} s ago")
        return signs

    def online_state(self, now: float | None = None) -> str:
        """ "online", "offline", "traffic" (reported offline, yet packets flow) or
        "unreported" (this tailscaled does not say). Only "offline" means offline."""
        if self.online is True:
            return "online"
        if self.online is None:
            return "unreported"
        return "traffic" if self.traffic(now) else "offline"


@dataclass
class TailnetStatus:
    installed: bool = False
    error: StatusError | None = None
    error_detail: str = ""
    version: str | None = None
    backend_state: str | None = None
    auth_url: str | None = None
    magic_dns_enabled: bool | None = None  # None: unknown (e.g. not connected)
    magic_dns_suffix: str | None = None
    tailnet_name: str | None = None
    self_ips: list[str] = field(default_factory=list)
    self_node: Peer | None = None
    health: list[str] = field(default_factory=list)
    peers: list[Peer] = field(default_factory=list)
    source: str | None = None  # "cli", "localapi" or None
    cli_path: str | None = None
    # False: userspace networking (no TUN device); None: not reported (before 1.36).
    tun: bool | None = None

    @property
    def running(self) -> bool:
        return self.backend_state == "Running"

    @property
    def suffix(self) -> str | None:
        """This tailnet's MagicDNS suffix (from the status, else from this node's name)."""
        if self.magic_dns_suffix:
            return self.magic_dns_suffix.strip(".").lower()
        if self.self_node and "." in self.self_node.dns_name:
            return self.self_node.dns_name.split(".", 1)[1].lower()
        return None

    def in_own_tailnet(self, peer: Peer) -> bool | None:
        """Whether `peer`'s name is under this tailnet's suffix; False for a node shared in
        from another tailnet, None when either name is unknown."""
        suffix = self.suffix
        if not suffix or not peer.dns_name:
            return None
        return peer.dns_name.lower().endswith("." + suffix)

    @property
    def ok(self) -> bool:
        """A status was read (says nothing about being connected: see `running`)."""
        return self.installed and self.error is None


# --- matching the server -------------------------------------------------------------


class PeerMatch(NamedTuple):
    peer: Peer
    by: str  # "dns_label", "dns_name", "host_name" or "ip"


def match_peer(status: TailnetStatus, host: str) -> PeerMatch | None:
    """Find `host` (short name, FQDN, or Tailscale IP) among the peers, then this node.

    The DNSName wins over HostName: two machines may share a HostName, and MagicDNS
    answers to the DNSName's first label ("ollama-server-1" for the second one). A short
    name means a node of this tailnet (the search domain is this tailnet's suffix), so one
    of ours wins over a node shared in from another tailnet with the same first label.
    ShareeNode peers are never chosen: they are only in the map because they may connect
    to us.
    """
    want = _wanted(host)
    if not want:
        return None
    nodes = candidates(status)
    if _ip_version(want):
        ip = ipaddress.ip_address(want)
        for node in nodes:
            if any(_same_ip(ip, other) for other in node.ips):
                return PeerMatch(node, "ip")
        return None
    tiers = (
        ("dns_label", lambda n: "." not in want and n.dns_name.split(".", 1)[0].lower() == want),
        ("dns_name", lambda n: n.dns_name.lower() == want),
        ("host_name", lambda n: n.host_name.lower() == want),
    )
    for by, test in tiers:
        hits = [n for n in nodes if test(n)]
        if hits:
            hits.sort(key=lambda n: _rank(status, n))
            return PeerMatch(hits[0], by)
    return None


def candidates(status: TailnetStatus) -> list[Peer]:
    """The nodes a name may mean: every peer but ShareeNode ones, then this node."""
    nodes = [p for p in status.peers if not p.sharee_node]
    return nodes + ([status.self_node] if status.self_node else [])


def _rank(status: TailnetStatus, node: Peer) -> tuple[bool, bool, int, bool]:
    # Ours before shared-in, a peer before this node, then online, unknown, offline.
    online = {True: 0, None: 1, False: 2}[node.online]
    return (status.in_own_tailnet(node) is False, node.is_self, online, node.expired)


def find_peer(status: TailnetStatus, host: str) -> Peer | None:
    match = match_peer(status, host)
    return match.peer if match else None


def ping_command(host: str, cli: str = "tailscale") -> list[str]:
    """A reachability check that accepts a relayed (DERP) path as success."""
    return [cli, "ping", "--until-direct=false", "-c", "1", "--timeout", "3s", host]


def _wanted(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


_FRACTION = re.compile(r"(\.\d{1,6})\d*")


def _epoch(stamp: str | None) -> float | None:
    """Seconds since the epoch for an RFC 3339 time as Go writes it (nanoseconds, "Z")."""
    if not stamp or stamp == ZERO_TIME:
        return None
    text = _FRACTION.sub(r"\1", stamp.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _ip_version(text: str) -> int | None:
    try:
        return ipaddress.ip_address(text).version
    except ValueError:
        return None


def _same_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, other: str) -> bool:
    try:
        return ipaddress.ip_address(other) == ip  # "fd7a::0001" == "fd7a::1"
    except ValueError:
        return False
