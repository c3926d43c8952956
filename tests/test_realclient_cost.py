"""What the five real clients cost the server after a plain `init`, on one model.

The real programs (scripts/install_clients.sh) against the fake server, which models Ollama's
scheduler and prompt cache (tests/fakes/scheduler.py): moving between clients must not
restart the model, a client's second session must reuse its cached prompt, and Codex must
know the model. The server here runs with OLLAMA_CONTEXT_LENGTH=65536, the window Ollama
recommends for agents (at 4k the agents' own prompts do not fit).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ollama_client_setup.base import paths
from ollama_client_setup.base.results import Status
from ollama_client_setup.checks.clientrun import invocation
from tests import realclients
from tests.fakes.ollama import FakeOllama
from tests.helpers import init_at, run_json

pytestmark = pytest.mark.realclient

MODEL = realclients.AGENT_MODEL
WINDOW = realclients.AGENT_WINDOW
CLIENTS = ("aider", "claude-code", "continue", "codex", "opencode")
INTERLEAVED = ("aider", "claude-code", "aider", "continue", "aider", "codex", "opencode", "aider")
TIMEOUT = 90.0


@pytest.fixture
def server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOllama]:
    """The server after a plain init; `indirect` parameters: (slots, multi-user cache)."""
    slots, multiuser = getattr(request, "param", (1, False))
    for program in realclients.PROGRAMS.values():
        realclients.use(program, monkeypatch)
    with realclients.agent_server(slots, multiuser) as fake:
        init_at(fake.port, model=MODEL, clients=CLIENTS)
        yield fake


def session(name: str, token: str | None = None) -> tuple[object, str]:
    result, output = realclients.session(
        name, project=paths.home() / "project", token=token, timeout=TIMEOUT
    )
    assert result.status is Status.OK, (name, result.summary, result.detail)
    return result, output


def test_moving_between_the_clients_never_restarts_the_model(server: FakeOllama) -> None:
    session("aider")  # the first load (or the reload from init's measuring request)
    start = len(server.runs)
    for name in INTERLEAVED:
        session(name)
    runs = server.runs[start:]
    assert {r.event for r in runs if r.prompt_tokens} == {"hit"}, [
        (r.user_agent, r.event, r.num_ctx) for r in runs
    ]
    assert {r.num_ctx for r in runs if r.prompt_tokens} == {WINDOW}


def second_session_reuse(server: FakeOllama, name: str) -> float:
    """Two sessions with new words each: the share of the prompt before the words that the
    second one took from the cache."""
    session(name)
    token = invocation.new_token()
    requests, runs = len(server.requests), len(server.runs)
    session(name, token)
    return realclients.prefix_reuse(server, requests, runs, token)


@pytest.mark.parametrize("name", [c for c in CLIENTS if c != "opencode"])
def test_a_second_session_reuses_the_cached_prompt(server: FakeOllama, name: str) -> None:
    assert second_session_reuse(server, name) >= 0.9


@pytest.mark.parametrize(
    ("server", "status"), [((1, False), "warn"), ((2, True), "ok")], indirect=["server"]
)
def test_doctor_says_what_opencodes_title_requests_cost_this_server(
    server: FakeOllama, status: str
) -> None:
    # OpenCode sends a title request alongside each answer; whether the answer's cache
    # survives depends on the server's slots and on which of the two lands first, so the
    # reuse itself is not asserted here (docs/clients/opencode.md). doctor measures the slots.
    session("opencode")
    doctor = run_json("doctor", "--deep", "--only", "runners", "--timeout", "20", code=None)
    [check] = doctor["result"]["checks"]
    assert check["status"] == status, check


def test_codex_knows_the_model_and_passes_smoke(server: FakeOllama) -> None:
    _, output = session("codex")  # session() asserts the judge says ok
    assert "Model metadata" not in output
    assert "not found" not in output


def test_the_agents_are_told_the_servers_window(server: FakeOllama) -> None:
    from tests.test_windows import told

    home = paths.home()
    assert told(home, MODEL) == dict.fromkeys(CLIENTS, WINDOW)
