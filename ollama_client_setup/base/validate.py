"""Validation of the values the tool writes into shells and configs.

Everything that ends up in a start-up file is checked here first, so quoting is a second
line of defence, not the only one.
"""

from __future__ import annotations

import ipaddress
import re

# RFC 1123 labels; underscores appear in real LAN names, so they are tolerated.
_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
# Ollama model names: "qwen2.5-coder:7b", "hf.co/org/repo:Q4_K_M", "user/model:tag".
_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/:+@]*$")
MAX_MODEL_LEN = 200


def _show(value: str) -> str:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return repr(shown)


def check_host(value: str) -> str:
    """Return the host in canonical form (IPv6 without brackets) or raise ValueError."""
    if not isinstance(value, str) or not value:
        raise ValueError("the host is empty")
    host = value.strip()
    if host != value:
        raise ValueError(f"the host {_show(value)} has spaces around it")
    if "://" in host or "/" in host:
        raise ValueError(
            f"the host {_show(value)} looks like a URL; give only the name or address "
            "(for example ollama-server or 100.90.1.2) and the port separately"
        )
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        pass
    else:
        if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
            # http://[fe80::1%eth0]:11434 is no URL to Node's and Rust's parsers (Claude
            # Code, Continue, OpenCode, Codex): the clients would fail on what we write.
            raise ValueError(
                f"the host {_show(value)} has a zone (%{address.scope_id}), which most "
                "clients cannot use in a URL; give the server's name or a global address"
            )
        return str(address)
    if not host.isascii():
        try:
            ascii_form = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_form = None
        if ascii_form:
            raise ValueError(
                f"the host {_show(value)} is not ASCII; give its ASCII form {ascii_form!r}"
            )
    if len(host) > 253:
        raise ValueError(f"the host {_show(value)} is longer than 253 characters")
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(
            f"the host {_show(value)} is not a valid host name or IP address "
            "(letters, digits, '-' and '.' only)"
        )
    return host


def parse_server(value: str) -> tuple[str, int | None]:
    """What a person types for the server, as (host, port or None): a name or address, or
    what they copy from OLLAMA_HOST and docs: `host:11434`, `http://host:11434/`, `[::1]:11434`,
    with spaces around. Anything else is refused as check_host refuses it."""
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not text:
        raise ValueError("the host is empty")
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme.lower() != "http":
            raise ValueError(
                f"the server {_show(value)} uses {scheme}://; only plain http:// is supported "
                "for now: give the host name (and the port) of a plain-HTTP Ollama"
            )
        path = rest.find("/")
        if path >= 0:
            if rest[path:].strip("/"):
                raise ValueError(
                    f"the server {_show(value)} has a path ({rest[path:]}); give only the host "
                    "and the port of the Ollama server"
                )
            rest = rest[:path]
        text = rest
    text = text.rstrip("/")
    port: int | None = None
    if text.startswith("["):  # [v6] or [v6]:port
        close = text.find("]")
        if close > 0 and text[close + 1 :].startswith(":"):
            port = check_port(text[close + 2 :])
            text = text[: close + 1]
    elif text.count(":") == 1:  # host:port (an IPv6 literal has several colons)
        text, _, digits = text.partition(":")
        port = check_port(digits)
    return check_host(text), port


def check_port(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except ValueError:
            raise ValueError(f"the port {value!r} is not a number") from None
    if not 1 <= value <= 65535:
        raise ValueError(f"the port {value} is outside 1-65535")
    return value


def check_model(value: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("the model name is empty")
    if len(value) > MAX_MODEL_LEN:
        raise ValueError(f"the model name is longer than {MAX_MODEL_LEN} characters")
    if not _MODEL.fullmatch(value):
        raise ValueError(
            f"the model name {_show(value)} has characters Ollama model names never have "
            "(allowed: letters, digits and . _ - / : + @)"
        )
    return value


def url_host(host: str) -> str:
    """The host as it appears in a URL: IPv6 literals in brackets."""
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host
