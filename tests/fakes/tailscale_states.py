"""Builders for `tailscale status --json` documents, shared by the fake CLI and the tests.

Stdlib only: the fake `tailscale` script imports this module from its own directory.

The shapes follow Tailscale's own types as encoding/json writes them, field order included:
ipnstate.Status and ipnstate.PeerStatus in ipn/ipnstate/ipnstate.go (v1.90.4), filled in by
LocalBackend.UpdateStatus and populatePeerStatusLocked in ipn/ipnlocal/local.go (v1.90.4).
So: `json:",omitempty"` fields (HaveNodeKey, AltSharerUserID, AllowedIPs, Tags,
PrimaryRoutes, ShareeNode, Expired, KeyExpiry, ProfilePicURL) are left out when empty; nil
slices and maps (Peer, User, TailscaleIPs, Addrs, CertDomains) are `null`, and the Health list
is `[]` when healthy (health.Tracker.Strings starts from an empty slice, health/health.go).
Old daemons (before 1.20) have the v1.18.0 shape: no Online, TUN or CurrentTailnet.
docs/tailscale.md lists the facts the tool relies on.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from typing import Any

VERSION = "1.90.4-t1234abcd"  # version.Long() form, e.g. "1.90.4-t<commit>"
OLD_VERSION = "1.18.2-t5b4c3d2e1"  # before Online (added in v1.20.0, commit c0701b130)
SUFFIX = "tail1234.ts.net"
OTHER_SUFFIX = "tail9f8e7.ts.net"  # the tailnet a shared-in server belongs to
SHAREE_SUFFIX = "tail5c6d7.ts.net"  # the tailnet of a user we shared a machine with
SELF_HOST = "laptop"
SELF_IPS = ["100.101.102.103", "fd7a:115c:a1e0::1"]
AUTH_URL = "https://login.tailscale.com/a/1a2b3c4d5e6f"
ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time.Time
ZERO_KEY = "nodekey:" + "0" * 64  # a zero key.NodePublic (types/key/node.go)
LAST_SEEN = "2025-01-02T03:04:05Z"
SELF_KEY_EXPIRY = "2025-03-01T00:00:00Z"
USER_ID = 123456789
OTHER_USER_ID = 987654321  # the shared-in server's owner, in the other tailnet
SHARER_ID = 555000111  # who shared it with us (AltSharerUserID), when not the owner
TRAFFIC_ADDR = "192.168.1.20:41641"
SUBNET = "192.168.50.0/24"  # what the "router" peer advertises in "health-messages"

# Texts of the real CLI, exit status 1 (cmd/tailscale/tailscale.go prints the error).
# cmd/tailscale/cli/diag.go (v1.90.4), Linux with systemd, no tailscaled process found:
DAEMON_DOWN_MESSAGE = (
    "failed to connect to local tailscaled; it doesn't appear to be running "
    "(sudo systemctl start tailscaled ?)"
)
# cmd/tailscale/cli/diag.go (v1.90.4) when a tailscaled process exists, wrapping the LocalAPI
# error of client/local/local.go (v1.90.4): "Failed to connect to local Tailscale daemon for
# <path>; <hint> Error: <dial error>"; the hint is tailscaledConnectHint's "not running?".
DAEMON_UNREACHABLE_MESSAGE = (
    "failed to connect to local tailscaled (which appears to be running as tailscaled, "
    "pid 812). Got error: Failed to connect to local Tailscale daemon for /localapi/v0/status; "
    "not running? Error: dial unix /var/run/tailscale/tailscaled.sock: connect: "
    "permission denied"
)
# Windows: ipn/ipnserver/server.go (v1.90.4) checkConnIdentityLocked answers HTTP 401
# "Tailscale already in use by <user>, pid <pid>"; client/local/local.go formats a non-200
# answer as "<status>: <body>", and diag.go wraps it as above (tailscaled.exe found).
IN_USE_MESSAGE = (
    "failed to connect to local tailscaled (which appears to be running as tailscaled.exe, "
    "pid 812). Got error: 401 Unauthorized: Tailscale already in use by DESKTOP-7Q2B\\alice, "
    "pid 4242"
)
# The macOS app's CLI outside the user's GUI session (not in the open-source tree).
GUI_FAILED_MESSAGE = (
    "The Tailscale GUI failed to start: Error Domain=NSCocoaErrorDomain Code=4099 "
    '"The connection to service named io.tailscale.ipn.macsys was invalidated."'
)
GARBAGE_OUTPUT = "Warning: client version mismatch\nthis is not json at all\n"

# Health texts (Status.Health), verbatim from the source:
# health/warnings.go (v1.90.4) LoginStateWarnable, without a last login error.
HEALTH_LOGGED_OUT = "You are logged out."
# health/warnings.go (v1.90.4) IPNStateWarnable.
HEALTH_STOPPED = "Tailscale is stopped."
# health/healthmsg/healthmsg.go (v1.90.4) LockedOut (ipn/ipnlocal/tailnet-lock.go sets it).
HEALTH_LOCKED_OUT = (
    "this node is locked out; it will not have connectivity until it is signed. For more "
    "info, see https://tailscale.com/s/locked-out"
)
# health/healthmsg/healthmsg.go (v1.90.4) WarnAcceptRoutesOff (appended in local.go).
HEALTH_ACCEPT_ROUTES_OFF = "Some peers are advertising routes but --accept-routes is false"
# health/warnings.go (v1.90.4) notInMapPollWarnable ("Out of sync").
HEALTH_OUT_OF_SYNC = (
    "Unable to connect to the Tailscale coordination server to synchronize the state of "
    "your tailnet. Peer reachability might degrade over time."
)

# Every state the fake understands. BEHAVIOUR_STATES are behaviours of the CLI rather than
# documents; status() refuses them.
STATES = (
    "running",
    "peer-offline",
    "peer-absent",
    "key-expired",  # the server's key (PeerStatus.Expired)
    "needs-login",
    "needs-machine-auth",
    "stopped",
    "no-peers",
    "magicdns-off",
    "duplicate-hostname",
    "shared-in",  # the server is shared in from another tailnet
    "twin-labels",  # our own ollama-server offline, a shared-in one online, a sharee node
    "online-unknown",  # Online false while traffic flows
    "old-daemon",  # tailscaled 1.18: no Online field at all
    "self-key-expired",  # this machine's key expired
    "userspace",  # TUN false
    "locked-out",  # Tailnet Lock has not signed this node
    "health-messages",  # --accept-routes off with a subnet router, coordination unreachable
    "in-use-other-user",  # BackendState InUseOtherUser
    "daemon-down",
    "daemon-unreachable",
    "in-use-windows",
    "gui-failed",
    "garbage",
    "hang",
)
BEHAVIOUR_STATES = (
    "daemon-down",
    "daemon-unreachable",
    "in-use-windows",
    "gui-failed",
    "garbage",
    "hang",
)
# What the CLI prints on stderr (exit status 1) for each behaviour that prints an error.
BEHAVIOUR_ERRORS = {
    "daemon-down": DAEMON_DOWN_MESSAGE,
    "daemon-unreachable": DAEMON_UNREACHABLE_MESSAGE,
    "in-use-windows": IN_USE_MESSAGE,
}


def node_key(name: str) -> str:
    """A stable, realistic-looking peer map key for a host name."""
    return "nodekey:" + hashlib.sha256(name.encode()).hexdigest()


def ipv6_for(ipv4: str) -> str:
    """The fd7a:115c:a1e0::/48 address paired with a 100.x address (last octet)."""
    return f"fd7a:115c:a1e0::{int(ipv4.rsplit('.', 1)[-1]):x}"


def rfc3339(epoch: float) -> str:
    """A time as Go's time.Time marshals it (nanoseconds, UTC "Z")."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}000Z"


