"""doctor against the fake Ollama server (real HTTP on 127.0.0.1) and the fake tailscale CLI.

The tailnet peer is called `localhost` so the whole chain is real: Tailscale says the peer is
online, the name resolves, TCP connects, and the fake server answers.
"""

from __future__ import annotations

from typing import Any

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from ollama_client_setup.config import endpoints
from ollama_client_setup.config import settings as settings_mod
from ollama_client_setup.config.settings import Settings
from tests.fakes.ollama import FakeOllama
from tests.helpers import init_at, run, run_json

MODEL = "qwen2.5-coder:7b"


def setup(port: int, host: str = "localhost", model: str = MODEL, *extra: str) -> None:
    init_at(port, *extra, host=host, model=model)


def load_env(monkeypatch: pytest.MonkeyPatch, host: str, port: int, model: str = MODEL) -> None:
    """What a new terminal would have after init."""
    for name, value in endpoints.shell_variables(
        Settings(host=host, port=port, model=model)
    ).items():
        monkeypatch.setenv(name, value)


def doctor(*args: str, code: int = ExitCode.CHECKS_FAILED) -> dict[str, dict[str, Any]]:
    data = run_json("doctor", "--timeout", "2", *args, code=code)
    assert data["command"] == "doctor"
    return {c["id"]: c for c in data["result"]["checks"]}


def assert_only_failure(checks: dict[str, dict[str, Any]], failing: str) -> dict[str, Any]:
    """`failing` fails with a fix; every other check is ok, warn, or skipped with a reason."""
    bad = [i for i, c in checks.items() if c["status"] == "fail"]
    assert bad == [failing], {i: checks[i]["summary"] for i in bad}
    assert checks[failing]["fix"]["text"]
    for check in checks.values():
        if check["status"] == "skip":
            assert check["summary"].startswith("skipped: "), check
    return checks[failing]


def test_healthy_setup_is_all_ok(fake_ollama: FakeOllama, fake_tailscale, monkeypatch) -> None:
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port, "localhost", MODEL, "--client", "aider")
    load_env(monkeypatch, "localhost", fake_ollama.port)
    checks = doctor(code=ExitCode.OK)
    assert "clients.aider" in checks and "model.fit" in checks
    assert {c["status"] for c in checks.values()} == {"ok"}, {
        i: c["summary"] for i, c in checks.items() if c["status"] != "ok"
    }
    assert checks["server.version"]["summary"].startswith("Ollama 0.15.2 answers")
    human = run("doctor", "--timeout", "2").stdout
    assert "ok    model.available" in human and "0 failed" in human


def test_without_tailscale_the_tailscale_checks_are_skipped(
    fake_ollama: FakeOllama, no_tailscale, monkeypatch
) -> None:
    setup(fake_ollama.port, host="127.0.0.1")
    load_env(monkeypatch, "127.0.0.1", fake_ollama.port)
    checks = doctor(code=ExitCode.OK)
    for check_id in ("tailscale.installed", "tailscale.running", "tailscale.peer"):
        assert checks[check_id]["status"] == "skip", checks[check_id]
    assert "answers without it" in checks["tailscale.installed"]["summary"]


def test_refused(closed_port: int, fake_tailscale) -> None:
    fake_tailscale("running", peer="localhost")
    setup(closed_port)
    check = assert_only_failure(doctor(), "tcp.connect")
    assert "connection refused" in check["summary"]
    assert "OLLAMA_HOST=0.0.0.0" in check["fix"]["text"]
    assert check["fix"]["command"] == "launchctl kickstart -k gui/$(id -u)/com.ollama"


@pytest.mark.parametrize(
    ("fault", "kwargs", "failing", "fragment"),
    [
        ("hang", {}, "server.version", ""),
        ("status", {"status": 404, "path": "/api/version"}, "server.version", "404"),
        ("status", {"status": 500, "path": "/api/tags"}, "server.models", "500"),
        ("reset", {"path": "/api/version"}, "server.version", ""),
        ("malformed", {"path": "/api/tags"}, "server.models", ""),
        ("other_service", {}, "server.version", "not Ollama"),
        ("redirect", {"path": "/"}, "server.version", "redirect"),
        ("not_http", {}, "server.version", ""),
    ],
)
def test_server_faults_name_the_failing_check(
    fake_ollama: FakeOllama,
    fake_tailscale,
    fault: str,
    kwargs: dict[str, Any],
    failing: str,
    fragment: str,
) -> None:
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port)
    fake_ollama.set_fault(fault, **kwargs)
    check = assert_only_failure(doctor(), failing)
    assert fragment.lower() in (check["summary"] + (check["detail"] or "")).lower()


