"""tailnet: reading Tailscale's status defensively and finding the Ollama server in it."""

from __future__ import annotations

import json
import os
import socket
import socketserver
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from ollama_client_setup.net import tailnet_read
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
    find_cli,
    parse_status,
    read_status,
    read_status_localapi,
)
from tests.fakes import tailscale_states as ts
from tests.fakes.fixtures import FAKE_TAILSCALE_SCRIPT, FakeTailscale

SERVER = "ollama-server"
SERVER_IP = "100.90.1.2"
SERVER_FQDN = f"{SERVER}.{ts.SUFFIX}"


# --- every state of the fake CLI through read_status + find_peer ----------------------


def test_running(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("running")
    status = read_status()
    assert status.ok and status.running
    assert status.source == "cli" and status.cli_path == str(exe)
    assert status.version == ts.VERSION
    assert status.magic_dns_enabled is True
    assert status.magic_dns_suffix == ts.SUFFIX
    assert status.tailnet_name == "user@example.com"
    assert status.self_ips == ts.SELF_IPS
    assert status.self_node is not None and status.self_node.is_self
    assert status.health == []
    assert {p.short_name for p in status.peers} == {SERVER, "nas", "phone"}
    peer = find_peer(status, SERVER)
    assert peer is not None
    assert peer.dns_name == SERVER_FQDN  # trailing dot stripped
    assert peer.host_name == SERVER and peer.os == "macOS"
    assert peer.ips == [SERVER_IP, "fd7a:115c:a1e0::2"] and peer.ipv4 == SERVER_IP
    assert peer.online and peer.active and not peer.expired
    assert peer.last_seen is None  # Go's zero time means "not applicable"
    assert peer.key == ts.node_key(SERVER)
    assert advice(status, peer, SERVER) == []


def test_peer_offline(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("peer-offline")
    status = read_status()
    peer = find_peer(status, SERVER)
    assert status.running and peer is not None
    assert not peer.online and not peer.expired
    assert peer.last_seen == ts.LAST_SEEN
    [item] = advice(status, peer, SERVER)
    assert "offline" in item.problem and ts.LAST_SEEN in item.problem


def test_peer_absent(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("peer-absent")
    status = read_status()
    assert status.running and status.peers
    assert find_peer(status, SERVER) is None
    [item] = advice(status, None, SERVER)
    assert "not a machine in this tailnet" in item.problem
    assert item.command == "tailscale status"


def test_key_expired(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("key-expired")
    status = read_status()
    peer = find_peer(status, SERVER)
    assert peer is not None and peer.expired and not peer.online
    [item] = advice(status, peer, SERVER)
    assert "expired" in item.problem and "--force-reauth" in item.fix
    assert item.command is None  # the fix is on the server, not here


def test_needs_login(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("needs-login")
    status = read_status()
    assert status.ok and not status.running
    assert status.backend_state == "NeedsLogin"
    assert status.auth_url == ts.AUTH_URL
    assert status.peers == [] and status.self_ips == []
    assert status.magic_dns_enabled is None  # CurrentTailnet is null: unknown
    assert status.magic_dns_suffix is None  # no netmap: the legacy field is "" too
    assert status.health and "logged out" in status.health[0]
    assert find_peer(status, SERVER) is None
    [item] = advice(status, None, SERVER)
    assert item.command == "tailscale up" and ts.AUTH_URL in item.fix


def test_needs_machine_auth(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("needs-machine-auth")
    status = read_status()
    assert status.backend_state == "NeedsMachineAuth" and not status.running
    [item] = advice(status, None, SERVER)
    assert "approv" in item.problem and item.command is None


def test_stopped(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("stopped")
    status = read_status()
    assert status.ok and status.backend_state == "Stopped" and not status.running
    assert find_peer(status, SERVER) is None
    [item] = advice(status, None, SERVER)
    assert "stopped" in item.problem and item.command == "tailscale up"


def test_no_peers_null_peer_map(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("no-peers")
    status = read_status()
    assert status.running and status.peers == [] and status.health == []
    assert find_peer(status, SERVER) is None
    assert find_peer(status, ts.SELF_HOST) is status.self_node


def test_magicdns_off(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("magicdns-off")
    status = read_status()
    assert status.running and status.magic_dns_enabled is False
    peer = find_peer(status, SERVER)
    assert peer is not None and peer.online
    [item] = advice(status, peer, SERVER)
    assert "MagicDNS is off" in item.problem and SERVER_IP in item.fix
    # Addressing the server by IP does not need MagicDNS.
    assert advice(status, peer, SERVER_IP) == []


def test_duplicate_hostname_prefers_dns_name(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("duplicate-hostname")
    status = read_status()
    twins = [p for p in status.peers if p.host_name == SERVER]
    assert len(twins) == 2
    first = match_peer(status, SERVER)
    assert first is not None and first.by == "dns_label"
    assert first.peer.dns_name == SERVER_FQDN and first.peer.ipv4 == SERVER_IP
    second = find_peer(status, f"{SERVER}-1")
    assert second is not None and second.dns_name == f"{SERVER}-1.{ts.SUFFIX}"
    assert second.ipv4 == "100.90.1.3"
    notes = advice(status, first.peer, SERVER)
    assert len(notes) == 1 and "Several machines are called" in notes[0].problem
    assert f"{SERVER}-1.{ts.SUFFIX}" in notes[0].problem


def test_daemon_down(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("daemon-down")
    status = read_status()
    assert status.installed and not status.ok
    assert status.error is StatusError.DAEMON_DOWN
    assert status.error_detail == ts.DAEMON_DOWN_MESSAGE  # trimmed stderr
    assert status.backend_state is None and status.peers == []
    [item] = advice(status, None, SERVER, platform="linux")
    assert item.command == "sudo systemctl enable --now tailscaled"
    assert advice(status, None, SERVER, platform="darwin")[0].command == "open -a Tailscale"
    assert advice(status, None, SERVER, platform="win32")[0].command is None


def test_macos_gui_failure_counts_as_daemon_down(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("gui-failed")
    status = read_status()
    assert status.error is StatusError.DAEMON_DOWN
    assert "GUI failed to start" in status.error_detail


def test_garbage_output(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("garbage")
    status = read_status()
    assert status.installed and status.error is StatusError.BAD_OUTPUT
    assert "not json" in status.error_detail
    assert "unreadable" in advice(status, None, SERVER)[0].problem


def test_hang_is_bounded_by_timeout(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("hang")
    status = read_status(timeout=0.5)
    assert status.installed and status.error is StatusError.TIMEOUT
    assert "0.5" in status.error_detail
    assert advice(status, None, SERVER, platform="linux")[0].command == (
        "sudo systemctl restart tailscaled"
    )


def test_not_installed(no_tailscale: str) -> None:
    assert find_cli() is None
    status = read_status()
    assert not status.installed and status.error is StatusError.NOT_INSTALLED
    assert status.source is None
    [item] = advice(status, None, SERVER)
    assert "not installed" in item.problem and "another way" in item.fix


def test_cli_vanished_between_find_and_run(tmp_path: Path) -> None:
    status = read_status(cli=str(tmp_path / "gone" / "tailscale"))
    assert status.error is StatusError.NOT_INSTALLED and not status.installed
    assert "cannot run" in status.error_detail


def test_cli_not_executable_is_a_broken_install(tmp_path: Path) -> None:
    exe = tmp_path / "tailscale"
    exe.write_text("not a program")  # no exec bit
    status = read_status(cli=str(exe))
    assert status.error is StatusError.NOT_INSTALLED and "Permission denied" in status.error_detail


# --- defensive reading of odd documents -----------------------------------------------


def test_odd_document_through_the_cli(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale(status={"BackendState": "Running", "Peer": None, "Brand-New": {"x": 1}})
    status = read_status()
    assert status.ok and status.running and status.peers == []
    assert status.self_node is None and status.magic_dns_enabled is None
    assert find_peer(status, SERVER) is None


@pytest.mark.parametrize("doc", [[1, 2], "Running", None, 3])
def test_wrong_top_level_type_is_bad_output(fake_tailscale: FakeTailscale, doc: Any) -> None:
    fake_tailscale(status=doc)
    status = read_status()
    assert status.error is StatusError.BAD_OUTPUT
    assert "expected a JSON object" in status.error_detail


@pytest.mark.parametrize("raw", ["", "   \n", "{truncated"])
def test_empty_or_truncated_output_is_bad_output(fake_tailscale: FakeTailscale, raw: str) -> None:
    fake_tailscale(raw=raw)
    status = read_status()
    assert status.installed and status.error is StatusError.BAD_OUTPUT
    assert status.error_detail == (raw.strip() or "(empty)")


def test_empty_document_tolerated() -> None:
    status = parse_status({})
    assert status.ok and not status.running
    assert (status.version, status.backend_state, status.auth_url) == (None, None, None)
    assert status.peers == [] and status.health == [] and status.self_ips == []
    assert status.magic_dns_enabled is None and status.magic_dns_suffix is None


def test_nulls_tolerated() -> None:
    doc = {
        "BackendState": "Running",
        "Self": None,
        "Peer": None,
        "Health": None,
        "CurrentTailnet": None,
        "TailscaleIPs": None,
        "MagicDNSSuffix": None,
        "User": None,
    }
    status = parse_status(doc)
    assert status.running and status.self_node is None and status.peers == []
    assert status.health == [] and status.magic_dns_suffix is None


def test_wrong_types_do_not_crash() -> None:
    good = ts.peer_status(SERVER, SERVER_IP)
    doc = {
        "Version": 190,
        "BackendState": ["Running"],
        "AuthURL": False,
        "TailscaleIPs": "100.101.102.103",
        "Self": "laptop",
        "Health": "all good",
        "CurrentTailnet": {"MagicDNSEnabled": "yes", "MagicDNSSuffix": 7},
        "MagicDNSSuffix": ts.SUFFIX,
        "Peer": {
            "nodekey:bad1": "not a peer",
            "nodekey:bad2": {
                "HostName": 5,
                "DNSName": None,
                "Online": "true",
                "Expired": 1,
                "TailscaleIPs": [1, "100.90.9.9", None],
                "Tags": "tag:x",
                "LastSeen": 0,
            },
            "nodekey:good": good,
        },
    }
    status = parse_status(doc)
    assert status.version is None and status.backend_state is None and not status.running
    assert status.auth_url is None and status.self_ips == [] and status.health == []
    assert status.magic_dns_enabled is None  # "yes" is not a bool
    assert status.magic_dns_suffix == ts.SUFFIX  # falls back to the legacy field
    assert len(status.peers) == 2  # the string entry is skipped
    odd = next(p for p in status.peers if p.key == "nodekey:bad2")
    assert (odd.host_name, odd.dns_name, odd.online, odd.expired) == ("", "", False, False)
    assert odd.ips == ["100.90.9.9"] and odd.tags == [] and odd.last_seen is None
    peer = find_peer(status, SERVER)
    assert peer is not None and peer.key == "nodekey:good"
    # A peer known only by IP is still found by IP.
    assert find_peer(status, "100.90.9.9") is odd


def test_peer_fields_and_tags() -> None:
    raw = ts.peer_status(SERVER, SERVER_IP, expired=True, online=False)
    raw["Tags"] = ["tag:server", "tag:gpu"]
    status = parse_status({"Peer": {"nodekey:aa": raw}})
    [peer] = status.peers
    assert peer == Peer(
        id=raw["ID"],
        host_name=SERVER,
        dns_name=SERVER_FQDN,
        os="macOS",
        ips=[SERVER_IP, "fd7a:115c:a1e0::2"],
        online=False,
        active=False,
        expired=True,
        last_seen=ts.LAST_SEEN,
        tags=["tag:server", "tag:gpu"],
        key="nodekey:aa",
        key_expiry="2024-12-01T00:00:00Z",
    )


# --- find_peer ------------------------------------------------------------------------


@pytest.fixture
def running_status() -> TailnetStatus:
    return parse_status(ts.status("running"))


@pytest.mark.parametrize(
    ("host", "by"),
    [
        (SERVER, "dns_label"),
        ("OLLAMA-Server", "dns_label"),
        (f" {SERVER} ", "dns_label"),
        (SERVER_FQDN, "dns_name"),
        (f"{SERVER_FQDN}.", "dns_name"),
        (SERVER_FQDN.upper(), "dns_name"),
        (SERVER_IP, "ip"),
        ("fd7a:115c:a1e0::2", "ip"),
        ("[fd7a:115c:a1e0:0::0002]", "ip"),
    ],
)
def test_find_peer_forms(running_status: TailnetStatus, host: str, by: str) -> None:
    match = match_peer(running_status, host)
    assert match is not None and match.by == by
    assert match.peer.dns_name == SERVER_FQDN


@pytest.mark.parametrize(
    "host", ["", "ollama", "ollama-server.example.com", "100.90.1.99", "server.tail1234"]
)
def test_find_peer_misses(running_status: TailnetStatus, host: str) -> None:
    assert find_peer(running_status, host) is None


def test_find_peer_matches_this_node_last(running_status: TailnetStatus) -> None:
    me = find_peer(running_status, ts.SELF_HOST)
    assert me is not None and me.is_self and me.ips == ts.SELF_IPS
    assert find_peer(running_status, ts.SELF_IPS[0]) is me


def test_host_name_only_match_advises_the_dns_name() -> None:
    # The server's OS hostname is "ollama-server" but MagicDNS calls it "ollama-server-1";
    # the plain DNS label belongs to nobody here, so HostName is the only match.
    raw = ts.peer_status(SERVER, SERVER_IP, dns_label=f"{SERVER}-1")
    status = parse_status({"BackendState": "Running", "Peer": {"nodekey:aa": raw}})
    match = match_peer(status, SERVER)
    assert match is not None and match.by == "host_name"
    [item] = advice(status, match.peer, SERVER)
    assert f"{SERVER}-1.{ts.SUFFIX}" in item.fix


def test_same_host_name_prefers_online_peer() -> None:
    old = ts.peer_status("Box", "100.90.1.7", dns_label="box-old", online=False)
    new = ts.peer_status("Box", "100.90.1.8", dns_label="box-new")
    status = parse_status({"Peer": {"nodekey:old": old, "nodekey:new": new}})
    peer = find_peer(status, "box")
    assert peer is not None and peer.ipv4 == "100.90.1.8"


def test_custom_peer_name_and_ip(fake_tailscale: FakeTailscale) -> None:
    fake_tailscale("running", peer="GPU-Box", ip="100.90.7.7")
    status = read_status()
    peer = find_peer(status, "gpu-box")
    assert peer is not None and peer.host_name == "GPU-Box" and peer.ipv4 == "100.90.7.7"
    assert find_peer(status, SERVER) is None


# --- find_cli and ping_command ----------------------------------------------------------


def test_find_cli_on_given_path(tmp_path: Path) -> None:
    exe = tmp_path / "tailscale"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert find_cli(env_path=str(tmp_path), fallbacks=[]) == str(exe)


def test_find_cli_fallback_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "Tailscale.app" / "Contents" / "MacOS" / "Tailscale"
    bundle.parent.mkdir(parents=True)
    bundle.write_text("")
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = str(tmp_path / "nope.exe")
    assert find_cli(env_path=str(empty), fallbacks=[missing, str(bundle)]) == str(bundle)
    assert find_cli(env_path=str(empty), fallbacks=[missing]) is None


def test_ping_command() -> None:
    assert ping_command(SERVER) == [
        "tailscale",
        "ping",
        "--until-direct=false",
        "-c",
        "1",
        "--timeout",
        "3s",
        SERVER,
    ]


# --- the fake CLI itself (other tests rely on it behaving like the real one) ------------


def _run(exe: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=30, check=False
    )


def test_fake_ping_and_ip(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("running")
    ping = _run(exe, *ping_command(SERVER)[1:])
    assert ping.returncode == 0 and f"pong from {SERVER} ({SERVER_IP})" in ping.stdout
    assert _run(exe, "ip", "-4").stdout.split() == [ts.SELF_IPS[0]]
    assert _run(exe, "ip", "-4", SERVER).stdout.split() == [SERVER_IP]
    assert _run(exe, "version").stdout.splitlines()[0] == ts.VERSION.split("-")[0]
    assert fake_tailscale.calls()[0] == ping_command(SERVER)[1:]
    assert len(fake_tailscale.calls()) == 4


def test_fake_ping_offline_and_logged_out(fake_tailscale: FakeTailscale) -> None:
    exe = fake_tailscale("peer-offline")
    assert _run(exe, *ping_command(SERVER)[1:]).returncode == 1
    fake_tailscale("needs-login")
    out = _run(exe, "ip")
    assert out.returncode == 1 and "NeedsLogin" in out.stderr


def test_fake_script_runs_standalone(tmp_path: Path) -> None:
    # The script itself (not the fixture's wrapper) must work with python3 from PATH.
    env = {**os.environ, "FAKE_TAILSCALE_STATE": "key-expired"}
    out = subprocess.run(
        [str(FAKE_TAILSCALE_SCRIPT), "status", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert out.returncode == 0
    peers = json.loads(out.stdout)["Peer"].values()
    assert [p["Expired"] for p in peers if p["HostName"] == SERVER] == [True]


# --- LocalAPI over a unix socket ------------------------------------------------------


class _LocalAPI(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False
    # What the handler serves: (status code, body); and what it saw.
    response: tuple[int, str] = (200, "{}")
    seen: list[dict[str, str | None]]
    release: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _LocalAPI

    def do_GET(self) -> None:
        srv = self.server
        srv.seen.append(
            {
                "path": self.path,
                "host": self.headers.get("Host"),
                "referer": self.headers.get("Referer"),
                "origin": self.headers.get("Origin"),
            }
        )
        code, body = srv.response
        if code == 0:  # "hang": hold the request until the test is over
            srv.release.wait()
            return
        # Mimic tailscaled: wrong Host or any Referer/Origin is refused.
        if self.headers.get("Host") != tailnet_read.LOCALAPI_HOST or (
            self.headers.get("Referer") or self.headers.get("Origin")
        ):
            code, body = 403, "forbidden"
        elif self.path != "/localapi/v0/status":
            code, body = 404, "not found"
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # unix peers have no address
        pass


@pytest.fixture
def short_dir(tmp_path: Path) -> Iterator[Path]:
    # AF_UNIX paths are limited to ~104-108 bytes; tmp_path under xdist can be longer.
    if len(str(tmp_path)) < 80:
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(prefix="ts") as d:
        yield Path(d)


@pytest.fixture
def localapi(short_dir: Path) -> Iterator[Callable[[int, str], tuple[str, _LocalAPI]]]:
    servers: list[_LocalAPI] = []

    def start(code: int, body: str) -> tuple[str, _LocalAPI]:
        path = str(short_dir / f"tailscaled{len(servers)}.sock")
        srv = _LocalAPI(path, _Handler)
        srv.response, srv.seen, srv.release = (code, body), [], threading.Event()
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
        return path, srv

    yield start
    for srv in servers:
        srv.release.set()
        srv.shutdown()
        srv.server_close()


def test_localapi_used_without_cli(
    no_tailscale: str,
    localapi: Callable[[int, str], tuple[str, _LocalAPI]],
    monkeypatch: pytest.MonkeyPatch,
    short_dir: Path,
) -> None:
    sock, srv = localapi(200, json.dumps(ts.status("running")))
    monkeypatch.setattr(tailnet_read, "LOCALAPI_SOCKETS", [str(short_dir / "missing.sock"), sock])
    status = read_status()
    assert status.source == "localapi" and status.ok and status.running
    peer = find_peer(status, SERVER)
    assert peer is not None and peer.ipv4 == SERVER_IP
    assert srv.seen == [
        {
            "path": "/localapi/v0/status",
            "host": "local-tailscaled.sock",
            "referer": None,
            "origin": None,
        }
    ]


def test_localapi_sockets_parameter(
    no_tailscale: str, localapi: Callable[[int, str], tuple[str, _LocalAPI]]
) -> None:
    sock, _ = localapi(200, json.dumps(ts.status("needs-login")))
    status = read_status(sockets=[sock])
    assert status.source == "localapi" and status.backend_state == "NeedsLogin"


def test_localapi_http_error_is_daemon_down(
    localapi: Callable[[int, str], tuple[str, _LocalAPI]],
) -> None:
    sock, _ = localapi(503, "backend not ready")
    status = read_status_localapi(sockets=[sock])
    assert status.installed and status.error is StatusError.DAEMON_DOWN
    assert "503" in status.error_detail and "backend not ready" in status.error_detail


def test_localapi_garbage_is_bad_output(
    localapi: Callable[[int, str], tuple[str, _LocalAPI]],
) -> None:
    sock, _ = localapi(200, "<html>nope</html>")
    status = read_status_localapi(sockets=[sock])
    assert status.error is StatusError.BAD_OUTPUT and "<html>" in status.error_detail


def test_localapi_hang_is_timeout(localapi: Callable[[int, str], tuple[str, _LocalAPI]]) -> None:
    sock, srv = localapi(0, "")
    status = read_status_localapi(timeout=0.3, sockets=[sock])
    assert status.error is StatusError.TIMEOUT
    assert len(srv.seen) == 1  # the request did arrive; the answer did not


def test_localapi_stale_socket_is_daemon_down(short_dir: Path) -> None:
    path = str(short_dir / "stale.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(path)  # the file exists, nobody listens: what a crashed tailscaled leaves
    status = read_status_localapi(sockets=[path])
    assert status.installed and status.error is StatusError.DAEMON_DOWN


def test_localapi_no_socket_is_not_installed(tmp_path: Path) -> None:
    status = read_status_localapi(sockets=[str(tmp_path / "none.sock")])
    assert not status.installed and status.error is StatusError.NOT_INSTALLED