def peer_status(
    host_name: str,
    ipv4: str,
    *,
    dns_label: str | None = None,
    os_name: str = "macOS",
    online: bool = True,
    expired: bool = False,
    node_id: str | None = None,
    suffix: str = SUFFIX,
    user_id: int = USER_ID,
) -> dict[str, Any]:
    """One PeerStatus as tailscaled 1.90 writes it (DNSName with its trailing dot)."""
    label = dns_label or host_name.lower()
    peer: dict[str, Any] = {
        "ID": node_id or "n" + hashlib.sha256(f"{label}.{suffix}".encode()).hexdigest()[:10],
        "PublicKey": node_key(label if suffix == SUFFIX else f"{label}.{suffix}"),
        "HostName": host_name,
        "DNSName": f"{label}.{suffix}.",
        "OS": os_name,
        "UserID": user_id,
        "TailscaleIPs": [ipv4, ipv6_for(ipv4)],
        "AllowedIPs": [f"{ipv4}/32", f"{ipv6_for(ipv4)}/128"],
        "Addrs": None,
        "CurAddr": "",
        "Relay": "fra",
        "PeerRelay": "",
        "RxBytes": 0,
        "TxBytes": 0,
        "Created": "2024-06-01T10:00:00Z",
        "LastWrite": ZERO_TIME,
        # tailcfg.Node.LastSeen: "not updated when Online is true" (tailcfg/tailcfg.go).
        "LastSeen": ZERO_TIME if online else LAST_SEEN,
        "LastHandshake": ZERO_TIME,
        "Online": online,
        "ExitNode": False,
        "ExitNodeOption": False,
        "Active": online,
        "PeerAPIURL": [f"http://{ipv4}:54321"],
        "TaildropTarget": 0,
        "NoFileSharingReason": "",
        "InNetworkMap": True,
        "InMagicSock": True,
        "InEngine": online,
    }
    if expired:
        peer["Expired"] = True
    peer["KeyExpiry"] = "2024-12-01T00:00:00Z" if expired else "2026-06-01T00:00:00Z"
    return peer