def test_missing_model_suggests_the_closest(fake_ollama: FakeOllama, fake_tailscale) -> None:
    fake_tailscale("running", peer="localhost")
    # Written while the server was away (init refuses a name the server lacks).
    setup(fake_ollama.port, "localhost", "qwen2.5-coder:7", "--no-probe")
    check = assert_only_failure(doctor(), "model.available")
    assert "qwen2.5-coder:7 (default) is not on the server" in check["summary"]
    assert check["fix"]["command"] == "ollama-client-setup model use qwen2.5-coder:7b"


def test_model_name_without_tag_matches_latest(
    fake_ollama: FakeOllama, fake_tailscale, monkeypatch
) -> None:
    fake_ollama.models[0].name = "qwen2.5-coder:latest"
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port, "localhost", "qwen2.5-coder")
    # Kept as the server names it, so it matches /api/ps and /api/tags exactly.
    assert settings_mod.load().model == "qwen2.5-coder:latest"
    load_env(monkeypatch, "localhost", fake_ollama.port, "qwen2.5-coder:latest")
    assert doctor(code=ExitCode.OK)["model.available"]["status"] == "ok"


@pytest.mark.parametrize(
    ("state", "failing", "fragment", "command"),
    [
        ("needs-login", "tailscale.running", "logged out", "tailscale up"),
        ("stopped", "tailscale.running", "stopped", "tailscale up"),
        ("daemon-down", "tailscale.running", "not running", None),
        ("peer-offline", "tailscale.peer", "offline", None),
        ("peer-absent", "tailscale.peer", "not a machine in this tailnet", "tailscale status"),
        ("key-expired", "tailscale.peer", "expired", None),
    ],
)
def test_tailscale_states(
    closed_port: int, fake_tailscale, state: str, failing: str, fragment: str, command: str | None
) -> None:
    fake_tailscale(state)
    setup(closed_port, host="ollama-server")  # a tailnet name this machine cannot resolve
    checks = doctor()
    check = checks[failing]
    assert check["status"] == "fail", check
    assert fragment in check["summary"], check["summary"]
    if command:
        assert check["fix"]["command"] == command
    assert checks["dns.resolve"]["status"] == "fail"  # the server is unreachable too
    assert checks["tcp.connect"]["summary"] == "skipped: dns.resolve failed"


def test_tailscale_not_installed_and_server_unreachable(closed_port: int, no_tailscale) -> None:
    setup(closed_port, host="ollama-server.invalid")
    checks = doctor()
    assert checks["tailscale.installed"]["status"] == "fail"
    assert checks["tailscale.running"]["summary"] == "skipped: tailscale.installed failed"
    assert checks["tailscale.peer"]["summary"] == "skipped: tailscale.installed failed"


def test_magicdns_off_offers_the_tailscale_ip(closed_port: int, fake_tailscale) -> None:
    fake_tailscale("magicdns-off", peer="ollama-server", ip="100.90.1.2")
    setup(closed_port, host="ollama-server")
    checks = doctor()
    check = checks["dns.resolve"]
    assert check["status"] == "fail"
    assert "MagicDNS is off" in check["fix"]["text"]
    assert check["fix"]["command"] == "ollama-client-setup init --yes --host 100.90.1.2"


def test_budget_is_kept_when_the_server_hangs(fake_ollama: FakeOllama, fake_tailscale) -> None:
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port)
    fake_ollama.set_fault("hang")
    data = run_json("doctor", "--timeout", "1", code=ExitCode.CHECKS_FAILED)["result"]
    checks = {c["id"]: c for c in data["checks"]}
    assert checks["server.version"]["status"] == "fail"
    assert data["budget_s"] == 1.0
    assert checks["model.available"]["status"] == "skip"


