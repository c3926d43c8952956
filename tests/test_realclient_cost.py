"""What the five real clients cost the server after a plain `init`, on one model.

The real programs (scripts/install_clients.sh) against the fake server, which models Ollama's
scheduler and prompt cache (tests/fakes/scheduler.py): moving between clients must not
restart the model, a client's second session must reuse its cached prompt, and Codex must
know the model. The server here runs with OLLAMA_CONTEXT_LENGTH=65536, the window Ollama
recommends for agents (at 4k the agents' own prompts do not fit).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from ollama_client_setup import clientrun, paths
from ollama_client_setup import settings as settings_mod
from ollama_client_setup.doctor.model import Status
from tests import realclients
from tests.fakes.ollama import FakeModel, FakeOllama
from tests.helpers import init_at, run_json

pytestmark = pytest.mark.realclient

MODEL = "qwen3-coder:30b"
WINDOW = 65536
CLIENTS = ("aider", "claude-code", "continue", "codex", "opencode")
INTERLEAVED = ("aider", "claude-code", "aider", "continue", "aider", "codex", "opencode", "aider")
TIMEOUT = 90.0


@pytest.fixture
def server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOllama]:
    """The server after a plain init; `indirect` parameters: (slots, multi-user cache)."""
    slots, multiuser = getattr(request, "param", (1, False))
    for program in realclients.PROGRAMS.values():
        realclients.use(program, monkeypatch)
    model = FakeModel(MODEL, family="qwen3moe", architecture="qwen3moe", context_length=262144)
    with FakeOllama(
        [model],
        default_context=WINDOW,
        obedient=True,
        num_parallel=slots,
        multiuser_cache=multiuser,
    ) as fake:
        init_at(fake.port, model=MODEL, clients=CLIENTS)
        yield fake


def session(name: str, token: str | None = None) -> tuple[object, str]:
    """One headless run of the real client in the user's project folder (the same for every
    session, as for a person; the agents put it in their prompts), judged as smoke --clients
    judges it."""
    settings = settings_mod.load()
    token = token or clientrun.new_token()
    prompt = clientrun.PROMPT.format(token=token)
    inv = clientrun.invocation(settings, name, prompt, os.environ)
    path = shutil.which(inv.program, path=inv.env["PATH"])
    assert path is not None
    project = paths.home() / "project"
    project.mkdir(exist_ok=True)
    env = {**inv.env, "PWD": str(project)}
    done = clientrun.execute([path, *inv.args], env=env, cwd=str(project), timeout=TIMEOUT)
    result = clientrun.judge(
        inv, done, token=token, prompt=prompt, timeout=TIMEOUT, settings=settings
    )
    assert result.status is Status.OK, (name, result.summary, result.detail)
    return result, done.output


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


def answer_reuse(server: FakeOllama, start: int) -> float:
    """The cached share of the session's largest prompt: its answer, not a title request."""
    runs = [r for r in server.runs[start:] if r.prompt_tokens]
    answer = max(runs, key=lambda r: r.prompt_tokens)
    return answer.cached_tokens / answer.prompt_tokens


@pytest.mark.parametrize("name", [c for c in CLIENTS if c != "opencode"])
def test_a_second_session_reuses_the_cached_prompt(server: FakeOllama, name: str) -> None:
    # The same words both times, so what the cache cannot reuse is what the client itself
    # changes between sessions (a timestamp, a hash, a reordered tool list).
    token = clientrun.new_token()
    session(name, token)
    start = len(server.runs)
    session(name, token)
    assert answer_reuse(server, start) >= 0.9


@pytest.mark.parametrize(
    ("server", "reused"), [((1, False), False), ((2, True), True)], indirect=["server"]
)
def test_opencode_keeps_its_cache_only_where_the_server_has_a_slot_for_titles(
    server: FakeOllama, reused: bool
) -> None:
    token = clientrun.new_token()
    session("opencode", token)
    start = len(server.runs)
    session("opencode", token)
    assert (answer_reuse(server, start) >= 0.9) is reused
    doctor = run_json("doctor", "--deep", "--only", "runners", "--timeout", "20", code=None)
    [check] = doctor["result"]["checks"]
    if reused:
        assert check["status"] == "ok", check
    else:
        assert check["status"] == "warn", check
        assert "OpenCode's title request evicts" in check["summary"]
        assert "OLLAMA_NUM_PARALLEL=2 and OLLAMA_MULTIUSER_CACHE=1" in check["fix"]["text"]


def test_codex_knows_the_model_and_passes_smoke(server: FakeOllama) -> None:
    _, output = session("codex")  # session() asserts the judge says ok
    assert "Model metadata" not in output
    assert "not found" not in output


def test_the_agents_are_told_the_servers_window(server: FakeOllama) -> None:
    from tests.test_windows import told

    home = paths.home()
    assert told(home, MODEL) == dict.fromkeys(CLIENTS, WINDOW)
