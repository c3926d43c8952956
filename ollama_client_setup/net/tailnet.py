"""Tailscale as a client sees it: is it installed, connected, and is the server a live peer.

Reads `tailscale status --json` (or the LocalAPI socket when there is no CLI) and never
trusts its shape: the CLI itself warns the format may change, so every field is optional
and a wrong type degrades to "unknown" instead of an exception. The facts it relies on,
with where Tailscale's source defines each, are in docs/tailscale.md.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, NamedTuple

MACOS_APP_CLI = "/Applications/Tailscale.app/Contents/MacOS/Tailscale"
WINDOWS_CLI = r"C:\Program Files\Tailscale\tailscale.exe"


def _default_cli_fallbacks() -> list[str]:
    if sys.platform == "darwin":
        return [MACOS_APP_CLI]
    if os.name == "nt":
        return [WINDOWS_CLI]
    return []


# Where to look when `tailscale` is not on PATH. A module list so tests can empty it.
CLI_FALLBACKS: list[str] = _default_cli_fallbacks()

# tailscaled's LocalAPI sockets: Linux, then the open-source tailscaled on macOS.
LOCALAPI_SOCKETS: list[str] = ["/var/run/tailscale/tailscaled.sock", "/var/run/tailscaled.socket"]
LOCALAPI_HOST = "local-tailscaled.sock"  # tailscaled answers 403 to any other Host

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


# --- finding and reading -------------------------------------------------------------


ENV_CLI = "OLLAMA_CLIENT_SETUP_TAILSCALE"


def find_cli(env_path: str | None = None, fallbacks: Sequence[str] | None = None) -> str | None:
    """The tailscale CLI: on PATH (or `env_path`), else the app bundle / Windows install."""
    found = shutil.which("tailscale", path=env_path)
    if found:
        return found
    for candidate in CLI_FALLBACKS if fallbacks is None else fallbacks:
        if os.path.isfile(candidate):
            return candidate
    return None


def read_status(
    timeout: float = 3.0,
    cli: str | None = None,
    sockets: Sequence[str] | None = None,
) -> TailnetStatus:
    """Status from the CLI when there is one, else from the LocalAPI socket.

    OLLAMA_CLIENT_SETUP_TAILSCALE names the CLI to use, or "none" for "no Tailscale here"
    (a machine that reaches the server another way, and the test suite)."""
    override = os.environ.get(ENV_CLI)
    if override == "none":
        # Explicit arguments still count: only the automatic discovery is switched off.
        if cli:
            return read_status_cli(cli, timeout)
        return read_status_localapi(timeout, [] if sockets is None else sockets)
    cli = cli or override or find_cli()
    if cli:
        return read_status_cli(cli, timeout)
    return read_status_localapi(timeout, sockets)


def read_status_cli(cli: str, timeout: float = 3.0) -> TailnetStatus:
    try:
        proc = subprocess.run(
            [cli, "status", "--json"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _failed(
            StatusError.TIMEOUT, f"`tailscale status` gave no answer in {timeout:g} s", cli
        )
    except OSError as exc:
        # Gone since find_cli, not executable, wrong architecture: a broken install is
        # fixed by (re)installing, so it reads as not installed, with the reason kept.
        return TailnetStatus(
            error=StatusError.NOT_INSTALLED, error_detail=_trim(f"cannot run {cli}: {exc}")
        )
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        # "failed to connect to local tailscaled", the macOS GUI failing to start, ...
        detail = stderr or stdout.strip() or f"exit status {proc.returncode}"
        return _failed(classify_cli_error(detail), _trim(detail), cli)
    status = parse_status_text(stdout)
    status.source, status.cli_path = "cli", cli
    return status


# What `tailscale status` prints on stderr (exit status 1) when it cannot get a status.
# cmd/tailscale/cli/diag.go (v1.90.4): the daemon process was found, yet the request failed.
DAEMON_FOUND_RE = re.compile(
    r"appears to be running as (?P<exe>[^,()]+), pid (?P<pid>\d+)\)\.(?: Got error: (?P<err>.*))?",
    re.S,
)
# ipn/ipnserver/server.go and ipn/ipnlocal/local.go (v1.90.4): Windows serves one user.
IN_USE_RE = re.compile(
    r"Tailscale (?:already in use|running in server mode)"
    r"(?: by (?P<by>[^,\n]+)| \(\"(?P<quoted>[^\"]+)\"\))?",
    re.I,
)


def classify_cli_error(detail: str) -> StatusError:
    """DAEMON_DOWN unless the text says the daemon runs but refused or could not be reached."""
    if IN_USE_RE.search(detail):
        return StatusError.IN_USE
    # "Access denied: ..." is client/local/local.go's AccessDeniedError (HTTP 403).
    if DAEMON_FOUND_RE.search(detail) or "access denied" in detail.lower():
        return StatusError.DAEMON_UNREACHABLE
    return StatusError.DAEMON_DOWN


def read_status_localapi(
    timeout: float = 3.0, sockets: Sequence[str] | None = None
) -> TailnetStatus:
    """GET /localapi/v0/status over tailscaled's unix socket (no CLI needed)."""
    paths = LOCALAPI_SOCKETS if sockets is None else sockets
    sock = next((p for p in paths if os.path.exists(p)), None)
    if sock is None:
        return TailnetStatus(
            error=StatusError.NOT_INSTALLED, error_detail="no tailscale CLI or socket"
        )
    import httpx  # lazy: only this path needs it, and it is slow to import

    def failed(error: StatusError, detail: str) -> TailnetStatus:
        result = TailnetStatus(installed=True, error=error, error_detail=_trim(detail))
        result.source = "localapi"
        return result

    try:
        with httpx.Client(
            transport=httpx.HTTPTransport(uds=sock), timeout=timeout, trust_env=False
        ) as client:
            # Exactly this Host and no Referer/Origin, or tailscaled answers 403.
            resp = client.get(
                f"http://{LOCALAPI_HOST}/localapi/v0/status", headers={"Host": LOCALAPI_HOST}
            )
    except httpx.TimeoutException:
        return failed(StatusError.TIMEOUT, f"{sock} gave no answer in {timeout:g} s")
    except httpx.HTTPError as exc:  # stale socket file, permission denied, ...
        # A socket this user may not open belongs to a daemon that may well be running.
        denied = isinstance(exc.__cause__ or exc.__context__, PermissionError) or (
            "permission denied" in str(exc).lower()
        )
        error = StatusError.DAEMON_UNREACHABLE if denied else StatusError.DAEMON_DOWN
        return failed(error, f"{sock}: {exc}")
    if resp.status_code != 200:
        detail = f"{sock}: HTTP {resp.status_code} {resp.text}"
        if resp.status_code == 401:  # ipn/ipnserver/server.go: in use by another user
            return failed(StatusError.IN_USE, detail)
        if resp.status_code == 403:  # no read access for this user
            return failed(StatusError.DAEMON_UNREACHABLE, f"Access denied: {detail}")
        return failed(StatusError.DAEMON_DOWN, detail)
    status = parse_status_text(resp.text)
    status.source = "localapi"
    return status