def test_env_shell_and_profiles(
    fake_ollama: FakeOllama, fake_tailscale, monkeypatch, sandbox_home
) -> None:
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port)
    checks = doctor(code=ExitCode.OK)
    assert checks["env.shell"]["status"] == "warn"
    assert checks["env.shell"]["fix"]["command"] == ('. "$HOME/.config/ollama-client-setup/env.sh"')
    monkeypatch.setenv("OPENAI_API_BASE", "http://elsewhere:1/v1")
    checks = doctor()
    assert checks["env.shell"]["status"] == "fail"
    assert "OPENAI_API_BASE is 'http://elsewhere:1/v1' here" in checks["env.shell"]["summary"]
    env_file = sandbox_home / ".config" / "ollama-client-setup" / "env.sh"
    env_file.write_text("# emptied by hand\n")
    checks = doctor()
    assert checks["profiles"]["status"] == "fail"
    assert checks["profiles"]["fix"]["command"] == "ollama-client-setup init --yes"


def test_conflicts_found_in_startup_files_and_env_files(
    fake_ollama: FakeOllama, fake_tailscale, sandbox_home, monkeypatch
) -> None:
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port)
    with (sandbox_home / ".bashrc").open("a") as handle:
        handle.write("export OLLAMA_API_BASE=http://old-box:11434/v1\n")
    (sandbox_home / ".env").write_text("OPENAI_API_BASE=http://other:1/v1\n")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-abcdefghijklmnop")
    checks = doctor()
    conflict = checks["conflicts"]
    assert conflict["status"] == "fail"
    assert (
        "~/.bashrc:" in conflict["summary"]
        and "after the ollama-client-setup block" in (conflict["summary"])
    )
    assert "~/.env:1 sets OPENAI_API_BASE" in conflict["detail"]
    assert "abcdefghijklmnop" not in str(checks)  # the key is redacted everywhere


def test_client_side_ollama_host_of_0000_is_flagged(
    fake_ollama: FakeOllama, fake_tailscale, monkeypatch
) -> None:
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port)
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0")
    assert "OLLAMA_HOST=0.0.0.0" in doctor()["conflicts"]["summary"]


def test_deep_checks(fake_ollama: FakeOllama, fake_tailscale, monkeypatch) -> None:
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port)
    load_env(monkeypatch, "localhost", fake_ollama.port)
    checks = doctor("--deep", code=ExitCode.OK)
    assert checks["chat"]["status"] == "ok"
    assert checks["stream"]["summary"].startswith("first token after")
    assert checks["anthropic"]["status"] == "ok"


def test_deep_stream_error_and_old_server(fake_tailscale, monkeypatch) -> None:
    fake_tailscale("running", peer="localhost")
    with FakeOllama(anthropic=False, version="0.13.0") as fake:
        setup(fake.port, "localhost", MODEL, "--client", "claude-code")
        fake.set_fault("stream_error", path="/v1/chat/completions")
        checks = doctor("--deep")
    assert checks["stream"]["status"] == "fail"
    assert checks["anthropic"]["status"] == "fail"
    assert "0.14.0" in checks["anthropic"]["fix"]["text"]


def test_only_skip_and_list(fake_ollama: FakeOllama, fake_tailscale) -> None:
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port)
    only = doctor("--only", "server.models", code=ExitCode.OK)
    assert list(only) == ["server.models"]
    skipped = doctor("--skip", "env.shell", code=ExitCode.OK)
    assert "env.shell" not in skipped
    listing = run("doctor", "--list-checks").stdout
    assert "tailscale.installed" in listing and "anthropic" in listing
    result = run("doctor", "--only", "nope", code=ExitCode.USAGE)
    assert "no check is called 'nope'" in result.stderr


def test_json_is_the_only_thing_on_stdout(fake_ollama: FakeOllama, fake_tailscale) -> None:
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port)
    result = run("doctor", "--json", "--timeout", "2", code=None)
    import json

    data = json.loads(result.stdout)
    assert data["result"]["doctor_schema"] == 1
    assert set(data["result"]["summary"]) >= {"ok", "warn", "fail", "skip", "failed"}
    first = data["result"]["checks"][0]
    assert set(first) == {"id", "title", "status", "summary", "detail", "fix", "duration_ms"}


def test_claude_settings_env_beats_the_launcher(closed_port: int, sandbox_home) -> None:
    setup(closed_port, "127.0.0.1", MODEL, "--client", "claude-code")
    claude = sandbox_home / ".claude"
    claude.mkdir()
    (claude / "settings.json").write_text('{"env": {"ANTHROPIC_BASE_URL": "http://old:1"}}\n')
    check = doctor("--only", "clients.claude-code")["clients.claude-code"]
    assert check["status"] == "fail"
    assert "beats the claude-ollama launcher" in check["summary"]
    assert check["fix"]["command"] == "ollama-client-setup init --yes --claude-code-mode settings"


