"""What each client needs from the server's Ollama version, and how Ollama versions compare.

Facts from Ollama's source (docs/server.md, "Versions that matter"); a client
with no entry works with any Ollama that has the routes every release serves (/api/chat,
/v1/chat/completions). No Click and no I/O here: doctor's `server.compat` check reads the
version `server.version` found and asks :func:`assess`.

Versions are compared like semantic versions: "0.14.0-rc1" is older than "0.14.0". "0.0.0" is
what a build from source reports, so it says nothing about the features: unknown, like text
that is not a version at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ollama_client_setup.base import ollama_releases
from ollama_client_setup.clients import registry
from ollama_client_setup.clients.spec import Floor

#: The first Ollama release with each route (documentation; the floors below are what
#: doctor checks).
ROUTES = {
    "/v1/messages": ollama_releases.MESSAGES_ROUTE,
    "/v1/responses": ollama_releases.RESPONSES_ROUTE,
}


def floors(names: Iterable[str] | None = None) -> list[Floor]:
    """The oldest server each client (of `names`) works with, from its ClientSpec."""
    return [spec.floor for spec in registry.specs(names) if spec.floor is not None]


_VERSION = re.compile(
    r"^v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?(?:-(?P<pre>[0-9A-Za-z.-]+))?"
    r"(?:\+[0-9A-Za-z.-]+)?$"
)


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    #: 1 for a release, 0 for a pre-release (so "0.6.0-rc1" < "0.6.0"); then its label.
    release: int = 1
    pre: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        return f"{text}-{self.pre}" if self.pre else text

    @property
    def development(self) -> bool:
        """0.0.0: a build from source, which reports no real version."""
        return (self.major, self.minor, self.patch) == (0, 0, 0)


def parse(text: str | None) -> Version | None:
    """A Version from "0.15.2", "v0.15.2", "0.6.0-rc1" or "0.13"; None from anything else."""
    match = _VERSION.match((text or "").strip())
    if match is None:
        return None
    pre = match.group("pre") or ""
    return Version(
        int(match.group("major")),
        int(match.group("minor")),
        int(match.group("patch") or 0),
        0 if pre else 1,
        pre,
    )


def at_least(version: str | None, minimum: str) -> bool | None:
    """Whether `version` is `minimum` or newer; None when `version` tells nothing."""
    have, need = parse(version), parse(minimum)
    if have is None or need is None or have.development:
        return None
    return have >= need


@dataclass(frozen=True)
class Assessment:
    #: "none": no managed client has a floor; "unknown": the version tells nothing (a
    #: development build, or no version); "ok": every floor met; "old": some are not.
    verdict: str
    version: str | None
    floors: tuple[Floor, ...]
    unmet: tuple[Floor, ...] = ()

    @property
    def update_to(self) -> str | None:
        """The version to update to: the highest unmet floor."""
        if not self.unmet:
            return None
        return max(self.unmet, key=lambda f: parse(f.minimum) or Version(0, 0, 0)).minimum


def assess(version: str | None, clients: Iterable[str]) -> Assessment:
    found = tuple(floors(clients))
    if not found:
        return Assessment("none", version, found)
    results = [(floor, at_least(version, floor.minimum)) for floor in found]
    if any(met is None for _, met in results):
        return Assessment("unknown", version, found)
    unmet = tuple(floor for floor, met in results if not met)
    return Assessment("old" if unmet else "ok", version, found, unmet)