def self_status(online: bool = True) -> dict[str, Any]:
    node = peer_status(SELF_HOST, SELF_IPS[0], os_name="linux", online=online, node_id="nSelf123")
    node["TailscaleIPs"] = list(SELF_IPS)
    node["AllowedIPs"] = [f"{SELF_IPS[0]}/32", f"{SELF_IPS[1]}/128"]
    node["Active"] = False
    node["LastSeen"] = ZERO_TIME
    node["InMagicSock"] = node["InEngine"] = False
    return node


def logged_out_self() -> dict[str, Any]:
    """Self without a netmap: only OS, the OS host name and zero values (local.go)."""
    node = self_status(online=False)
    node.update(ID="", PublicKey=ZERO_KEY, DNSName="", UserID=0, TailscaleIPs=None)
    node.update(PeerAPIURL=None, Created=ZERO_TIME, InNetworkMap=False)
    for key in ("AllowedIPs", "KeyExpiry"):
        del node[key]
    return node


def old_peer_status(host_name: str, ipv4: str, *, active: bool = False) -> dict[str, Any]:
    """A PeerStatus as tailscaled 1.18 wrote it: ipn/ipnstate/ipnstate.go (v1.18.0)."""
    label = host_name.lower()
    return {
        "ID": "n" + hashlib.sha256(label.encode()).hexdigest()[:10],
        "PublicKey": node_key(label),
        "HostName": host_name,
        "DNSName": f"{label}.{SUFFIX}.",
        "OS": "macOS",
        "UserID": USER_ID,
        "TailAddr": ipv4,
        "TailscaleIPs": [ipv4, ipv6_for(ipv4)],
        "Addrs": None,
        "CurAddr": "",
        "Relay": "fra",
        "RxBytes": 0,
        "TxBytes": 0,
        "Created": "2021-06-01T10:00:00Z",
        "LastWrite": ZERO_TIME,
        "LastSeen": ZERO_TIME,
        "LastHandshake": ZERO_TIME,
        "KeepAlive": False,
        "ExitNode": False,
        "Active": active,
        "PeerAPIURL": [f"http://{ipv4}:54321"],
        "InNetworkMap": True,
        "InMagicSock": True,
        "InEngine": active,
    }


def _other_peers() -> list[dict[str, Any]]:
    return [
        peer_status("nas", "100.70.0.5", os_name="linux"),
        peer_status("phone", "100.70.0.9", os_name="iOS", online=False),
    ]


