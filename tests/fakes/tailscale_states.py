"""Builders for `tailscale status --json` documents, shared by the fake CLI and the tests.

Stdlib only: the fake `tailscale` script imports this module from its own directory.
The shapes follow ipnstate.Status (see /work/shared/reference/tailscale.md).
"""

from __future__ import annotations

import hashlib
from typing import Any

VERSION = "1.90.4-t1234abcd"
SUFFIX = "tail1234.ts.net"
SELF_HOST = "laptop"
SELF_IPS = ["100.101.102.103", "fd7a:115c:a1e0::1"]
AUTH_URL = "https://login.tailscale.com/a/1a2b3c4d5e6f"
ZERO_TIME = "0001-01-01T00:00:00Z"
LAST_SEEN = "2025-01-02T03:04:05Z"
USER_ID = 123456789

DAEMON_DOWN_MESSAGE = (
    "failed to connect to local tailscaled; it doesn't appear to be running "
    "(sudo systemctl start tailscaled ?)"
)
GUI_FAILED_MESSAGE = (
    "The Tailscale GUI failed to start: Error Domain=NSCocoaErrorDomain Code=4099 "
    '"The connection to service named io.tailscale.ipn.macsys was invalidated."'
)
GARBAGE_OUTPUT = "Warning: client version mismatch\nthis is not json at all\n"

# Every state the fake understands. "daemon-down", "gui-failed", "garbage" and "hang"
# are behaviours of the CLI rather than documents; status() refuses them.
STATES = (
    "running",
    "peer-offline",
    "peer-absent",
    "key-expired",
    "needs-login",
    "needs-machine-auth",
    "stopped",
    "no-peers",
    "magicdns-off",
    "duplicate-hostname",
    "daemon-down",
    "gui-failed",
    "garbage",
    "hang",
)
BEHAVIOUR_STATES = ("daemon-down", "gui-failed", "garbage", "hang")


def node_key(name: str) -> str:
    """A stable, realistic-looking peer map key for a host name."""
    return "nodekey:" + hashlib.sha256(name.encode()).hexdigest()


def ipv6_for(ipv4: str) -> str:
    """The fd7a:115c:a1e0::/48 address paired with a 100.x address (last octet)."""
    return f"fd7a:115c:a1e0::{int(ipv4.rsplit('.', 1)[-1]):x}"


def peer_status(
    host_name: str,
    ipv4: str,
    *,
    dns_label: str | None = None,
    os_name: str = "macOS",
    online: bool = True,
    expired: bool = False,
    node_id: str | None = None,
) -> dict[str, Any]:
    """One PeerStatus as tailscaled writes it (DNSName with trailing dot)."""
    label = dns_label or host_name.lower()
    peer: dict[str, Any] = {
        "ID": node_id or "n" + hashlib.sha256(label.encode()).hexdigest()[:10],
        "PublicKey": node_key(label),
        "HostName": host_name,
        "DNSName": f"{label}.{SUFFIX}.",
        "OS": os_name,
        "UserID": USER_ID,
        "TailscaleIPs": [ipv4, ipv6_for(ipv4)],
        "AllowedIPs": [f"{ipv4}/32", f"{ipv6_for(ipv4)}/128"],
        "Addrs": None,
        "CurAddr": "",
        "Relay": "fra",
        "RxBytes": 0,
        "TxBytes": 0,
        "Created": "2024-06-01T10:00:00Z",
        "LastWrite": ZERO_TIME,
        "LastSeen": ZERO_TIME if online else LAST_SEEN,
        "LastHandshake": ZERO_TIME,
        "Online": online,
        "ExitNode": False,
        "ExitNodeOption": False,
        "Active": online,
        "PeerAPIURL": [f"http://{ipv4}:54321"],
        "InNetworkMap": True,
        "InMagicSock": True,
        "InEngine": False,
        "KeyExpiry": "2024-12-01T00:00:00Z" if expired else "2026-06-01T00:00:00Z",
    }
    if expired:
        peer["Expired"] = True
    return peer


def self_status(online: bool = True) -> dict[str, Any]:
    node = peer_status(SELF_HOST, SELF_IPS[0], os_name="linux", online=online, node_id="nSelf123")
    node["TailscaleIPs"] = list(SELF_IPS)
    node["Active"] = False
    node["Relay"] = "fra"
    return node


def _other_peers() -> list[dict[str, Any]]:
    return [
        peer_status("nas", "100.70.0.5", os_name="linux"),
        peer_status("phone", "100.70.0.9", os_name="iOS", online=False),
    ]


def status(state: str, peer: str = "ollama-server", ip: str = "100.90.1.2") -> dict[str, Any]:
    """The status document for `state`; `peer`/`ip` name the Ollama server."""
    if state in BEHAVIOUR_STATES:
        raise ValueError(f"{state!r} is a CLI behaviour, not a status document")
    if state not in STATES:
        raise ValueError(f"unknown fake tailscale state {state!r}")

    backend = "Running"
    auth_url = ""
    self_ips: list[str] | None = list(SELF_IPS)
    tailnet: dict[str, Any] | None = {
        "Name": "user@example.com",
        "MagicDNSSuffix": SUFFIX,
        "MagicDNSEnabled": True,
    }
    health: list[str] | None = None
    peers: list[dict[str, Any]] | None = _other_peers()
    server = peer_status(peer, ip)

    if state == "running":
        peers = [server, *_other_peers()]
    elif state == "peer-offline":
        peers = [peer_status(peer, ip, online=False), *_other_peers()]
    elif state == "peer-absent":
        pass
    elif state == "key-expired":
        peers = [peer_status(peer, ip, online=False, expired=True), *_other_peers()]
    elif state == "magicdns-off":
        peers = [server, *_other_peers()]
        assert tailnet is not None
        tailnet["MagicDNSEnabled"] = False
    elif state == "duplicate-hostname":
        # The older machine keeps the plain name; the newer one gets "-1" in DNS.
        dup_ip = "100.90.1.3" if ip != "100.90.1.3" else "100.90.1.4"
        peers = [
            server,
            peer_status(peer, dup_ip, dns_label=f"{peer.lower()}-1", os_name="linux"),
            *_other_peers(),
        ]
    elif state == "no-peers":
        peers = None
    elif state == "needs-login":
        backend, auth_url, self_ips, tailnet, peers = "NeedsLogin", AUTH_URL, None, None, []
        health = ["You are logged out. The last login error was: node key expired"]
    elif state == "needs-machine-auth":
        backend, self_ips, peers = "NeedsMachineAuth", None, []
    elif state == "stopped":
        backend, peers = "Stopped", []
        health = ["Tailscale is stopped."]

    me = self_status(online=backend == "Running")
    if self_ips is None:
        me["TailscaleIPs"] = None
        me["AllowedIPs"] = None
    doc: dict[str, Any] = {
        "Version": VERSION,
        "TUN": True,
        "BackendState": backend,
        "HaveNodeKey": backend != "NeedsLogin",
        "AuthURL": auth_url,
        "TailscaleIPs": self_ips,
        "Self": me,
        "Health": health,
        "MagicDNSSuffix": SUFFIX,
        "CurrentTailnet": tailnet,
        "CertDomains": [f"{SELF_HOST}.{SUFFIX}"] if tailnet else None,
        "Peer": None if peers is None else {p["PublicKey"]: p for p in peers},
        "User": {
            str(USER_ID): {
                "ID": USER_ID,
                "LoginName": "user@example.com",
                "DisplayName": "Example User",
                "ProfilePicURL": "",
            }
        },
        "ClientVersion": None,
    }
    return doc
