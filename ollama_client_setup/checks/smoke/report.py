"""What a `smoke` run found: a :class:`Step` per check and the :class:`SmokeReport` of them all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ollama_client_setup.base.results import Result, Status

SCHEMA = 1
#: The numbers every step reports in --json (None where they do not apply).
NUMBERS = ("ttft_s", "tokens_per_s", "total_s", "load_s")


@dataclass
class Step:
    id: str
    title: str
    result: Result

    @property
    def status(self) -> Status:
        return self.result.status

    def number(self, name: str) -> Any:
        return self.result.data.get(name)

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        return {
            "id": self.id,
            "title": self.title,
            "status": result.status.value,
            "summary": result.summary,
            "detail": result.detail,
            "fix": result.fix.to_dict() if result.fix else None,
            "category": result.data.get("category"),
            "duration_ms": result.duration_ms,
            **{name: _rounded(result.data.get(name)) for name in NUMBERS},
            "tokens_per_s_approximate": result.data.get("tokens_per_s_approximate"),
        }


@dataclass
class SmokeReport:
    server_root: str
    #: The server's name for the model once found, else the name asked for (or None).
    model: str | None
    steps: list[Step]
    budget: float
    elapsed: float

    @property
    def counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for step in self.steps:
            counts[step.status.value] += 1
        return counts

    @property
    def failed(self) -> bool:
        return any(step.status is Status.FAIL for step in self.steps)

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)

    @property
    def summary(self) -> str:
        """One honest line: the counts, then where it failed or what the timings were."""
        counts = self.counts
        words = (("ok", "ok"), ("warn", "warn"), ("fail", "failed"), ("skip", "skipped"))
        head = ", ".join(
            f"{counts[key]} {word}" for key, word in words if counts[key] or key == "ok"
        )
        failed = [step for step in self.steps if step.status is Status.FAIL]
        if failed:
            first = failed[0]
            more = f" (and {len(failed) - 1} more failed)" if len(failed) > 1 else ""
            return f"{head}: failed at {first.id}: {first.result.summary.rstrip('.')}{more}"
        facts = []
        chat = self.step("chat")
        if chat is not None and chat.number("total_s") is not None:
            facts.append(f"chat answered in {chat.number('total_s'):.1f} s")
        stream = self.step("stream")
        rate = stream.number("tokens_per_s") if stream is not None else None
        if stream is not None and rate is not None:
            about = "~" if stream.number("tokens_per_s_approximate") else ""
            facts.append(f"{about}{rate:.0f} tok/s")
        load = self.step("load")
        if load is not None and load.number("cold") and load.number("load_s"):
            facts.append(f"the first answer waited {load.number('load_s'):.1f} s for the load")
        return f"{head}: the setup works" + (f"; {', '.join(facts)}" if facts else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "smoke_schema": SCHEMA,
            "server_root": self.server_root,
            "model": self.model,
            "steps": [step.to_dict() for step in self.steps],
            "summary": {**self.counts, "failed": self.failed, "text": self.summary},
            "budget_s": self.budget,
            "elapsed_ms": int(self.elapsed * 1000),
        }


def _rounded(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value
