"""What is wrong on the Tailscale side of this machine, and the way out: the daemon, the
login, the connection state and tailscaled's health messages. Advice about the server's
peer (and the whole verdict, `advice`) is in tailnet_peer_advice.py.

Works on a TailnetStatus (tailnet.py). Each state or text it recognises is defined in
Tailscale's source; docs/tailscale.md lists where.
"""

from __future__ import annotations

import re
import sys
from typing import NamedTuple

from ollama_client_setup.net.tailnet import StatusError, TailnetStatus
from ollama_client_setup.net.tailnet_read import DAEMON_FOUND_RE, IN_USE_RE


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


# Health texts, matched case-insensitively as substrings of tailscaled's `Health` list.
# health/healthmsg/healthmsg.go (v1.90.4) WarnAcceptRoutesOff, added by ipn/ipnlocal/local.go
# when peers advertise routes and this node's --accept-routes is off.
ACCEPT_ROUTES_OFF = "advertising routes but --accept-routes is false"
# health/healthmsg/healthmsg.go (v1.90.4) LockedOut, set by ipn/ipnlocal/tailnet-lock.go.
LOCKED_OUT = "this node is locked out"
# health/warnings.go (v1.90.4) notInMapPollWarnable ("Out of sync").
OUT_OF_SYNC = "unable to connect to the tailscale coordination server"
# health/warnings.go (v1.90.4) LoginStateWarnable: shown with the login state instead.
LOGGED_OUT = "you are logged out"
# health/warnings.go and healthmsg.go (v1.90.4): nothing to do with reaching a peer.
INFORMATIONAL = (
    "update from version",  # updateAvailableWarnable, securityUpdateAvailableWarnable
    "unstable version of tailscale",  # unstableWarnable
    "tailnet lock state is only being stored in-memory",  # InMemoryTailnetLockState
    "tailscale ssh enabled, but",  # TailscaleSSHOnBut
)


def health_matching(status: TailnetStatus, fragment: str) -> list[str]:
    return [m for m in status.health if fragment in m.lower()]


def informational_health(status: TailnetStatus) -> list[str]:
    return [m for m in status.health if any(f in m.lower() for f in INFORMATIONAL)]


def _connectivity_health(status: TailnetStatus) -> list[str]:
    """Health messages the connection checks show (the rest have a check of their own)."""
    elsewhere = (ACCEPT_ROUTES_OFF, LOCKED_OUT, LOGGED_OUT, *INFORMATIONAL)
    return [m for m in status.health if not any(f in m.lower() for f in elsewhere)]


def restart_command(platform: str = sys.platform) -> str | None:
    if platform.startswith("linux"):
        return "sudo systemctl restart tailscaled"
    if platform == "win32":
        return "Restart-Service Tailscale"  # PowerShell, as administrator
    return None  # macOS: quit the app from its menu and open it again