def _users(*extra: tuple[int, str, str]) -> dict[str, Any]:
    # tailcfg.UserProfile (tailcfg/tailcfg.go, v1.90.4): ProfilePicURL is omitempty.
    users = [(USER_ID, "user@example.com", "Example User"), *extra]
    return {str(i): {"ID": i, "LoginName": n, "DisplayName": d} for i, n, d in users}


def _shared_in(peer: str, ip: str, *, online: bool = True) -> dict[str, Any]:
    """A node shared into our tailnet: DNSName under its own tailnet's suffix, owned by a
    user of that tailnet; AltSharerUserID names who shared it when that is someone else
    (ipn/ipnlocal/local.go populatePeerStatusLocked, v1.90.4)."""
    node = peer_status(peer, ip, suffix=OTHER_SUFFIX, user_id=OTHER_USER_ID, online=online)
    return _insert_before(node, "TailscaleIPs", "AltSharerUserID", SHARER_ID)


def _insert_before(node: dict[str, Any], before: str, key: str, value: Any) -> dict[str, Any]:
    """`node` with `key` where PeerStatus declares it (encoding/json keeps struct order)."""
    items = [(k, v) for k, v in node.items() if k != key]
    at = next(i for i, (k, _) in enumerate(items) if k == before)
    return dict([*items[:at], (key, value), *items[at:]])


def _traffic(node: dict[str, Any], now: float) -> None:
    node.update(Active=True, CurAddr=TRAFFIC_ADDR, RxBytes=48213, TxBytes=39120, InEngine=True)
    node.update(LastHandshake=rfc3339(now - 30), LastWrite=rfc3339(now - 2))