def test_codex_legacy_profiles_table_is_flagged(closed_port: int, sandbox_home) -> None:
    setup(closed_port, "127.0.0.1", MODEL, "--client", "codex")
    config = sandbox_home / ".codex" / "config.toml"
    config.write_text('model = "gpt-5"\n\n[profiles.work]\nmodel = "o3"\n')
    check = doctor("--only", "clients.codex")["clients.codex"]
    assert check["status"] == "fail"
    assert "config.toml:3 has a legacy profile setting" in check["summary"]


def test_codexs_own_example_with_an_empty_profiles_table_is_not_flagged(
    closed_port: int, sandbox_home
) -> None:
    setup(closed_port, "127.0.0.1", MODEL, "--client", "codex")
    config = sandbox_home / ".codex" / "config.toml"
    config.write_text('model = "gpt-5"\n\n[profiles]\n\n[model_providers]\n')
    check = doctor("--only", "clients.codex", code=ExitCode.OK)["clients.codex"]
    assert check["status"] == "ok", check


def test_only_a_check_that_could_not_run_because_another_failed_is_no_pass(
    closed_port: int, no_tailscale: str
) -> None:
    setup(closed_port, "127.0.0.1")
    data = run_json("doctor", "--timeout", "2", "--only", "model.fit", code=ExitCode.CHECKS_FAILED)
    [check] = data["result"]["checks"]
    assert check["status"] == "skip"
    assert check["summary"] == "skipped: tcp.connect failed"
    assert data["ok"] is False and data["result"]["summary"]["failed"] is True


def test_only_a_check_skipped_for_another_reason_still_passes(fake_ollama: FakeOllama) -> None:
    setup(fake_ollama.port, "127.0.0.1")
    data = run_json("doctor", "--timeout", "2", "--only", "model.fit", code=ExitCode.OK)
    [check] = data["result"]["checks"]
    # No client is managed, so there is nothing to fit: nothing failed.
    assert check["summary"] == "skipped: no managed client has a model"
    assert data["ok"] is True


def test_quiet_hides_what_passed_but_never_a_failure(closed_port: int, no_tailscale: str) -> None:
    setup(closed_port, "127.0.0.1")
    out = run("-q", "doctor", "--timeout", "2", code=ExitCode.CHECKS_FAILED).stdout
    assert "FAIL  tcp.connect" in out and "fix: " in out
    assert "ok    dns.resolve" not in out  # it passed
    assert " failed, " in out.splitlines()[-1]  # the summary stays
    assert run("-q", "-q", "doctor", "--timeout", "2", code=ExitCode.CHECKS_FAILED).stdout == ""


def test_deep_runners_measures_the_cache_alone(fake_ollama: FakeOllama, fake_tailscale) -> None:
    # Its four prompts in a row, after every other request-sending check: once they raced
    # chat and stream, whose requests evicted the prompt (a false "cache broken" each run).
    fake_tailscale("running", peer="localhost")
    setup(fake_ollama.port, "localhost", MODEL, "--client", "continue")
    fake_ollama.clear_requests()
    checks = doctor("--deep", "--skip", "clients.run", code=None)
    assert "reused 100%" in checks["runners"]["summary"], checks["runners"]
    chats = [r for r in fake_ollama.requests if r.path in ("/api/chat", "/v1/chat/completions")]
    marked = [i for i, r in enumerate(chats) if "Reply with: ok" in str(r.json)]
    assert len(marked) == 4 and marked == list(range(marked[0], marked[0] + 4))


def test_a_model_that_cannot_answer_is_one_finding(fake_tailscale) -> None:
    fake_tailscale("running", peer="localhost")
    with FakeOllama() as fake:
        setup(fake.port)
        fake.set_fault("status", status=503, paths={"/api/chat", "/v1"})
        checks = doctor("--deep")
    assert checks["chat"]["status"] == "fail"
    for later in ("stream", "anthropic", "reload", "runners", "context"):
        assert checks[later]["summary"] == "skipped: chat failed", checks[later]
