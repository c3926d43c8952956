"""netprobe: resolve and TCP connect, each failure mapped to the category that decides the fix."""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ollama_client_setup.net import probe as netprobe
from ollama_client_setup.net.probe import (
    ProbeCategory,
    ProbeError,
    classify_oserror,
    is_private_lan,
    is_tailscale_ip,
    looks_like_local_network_block,
    resolve,
    tcp_connect,
)


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback")


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s


# --- resolve ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", "127.0.0.1"), ("::1", "::1"), ("[::1]", "::1"), ("[0:0::1]", "::1")],
)
def test_resolve_ip_literals_skip_dns(
    host: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an IP literal must not reach the resolver")

    monkeypatch.setattr(netprobe.socket, "getaddrinfo", no_dns)
    result = resolve(host, 11434, timeout=1.0)
    assert result.addresses == [expected] and result.literal


def test_resolve_localhost() -> None:
    result = resolve("localhost", 11434, timeout=5.0)
    assert result.addresses and not result.literal
    assert all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in result.addresses)
    assert len(result.addresses) == len(set(result.addresses))


def test_resolve_invalid_tld_is_dns_error() -> None:
    with pytest.raises(ProbeError) as info:
        resolve("no-such-host.invalid", 11434, timeout=5.0)
    assert info.value.category is ProbeCategory.DNS
    assert "no-such-host.invalid" in info.value.message


def test_resolve_empty_host_is_dns_error() -> None:
    with pytest.raises(ProbeError) as info:
        resolve("  ", 11434, timeout=1.0)
    assert info.value.category is ProbeCategory.DNS


def test_resolve_hung_resolver_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()

    def stuck(*args: Any, **kwargs: Any) -> Any:
        gate.wait(30)  # released at the end of the test
        raise socket.gaierror(socket.EAI_AGAIN, "late")

    monkeypatch.setattr(netprobe.socket, "getaddrinfo", stuck)
    try:
        with pytest.raises(ProbeError) as info:
            resolve("ollama-server", 11434, timeout=0.2)
    finally:
        gate.set()
    assert info.value.category is ProbeCategory.DNS
    assert "no answer" in info.value.message and info.value.errno is None


