"""doctor's Tailscale, name and TCP checks on issue 19's cases, through the fake CLI.

`ollama-server` does not resolve on a test machine (as when MagicDNS does not answer);
`localhost` as the peer's name makes the whole chain real against the fake server.
"""

from __future__ import annotations

from typing import Any

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from tests.fakes import tailscale_states as ts
from tests.fakes.ollama import FakeOllama
from tests.helpers import init_at, run_json

SHARED_FQDN = f"ollama-server.{ts.OTHER_SUFFIX}"
OWN_FQDN = f"ollama-server.{ts.SUFFIX}"


def doctor(port: int, host: str, code: int = ExitCode.CHECKS_FAILED) -> dict[str, dict[str, Any]]:
    init_at(port, host=host, model="qwen2.5-coder:7b")
    data = run_json("doctor", "--timeout", "2", code=code)
    return {c["id"]: c for c in data["result"]["checks"]}


def test_shared_in_server_gets_its_full_name(closed_port: int, fake_tailscale: Any) -> None:
    fake_tailscale("shared-in")
    checks = doctor(closed_port, "ollama-server")
    peer = checks["tailscale.peer"]
    assert peer["status"] == "warn" and SHARED_FQDN in peer["summary"]
    assert peer["fix"]["command"] == f"ollama-client-setup init --host {SHARED_FQDN}"
    dns = checks["dns.resolve"]
    assert dns["status"] == "fail"
    assert dns["fix"]["command"] == f"ollama-client-setup init --host {SHARED_FQDN}"
    assert "accept-dns" not in dns["fix"]["text"] and ts.SUFFIX in dns["fix"]["text"]


def test_twin_labels_choose_ours_and_offer_the_other(closed_port: int, fake_tailscale: Any) -> None:
    fake_tailscale("twin-labels")
    checks = doctor(closed_port, "ollama-server")
    peer = checks["tailscale.peer"]
    assert peer["status"] == "fail"
    assert peer["summary"].startswith(f"{OWN_FQDN} is offline in the tailnet")
    assert peer["fix"]["command"] == f"ollama-client-setup init --host {SHARED_FQDN}"
    assert f"{OWN_FQDN} (100.90.1.2, this tailnet, offline) was chosen" in peer["detail"]


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("online-unknown", "is reported offline, but traffic flows (active, direct"),
        ("old-daemon", f"Tailscale {ts.OLD_VERSION} does not report whether peers are online"),
    ],
)
def test_online_unknown_lets_tcp_decide(
    fake_ollama: FakeOllama, fake_tailscale: Any, state: str, words: str
) -> None:
    fake_tailscale(state, peer="localhost")
    checks = doctor(fake_ollama.port, "localhost", code=ExitCode.OK)
    peer = checks["tailscale.peer"]
    assert peer["status"] == "ok" and words in peer["summary"], peer
    assert checks["tcp.connect"]["status"] == "ok"


def test_online_unknown_does_not_fail_when_the_server_is_down(
    closed_port: int, fake_tailscale: Any
) -> None:
    fake_tailscale("online-unknown", peer="localhost")
    checks = doctor(closed_port, "localhost")
    assert checks["tailscale.peer"]["status"] == "ok"
    assert checks["tcp.connect"]["status"] == "fail"  # the TCP check decides


def test_daemon_running_but_unreachable(closed_port: int, fake_tailscale: Any) -> None:
    fake_tailscale("daemon-unreachable")
    checks = doctor(closed_port, "ollama-server")
    running = checks["tailscale.running"]
    assert running["status"] == "fail"
    assert "runs (tailscaled, pid 812), but this user cannot talk to it" in running["summary"]
    assert running["fix"]["command"] != "sudo systemctl enable --now tailscaled"
    assert running["detail"] == ts.DAEMON_UNREACHABLE_MESSAGE


