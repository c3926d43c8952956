"""Model fit: tools, fill-in-the-middle and the context window, wherever a model is chosen."""

from __future__ import annotations

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.checks import fit
from tests.fakes.ollama import FakeOllama
from tests.fakes.ollama_models import FakeModel
from tests.helpers import init_at, run, run_json, snapshot


def init(port: int, model: str, *clients: str, code: int = 0, extra: tuple[str, ...] = ()):
    return init_at(port, *extra, model=model, clients=clients, code=code)


def fit_check(*, code: int = ExitCode.CHECKS_FAILED) -> dict:
    data = run_json("doctor", "--only", "model.fit", "--timeout", "3", code=code)
    return data["result"]["checks"][0]


def test_the_table_says_what_each_client_needs() -> None:
    # Every use chats, so every one needs `completion`, which embedding models lack.
    assert fit.needs_for("claude-code").capabilities == ("completion", "tools")
    assert fit.needs_for("claude-code").min_context == 65536
    assert fit.needs_for("continue", "autocomplete").capabilities == ("completion", "insert")
    assert fit.needs_for("aider").capabilities == ("completion",)
    assert fit.needs_for("aider").requests_context is True


@pytest.mark.parametrize(
    ("caps", "loaded", "requested", "client", "fits"),
    [
        (("completion", "tools"), 65536, None, "claude-code", True),
        (("completion",), 65536, None, "claude-code", False),  # no tools
        (("completion", "tools"), 4096, None, "claude-code", False),  # window too small
        (("completion", "tools"), None, None, "claude-code", True),  # window unknown: no claim
        (("completion",), 4096, None, "aider", True),
        (("completion", "tools"), 4096, 8192, "continue", True),
    ],
)
def test_judge(caps, loaded, requested, client, fits) -> None:
    verdict = fit.judge(client, "chat", "m", fit.Offer(caps, 131072, loaded), requested)
    assert verdict.fits is fits, verdict.reason()


def test_model_too_small_for_claude_code_even_unloaded() -> None:
    verdict = fit.judge("claude-code", "chat", "m", fit.Offer(("completion", "tools"), 16384, None))
    assert not verdict.fits and "16k" in verdict.reason()


def test_doctor_fails_a_model_without_tools_for_claude_code(fake_ollama: FakeOllama) -> None:
    init(fake_ollama.port, "starcoder2:3b", "claude-code")
    check = fit_check()
    assert check["status"] == "fail"
    assert "claude-code: starcoder2:3b lacks tools" in check["summary"]
    assert check["fix"]["command"] == "ollama-client-setup model use MODEL --client claude-code"


def test_doctor_reports_a_4k_window_as_too_small_for_claude_code() -> None:
    models = [
        FakeModel("qwen2.5-coder:7b", loaded=True, loaded_context=4096, context_length=131072)
    ]
    with FakeOllama(models) as fake:
        init(fake.port, "qwen2.5-coder:7b", "claude-code")
        check = fit_check(code=ExitCode.OK)
    assert check["status"] == "warn"
    assert "its window is 4k tokens" in check["summary"] and "64k" in check["summary"]
    text = check["fix"]["text"]
    assert "OLLAMA_CONTEXT_LENGTH=65536" in text and "com.ollama.plist" in text
    assert "launchctl kickstart -k gui/$(id -u)/com.ollama" in text
    assert "cannot ask for a window itself" in text


def test_a_4k_window_is_no_problem_for_continue_chat() -> None:
    """Continue's chat has no minimum window (it sends num_ctx itself), unlike Claude Code."""
    models = [FakeModel("qwen2.5-coder:7b", loaded=True, loaded_context=4096)]
    with FakeOllama(models) as fake:
        init(fake.port, "qwen2.5-coder:7b", "continue")
        assert fit.needs_for("continue").min_context is None
        assert fit_check(code=ExitCode.OK)["status"] == "ok"


def test_autocomplete_model_needs_insert(fake_ollama: FakeOllama) -> None:
    init(fake_ollama.port, "qwen2.5-coder:7b", "continue")
    run("model", "use", "llama3.2:3b", "--role", "autocomplete")
    check = fit_check()
    assert "continue autocomplete: llama3.2:3b lacks insert" in check["summary"]


def test_model_list_marks_what_fits(fake_ollama: FakeOllama) -> None:
    init(fake_ollama.port, "qwen2.5-coder:7b", "claude-code", "aider")
    rows = {m["name"]: m for m in run_json("model", "list")["result"]["models"]}
    assert rows["starcoder2:3b"]["fit"]["claude-code"]["fits"] is False
    assert rows["starcoder2:3b"]["fit"]["aider"]["fits"] is True
    assert "(not for claude-code)" in run("model", "list").stdout


def test_model_use_warns_and_strict_refuses(fake_ollama: FakeOllama, sandbox_home) -> None:
    init(fake_ollama.port, "qwen2.5-coder:7b", "claude-code")
    before = snapshot(sandbox_home)
    refused = run("model", "use", "starcoder2:3b", "--strict", code=ExitCode.REFUSED)
    assert "claude-code: starcoder2:3b lacks tools" in refused.stderr
    assert snapshot(sandbox_home) == before
    warned = run("model", "use", "starcoder2:3b")
    assert "warning: claude-code: starcoder2:3b lacks tools" in warned.stderr
    assert "Every client now uses starcoder2:3b" in warned.stdout


def test_init_warns_and_strict_stops(fake_ollama: FakeOllama, sandbox_home) -> None:
    before = snapshot(sandbox_home)
    result = init(
        fake_ollama.port, "starcoder2:3b", "codex", code=ExitCode.REFUSED, extra=("--strict",)
    )
    assert "codex: starcoder2:3b lacks tools" in result.stderr
    assert snapshot(sandbox_home) == before
    warned = init(fake_ollama.port, "starcoder2:3b", "codex")
    assert "warning: codex: starcoder2:3b lacks tools" in warned.stderr


def test_context_is_clamped_to_the_models_maximum(fake_ollama: FakeOllama) -> None:
    result = init(fake_ollama.port, "starcoder2:3b", "aider", extra=("--context", "65536"))
    assert "starcoder2:3b supports at most 16384 tokens" in result.stderr
    options = run_json("init", "--yes", "--no-probe")["result"]["settings"]["client_options"]
    assert options["aider"]["context"] == 16384
    assert "codex" not in options


def test_a_model_that_cannot_reach_the_window_needs_another_model(
    fake_ollama: FakeOllama,
) -> None:
    """qwen2.5-coder:7b supports 32k: no server setting makes it the 64k Claude Code needs."""
    init(fake_ollama.port, "qwen2.5-coder:7b", "claude-code")
    check = fit_check(code=ExitCode.OK)
    assert check["status"] == "warn"
    assert "32k tokens (the most the model supports)" in check["summary"]
    assert "No server setting can give qwen2.5-coder:7b more" in check["fix"]["text"]
    assert check["fix"]["command"] == "ollama-client-setup model use MODEL --client claude-code"
    assert "OLLAMA_CONTEXT_LENGTH" not in check["fix"]["text"]
