"""Issue 19, the Tailscale half: shared-in servers, twin names, an online flag that means
"unknown", a daemon this user cannot reach, and the causes the status shows but the tool
used to drop. Each case goes through the fake CLI, which follows the real one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ollama_client_setup.net import tailnet_advice, tailnet_peer_advice
from ollama_client_setup.net.tailnet import (
    Peer,
    StatusError,
    TailnetStatus,
    find_peer,
    match_peer,
    ping_command,
)
from ollama_client_setup.net.tailnet_peer_advice import advice
from ollama_client_setup.net.tailnet_read import (
    classify_cli_error,
    parse_status,
    read_status,
    read_status_localapi,
)
from tests.fakes import tailscale_states as ts
from tests.fakes.fixtures import FakeTailscale
from tests.test_tailnet import localapi, short_dir  # noqa: F401 (fixtures)

SERVER = "ollama-server"
SERVER_IP = "100.90.1.2"
OWN_FQDN = f"{SERVER}.{ts.SUFFIX}"
SHARED_FQDN = f"{SERVER}.{ts.OTHER_SUFFIX}"
INIT_SHARED = f"ollama-client-setup init --host {SHARED_FQDN}"


def _run(exe: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=30, check=False
    )


# --- 8: a server shared in from another tailnet -----------------------------------------


def test_shared_in_server_is_told_to_use_its_full_name(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("shared-in")
    status = read_status()
    match = match_peer(status, SERVER)
    assert match is not None and match.by == "dns_label"
    assert match.peer.dns_name == SHARED_FQDN
    assert status.in_own_tailnet(match.peer) is False
    [item] = advice(status, match.peer, SERVER)
    assert "shared into this tailnet from another tailnet" in item.problem
    assert ts.SUFFIX in item.problem and item.command == INIT_SHARED
    # By its full name it is simply a peer.
    assert advice(status, match.peer, SHARED_FQDN) == []


def test_fake_cli_treats_a_shared_in_node_like_the_real_one(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("shared-in")
    table = _run(exe, "status").stdout
    assert SHARED_FQDN in table  # status.go dnsOrQuoteHostname keeps a foreign suffix
    assert "nas " in table  # and trims ours
    # The short name is not under our search domain: the real CLI falls back to DNS.
    short = _run(exe, *ping_command(SERVER)[1:])
    assert short.returncode == 1 and "no such host" in short.stderr
    full = _run(exe, *ping_command(SHARED_FQDN)[1:])
    assert full.returncode == 0 and f"({SERVER_IP})" in full.stdout


# --- 9: the same label in two tailnets ----------------------------------------------------


def test_twin_labels_prefer_our_own_node_and_name_both(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("twin-labels")
    status = read_status()
    peer = find_peer(status, SERVER)
    assert peer is not None and peer.dns_name == OWN_FQDN and peer.online is False
    assert not peer.sharee_node
    notes = advice(status, peer, SERVER)
    assert f"{OWN_FQDN} is offline" in notes[0].problem
    assert SHARED_FQDN in notes[0].fix and notes[0].command == INIT_SHARED
    twins = next(n for n in notes if "Several machines" in n.problem)
    assert f"{OWN_FQDN} (100.90.1.2, this tailnet, offline) was chosen" in twins.problem
    assert "the short name resolves to it" in twins.problem
    assert f"{SHARED_FQDN} (100.88.7.6, shared in, online)" in twins.problem
    assert ts.SHAREE_SUFFIX not in " ".join(n.problem for n in notes)


def test_twins_both_online_still_choose_ours() -> None:
    doc = ts.status("twin-labels")
    for node in doc["Peer"].values():
        node["Online"] = True
    status = parse_status(doc)
    peer = find_peer(status, SERVER)
    assert peer is not None and peer.dns_name == OWN_FQDN
    notes = advice(status, peer, SERVER)
    assert len(notes) == 1 and "was chosen (the short name resolves to it)" in notes[0].problem


def test_a_sharee_node_is_never_chosen() -> None:
    doc = ts.status("twin-labels")
    doc["Peer"] = {k: v for k, v in doc["Peer"].items() if v.get("ShareeNode")}
    status = parse_status(doc)
    [sharee] = status.peers
    assert sharee.sharee_node and sharee.online
    assert find_peer(status, SERVER) is None
    assert find_peer(status, sharee.ips[0]) is None
    [item] = advice(status, None, SERVER)
    assert "only in this machine's map" in item.problem and "share" in item.fix


def test_fake_cli_resolves_the_short_name_to_our_node(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("twin-labels")
    ping = _run(exe, *ping_command(SERVER)[1:])
    assert ping.returncode == 1 and 'ping "100.90.1.2" timed out' in ping.stdout
    assert ts.SHAREE_SUFFIX not in _run(exe, "status").stdout  # ShareeNode peers are hidden


# --- 10: Online false is not always offline -----------------------------------------------


def test_online_false_with_traffic_is_unknown_not_offline(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("online-unknown")
    status = read_status()
    peer = find_peer(status, SERVER)
    assert peer is not None and peer.online is False
    assert peer.online_state() == "traffic"
    assert "active" in peer.traffic() and f"direct {ts.TRAFFIC_ADDR}" in peer.traffic()
    assert advice(status, peer, SERVER) == []
    assert _run(exe, *ping_command(SERVER)[1:]).returncode == 0


def test_old_handshake_alone_is_no_sign_of_traffic() -> None:
    raw = ts.peer_status(SERVER, SERVER_IP, online=False)
    raw["LastHandshake"] = ts.rfc3339(1_000_000_000)
    raw["Active"] = False
    [peer] = parse_status({"Peer": {"nodekey:aa": raw}}).peers
    assert peer.traffic() == [] and peer.online_state() == "offline"
    raw["LastHandshake"] = ts.rfc3339(2_000_000_000 - 20)
    [peer] = parse_status({"Peer": {"nodekey:aa": raw}}).peers
    assert peer.traffic(now=2_000_000_000) == ["WireGuard handshake 20 s ago"]


def test_old_daemon_without_online_field(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("old-daemon")
    status = read_status()
    assert status.running and status.version == ts.OLD_VERSION
    assert status.tun is None and status.magic_dns_enabled is None
    assert status.magic_dns_suffix == ts.SUFFIX
    peer = find_peer(status, SERVER)
    assert peer is not None and peer.online is None and peer.online_state() == "unreported"
    assert advice(status, peer, SERVER) == []
    assert _run(exe, *ping_command(SERVER)[1:]).returncode == 0


# --- 11: the daemon runs, but this user cannot use it -------------------------------------


def test_daemon_running_but_unreachable(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("daemon-unreachable")
    out = _run(exe, "status", "--json")
    assert out.returncode == 1 and out.stderr.strip() == ts.DAEMON_UNREACHABLE_MESSAGE
    status = read_status()
    assert status.installed and status.error is StatusError.DAEMON_UNREACHABLE
    [item] = advice(status, None, SERVER, platform="linux")
    assert "runs (tailscaled, pid 812)" in item.problem
    assert "/var/run/tailscale/tailscaled.sock" in item.fix
    assert item.command == "sudo tailscale status"
    assert "enable --now" not in (item.command or "")


@pytest.mark.parametrize(
    ("text", "command", "fragment"),
    [
        (
            "failed to connect to local tailscaled (which appears to be running as tailscaled, "
            "pid 77). Got error: Access denied: status access denied\n\nUse 'sudo tailscale "
            "status --json'.\nTo not require root, use 'sudo tailscale set --operator=$USER' "
            "once.",
            "sudo tailscale set --operator=$USER",
            "refuses this user",
        ),
        (
            "failed to connect to local tailscaled (which appears to be running as tailscaled, "
            "pid 77). Got error: Failed to connect to local Tailscale daemon for "
            "/localapi/v0/status; not running? Error: dial unix /var/run/tailscale/"
            "tailscaled.sock: connect: no such file or directory",
            "sudo systemctl restart tailscaled",
            "another --socket",
        ),
    ],
)
def test_unreachable_daemon_fix_follows_the_error(text: str, command: str, fragment: str) -> None:
    assert classify_cli_error(text) is StatusError.DAEMON_UNREACHABLE
    status = TailnetStatus(installed=True, error=StatusError.DAEMON_UNREACHABLE, error_detail=text)
    [item] = advice(status, None, SERVER, platform="linux")
    assert item.command == command and fragment in item.fix
    assert "pid 77" in item.problem


def test_windows_in_use_by_another_user(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("in-use-windows")
    status = read_status()
    assert status.error is StatusError.IN_USE
    [item] = advice(status, None, SERVER, platform="win32")
    assert "in use by another user of this computer (DESKTOP-7Q2B\\alice)" in item.problem
    assert "exit Tailscale" in item.fix and "Wait" not in item.fix


def test_server_mode_text_asks_to_turn_off_unattended() -> None:
    text = (
        "failed to connect to local tailscaled (which appears to be running as tailscaled.exe, "
        'pid 5). Got error: 401 Unauthorized: Tailscale running in server mode ("HOST\\bob"); '
        'connection from "HOST\\carol" not allowed'
    )
    assert classify_cli_error(text) is StatusError.IN_USE
    status = TailnetStatus(installed=True, error=StatusError.IN_USE, error_detail=text)
    [item] = advice(status, None, SERVER, platform="win32")
    assert "(HOST\\bob)" in item.problem and "Run unattended" in item.fix


def test_in_use_other_user_state(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("in-use-other-user")
    status = read_status()
    assert status.backend_state == "InUseOtherUser"
    [item] = advice(status, None, SERVER)
    assert "in use by another user of this computer" in item.problem
    assert "Wait a few seconds" not in item.fix


def test_localapi_401_is_in_use(localapi: Any) -> None:  # noqa: F811
    sock, _ = localapi(401, "Tailscale already in use by HOST\\bob, pid 9\n")
    status = read_status_localapi(sockets=[sock])
    assert status.error is StatusError.IN_USE
    assert "(HOST\\bob)" in advice(status, None, SERVER)[0].problem


# --- 12: causes the status shows -----------------------------------------------------------


def test_own_key_expired(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("self-key-expired")
    status = read_status()
    assert status.backend_state == "NeedsLogin" and status.peers  # the netmap stays
    assert status.self_node is not None and status.self_node.expired
    [item] = advice(status, find_peer(status, SERVER), SERVER)
    assert f"key expired on {ts.SELF_KEY_EXPIRY}" in item.problem
    assert item.command == "tailscale up --force-reauth" and "key expiry" in item.fix


def test_userspace_networking(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("userspace")
    status = read_status()
    assert status.running and status.tun is False
    [note] = tailnet_advice.running_notes(status)
    assert "userspace-networking" in note.problem and "TUN" in note.fix


def test_locked_out_by_tailnet_lock(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("locked-out")
    status = read_status()
    [item] = advice(status, find_peer(status, SERVER), SERVER)
    assert "locked out by Tailnet Lock" in item.problem
    assert item.command == "tailscale lock status" and "tailscale lock sign" in item.fix
    assert _run(exe, *ping_command(SERVER)[1:]).returncode == 1  # no connectivity


def test_health_messages_are_sorted_to_their_checks(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("health-messages")
    status = read_status()
    [note] = tailnet_advice.running_notes(status)
    assert note.problem == f"Tailscale reports: {ts.HEALTH_OUT_OF_SYNC}"
    assert note.command == "tailscale netcheck"
    routed = tailnet_peer_advice.route_for(status, "192.168.50.10")
    assert routed is not None and routed[0].short_name == "router" and routed[1] == ts.SUBNET
    assert tailnet_advice.health_matching(status, tailnet_advice.ACCEPT_ROUTES_OFF)
    assert tailnet_peer_advice.route_for(status, "192.168.51.10") is None


# --- the fakes follow the real program --------------------------------------------------------

# ipn/ipnstate/ipnstate.go (v1.90.4): PeerStatus fields in declaration order.
PEER_FIELDS = [
    "ID",
    "PublicKey",
    "HostName",
    "DNSName",
    "OS",
    "UserID",
    "AltSharerUserID",
    "TailscaleIPs",
    "AllowedIPs",
    "Tags",
    "PrimaryRoutes",
    "Addrs",
    "CurAddr",
    "Relay",
    "PeerRelay",
    "RxBytes",
    "TxBytes",
    "Created",
    "LastWrite",
    "LastSeen",
    "LastHandshake",
    "Online",
    "ExitNode",
    "ExitNodeOption",
    "Active",
    "PeerAPIURL",
    "TaildropTarget",
    "NoFileSharingReason",
    "Capabilities",
    "CapMap",
    "sshHostKeys",
    "ShareeNode",
    "InNetworkMap",
    "InMagicSock",
    "InEngine",
    "Expired",
    "KeyExpiry",
    "Location",
]
STATUS_FIELDS = [
    "Version",
    "TUN",
    "BackendState",
    "HaveNodeKey",
    "AuthURL",
    "TailscaleIPs",
    "Self",
    "ExitNodeStatus",
    "Health",
    "MagicDNSSuffix",
    "CurrentTailnet",
    "CertDomains",
    "Peer",
    "User",
    "ClientVersion",
]
OMITEMPTY = ("AltSharerUserID", "AllowedIPs", "Tags", "PrimaryRoutes", "ShareeNode", "Expired")


def _in_order(keys: list[str], order: list[str]) -> bool:
    return [k for k in order if k in keys] == keys


@pytest.mark.parametrize(
    "state", [s for s in ts.STATES if s not in ts.BEHAVIOUR_STATES and s != "old-daemon"]
)
def test_fake_documents_have_the_real_shape(state: str) -> None:
    doc = ts.status(state)
    assert _in_order(list(doc), STATUS_FIELDS), list(doc)
    assert isinstance(doc["Health"], list)  # health.Tracker.Strings: [] when healthy
    assert doc["Peer"] is None or doc["Peer"]  # a nil map is null, never {}
    assert "HaveNodeKey" not in doc or doc["HaveNodeKey"] is True
    for node in [doc["Self"], *(doc["Peer"] or {}).values()]:
        assert _in_order(list(node), PEER_FIELDS), list(node)
        for key in OMITEMPTY:
            assert key not in node or node[key] not in (None, False, 0, []), (state, key)
    for user in (doc["User"] or {}).values():
        assert "ProfilePicURL" not in user or user["ProfilePicURL"]


def test_old_daemon_document_has_the_v1_18_shape() -> None:
    doc = ts.status("old-daemon")
    assert not {"TUN", "CurrentTailnet", "HaveNodeKey"} & set(doc)
    for node in [doc["Self"], *doc["Peer"].values()]:
        assert "Online" not in node and "Expired" not in node and "TailAddr" in node


def test_fake_cli_prints_states_on_stdout(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("needs-login")
    out = _run(exe, "status")
    assert out.returncode == 1 and out.stderr == ""
    assert out.stdout == f"Logged out.\nLog in at: {ts.AUTH_URL}\n"
    ping = _run(exe, *ping_command(SERVER)[1:])
    assert ping.returncode == 1 and ping.stdout.startswith("Logged out.")
    fake_tailscale("health-messages")
    assert "# Health check:" in _run(exe, "status").stdout


def test_fake_cli_needs_the_daemon_for_every_command(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("in-use-windows")
    for args in (("status", "--json"), ("ip", "-4"), ping_command(SERVER)[1:]):
        out = _run(exe, *args)
        assert (out.returncode, out.stderr.strip()) == (1, ts.IN_USE_MESSAGE)
    assert json.loads(_run(exe, "version", "--json").stdout)["short"] == "1.90.4"


def test_peer_defaults_are_a_plain_reachable_peer() -> None:
    assert Peer().online_state() == "offline" and Peer(online=None).online_state() == "unreported"
