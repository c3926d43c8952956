"""Reading a client's output: cleaned for the terminal, the failure its words describe,
whether the asked-for word is in the answer, and an excerpt for a Result's detail."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ollama_client_setup.base.output import printable

#: The client's own words in a Result's detail: its last lines, this many, this long.
DETAIL_LINES = 10
DETAIL_CHARS = 800

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

# Most specific first; the first kind found anywhere in the output names the failure.
# The server's own words for a model it lacks: `model 'x' not found, try pulling it first`
# (native), `model "x" not found` (compatible routes, often inside escaped JSON). Only the
# name may stand between "model" and "not found": Codex's harmless "Model metadata for `x`
# not found" (docs/clients/codex.md) is no missing model.
_UNKNOWN_MODEL = re.compile(
    r"\bmodel\s+\\?[\"'`]?[^\s\"'`\\]+\\?[\"'`]?\s+(?:not found|does not exist)"
    r"|\bmodel_not_found\b",
    re.IGNORECASE,
)
_NO_ROUTE = re.compile(r"\b404 page not found\b|\bpage not found\b", re.IGNORECASE)
_CONNECTION = re.compile(
    r"connection refused|connection reset|econnrefused|econnreset|enotfound|eai_again"
    r"|connection error|connecterror|failed to connect|could not connect|couldn't connect"
    r"|unable to connect|cannot connect|error sending request|reconnecting"
    r"|name or service not known|nodename nor servname|temporary failure in name resolution"
    r"|failed to resolve|no route to host|network is unreachable|remote end closed connection"
    r"|connection aborted|socket hang up|fetch failed|getaddrinfo|connection timed out"
    r"|connect timeout|etimedout",
    re.IGNORECASE,
)
_HTTP = re.compile(
    r"api error:?\s*\d{3}|\bstatus(?: code)?:?\s*[45]\d\d\b|\bhttp(?:/[\d.]+)?\s+[45]\d\d\b"
    r"|\b[45]\d\d (?:bad request|unauthorized|forbidden|not found|internal server error"
    r"|bad gateway|service unavailable|too many requests)"
    r"|error code:?\s*[45]\d\d|unexpected status|badrequesterror|internalservererror"
    r"|notfounderror|ratelimiterror|serviceunavailableerror|ai_apicallerror"
    r"|ollama_?chatexception|ollamaexception|\bapi error\b"
    # An SDK's "500 message", alone on its line or as an error's text.
    r"|^\s*[45]\d\d\s+\w|\berror\W{1,6}[45]\d\d\b",
    re.IGNORECASE,
)
_CLIENT_TIMEOUT = re.compile(
    r"\btimed out\b|request timeout|timeout error|timeout exceeded", re.IGNORECASE
)
_GENERIC_CONNECTION = re.compile(r"apiconnectionerror", re.IGNORECASE)
_STATUS = re.compile(r"(?<![\d.])([45]\d\d)(?![\d.])")

#: Lines about fetches that have nothing to do with the server: Aider offline prints a DNS
#: error while it fetches a model price list; that is no failure of the setup.
_ELSEWHERE_MARKERS = (
    "raw.githubusercontent.com",
    "model_prices_and_context_window",
    "cost map",
    "pypi.org",
)
_HOSTS = re.compile(
    r"https?://\[?([^/\]\s:'\"()]+)|host='([^']+)'"
    # A terminal browser Aider may start offline (lynx): "Looking up aider.chat",
    # "Unable to locate remote host aider.chat." name the host without a URL.
    r"|(?:looking up|remote host)\s+([a-z0-9.-]+\.[a-z]{2,})",
    re.IGNORECASE,
)
#: "Alert!: Unable to connect to remote host." follows such a lookup and names no host.
_BROWSER_NOISE = re.compile(r"^\s*alert!:", re.IGNORECASE)
#: Lines real clients print on every run that say nothing about the setup: Codex's warning
#: for a model it has no metadata for (gone once its catalog is written, but an older file or
#: `codex -m OTHER` still shows it) and its sandbox's missing bubblewrap.
_HARMLESS = re.compile(
    r"model metadata for \S+ not found|could not find bubblewrap",
    re.IGNORECASE,
)


def clean(text: str) -> str:
    """Without colour codes, carriage-return redraws collapsed to their last state, and any
    other control character escaped: the client's words are shown on the user's terminal."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    return printable("\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n")))


def _elsewhere(line: str, server_host: str) -> bool:
    lowered = line.lower()
    if any(marker in lowered for marker in _ELSEWHERE_MARKERS) or _BROWSER_NOISE.match(line):
        return True
    if _HARMLESS.search(line):
        return True
    hosts = {next(h for h in found if h).lower() for found in _HOSTS.findall(line)}
    return bool(hosts) and server_host.lower().strip("[]") not in hosts


@dataclass(frozen=True)
class Failure:
    category: str
    line: str
    #: The Reconnecting loop (Codex) was seen.
    reconnecting: bool = False


def classify(text: str, server_host: str) -> Failure | None:
    """The kind of failure the client's own words describe, or None."""
    lines = [line for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not _elsewhere(line, server_host)]
    reconnecting = any("reconnecting" in line.lower() for line in lines)
    for category, pattern in (
        ("unknown_model", _UNKNOWN_MODEL),
        ("http_error", _NO_ROUTE),
        ("connection", _CONNECTION),
        ("timeout", _CLIENT_TIMEOUT),
        ("http_error", _HTTP),
        ("connection", _GENERIC_CONNECTION),
    ):
        for line in lines:
            if pattern.search(line):
                return Failure(category, line.strip(), reconnecting)
    return None


def _has_token(text: str, token: str, prompt: str) -> bool:
    """The word in the answer; an echo of the prompt (Codex prints it) does not count."""
    answer = text.replace(prompt, " ")
    pattern = r"(?<![A-Za-z0-9])" + re.escape(token) + r"(?![0-9])"
    return re.search(pattern, answer, re.IGNORECASE) is not None


def _normalised(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def excerpt(text: str, server_host: str, keep: str | None = None) -> str:
    """The client's last lines, repeats folded, harmless lines dropped, within DETAIL_CHARS.
    `keep` (the line the verdict rests on) is put first when it fell outside."""
    lines: list[str] = []
    counts: list[int] = []
    for line in text.splitlines():
        if not line.strip() or _elsewhere(line, server_host):
            continue
        if lines and _normalised(lines[-1]) == _normalised(line):
            lines[-1] = line.rstrip()
            counts[-1] += 1
            continue
        lines.append(line.rstrip())
        counts.append(1)
    shown = [
        line if count == 1 else f"{line}  [{count} similar lines]"
        for line, count in zip(lines, counts, strict=True)
    ][-DETAIL_LINES:]
    if keep and not any(_normalised(line).startswith(_normalised(keep)) for line in shown):
        shown = [keep, "...", *shown]
    out = "\n".join(shown)
    if len(out) > DETAIL_CHARS:
        out = "..." + out[-(DETAIL_CHARS - 3) :]
    return out