def test_in_use_by_another_user(closed_port: int, fake_tailscale: Any) -> None:
    fake_tailscale("in-use-windows")
    running = doctor(closed_port, "ollama-server")["tailscale.running"]
    assert "in use by another user of this computer (DESKTOP-7Q2B\\alice)" in running["summary"]
    assert "systemctl" not in (running["fix"]["command"] or "")
    fake_tailscale("in-use-other-user")
    running = doctor(closed_port, "ollama-server")["tailscale.running"]
    assert "in use by another user of this computer" in running["summary"]
    assert "Wait a few seconds" not in running["fix"]["text"]


def test_own_key_expired_and_dns_says_connect_first(closed_port: int, fake_tailscale: Any) -> None:
    fake_tailscale("self-key-expired")
    checks = doctor(closed_port, "ollama-server")
    running = checks["tailscale.running"]
    assert f"key expired on {ts.SELF_KEY_EXPIRY}" in running["summary"]
    assert running["fix"]["command"] == "tailscale up --force-reauth"
    dns = checks["dns.resolve"]
    assert "resolve only while Tailscale is connected: fix that first" in dns["fix"]["text"]
    assert dns["fix"]["command"] == "tailscale up --force-reauth"  # not "use the IP"


@pytest.mark.parametrize(
    ("state", "command"),
    [("needs-login", "tailscale up"), ("stopped", "tailscale up"), ("daemon-down", None)],
)
def test_dns_fix_says_connect_tailscale_first(
    closed_port: int, fake_tailscale: Any, state: str, command: str | None
) -> None:
    fake_tailscale(state)
    fix = doctor(closed_port, "ollama-server")["dns.resolve"]["fix"]
    assert "resolve only while Tailscale is connected: fix that first" in fix["text"]
    assert "ollama-server" in fix["text"]
    if command:
        assert fix["command"] == command


def test_userspace_networking(closed_port: int, fake_tailscale: Any) -> None:
    fake_tailscale("userspace")
    checks = doctor(closed_port, "ollama-server")
    running = checks["tailscale.running"]
    assert running["status"] == "warn" and "userspace-networking" in running["summary"]
    assert "--tun=userspace-networking" in running["fix"]["text"]
    assert "userspace-networking" in checks["dns.resolve"]["fix"]["text"]


def test_locked_out(closed_port: int, fake_tailscale: Any) -> None:
    fake_tailscale("locked-out")
    checks = doctor(closed_port, "ollama-server")
    running = checks["tailscale.running"]
    assert running["status"] == "fail" and "locked out by Tailnet Lock" in running["summary"]
    assert running["fix"]["command"] == "tailscale lock status"
    assert ts.HEALTH_LOCKED_OUT in running["detail"]


def test_health_messages_are_shown(closed_port: int, fake_tailscale: Any) -> None:
    fake_tailscale("health-messages")
    checks = doctor(closed_port, "ollama-server")
    running = checks["tailscale.running"]
    assert running["status"] == "warn"
    assert ts.HEALTH_OUT_OF_SYNC.rstrip(".") in running["summary"]
    assert running["fix"]["command"] == "tailscale netcheck"


def test_accept_routes_off_with_a_server_behind_a_subnet_router(
    closed_port: int, fake_tailscale: Any
) -> None:
    fake_tailscale("health-messages")
    init_at(closed_port, host="192.168.50.10", model="qwen2.5-coder:7b")
    data = run_json("doctor", "--timeout", "2", "--only", "tailscale.peer", code=None)
    [peer] = [c for c in data["result"]["checks"] if c["id"] == "tailscale.peer"]
    assert peer["status"] == "warn"
    assert f"192.168.50.10 is in {ts.SUBNET}, which router.{ts.SUFFIX} routes" in peer["summary"]
    assert ts.HEALTH_ACCEPT_ROUTES_OFF in peer["fix"]["text"]
    assert peer["fix"]["command"].endswith("tailscale set --accept-routes")