def connection_advice(status: TailnetStatus, platform: str = sys.platform) -> list[Advice]:
    """Why this machine is not connected to its tailnet (empty when it is)."""
    if status.error is not None:
        return [_error_advice(status, platform)]
    me = status.self_node
    if me is not None and me.expired and not status.running:
        # ipn/ipnlocal/local.go (v1.90.4): an expired own key turns the state to NeedsLogin
        # while the netmap (Self.Expired, Self.KeyExpiry) stays.
        when = f" on {me.key_expiry}" if me.key_expiry else ""
        where = f" (or open {status.auth_url})" if status.auth_url else ""
        return [
            Advice(
                f"This machine's Tailscale key expired{when}, so Tailscale logged it out.",
                f"Log in again to renew the key{where}; to keep it from expiring, disable key "
                f"expiry for {me.name or 'this machine'} in the admin console (Machines).",
                "tailscale up --force-reauth",
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
    if state == "InUseOtherUser":  # ipn/backend.go (v1.90.4)
        return [_in_use(None)]
    if state != "Running":
        reports = " Tailscale reports: " + " ".join(status.health) if status.health else ""
        return [
            Advice(
                f"Tailscale is not connected (state: {state or 'unknown'}).",
                "Wait a few seconds for it to connect, then run this check again." + reports,
                "tailscale status",
            )
        ]
    if health_matching(status, LOCKED_OUT):
        return [
            Advice(
                "This machine is locked out by Tailnet Lock: it has no connectivity until a "
                "trusted node signs its key.",
                "Run `tailscale lock status` here: it prints the `tailscale lock sign "
                "nodekey:... tlpub:...` command for someone with a trusted key to run on "
                "their node.",
                "tailscale lock status",
            )
        ]
    return []


def running_notes(status: TailnetStatus, platform: str = sys.platform) -> list[Advice]:
    """Connected, but something limits what this machine reaches (userspace, health)."""
    out: list[Advice] = []
    if status.tun is False:
        out.append(
            Advice(
                "Tailscale runs in userspace-networking mode (TUN: false): programs on this "
                "machine cannot reach 100.x addresses directly, and it does not set this "
                "machine's DNS.",
                "Run tailscaled with a TUN device (without --tun=userspace-networking; it "
                "needs root and /dev/net/tun), or start it with "
                "--outbound-http-proxy-listen=localhost:1055 and point your clients at that "
                "proxy (HTTP_PROXY=http://localhost:1055).",
                None,
            )
        )
    for message in _connectivity_health(status):
        if OUT_OF_SYNC in message.lower():
            out.append(
                Advice(
                    f"Tailscale reports: {message}",
                    "This machine cannot reach Tailscale's coordination server: check the "
                    "Internet connection, proxy or firewall. Peers stay reachable for a while, "
                    "but their online state may be stale.",
                    "tailscale netcheck",
                )
            )
        else:
            out.append(
                Advice(
                    f"Tailscale reports: {message}",
                    "This is Tailscale's own health report (also in `tailscale status`); "
                    "it matters if the checks after this one fail.",
                    "tailscale status",
                )
            )
    return out


def _error_advice(status: TailnetStatus, platform: str) -> Advice:
    error, detail = status.error, status.error_detail
    if error is StatusError.NOT_INSTALLED:
        return Advice(
            "Tailscale is not installed on this machine.",
            "Install it from https://tailscale.com/download and log in to the server's "
            "tailnet, unless you reach the server another way (LAN, SSH tunnel).",
            None,
        )
    if error is StatusError.IN_USE:
        return _in_use(detail)
    if error is StatusError.DAEMON_UNREACHABLE:
        return _unreachable(detail, platform)
    if error is StatusError.DAEMON_DOWN:
        return Advice(
            f"The Tailscale service is not running ({detail}).",
            "Start Tailscale (the app, or the tailscaled service).",
            daemon_start_command(platform),
        )
    if error is StatusError.TIMEOUT:
        return Advice(
            "Tailscale did not answer a status request in time.",
            "The service may be stuck; restart it and run this check again.",
            "sudo systemctl restart tailscaled" if platform.startswith("linux") else None,
        )
    return Advice(
        "`tailscale status --json` printed something unreadable.",
        "Update Tailscale to a current release.",
        None,
    )


def _in_use(detail: str | None) -> Advice:
    found = IN_USE_RE.search(detail or "")
    who = (found.group("by") or found.group("quoted") or "").strip() if found else ""
    server_mode = "server mode" in (detail or "").lower()
    by = f" ({who})" if who else ""
    how = (
        "It runs unattended (server mode) for that user: they must turn off Run "
        "unattended in the Tailscale menu and exit Tailscale"
        if server_mode
        else "That user must exit Tailscale (tray icon, Exit) or sign out of Windows"
    )
    return Advice(
        f"Tailscale on this computer is in use by another user of this computer{by}.",
        f"Tailscale serves one user of a computer at a time. {how}; then start Tailscale "
        "in your own session and log in. If that user is gone, an administrator can "
        "restart the Tailscale service.",
        None,
    )


def _unreachable(detail: str, platform: str) -> Advice:
    found = DAEMON_FOUND_RE.search(detail)
    running = f" ({found.group('exe').strip()}, pid {found.group('pid')})" if found else ""
    inner = (found.group("err") if found and found.group("err") else detail).lower()
    problem = f"Tailscale's service runs{running}, but this user cannot talk to it."
    socket = re.search(r"dial unix (\S+?):", detail)
    where = f"the socket {socket.group(1)}" if socket else "tailscaled's socket"
    restart = restart_command(platform)
    if "access denied" in inner:
        if platform == "win32":
            return Advice(problem, "Run this as the user who runs Tailscale.", None)
        # cmd/tailscale/cli/cli.go (v1.90.4) gives the same two ways out.
        return Advice(
            problem,
            "tailscaled refuses this user. Use `sudo tailscale ...`, or let your user "
            "operate Tailscale once with:",
            "sudo tailscale set --operator=$USER",
        )
    if "permission denied" in inner:
        return Advice(
            problem,
            f"This user may not open {where}. tailscaled makes it open to every user "
            "(mode 0666 in a 0755 folder): check `ls -ld /var/run/tailscale "
            "/var/run/tailscale/tailscaled.sock`, and that this shell is not in a sandbox "
            "(snap, flatpak, container) that hides it. To see whether root can reach it:",
            "sudo tailscale status",
        )
    if "no such file" in inner or "connection refused" in inner or "cannot find" in inner:
        return Advice(
            problem,
            f"tailscaled does not listen on {where} the CLI uses: it was started with "
            "another --socket, or the socket file was removed. Restart tailscaled (the "
            "Tailscale app on macOS) so it creates its socket again.",
            restart,
        )
    return Advice(
        problem,
        "Restart tailscaled (quit and reopen the Tailscale app on macOS), then run this "
        "check again.",
        restart,
    )


def accept_routes_command(platform: str = sys.platform) -> str:
    # Changing prefs needs root on Linux unless this user is the operator.
    prefix = "sudo " if platform.startswith("linux") else ""
    return f"{prefix}tailscale set --accept-routes"