def test_resolve_gaierror_keeps_errno(monkeypatch: pytest.MonkeyPatch) -> None:
    def nxdomain(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(netprobe.socket, "getaddrinfo", nxdomain)
    with pytest.raises(ProbeError) as info:
        resolve("ollama-server", 11434, timeout=1.0)
    assert info.value.category is ProbeCategory.DNS and info.value.errno == socket.EAI_NONAME
    assert "Name or service not known" in info.value.message


def test_resolve_dedupes_in_resolver_order(monkeypatch: pytest.MonkeyPatch) -> None:
    def answers(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        tcp = socket.SOCK_STREAM
        return [
            (socket.AF_INET6, tcp, 6, "", ("fd7a:115c:a1e0::2", port, 0, 0)),
            (socket.AF_INET, tcp, 6, "", ("100.90.1.2", port)),
            (socket.AF_INET, tcp, 6, "", ("100.90.1.2", port)),
        ]

    monkeypatch.setattr(netprobe.socket, "getaddrinfo", answers)
    result = resolve("ollama-server", 11434, timeout=1.0)
    assert result.addresses == ["fd7a:115c:a1e0::2", "100.90.1.2"]


def test_resolve_no_addresses_is_dns_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netprobe.socket, "getaddrinfo", lambda *a, **k: [])
    with pytest.raises(ProbeError) as info:
        resolve("ollama-server", 11434, timeout=1.0)
    assert info.value.category is ProbeCategory.DNS


# --- tcp_connect ----------------------------------------------------------------------


def test_connect_ok(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    result = tcp_connect("127.0.0.1", port, timeout=2.0)
    assert (result.address, result.port) == ("127.0.0.1", port)
    assert result.elapsed >= 0


@needs_ipv6
def test_connect_ok_ipv6_in_brackets() -> None:
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.bind(("::1", 0))
        s.listen(1)
        result = tcp_connect("[::1]", s.getsockname()[1], timeout=2.0)
    assert result.address == "::1"


def test_connect_by_name_resolves_first() -> None:
    first = resolve("localhost", 0, timeout=5.0).addresses[0]
    family = socket.AF_INET6 if ":" in first else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((first, 0))
        s.listen(1)
        result = tcp_connect("localhost", s.getsockname()[1], timeout=2.0)
    assert result.address == first


def test_connect_refused() -> None:
    # Bound but not listening: the port is ours (no race with other tests), and the
    # kernel answers with RST, like a server process that is down.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        with pytest.raises(ProbeError) as info:
            tcp_connect("127.0.0.1", port, timeout=2.0)
    err = info.value
    assert err.category is ProbeCategory.REFUSED and err.category == "refused"
    assert err.errno == errno.ECONNREFUSED
    assert f"127.0.0.1:{port}" in err.message


def test_connect_timeout_with_full_backlog() -> None:
    # SYNs to a listener whose accept queue is full are dropped: on the wire that looks
    # exactly like a firewall that drops packets. Fill the queue, then probe.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        addr = server.getsockname()
        fillers: list[socket.socket] = []
        try:
            full = False
            for _ in range(16):
                c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                fillers.append(c)
                c.settimeout(0.2)
                try:
                    c.connect(addr)
                except TimeoutError:
                    full = True
                    break
            if not full:
                pytest.skip("this kernel does not drop SYNs when the backlog is full")
            with pytest.raises(ProbeError) as info:
                tcp_connect("127.0.0.1", addr[1], timeout=0.3)
        finally:
            for c in fillers:
                c.close()
    assert info.value.category is ProbeCategory.TIMEOUT
    assert "timed out" in info.value.message and not info.value.instant


class _Unreachable(socket.socket):
    def connect(self, address: Any) -> None:
        raise OSError(errno.EHOSTUNREACH, "No route to host")


def test_connect_unreachable_is_classified(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netprobe.socket, "socket", _Unreachable)
    with pytest.raises(ProbeError) as info:
        tcp_connect("192.168.1.20", 11434, timeout=1.0)
    err = info.value
    assert err.category is ProbeCategory.UNREACHABLE and err.errno == errno.EHOSTUNREACH
    assert "No route to host" in err.message
    assert err.instant  # no packet left the machine
    assert looks_like_local_network_block(err, "192.168.1.20", platform="darwin")
    assert not looks_like_local_network_block(err, "192.168.1.20", platform="linux")
    assert not looks_like_local_network_block(err, "100.90.1.2", platform="darwin")


def test_slow_unreachable_is_not_the_macos_signature() -> None:
    err = ProbeError(ProbeCategory.UNREACHABLE, "no route", elapsed=1.5, errno_=errno.EHOSTUNREACH)
    assert not err.instant
    assert not looks_like_local_network_block(err, "192.168.1.20", platform="darwin")
    refused = ProbeError(ProbeCategory.REFUSED, "refused", elapsed=0.001)
    assert not looks_like_local_network_block(refused, "192.168.1.20", platform="darwin")


def test_connect_bad_address_is_other() -> None:
    with pytest.raises(ProbeError) as info:
        tcp_connect("fe80::1%no-such-interface-xyz", 11434, timeout=1.0)
    assert info.value.category is ProbeCategory.OTHER


@pytest.mark.parametrize(
    ("exc", "category"),
    [
        (OSError(errno.EHOSTUNREACH, "No route to host"), ProbeCategory.UNREACHABLE),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), ProbeCategory.UNREACHABLE),
        (OSError(errno.ENETDOWN, "Network is down"), ProbeCategory.UNREACHABLE),
        (OSError(errno.ECONNREFUSED, "Connection refused"), ProbeCategory.REFUSED),
        (ConnectionRefusedError(), ProbeCategory.REFUSED),
        (OSError(10061, "WSAECONNREFUSED"), ProbeCategory.REFUSED),
        (OSError(errno.ETIMEDOUT, "Connection timed out"), ProbeCategory.TIMEOUT),
        (TimeoutError("timed out"), ProbeCategory.TIMEOUT),
        (OSError(10065, "WSAEHOSTUNREACH"), ProbeCategory.UNREACHABLE),
        (socket.gaierror(socket.EAI_NONAME, "nope"), ProbeCategory.DNS),
        (OSError(errno.EACCES, "Permission denied"), ProbeCategory.OTHER),
        (OSError("no errno"), ProbeCategory.OTHER),
    ],
)
def test_classify_oserror(exc: BaseException, category: ProbeCategory) -> None:
    assert classify_oserror(exc) is category


# --- address classes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "private"),
    [
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("172.31.255.255", True),
        ("172.32.0.1", False),
        ("192.168.1.20", True),
        ("169.254.10.1", True),
        ("fe80::1", True),
        ("[fe80::1%en0]", True),
        ("fd00::1", True),
        ("::ffff:192.168.1.5", True),
        ("100.90.1.2", False),  # Tailscale CGNAT: goes through the tunnel
        ("fd7a:115c:a1e0::2", False),  # Tailscale's ULA /48
        ("127.0.0.1", False),
        ("8.8.8.8", False),
        ("ollama-server", False),
        ("", False),
    ],
)
def test_is_private_lan(ip: str, private: bool) -> None:
    assert is_private_lan(ip) is private


@pytest.mark.parametrize(
    ("ip", "tailscale"),
    [
        ("100.64.0.0", True),
        ("100.90.1.2", True),
        ("100.127.255.255", True),
        ("100.63.255.255", False),
        ("100.128.0.0", False),
        ("fd7a:115c:a1e0::2", True),
        ("[fd7a:115c:a1e0:ab12::1]", True),
        ("fd7a:115c:a1e1::1", False),
        ("192.168.1.20", False),
        ("not-an-ip", False),
    ],
)
def test_is_tailscale_ip(ip: str, tailscale: bool) -> None:
    assert is_tailscale_ip(ip) is tailscale
