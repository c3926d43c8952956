"""What every `smoke` step shares: the time budget, the timing, the failures, the thinking.

The steps themselves are in steps.py; ``run_all`` finds each by its id (``_step_<id>``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.ollama_releases import REASONING_NONE
from ollama_client_setup.base.results import Fix, Result, fail, skip
from ollama_client_setup.checks import compat, ollama_texts
from ollama_client_setup.checks.doctor.network import server_failure
from ollama_client_setup.checks.smoke.asks import (
    MIN_STEP,
    PROBE_TIMEOUT,
    STEPS,
    THINKING_ROOM,
)
from ollama_client_setup.checks.smoke.report import Step
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.net.ollama_client import OllamaClient
from ollama_client_setup.net.ollama_types import Category, ServerError

Progress = Callable[[str], None]


class _Runner:
    """One run's state (the model found, what blocks the rest) and what every step uses."""

    def __init__(
        self,
        settings: Settings,
        client: OllamaClient,
        wanted: str | None,
        anthropic: bool | None,
        budget: float,
        progress: Progress | None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.wanted = wanted
        self.anthropic = anthropic
        self.budget = budget
        self.deadline = time.monotonic() + budget
        self.progress = progress
        #: The server's name for the model, once `models` found it.
        self.model: str | None = None
        #: Why the remaining steps cannot run (set by `models` and `load`).
        self.blocked: str | None = None
        self.loaded_before: bool | None = None
        #: From /api/show in `load`: None when unknown (old server, or it did not answer).
        self.capabilities: list[str] | None = None
        self.version: str | None = None

    # -- running ----------------------------------------------------------------------------

    def run_all(self) -> list[Step]:
        steps: list[Step] = []
        for step_id, title in STEPS:
            if self.blocked:
                result = skip(self.blocked)
            elif self.left() < MIN_STEP:
                result = skip(f"skipped: not reached within the {self.budget:g} s budget")
            else:
                if self.progress is not None:
                    self.progress(self._message(step_id, title))
                result = self._timed(getattr(self, f"_step_{step_id}"))
            _said_before(result, steps)
            steps.append(Step(step_id, title, result))
        return steps

    def _message(self, step_id: str, title: str) -> str:
        if step_id == "load":
            return f"loading {self.model} if needed (a cold load can take a minute)"
        return f"checking {step_id}: {title}"

    def _timed(self, step: Callable[[], Result]) -> Result:
        started = time.monotonic()
        # Probes (list, ps, show, version) get at most PROBE_TIMEOUT; inference the rest.
        self.client.timeout = max(MIN_STEP, min(PROBE_TIMEOUT, self.left()))
        try:
            result = step()
        except ServerError as exc:
            result = self._failure(exc)
        except Exception as exc:  # a broken step is a finding, not a traceback
            result = fail(f"the step itself failed: {type(exc).__name__}: {exc}")
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def _deadline(self) -> float:
        return max(MIN_STEP, self.left())

    def _failure(self, exc: ServerError, *, inference: bool = True) -> Result:
        """doctor's fix for the failure, made specific where inference changes the story."""
        result = server_failure(self.settings, exc, self.model or self.wanted)
        if inference and exc.category is Category.TIMEOUT:
            result.fix = Fix(
                f"No answer within the time left of the {self.budget:g} s budget. A big model on "
                "a slow server may need longer: run again with a longer --timeout. If it never "
                "answers, restart Ollama on the server.",
                f"{CMD} smoke --timeout {min(3600, max(300, int(self.budget * 2)))}",
            )
        if inference and ollama_texts.cannot_chat(exc.server_message):
            result.summary = f"{self.model} is an embedding model: it cannot chat"
        result.summary = result.summary.rstrip(".")
        lines = [f"category: {exc.category.value}"]
        if exc.server_message and exc.server_message not in result.summary:
            lines.append(exc.server_message)
        result.detail = "\n".join(lines)
        result.data["category"] = exc.category.value
        return result

    @property
    def thinking(self) -> bool:
        return self.capabilities is not None and "thinking" in self.capabilities

    def _tokens(self, tokens: int) -> int:
        """A step's token limit, with room for a thinking model to reason first."""
        return tokens + THINKING_ROOM if self.thinking else tokens

    def _effort(self) -> str | None:
        """reasoning_effort for /v1: "none" turns a thinking model's reasoning off."""
        if self.thinking and compat.at_least(self.version, REASONING_NONE):
            return "none"
        return None


def _said_before(result: Result, steps: list[Step]) -> None:
    """A fix an earlier step already gave in full is pointed at, not repeated (one thinking
    model or one crashed runner would otherwise print the same paragraph four times)."""
    if result.fix is None:
        return
    for step in steps:
        if step.result.fix is not None and step.result.fix.text == result.fix.text:
            result.fix = Fix(f"As for {step.id} above.", result.fix.command)
            return
