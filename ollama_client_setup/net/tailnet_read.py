"""Reading Tailscale's status: `tailscale status --json`, or the LocalAPI socket when there
is no CLI, into a TailnetStatus (tailnet.py).

It never trusts the shape: the CLI itself warns the format may change, so every field is
optional and a wrong type degrades to "unknown" instead of an exception. Where Tailscale's
source defines each fact is in docs/tailscale.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from ollama_client_setup.net.tailnet import ZERO_TIME, Peer, StatusError, TailnetStatus

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
