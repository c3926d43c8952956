"""What every doctor check gets: the settings, the environment, the time left, and facts
computed once and shared (`tailscale status`, the model list)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ollama_client_setup.base.results import Result
from ollama_client_setup.config.settings import Settings


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    run: Callable[[Context], Result]
    depends_on: tuple[str, ...] = ()
    #: Only with --deep: real inference requests.
    deep: bool = False
    #: Checks to wait for without depending on them (their failure does not skip this one):
    #: requests that must not interleave with this check's.
    after: tuple[str, ...] = ()


class Context:
    """Shared by all checks of one run. Lazy facts are computed once, under a lock."""

    def __init__(
        self,
        settings: Settings,
        environ: Mapping[str, str],
        budget: float,
        started: float | None = None,
    ) -> None:
        self.settings = settings
        self.environ = environ
        self.budget = budget
        # The budget is the user's wait: it counts from when the process started, when known.
        self.started = time.monotonic() if started is None else started
        self.deadline = self.started + budget
        self.results: dict[str, Result] = {}
        self._lock = threading.Lock()
        self._facts: dict[str, Any] = {}

    def remaining(self, cap: float) -> float:
        """A timeout for one step: at most `cap`, never past the run's deadline."""
        return max(0.05, min(cap, self.deadline - time.monotonic()))

    def fact(self, name: str, compute: Callable[[], Any]) -> Any:
        """Compute a shared fact once (e.g. `tailscale status`), whichever check asks first."""
        with self._lock:
            holder = self._facts.setdefault(name, [threading.Lock(), None, False])
        with holder[0]:
            if not holder[2]:
                holder[1], holder[2] = compute(), True
            return holder[1]

    def data(self, check_id: str) -> dict[str, Any]:
        result = self.results.get(check_id)
        return result.data if result else {}
