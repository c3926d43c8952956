"""Issue 6: a hostile server. doctor, smoke, model list and model use return, say what is
wrong, and change no file. Wall times and peak memory are measured by
scripts/server_trials.py (docs/reliability.md), never asserted here; the slow faults (hang,
drip) are covered there and, per request, in test_server.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.net.ollama_client import OllamaClient
from ollama_client_setup.net.ollama_http import MAX_BODY, MAX_META_BODY
from ollama_client_setup.net.ollama_types import Category, ServerError
from tests.fakes.ollama import FakeOllama
from tests.fakes.ollama_models import FakeModel
from tests.helpers import init_at, run, snapshot

#: fault -> (category smoke reports, words every message has)
FAULTS = {
    "huge": ("too_large", "exceeded 4 MiB"),
    "redirect": ("redirect", "redirects are not followed"),
    "not_http": ("protocol", "did not answer in HTTP"),
    "https_only": ("protocol", "is a TLS port"),
    "malformed": ("malformed", "broken JSON"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_every_server_command_names_a_hostile_answer(
    fake_ollama: FakeOllama, sandbox_home: Path, fault: str
) -> None:
    init_at(fake_ollama.port)
    before = snapshot(sandbox_home)
    fake_ollama.set_fault(fault)  # type: ignore[arg-type]
    category, words = FAULTS[fault]

    smoke = run("smoke", "--json", "--timeout", "10", code=ExitCode.CHECKS_FAILED)
    first = json.loads(smoke.stdout)["result"]["steps"][0]
    assert first["status"] == "fail" and first["category"] == category
    if fault != "malformed":  # /v1/models' broken JSON is named as such, not as tags'
        assert words.replace("4 MiB", "") in first["summary"]

    doctor = json.loads(run("doctor", "--json", code=ExitCode.CHECKS_FAILED).stdout)
    failed = [c for c in doctor["result"]["checks"] if c["status"] == "fail"]
    assert any(c["id"].startswith("server.") for c in failed), failed

    for args in (("model", "list", "--json"), ("model", "use", "llama3.2:3b", "--json")):
        # The server answered, just not usefully: exit 3, never "cannot reach" (exit 6).
        doc = json.loads(run(*args, code=ExitCode.CHECKS_FAILED).stdout)
        message = doc["error"]["message"]
        assert "answered, but" in message, message
        assert "/api/tags" in message
        assert words in message or (fault == "malformed" and "broken JSON" in message), message
    assert snapshot(sandbox_home) == before  # model use changed nothing: it never got a list


def test_oversized_show_answers_are_capped_low_and_the_rows_still_shown(
    sandbox_home: Path,
) -> None:
    """`model list` reads up to eight /api/show answers at once: a hostile server could make
    it hold 8 x 16 MiB. Descriptive answers are now capped at 4 MiB each."""
    assert MAX_META_BODY == 4 * 1024 * 1024 < MAX_BODY
    models = [FakeModel(f"m{i}:7b") for i in range(3)]
    with FakeOllama(models=models) as fake:
        init_at(fake.port, model="m0:7b")
        fake.set_fault("huge", path="/api/show")
        doc = json.loads(run("model", "list", "--json").stdout)
    rows = doc["result"]["models"]
    assert [r["name"] for r in rows] == ["m0:7b", "m1:7b", "m2:7b"]
    assert all("exceeded 4 MiB" in (r["error"] or "") for r in rows)


def test_inference_answers_keep_the_larger_cap(fake_ollama: FakeOllama) -> None:
    fake_ollama.set_fault("huge", path="/api/chat")
    with (
        OllamaClient(fake_ollama.url, timeout=5) as client,
        pytest.raises(ServerError) as err,
    ):
        client.chat("qwen2.5-coder:7b", [{"role": "user", "content": "hi"}], deadline=5)
    assert err.value.category is Category.TOO_LARGE
    assert "exceeded 16 MiB" in err.value.message
