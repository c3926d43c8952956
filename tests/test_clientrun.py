"""Each client run once, headless, against the fake Ollama server (clientrun, smoke --clients,
doctor --deep's clients.run).

The clients are stub programs (tests/fakes/stub_clients) that read the environment and the
files the tool wrote and make the real HTTP call, so a passing run proves the written config
routes the client to the server, and the fake's recorded requests show what arrived. No test
sleeps: the one that waits, waits for its own short client timeout.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.base.results import Status
from ollama_client_setup.checks.clientrun import invocation, judge, process, runner, transcript
from ollama_client_setup.cli import smoke as smoke_cli
from ollama_client_setup.config import settings as settings_mod
from tests import realclients
from tests.fakes.ollama import FakeOllama
from tests.fakes.stub_clients import CLIENT_STUBS, install_client_stub
from tests.helpers import run, run_json

MODEL = "qwen2.5-coder:7b"
TOKEN = "PINEAPPLE-7"
PROGRAMS = realclients.PROGRAMS
#: Where each client's request lands on the server.
ROUTES = {
    "aider": "/api/chat",
    "claude-code": "/v1/messages",
    "continue": "/v1/chat/completions",
    "codex": "/v1/responses",
    "opencode": "/v1/chat/completions",
}


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """First on PATH; the rest of PATH holds none of the real clients."""
    folder = tmp_path / "bin"
    folder.mkdir()
    kept = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not any(shutil.which(p, path=d) for p in CLIENT_STUBS)
    ]
    monkeypatch.setenv("PATH", os.pathsep.join([str(folder), *kept]))
    return folder


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    """The fake model answers the clientrun prompt with the word it asks for."""
    with FakeOllama(obedient=True) as server:
        yield server


def setup(port: int, *clients: str, extra: tuple[str, ...] = ()) -> settings_mod.Settings:
    flags = [arg for name in clients for arg in ("--client", name)]
    run(
        "init",
        "--yes",
        "--no-smoke",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        MODEL,
        "--shell",
        "bash",
        *flags,
        *extra,
    )
    return settings_mod.load()


def install(bin_dir: Path, *clients: str) -> None:
    for name in clients:
        install_client_stub(bin_dir, PROGRAMS.get(name, name))


def run_one(settings: settings_mod.Settings, name: str, timeout: float = 10.0) -> Any:
    [(ran, result)] = runner.run_clients(
        settings, names=[name], timeout=timeout, token=TOKEN, environ=os.environ
    )
    assert ran == name
    return result


# -- every client, routed by the files the tool wrote ----------------------------------------


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_each_client_answers_from_the_server(fake: FakeOllama, bin_dir: Path, name: str) -> None:
    settings = setup(fake.port, name)
    install(bin_dir, name)
    fake.clear_requests()
    result = run_one(settings, name)
    assert result.status is Status.OK, (result.summary, result.detail)
    assert result.summary.startswith(f"{PROGRAMS[name]} answered from the server in ")
    arrived = fake.requests_to(ROUTES[name])
    assert len(arrived) == 1, [r.path for r in fake.requests]
    body = arrived[0].json
    assert body["model"] == MODEL
    assert TOKEN in json.dumps(body)  # the prompt really went to this server


def test_claude_launcher_mode_gets_the_launcher_variables(fake: FakeOllama, bin_dir: Path) -> None:
    settings = setup(fake.port, "claude-code")
    install(bin_dir, "claude")
    inv = invocation.invocation(settings, "claude-code", "hi", os.environ)
    assert inv.env["ANTHROPIC_BASE_URL"] == fake.url
    assert inv.env["CLAUDE_CODE_MAX_RETRIES"] == "0"
    assert inv.args == ("-p", "hi", "--output-format", "json")
    assert inv.shown == "CLAUDE_CODE_MAX_RETRIES=0 claude-ollama -p hi --output-format json"
    fake.clear_requests()
    assert run_one(settings, "claude-code").status is Status.OK
    [request] = fake.requests_to("/v1/messages")
    assert request.query == {"beta": ["true"]}
    assert request.headers["authorization"] == "Bearer ollama"
    assert "x-api-key" not in request.headers


def test_claude_settings_mode_runs_plain_claude(fake: FakeOllama, bin_dir: Path) -> None:
    settings = setup(fake.port, "claude-code", extra=("--claude-code-mode", "settings"))
    install(bin_dir, "claude")
    inv = invocation.invocation(settings, "claude-code", "hi", os.environ)
    assert "ANTHROPIC_BASE_URL" not in inv.env  # settings.json gives it, not the run
    assert inv.shown.startswith("CLAUDE_CODE_MAX_RETRIES=0 claude -p hi")
    assert run_one(settings, "claude-code").status is Status.OK
    assert fake.requests_to("/v1/messages")


def test_codex_profile_only_in_profile_mode(fake: FakeOllama, bin_dir: Path) -> None:
    profile = setup(fake.port, "codex")
    args = invocation.invocation(profile, "codex", "hi", os.environ).args
    assert args == ("exec", "--skip-git-repo-check", "--profile", "ollama-server", "hi")
    default = setup(fake.port, "codex", extra=("--codex-mode", "default"))
    args = invocation.invocation(default, "codex", "hi", os.environ).args
    assert args == ("exec", "--skip-git-repo-check", "hi")
    install(bin_dir, "codex")
    fake.clear_requests()
    assert run_one(default, "codex").status is Status.OK
    assert len(fake.requests_to("/v1/responses")) == 1


def test_stale_exports_in_this_process_do_not_leak(
    fake: FakeOllama, bin_dir: Path, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = setup(fake.port, "aider", "opencode")
    install(bin_dir, "aider", "opencode")
    stale = f"http://127.0.0.1:{closed_port}"
    monkeypatch.setenv("OLLAMA_API_BASE", stale)
    monkeypatch.setenv("AIDER_MODEL", "ollama_chat/other:1b")
    monkeypatch.setenv("OPENAI_BASE_URL", stale + "/v1")
    monkeypatch.setenv("OPENCODE_CONFIG", "/nonexistent/opencode.json")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-real-key")
    env = invocation.environment(settings, os.environ)
    assert env["OLLAMA_API_BASE"] == fake.url and env["AIDER_MODEL"] == f"ollama_chat/{MODEL}"
    assert "ANTHROPIC_API_KEY" not in env
    assert env["HOME"] == os.environ["HOME"]  # locations stay
    runs = runner.run_clients(settings, token=TOKEN)
    assert [(n, r.status) for n, r in runs] == [("aider", Status.OK), ("opencode", Status.OK)]


# -- failure modes -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["aider", "claude-code", "continue", "opencode"])
def test_server_down_is_a_connection_failure(closed_port: int, bin_dir: Path, name: str) -> None:
    settings = setup(closed_port, name)
    install(bin_dir, name)
    result = run_one(settings, name)
    assert result.status is Status.FAIL, (result.summary, result.detail)
    assert result.data["category"] == "connection"
    assert result.summary == f"{PROGRAMS[name]} could not reach the server"
    assert result.fix.command == "ollama-client-setup doctor"
    if name == "aider":
        assert result.data["exit_code"] == 0  # Aider exits 0 on failure: the output tells
        assert "Ollama_chatException" in result.detail
        assert "raw.githubusercontent.com" not in result.detail  # the harmless price list
    else:
        assert result.data["exit_code"] == 1


def test_codex_reconnecting_loop_ends_at_the_timeout(closed_port: int, bin_dir: Path) -> None:
    settings = setup(closed_port, "codex")
    install(bin_dir, "codex")
    result = run_one(settings, "codex", timeout=2.0)
    assert result.status is Status.FAIL
    assert result.data["category"] == "connection"
    assert result.data["exit_code"] is None
    assert result.summary == (
        "codex could not reach the server: it kept reconnecting until it was stopped after 2 s"
    )
    assert 2.0 <= result.data["total_s"] < 6.0
    assert "Reconnecting..." in result.detail and "similar lines]" in result.detail
    assert len(result.detail) <= transcript.DETAIL_CHARS + 200


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_unknown_model(fake: FakeOllama, bin_dir: Path, name: str) -> None:
    settings = setup(fake.port, name)
    install(bin_dir, name)
    fake.models = [m for m in fake.models if m.name != MODEL]  # the server lost it
    result = run_one(settings, name)
    assert result.status is Status.FAIL, (result.summary, result.detail)
    assert result.data["category"] == "unknown_model"
    assert result.summary == f"{PROGRAMS[name]}: the server does not have the model {MODEL}"
    assert result.fix.command == "ollama-client-setup model use MODEL"
    assert "not found" in result.detail


@pytest.mark.parametrize("name", ["aider", "claude-code", "codex"])
def test_answer_without_the_word_is_a_warning(bin_dir: Path, name: str) -> None:
    with FakeOllama() as server:  # not obedient: it says "Hello! This is ... answering."
        settings = setup(server.port, name)
        install(bin_dir, name)
        result = run_one(settings, name)
    assert result.status is Status.WARN, (result.summary, result.detail)
    assert "without the word it was asked for: the model, not the setup" in result.summary
    assert "Hello! This is" in result.detail
    assert result.fix.command == "ollama-client-setup model use MODEL"


def test_server_error_is_an_http_error(fake: FakeOllama, bin_dir: Path) -> None:
    settings = setup(fake.port, "continue")
    install(bin_dir, "cn")
    fake.set_fault("status", status=500, path="/v1/chat/completions")
    result = run_one(settings, "continue")
    assert result.status is Status.FAIL
    assert result.data["category"] == "http_error"
    assert result.summary == "cn got an error from the server (HTTP 500)"
    assert "llama runner process has terminated" in result.detail


def test_not_installed_is_skipped_with_the_install_command(fake: FakeOllama, bin_dir: Path) -> None:
    settings = setup(fake.port, "aider", "continue")
    fake.clear_requests()  # init's own request, which learnt the window
    runs = dict(runner.run_clients(settings, token=TOKEN))
    assert runs["continue"].status is Status.SKIP
    assert runs["continue"].summary == (
        "skipped: cn is not installed (npm install -g @continuedev/cli)"
    )
    assert runs["aider"].summary == "skipped: aider is not installed (pipx install aider-chat)"
    assert fake.requests_to("/api/chat") == []


# -- judging output the stubs do not produce -----------------------------------------------------


def judged(output: str, exit_code: int | None = 0, *, client: str = "aider") -> Any:
    settings = settings_mod.Settings(host="ollama-server", model=MODEL, clients=(client,))
    prompt = invocation.PROMPT.format(token=TOKEN)
    inv = invocation.invocation(settings, client, prompt, {})
    done = process.Finished(exit_code, output, exit_code is None, 1.0)
    return judge.judge(inv, done, token=TOKEN, prompt=prompt, timeout=5, settings=settings)


def test_an_echo_of_the_prompt_is_not_an_answer() -> None:
    prompt = invocation.PROMPT.format(token=TOKEN)
    assert judged(f"user\n{prompt}\ncodex\nSure!", client="codex").status is Status.WARN
    assert judged(f"user\n{prompt}\ncodex\n{TOKEN.lower()}", client="codex").status is Status.OK
    assert judged("PINEAPPLE-71").status is Status.WARN  # another word


def test_only_the_price_list_dns_error_is_not_a_failure() -> None:
    price = (
        "HTTPSConnectionPool(host='raw.githubusercontent.com', port=443): Max retries exceeded "
        "(Caused by NameResolutionError(\"Failed to resolve 'raw.githubusercontent.com'\"))"
    )
    assert judged(f"{price}\n{TOKEN}").status is Status.OK
    assert judged(f"{price}\nSure.").status is Status.WARN
    ours = "Ollama_chatException - HTTPConnectionPool(host='ollama-server')"
    result = judged(f"{price}\n{ours}: Failed to resolve 'ollama-server'")
    assert result.data["category"] == "connection"


@pytest.mark.parametrize(
    ("output", "exit_code", "category"),
    [
        ("litellm.APIConnectionError: Ollama_chatException - 404 page not found", 0, "http_error"),
        ('API Error: 404 {"error":{"message":"model \\"x\\" not found"}}', 1, "unknown_model"),
        ("Error: 500 Internal Server Error", 1, "http_error"),
        ("connect ECONNREFUSED 100.90.1.2:11434", 1, "connection"),
        ("API Error: Request timed out.", 1, "timeout"),
        ("Segmentation fault", 139, "client_error"),
        ("still thinking", None, "timeout"),
    ],
)
def test_categories(output: str, exit_code: int | None, category: str) -> None:
    result = judged(output, exit_code)
    assert result.status is Status.FAIL
    assert result.data["category"] == category
    assert result.fix is not None and result.fix.text


def test_a_wrong_path_says_the_base_url_is_wrong() -> None:
    result = judged("litellm.APIConnectionError: Ollama_chatException - 404 page not found")
    assert result.summary == "aider calls a path the server does not have (404 page not found)"
    assert result.fix.command == "ollama-client-setup init --yes"


def test_claude_json_error_is_read_from_the_document() -> None:
    document = {"type": "result", "is_error": True, "result": "API Error: Connection error."}
    result = judged(json.dumps(document), 1, client="claude-code")
    assert result.data["category"] == "connection"
    good = {"type": "result", "is_error": False, "result": TOKEN}
    assert judged(json.dumps(good), 0, client="claude-code").status is Status.OK


def test_the_detail_keeps_the_last_lines_and_the_line_that_matters() -> None:
    lines = ["Ollama_chatException - [Errno 111] Connection refused"] + [
        f"line {i} of a long story" + "." * 100 for i in range(40)
    ]
    text = transcript.excerpt("\n".join(lines), "ollama-server", keep=lines[0])
    assert text.startswith(lines[0]) or "Connection refused" in text
    assert len(text) <= transcript.DETAIL_CHARS


def test_output_is_capped_and_the_process_group_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process, "DRAIN_GRACE", 0.3)
    # A program that floods its output and leaves a child behind holding the pipe.
    script = tmp_path / "flood.sh"
    script.write_text("#!/bin/sh\n(sleep 30) &\nyes flood | head -c 2000000\necho END\n")
    script.chmod(0o755)
    done = process.execute([str(script)], env=os.environ, cwd=str(tmp_path), timeout=10)
    assert done.exit_code == 0 and not done.timed_out
    assert done.output.rstrip().endswith("END")
    assert "bytes left out" in done.output
    assert len(done.output) < process.OUTPUT_HEAD + process.OUTPUT_TAIL + 100
    assert done.elapsed < 5  # the leftover child was killed, not waited for


def test_version_parsing() -> None:
    assert process.parse_version("aider 0.86.1") == "0.86.1"
    assert process.parse_version("2.1.3 (Claude Code)") == "2.1.3"
    assert process.parse_version("codex-cli 0.169.0") == "0.169.0"
    assert process.parse_version("v1.18.0-beta.2\n") == "1.18.0-beta.2"
    assert process.parse_version("no version here") is None
    warned = "(node:12) Warning: punycode is deprecated in v21.0.0\n0.5.1\n"
    assert process.parse_version(warned) == "0.5.1"


def test_a_real_api_key_comes_from_the_key_file_as_in_the_env_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ollama_client_setup.config import secrets

    monkeypatch.setenv("OPENAI_API_KEY", "sk-stale")
    plain = settings_mod.Settings(host="ollama-server", model=MODEL, clients=("aider",))
    assert invocation.environment(plain, os.environ)["OPENAI_API_KEY"] == "ollama"
    keyed = dataclasses.replace(plain, api_key_store="file")
    secrets.key_file().parent.mkdir(parents=True, exist_ok=True)
    secrets.key_file().write_text("sk-proxy-key\n")
    assert invocation.environment(keyed, os.environ)["OPENAI_API_KEY"] == "sk-proxy-key"
    secrets.key_file().unlink()
    assert "OPENAI_API_KEY" not in invocation.environment(keyed, os.environ)


# -- smoke --clients and doctor --deep ----------------------------------------------------------


def test_smoke_clients_mixed(fake: FakeOllama, bin_dir: Path) -> None:
    setup(fake.port, "aider", "codex", "continue")
    install(bin_dir, "aider", "codex")
    fake.set_fault("reset", path="/v1/responses")  # codex's route is down
    data = run_json("smoke", "--clients", "--client-timeout", "1.5", code=ExitCode.CHECKS_FAILED)
    steps = {s["id"]: s for s in data["result"]["steps"]}
    assert steps["run.aider"]["status"] == "ok"
    assert steps["run.codex"]["status"] == "fail"
    assert steps["run.codex"]["category"] == "connection"
    assert steps["run.continue"]["status"] == "skip"
    assert "npm install -g @continuedev/cli" in steps["run.continue"]["summary"]
    assert data["result"]["summary"]["text"].startswith(
        "8 ok, 1 failed, 2 skipped: failed at run.codex: codex could not reach the server"
    )
    human = run("smoke", "--clients", "--client-timeout", "1.5", code=ExitCode.CHECKS_FAILED)
    assert "\nok    run.aider    aider answered from the server in " in human.stdout
    assert "\nFAIL  run.codex    codex could not reach the server: it kept" in human.stdout
    assert "\nskip  run.continue skipped: cn is not installed (npm install" in human.stdout
    assert "\n        $ ollama-client-setup doctor\n" in human.stdout


def test_codex_runs_last_so_its_loop_cannot_starve_the_others(
    closed_port: int, bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = setup(closed_port, "codex", "aider")
    install(bin_dir, "codex", "aider")
    order: list[str] = []
    monkeypatch.setattr(runner, "MIN_RUN", 0.5)
    runs = runner.run_clients(
        settings, token=TOKEN, progress=order.append, deadline=time.monotonic() + 2.5
    )
    assert [n for n, _ in runs] == ["codex", "aider"]  # shown in the settings' order
    assert order[0].startswith("running aider once") and order[1].startswith("running codex")
    assert {n: r.data["category"] for n, r in runs} == {
        "aider": "connection",
        "codex": "connection",
    }


def test_smoke_clients_skip_when_the_server_is_down(closed_port: int, bin_dir: Path) -> None:
    setup(closed_port, "codex")
    install(bin_dir, "codex")
    data = run_json("smoke", "--clients", code=ExitCode.CHECKS_FAILED)
    step = data["result"]["steps"][-1]
    assert step["id"] == "run.codex"
    assert step["summary"] == "skipped: the models step failed"


def test_smoke_without_clients_flag_runs_none(fake: FakeOllama, bin_dir: Path) -> None:
    setup(fake.port, "aider")
    install(bin_dir, "aider")
    data = run_json("smoke")
    assert not [s for s in data["result"]["steps"] if s["id"].startswith("run")]
    assert smoke_cli.DEFAULT_CLIENT_TIMEOUT == runner.DEFAULT_TIMEOUT


def test_doctor_deep_runs_the_clients(
    fake: FakeOllama, bin_dir: Path, no_tailscale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(fake.port, "aider", "opencode", "continue")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{no_tailscale}")
    install(bin_dir, "aider", "opencode")
    data = run_json("doctor", "--deep", "--timeout", "20", "--only", "clients.run", code=None)
    [check] = data["result"]["checks"]
    assert check["id"] == "clients.run"
    assert check["status"] == "ok", check
    assert check["summary"] == "aider answered, opencode answered, cn is not installed"


def test_doctor_clients_check_names_the_program_and_its_version(
    fake: FakeOllama, bin_dir: Path
) -> None:
    setup(fake.port, "aider", "codex")
    install(bin_dir, "aider")
    data = run_json("doctor", "--only", "clients.aider", "--only", "clients.codex", code=None)
    checks = {c["id"]: c for c in data["result"]["checks"]}
    assert checks["clients.aider"]["summary"].endswith("(aider 0.86.1 on PATH)")
    assert checks["clients.aider"]["detail"].startswith(f"aider 0.86.1 is at {bin_dir}/aider")
    assert checks["clients.codex"]["summary"].endswith("(codex not installed)")
    assert "npm install -g @openai/codex" in checks["clients.codex"]["detail"]


# -- the real programs, when installed ------------------------------------------------------------


@pytest.mark.realclient
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_real_client_answers_from_the_fake_server(
    fake: FakeOllama, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    realclients.use(PROGRAMS[name], monkeypatch)
    settings = setup(fake.port, name)
    fake.clear_requests()
    result = run_one(settings, name, timeout=60)
    assert result.status in (Status.OK, Status.WARN), (result.summary, result.detail)
    assert fake.requests_to(ROUTES[name]), [r.path for r in fake.requests]