def parse_status_text(text: str) -> TailnetStatus:
    try:
        data = json.loads(text)
    except ValueError:
        return TailnetStatus(
            installed=True, error=StatusError.BAD_OUTPUT, error_detail=_trim(text) or "(empty)"
        )
    return parse_status(data)


def parse_status(data: Any) -> TailnetStatus:
    """Build a TailnetStatus from decoded status JSON of any shape."""
    if not isinstance(data, dict):
        return TailnetStatus(
            installed=True,
            error=StatusError.BAD_OUTPUT,
            error_detail=f"expected a JSON object, got {type(data).__name__}",
        )
    tailnet = _dict(data.get("CurrentTailnet"))
    magic = tailnet.get("MagicDNSEnabled")
    self_node = _peer(data.get("Self"), key="", is_self=True) if "Self" in data else None
    # Older daemons may omit the top-level list; Self carries the same addresses.
    self_ips = _str_list(data.get("TailscaleIPs"))
    if "TailscaleIPs" not in data and self_node:
        self_ips = list(self_node.ips)
    peers_raw = data.get("Peer")
    peers = (
        [p for k, v in peers_raw.items() if (p := _peer(v, key=str(k))) is not None]
        if isinstance(peers_raw, dict)
        else []
    )
    tun = data.get("TUN")
    return TailnetStatus(
        installed=True,
        tun=tun if isinstance(tun, bool) else None,
        version=_str(data.get("Version")),
        backend_state=_str(data.get("BackendState")),
        auth_url=_str(data.get("AuthURL")),
        magic_dns_enabled=magic if isinstance(magic, bool) else None,
        magic_dns_suffix=_str(tailnet.get("MagicDNSSuffix")) or _str(data.get("MagicDNSSuffix")),
        tailnet_name=_str(tailnet.get("Name")),
        self_ips=self_ips,
        self_node=self_node,
        health=_str_list(data.get("Health")),
        peers=peers,
    )


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


# --- defensive readers ---------------------------------------------------------------


def _failed(error: StatusError, detail: str, cli: str) -> TailnetStatus:
    return TailnetStatus(
        installed=True, error=error, error_detail=_trim(detail), source="cli", cli_path=cli
    )


def _trim(text: str, limit: int = 500) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _str_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _peer(value: Any, key: str, is_self: bool = False) -> Peer | None:
    if not isinstance(value, dict):
        return None
    online, active, expired = (value.get(k) for k in ("Online", "Active", "Expired"))
    last_seen = _str(value.get("LastSeen"))
    handshake = _str(value.get("LastHandshake"))
    expiry = _str(value.get("KeyExpiry"))
    return Peer(
        id=_str(value.get("ID")) or "",
        host_name=_str(value.get("HostName")) or "",
        dns_name=(_str(value.get("DNSName")) or "").rstrip("."),
        os=_str(value.get("OS")) or "",
        ips=_str_list(value.get("TailscaleIPs")),
        # Absent (before 1.20) is "not reported"; a wrong type is as good as false.
        online=None if "Online" not in value else online is True,
        active=active is True,
        expired=expired is True,
        last_seen=None if last_seen == ZERO_TIME else last_seen,
        tags=_str_list(value.get("Tags")),
        key=key,
        is_self=is_self,
        cur_addr=_str(value.get("CurAddr")) or "",
        last_handshake=None if handshake == ZERO_TIME else handshake,
        key_expiry=None if expiry == ZERO_TIME else expiry,
        sharee_node=value.get("ShareeNode") is True,
        primary_routes=_str_list(value.get("PrimaryRoutes")),
    )


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