def status(
    state: str, peer: str = "ollama-server", ip: str = "100.90.1.2", now: float | None = None
) -> dict[str, Any]:
    """The status document for `state`; `peer`/`ip` name the Ollama server."""
    if state in BEHAVIOUR_STATES:
        raise ValueError(f"{state!r} is a CLI behaviour, not a status document")
    if state not in STATES:
        raise ValueError(f"unknown fake tailscale state {state!r}")
    now = time.time() if now is None else now
    if state == "old-daemon":
        return _old_status(peer, ip)

    backend = "Running"
    auth_url = ""
    have_node_key = True
    tun = True
    self_ips: list[str] | None = list(SELF_IPS)
    tailnet: dict[str, Any] | None = {
        "Name": "user@example.com",
        "MagicDNSSuffix": SUFFIX,
        "MagicDNSEnabled": True,
    }
    health: list[str] = []
    users = _users()
    peers: list[dict[str, Any]] | None = _other_peers()
    server = peer_status(peer, ip)
    me = self_status()

    if state == "running":
        peers = [server, *_other_peers()]
    elif state == "peer-offline":
        peers = [peer_status(peer, ip, online=False), *_other_peers()]
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
    elif state == "shared-in":
        users = _users(
            (OTHER_USER_ID, "team@other.example", "Team Server Owner"),
            (SHARER_ID, "admin@other.example", "Team Admin"),
        )
        peers = [_shared_in(peer, ip), *_other_peers()]
    elif state == "twin-labels":
        users = _users(
            (OTHER_USER_ID, "team@other.example", "Team Server Owner"),
            (SHARER_ID, "admin@other.example", "Team Admin"),
            (SHARER_ID + 1, "friend@sharee.example", "Friend"),
        )
        # A ShareeNode: its owner was shared one of our machines, so it may connect to us.
        sharee = peer_status(peer, "100.64.9.9", suffix=SHAREE_SUFFIX, user_id=SHARER_ID + 1)
        sharee = _insert_before(sharee, "InNetworkMap", "ShareeNode", True)
        peers = [
            peer_status(peer, ip, online=False),
            _shared_in(peer, "100.88.7.6"),
            sharee,
            *_other_peers(),
        ]
    elif state == "online-unknown":
        # tailcfg.Node.Online is *bool, "nil means unknown"; PeerStatus.Online is
        # p.Online().Get(): false for unknown (ipn/ipnlocal/local.go, v1.90.4).
        quiet = peer_status(peer, ip, online=False)
        quiet["LastSeen"] = ZERO_TIME  # nil too when control does not say
        _traffic(quiet, now)
        peers = [quiet, *_other_peers()]
    elif state == "no-peers":
        peers = None
    elif state == "needs-login":
        # Logged out, no netmap: nothing but zero values (LocalBackend.UpdateStatus).
        backend, auth_url, self_ips, tailnet, peers = "NeedsLogin", AUTH_URL, None, None, None
        have_node_key, users, me = False, None, logged_out_self()
        health = [HEALTH_LOGGED_OUT]
    elif state == "self-key-expired":
        # ipn/ipnlocal/local.go (v1.90.4) nextStateLocked: keyExpired -> NeedsLogin, with the
        # netmap kept (Self.Expired, Self.KeyExpiry in the past); no Health text names it.
        backend = "NeedsLogin"
        peers = [server, *_other_peers()]
        me = _insert_before(me, "KeyExpiry", "Expired", True)
        me["KeyExpiry"] = SELF_KEY_EXPIRY
        me["Online"] = False
    elif state == "needs-machine-auth":
        backend, self_ips, peers = "NeedsMachineAuth", None, None
        me["TailscaleIPs"] = None
        del me["AllowedIPs"]
    elif state == "stopped":
        backend, peers = "Stopped", None
        me["Online"] = False
        health = [HEALTH_STOPPED]
    elif state == "userspace":
        # Status.TUN: "If false, it's running in userspace mode" (ipnstate.go, v1.90.4).
        tun = False
        peers = [server, *_other_peers()]
    elif state == "locked-out":
        peers = [server, *_other_peers()]
        health = [HEALTH_LOCKED_OUT]
    elif state == "health-messages":
        router = peer_status("router", "100.70.0.1", os_name="linux")
        router["AllowedIPs"] = [*router["AllowedIPs"], SUBNET]
        router = _insert_before(router, "Addrs", "PrimaryRoutes", [SUBNET])
        peers = [server, router, *_other_peers()]
        health = [HEALTH_OUT_OF_SYNC, HEALTH_ACCEPT_ROUTES_OFF]
    elif state == "in-use-other-user":
        # ipn/backend.go (v1.90.4) State InUseOtherUser; sent on the IPN bus to a second
        # Windows user (ipn/localapi/localapi.go InUseOtherUserIPNStream).
        backend, self_ips, tailnet, peers, users = "InUseOtherUser", None, None, None, None
        have_node_key, me = False, logged_out_self()

    doc: dict[str, Any] = {"Version": VERSION, "TUN": tun, "BackendState": backend}
    if have_node_key:
        doc["HaveNodeKey"] = True
    doc.update(
        {
            "AuthURL": auth_url,
            "TailscaleIPs": self_ips,
            "Self": me,
            "Health": health,
            "MagicDNSSuffix": SUFFIX if tailnet else "",
            "CurrentTailnet": tailnet,
            "CertDomains": [f"{SELF_HOST}.{SUFFIX}"] if tailnet else None,
            "Peer": {p["PublicKey"]: p for p in peers} if peers else None,
            "User": users,
            "ClientVersion": None,
        }
    )
    return doc


def _old_status(peer: str, ip: str) -> dict[str, Any]:
    """tailscaled 1.18: ipnstate.Status of ipn/ipnstate/ipnstate.go (v1.18.0)."""
    me = old_peer_status(SELF_HOST, SELF_IPS[0])
    me.update(ID="nSelf123", OS="linux", TailscaleIPs=list(SELF_IPS))
    peers = [old_peer_status(peer, ip), old_peer_status("nas", "100.70.0.5")]
    return {
        "Version": OLD_VERSION,
        "BackendState": "Running",
        "AuthURL": "",
        "TailscaleIPs": list(SELF_IPS),
        "Self": me,
        "Health": None,
        "MagicDNSSuffix": SUFFIX,
        "CertDomains": None,
        "Peer": {p["PublicKey"]: p for p in peers},
        "User": _users(),
    }
