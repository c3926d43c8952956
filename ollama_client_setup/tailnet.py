"""Tailscale as a client sees it: is it installed, connected, and is the server a live peer.

Reads `tailscale status --json` (or the LocalAPI socket when there is no CLI) and never
trusts its shape: the CLI itself warns the format may change, so every field is optional
and a wrong type degrades to "unknown" instead of an exception.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
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


class StatusError(str, Enum):
    """Why no usable status could be read."""

    NOT_INSTALLED = "not_installed"
    DAEMON_DOWN = "daemon_down"
    TIMEOUT = "timeout"
    BAD_OUTPUT = "bad_output"


@dataclass
class Peer:
    id: str = ""
    host_name: str = ""  # the machine's OS hostname: not unique, not a DNS name
    dns_name: str = ""  # MagicDNS FQDN without the trailing dot
    os: str = ""
    ips: list[str] = field(default_factory=list)  # IPv4 first, as tailscaled lists them
    online: bool = False
    active: bool = False
    expired: bool = False
    last_seen: str | None = None  # RFC 3339; None when never/zero
    tags: list[str] = field(default_factory=list)
    key: str = ""  # the "nodekey:..." map key, when known
    is_self: bool = False

    @property
    def short_name(self) -> str:
        """The first DNSName label: what MagicDNS answers to (falls back to HostName)."""
        return self.dns_name.split(".", 1)[0] if self.dns_name else self.host_name

    @property
    def ipv4(self) -> str | None:
        return next((ip for ip in self.ips if _ip_version(ip) == 4), None)


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

    @property
    def running(self) -> bool:
        return self.backend_state == "Running"

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
        return _failed(StatusError.DAEMON_DOWN, _trim(detail), cli)
    status = parse_status_text(stdout)
    status.source, status.cli_path = "cli", cli
    return status


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
        return failed(StatusError.DAEMON_DOWN, f"{sock}: {exc}")
    if resp.status_code != 200:
        return failed(StatusError.DAEMON_DOWN, f"{sock}: HTTP {resp.status_code} {resp.text}")
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
    return TailnetStatus(
        installed=True,
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
    answers to the DNSName's first label ("ollama-server-1" for the second one).
    """
    want = host.strip().strip("[]").rstrip(".").lower()
    if not want:
        return None
    nodes = [*status.peers, *([status.self_node] if status.self_node else [])]
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
            # Among equals (shared HostName), prefer a peer over this node, then a live one.
            hits.sort(key=lambda n: (n.is_self, not n.online, n.expired))
            return PeerMatch(hits[0], by)
    return None


def find_peer(status: TailnetStatus, host: str) -> Peer | None:
    match = match_peer(status, host)
    return match.peer if match else None


def ping_command(host: str, cli: str = "tailscale") -> list[str]:
    """A reachability check that accepts a relayed (DERP) path as success."""
    return [cli, "ping", "--until-direct=false", "-c", "1", "--timeout", "3s", host]


# --- advice --------------------------------------------------------------------------


class Advice(NamedTuple):
    problem: str
    fix: str
    command: str | None  # to run on this machine; None when the fix is elsewhere


def daemon_start_command(platform: str = sys.platform) -> str | None:
    if platform.startswith("linux"):
        return "sudo systemctl enable --now tailscaled"
    if platform == "darwin":
        return "open -a Tailscale"
    return None


