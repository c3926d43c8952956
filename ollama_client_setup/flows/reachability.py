"""A quick reachability probe for `init`: the doctor's network chain, under a short budget."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ollama_client_setup.config.settings import Settings


@dataclass
class Probe:
    reachable: bool
    version: str | None
    models: list[str]
    #: The first check that failed: (id, summary, fix text, fix command).
    failure: tuple[str, str, str | None, str | None] | None
    #: ModelEntry objects from /api/tags (for the picker), when reachable.
    entries: list[Any]

    def to_dict(self) -> dict[str, Any]:
        failure = None
        if self.failure:
            check_id, summary, fix, command = self.failure
            failure = {"id": check_id, "summary": summary, "fix": fix, "command": command}
        return {
            "reachable": self.reachable,
            "version": self.version,
            "models": self.models,
            "failure": failure,
        }


def probe(settings: Settings, environ: Mapping[str, str], budget: float = 4.0) -> Probe:
    from ollama_client_setup.base.results import Status
    from ollama_client_setup.checks.doctor.diagnose import diagnose

    report = diagnose(
        settings,
        environ,
        budget=budget,
        deep=False,
        only=("tailscale.peer", "dns.resolve", "tcp.connect", "server.version", "server.models"),
    )
    failure = None
    for check, result in report.checks:
        if result.status is Status.FAIL:
            fix = result.fix
            failure = (
                check.id,
                result.summary,
                fix.text if fix else None,
                fix.command if fix else None,
            )
            break
    results = {check.id: result for check, result in report.checks}
    models_result = results.get("server.models")
    reachable = models_result is not None and models_result.status in (Status.OK, Status.WARN)
    version = results["server.version"].data.get("version") if "server.version" in results else None
    # `reachable` implies a result; the {} only lets mypy see that (it is never read).
    models_data = models_result.data if models_result is not None else {}
    return Probe(
        reachable,
        version,
        models_data.get("models", []) if reachable else [],
        None if reachable else failure,
        models_data.get("entries", []) if reachable else [],
    )
