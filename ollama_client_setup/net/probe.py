"""Name resolution and TCP connect probes whose failures say *why*.

"Connection refused" (nothing listens: server stopped, or bound to 127.0.0.1 only),
"timed out" (packets vanish: firewall, route, Tailscale) and "no route" (an instant
EHOSTUNREACH is macOS's Local Network privacy block) need different fixes, so each
probe maps its failure to a ProbeCategory and records how long it took.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from enum import Enum

# A refusal or no-route answer faster than this came from the local stack, not the network.
INSTANT_SECONDS = 0.05

_TAILSCALE_V4 = ipaddress.ip_network("100.64.0.0/10")
_TAILSCALE_V6 = ipaddress.ip_network("fd7a:115c:a1e0::/48")
_PRIVATE_LAN = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",  # IPv4 link-local
        "fe80::/10",  # IPv6 link-local
        "fc00::/7",  # IPv6 unique local (the v6 RFC 1918); Tailscale's /48 is excluded below
    )
)

# errno values by platform: POSIX names plus the Winsock numbers Windows reports.
_REFUSED = {errno.ECONNREFUSED, 10061}
_TIMEOUT = {errno.ETIMEDOUT, 10060}
_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, 10065, 10051, 10050}
if hasattr(errno, "EHOSTDOWN"):
    _UNREACHABLE.add(errno.EHOSTDOWN)


class ProbeCategory(str, Enum):
    DNS = "dns"  # the name does not resolve (or the resolver did not answer)
    REFUSED = "refused"  # the host answered, nothing listens on the port
    TIMEOUT = "timeout"  # no answer at all: firewall, route, Tailscale path
    UNREACHABLE = "unreachable"  # the OS has no route (or a router said so)
    OTHER = "other"


class ProbeError(Exception):
    def __init__(
        self, category: ProbeCategory, message: str, elapsed: float, errno_: int | None = None
    ) -> None:
        super().__init__(message)
        self.category = category
        self.message = message
        self.elapsed = elapsed
        self.errno = errno_

    @property
    def instant(self) -> bool:
        return self.elapsed < INSTANT_SECONDS

    def __repr__(self) -> str:
        return f"ProbeError({self.category.value}, {self.message!r}, {self.elapsed:.3f}s)"


@dataclass
class ResolveResult:
    host: str
    addresses: list[str] = field(default_factory=list)  # in the resolver's preference order
    elapsed: float = 0.0
    literal: bool = False  # the host was an IP address: no DNS involved


@dataclass
class ConnectResult:
    address: str
    port: int
    elapsed: float


def _strip_brackets(host: str) -> str:
    host = host.strip()
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def resolve(host: str, port: int = 11434, timeout: float = 3.0) -> ResolveResult:
    """The host's addresses via the OS resolver, bounded by `timeout` even if it hangs."""
    start = time.monotonic()
    name = _strip_brackets(host)
    literal = _ip_literal(name)
    if literal is not None:
        return ResolveResult(name, [literal], time.monotonic() - start, literal=True)
    if not name:
        raise ProbeError(ProbeCategory.DNS, "empty host name", 0.0)

    # getaddrinfo cannot be interrupted, so it runs in a daemon thread we can abandon:
    # a daemon thread (unlike a ThreadPoolExecutor worker) cannot block interpreter exit.
    infos: list[tuple[object, ...]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def work() -> None:
        try:
            infos.extend(socket.getaddrinfo(name, port, type=socket.SOCK_STREAM))
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    threading.Thread(target=work, name=f"resolve-{name}", daemon=True).start()
    finished = done.wait(timeout)
    elapsed = time.monotonic() - start
    if not finished:
        raise ProbeError(ProbeCategory.DNS, f"no answer for {name} within {timeout:g} s", elapsed)
    error = errors[0] if errors else None
    if isinstance(error, socket.gaierror):
        raise ProbeError(
            ProbeCategory.DNS,
            f"{name} does not resolve: {error.strerror or error}",
            elapsed,
            error.errno,
        )
    if isinstance(error, (UnicodeError, ValueError)):  # e.g. an invalid IDNA label
        raise ProbeError(ProbeCategory.DNS, f"{name} is not a valid host name: {error}", elapsed)
    if isinstance(error, OSError):
        raise ProbeError(ProbeCategory.OTHER, f"resolving {name}: {error}", elapsed, error.errno)
    if error is not None:
        raise error
    addresses: list[str] = []
    for info in infos:
        addr = str(info[4][0])  # type: ignore[index]
        if addr not in addresses:
            addresses.append(addr)
    if not addresses:
        raise ProbeError(ProbeCategory.DNS, f"{name} resolves to no address", elapsed)
    return ResolveResult(name, addresses, elapsed)


def classify_oserror(exc: BaseException) -> ProbeCategory:
    """Map a connect() failure to the category that decides the fix."""
    if isinstance(exc, socket.gaierror):
        return ProbeCategory.DNS
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError since 3.10
        return ProbeCategory.TIMEOUT
    if isinstance(exc, ConnectionRefusedError):
        return ProbeCategory.REFUSED
    code = getattr(exc, "errno", None)
    if code is None:
        code = getattr(exc, "winerror", None)
    if code in _REFUSED:
        return ProbeCategory.REFUSED
    if code in _TIMEOUT:
        return ProbeCategory.TIMEOUT
    if code in _UNREACHABLE:
        return ProbeCategory.UNREACHABLE
    return ProbeCategory.OTHER


def tcp_connect(address: str, port: int, timeout: float = 3.0) -> ConnectResult:
    """Open (and close) one TCP connection to an IP address.

    A host name is accepted too: it is resolved first (within the same timeout) and the
    first address is tried; callers who care should resolve() and try each address.
    """
    start = time.monotonic()
    target = _strip_brackets(address)
    if _ip_literal(target.split("%", 1)[0]) is None:
        resolved = resolve(target, port, timeout)
        target = resolved.addresses[0]
        timeout = max(timeout - resolved.elapsed, 0.001)
        start = time.monotonic()
    try:
        # AI_NUMERICHOST builds the right sockaddr (family, IPv6 scope id) without DNS.
        family, socktype, proto, _, sockaddr = socket.getaddrinfo(
            target, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ProbeError(ProbeCategory.OTHER, f"bad address {address!r}: {exc}", 0.0) from exc
    sock = socket.socket(family, socktype, proto)
    try:
        sock.settimeout(max(timeout, 0.001))  # 0 would mean non-blocking, not "no wait"
        sock.connect(sockaddr)
    except OSError as exc:
        elapsed = time.monotonic() - start
        category = classify_oserror(exc)
        reason = "timed out" if category is ProbeCategory.TIMEOUT else (exc.strerror or str(exc))
        raise ProbeError(
            category, f"connect to {_join(target, port)}: {reason}", elapsed, exc.errno
        ) from exc
    finally:
        sock.close()
    return ConnectResult(target, port, time.monotonic() - start)


def _join(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _parse(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        addr = ipaddress.ip_address(_strip_brackets(ip).split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped  # ::ffff:192.168.1.5 is a LAN address too
    return addr


def is_tailscale_ip(ip: str) -> bool:
    """100.64.0.0/10 (shared with carrier-grade NAT) or Tailscale's fd7a:115c:a1e0::/48."""
    addr = _parse(ip)
    if addr is None:
        return False
    return addr in (_TAILSCALE_V4 if addr.version == 4 else _TAILSCALE_V6)


def is_private_lan(ip: str) -> bool:
    """RFC 1918, link-local or IPv6 ULA: what macOS's Local Network privacy guards.

    Not Tailscale's ranges: traffic to them goes through the tunnel interface.
    """
    addr = _parse(ip)
    if addr is None or is_tailscale_ip(str(addr)):
        return False
    return any(addr.version == net.version and addr in net for net in _PRIVATE_LAN)


def looks_like_local_network_block(
    error: ProbeError, address: str, platform: str = sys.platform
) -> bool:
    """macOS 15+ denies LAN access per app with an *instant* EHOSTUNREACH."""
    return (
        platform == "darwin"
        and error.category is ProbeCategory.UNREACHABLE
        and error.instant
        and is_private_lan(address)
    )