def advice(
    status: TailnetStatus, peer: Peer | None, host: str, platform: str = sys.platform
) -> list[Advice]:
    """What is wrong on the Tailscale side for reaching `host`, most basic first.

    Stops at the first blocking problem (nothing about peers while the daemon is down);
    once the peer is known, non-blocking notes (offline, duplicate names, MagicDNS off)
    may come together. NOT_INSTALLED yields one item the caller should treat as informational
    when the user reaches the server another way (LAN, SSH tunnel, WireGuard).
    """
    if status.error is StatusError.NOT_INSTALLED:
        return [
            Advice(
                "Tailscale is not installed on this machine.",
                "Install it from https://tailscale.com/download and log in to the server's "
                "tailnet, unless you reach the server another way (LAN, SSH tunnel).",
                None,
            )
        ]
    if status.error is StatusError.DAEMON_DOWN:
        return [
            Advice(
                f"The Tailscale service is not running ({status.error_detail}).",
                "Start Tailscale (the app, or the tailscaled service).",
                daemon_start_command(platform),
            )
        ]
    if status.error is StatusError.TIMEOUT:
        return [
            Advice(
                "Tailscale did not answer a status request in time.",
                "The service may be stuck; restart it and run this check again.",
                "sudo systemctl restart tailscaled" if platform.startswith("linux") else None,
            )
        ]
    if status.error is StatusError.BAD_OUTPUT:
        return [
            Advice(
                "`tailscale status --json` printed something unreadable.",
                "Update Tailscale to a current release.",
                None,
            )
        ]

    state = status.backend_state
    if state == "NeedsLogin":
        where = f"Open {status.auth_url} to log in" if status.auth_url else "Log in"
        return [Advice("This machine is logged out of Tailscale.", f"{where}.", "tailscale up")]
    if state == "NeedsMachineAuth":
        return [
            Advice(
                "This machine waits for approval in the tailnet.",
                "Ask the tailnet admin to approve it in the admin console (Machines).",
                None,
            )
        ]
    if state == "Stopped":
        return [Advice("Tailscale is stopped on this machine.", "Connect it.", "tailscale up")]
    if state != "Running":
        return [
            Advice(
                f"Tailscale is not connected (state: {state or 'unknown'}).",
                "Wait a few seconds for it to connect, then run this check again.",
                "tailscale status",
            )
        ]

    out: list[Advice] = []
    if peer is None:
        return [
            Advice(
                f"{host} is not a machine in this tailnet.",
                "Check the name in `tailscale status`; the server must be logged in to the "
                "same tailnet (or shared with it).",
                "tailscale status",
            )
        ]
    if peer.expired:
        return [
            Advice(
                f"The key of {peer.short_name} has expired.",
                "On the server run `tailscale up --force-reauth`, or disable key expiry "
                "for it in the admin console.",
                None,
            )
        ]
    if not peer.online:
        since = f" (last seen {peer.last_seen})" if peer.last_seen else ""
        out.append(
            Advice(
                f"{peer.short_name} is offline in the tailnet{since}.",
                "Wake the server and make sure Tailscale runs on it.",
                None,
            )
        )
    match = match_peer(status, host)
    wanted = host.strip().strip("[]").rstrip(".").lower()
    if match and match.by == "host_name" and peer.dns_name:
        out.append(
            Advice(
                f"{host} is the machine's host name, but its MagicDNS name is {peer.short_name}.",
                f"Use {peer.dns_name} (another machine has the same host name).",
                None,
            )
        )
    twins = [
        p for p in status.peers if p is not peer and p.host_name.lower() == peer.host_name.lower()
    ]
    if twins and peer.host_name:
        others = ", ".join(f"{p.dns_name or p.host_name} ({', '.join(p.ips[:1])})" for p in twins)
        out.append(
            Advice(
                f"Several machines are called {peer.host_name}: {peer.dns_name} "
                f"({', '.join(peer.ips[:1])}) was chosen; also {others}.",
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
    return Peer(
        id=_str(value.get("ID")) or "",
        host_name=_str(value.get("HostName")) or "",
        dns_name=(_str(value.get("DNSName")) or "").rstrip("."),
        os=_str(value.get("OS")) or "",
        ips=_str_list(value.get("TailscaleIPs")),
        online=online is True,
        active=active is True,
        expired=expired is True,
        last_seen=None if last_seen == ZERO_TIME else last_seen,
        tags=_str_list(value.get("Tags")),
        key=key,
        is_self=is_self,
    )


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
