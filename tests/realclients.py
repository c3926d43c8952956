"""The real client programs, installed by scripts/install_clients.sh into .cache/clients.

`use(program, monkeypatch)` puts that folder first on PATH for one test and returns the
program's path. Where the programs are not installed the test is skipped, except in CI
(.ci/run sets OCS_REQUIRE_REAL_CLIENTS=1), where a missing program fails the test: the
stubs once agreed with a judge the real Codex contradicts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("OCS_CLIENTS_DIR") or ROOT / ".cache" / "clients") / "bin"
REQUIRED = os.environ.get("OCS_REQUIRE_REAL_CLIENTS") == "1"
#: client name -> program, as tests name them.
PROGRAMS = {
    "aider": "aider",
    "claude-code": "claude",
    "continue": "cn",
    "codex": "codex",
    "opencode": "opencode",
}


def use(program: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The real `program`, first on PATH from now on in this test."""
    if (BIN / program).exists():
        monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    found = shutil.which(program)
    if found is None:
        message = f"{program} is not installed (scripts/install_clients.sh installs it)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return found


def session(
    name: str,
    *,
    project: Path,
    token: str | None = None,
    timeout: float = 90.0,
    drop: tuple[str, ...] = (),
) -> tuple[Any, str]:
    """One headless run of the real client for the current settings, in the user's project
    folder (the same for every session, as for a person: the agents put it in their
    prompts), judged as `smoke --clients` judges it. `drop`: variables taken out of the
    client's environment (the benchmark's baseline). Returns (the Result, the output)."""
    from ollama_client_setup.checks.clientrun import invocation, judge, process
    from ollama_client_setup.config import settings as settings_mod

    settings = settings_mod.load()
    token = token or invocation.new_token()
    # The words start with the token, as a person's next prompt differs from the first
    # character: Claude Code derives its per-prompt billing line from the prompt's opening.
    prompt = f"{token}. " + invocation.PROMPT.format(token=token)
    inv = invocation.invocation(settings, name, prompt, os.environ)
    for variable in drop:
        inv.env.pop(variable, None)
    path = shutil.which(inv.program, path=inv.env["PATH"])
    assert path is not None, f"{inv.program} is not on PATH"
    project.mkdir(parents=True, exist_ok=True)
    env = {**inv.env, "PWD": str(project)}
    done = process.execute([path, *inv.args], env=env, cwd=str(project), timeout=timeout)
    result = judge.judge(inv, done, token=token, prompt=prompt, timeout=timeout, settings=settings)
    return result, done.output


def prefix_reuse(server: Any, requests_before: int, runs_before: int, words: str) -> float:
    """Of the prompt a session's answer request sent before the user's words, the share the
    server took from its cache (the issue's measure: the words are new every session)."""
    from tests.fakes.scheduler import prompt_for, tokenize

    runs = [r for r in server.runs[runs_before:] if r.prompt_tokens]
    answer = max(runs, key=lambda r: r.prompt_tokens)  # the answer, not a title request
    before = 0
    for request in server.requests[requests_before:]:
        if request.path != answer.route or not isinstance(request.json, dict):
            continue
        counted = 0
        for kind, text in prompt_for(request.path, request.json).segments:
            at = text.find(words)
            if at >= 0:
                before = max(before, counted + (len(tokenize(kind, text[:at])) if at else 0))
                break
            counted += len(tokenize(kind, text))
    return min(1.0, answer.cached_tokens / before) if before else 0.0


#: The model and server window the real-client sessions run on: a coder model with a large
#: maximum, on a server with OLLAMA_CONTEXT_LENGTH=65536, the window Ollama recommends for
#: agents (at Ollama's default 4k the agents' own prompts do not fit).
AGENT_MODEL = "qwen3-coder:30b"
AGENT_WINDOW = 65536


def agent_server(slots: int = 1, multiuser: bool = False) -> Any:
    """A fake Ollama (not started) for the real agents: one model, the window above,
    `slots` prompt slots (OLLAMA_NUM_PARALLEL) and the multi-user cache on or off."""
    from tests.fakes.ollama import FakeOllama
    from tests.fakes.ollama_models import FakeModel

    model = FakeModel(
        AGENT_MODEL, family="qwen3moe", architecture="qwen3moe", context_length=262144
    )
    return FakeOllama(
        [model],
        default_context=AGENT_WINDOW,
        obedient=True,
        num_parallel=slots,
        multiuser_cache=multiuser,
    )
