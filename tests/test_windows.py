"""One window per model: init learns the server's window and every client gets that number.

Against the fake server over loopback, which models Ollama's scheduler (a different num_ctx
restarts the runner) with a default window of 4096.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ollama_client_setup.checks import windows
from ollama_client_setup.checks.clientrun import invocation
from ollama_client_setup.clients.codex import profile as codex_files
from ollama_client_setup.config import settings as settings_mod
from tests.fakes.ollama import FakeOllama
from tests.fakes.ollama_models import FakeModel
from tests.helpers import init_at, run, run_json, snapshot

ALL = ("aider", "continue", "claude-code", "codex", "opencode")
MODEL = "qwen2.5-coder:7b"


def load_settings() -> settings_mod.Settings:
    return settings_mod.load()


def told(home: Path, model: str) -> dict[str, object]:
    """The window each client's files give `model`: the num_ctx it sends, or the number it
    is told (read back from what the tool wrote, as the clients would read it)."""
    yaml = YAML(typ="safe")
    out: dict[str, object] = {}
    aider = home / ".aider.model.settings.yml"
    if aider.exists():
        entries = yaml.load(aider.read_text()) or []
        pins = [e for e in entries if e.get("name") == f"ollama_chat/{model}"]
        out["aider"] = pins[-1]["extra_params"]["num_ctx"] if pins else None
    cont = home / ".continue" / "config.yaml"
    if cont.exists():
        entries = [m for m in yaml.load(cont.read_text())["models"] if m["model"] == model]
        out["continue"] = entries[0].get("defaultCompletionOptions", {}).get("contextLength")
    settings = load_settings()
    if "claude-code" in settings.clients:
        # What the claude-ollama launcher passes (the same data renders the launcher).
        env = invocation.invocation(settings, "claude-code", "hi", os.environ).env
        window = env.get("CLAUDE_CODE_AUTO_COMPACT_WINDOW")
        out["claude-code"] = int(window) if window else None
    catalog = home / ".codex" / "ollama-server.models.json"
    if catalog.exists():
        entries = json.loads(catalog.read_text())["models"]
        out["codex"] = next(e["context_window"] for e in entries if e["slug"] == model)
    opencode = home / ".config" / "ollama-client-setup" / "opencode.json"
    if opencode.exists():
        models = json.loads(opencode.read_text())["provider"]["ollama-server"]["models"]
        out["opencode"] = models[model].get("limit", {}).get("context")
    return out


def test_init_learns_the_window_and_every_client_gets_it(sandbox_home: Path) -> None:
    # The model is loaded at 32k (someone asked for it); the server's own window is 16k.
    with FakeOllama(default_context=16384) as fake:
        result = init_at(fake.port, clients=ALL)
        assert f"The server runs {MODEL} with a 16k window" in result.stdout
        # Learnt with a request that named no num_ctx, then /api/ps.
        [probe] = [r for r in fake.requests_to("/api/chat") if r.json["model"] == MODEL]
        assert "num_ctx" not in probe.json.get("options", {})
    assert load_settings().windows == {MODEL: 16384}
    assert told(sandbox_home, MODEL) == dict.fromkeys(ALL, 16384)
    text = (sandbox_home / ".config" / "ollama-client-setup" / "settings.toml").read_text()
    assert 'windows = {"qwen2.5-coder:7b" = 16384}' in text


def test_a_window_above_the_models_maximum_is_the_models_maximum(sandbox_home: Path) -> None:
    # /api/ps reports the num_ctx asked for; the runner holds at most the model's maximum.
    with FakeOllama(default_context=65536) as fake:
        init_at(fake.port, clients=("codex",))
    assert load_settings().windows == {MODEL: 32768}


def test_no_client_sends_a_num_ctx_that_differs_from_the_others() -> None:
    with FakeOllama() as fake:
        init_at(fake.port, clients=ALL)
    settings = load_settings()
    [share] = windows.sharing(settings)
    assert share.shared, share.describe()
    assert set(share.runs_at.values()) == {4096}
    # And what the files say agrees with the settings.
    sent = windows.sent(settings)[MODEL]
    assert {who: v for who, v in sent.items() if v is not None} == {
        "aider": 4096,
        "continue": 4096,
    }


def test_init_twice_measures_again_and_changes_nothing(sandbox_home: Path) -> None:
    with FakeOllama() as fake:
        init_at(fake.port, clients=ALL)
        before = snapshot(sandbox_home)
        second = init_at(fake.port, clients=ALL)
    assert "Nothing to change" in second.stdout
    assert snapshot(sandbox_home) == before


def test_model_use_learns_the_new_models_window(sandbox_home: Path) -> None:
    with FakeOllama(default_context=16384) as fake:
        init_at(fake.port, clients=ALL)
        result = run("model", "use", "llama3.2:3b")
        assert "The server runs llama3.2:3b with a 16k window" in result.stdout
    assert load_settings().windows == {"llama3.2:3b": 16384}  # the old model is dropped
    assert told(sandbox_home, "llama3.2:3b") == dict.fromkeys(ALL, 16384)


def test_model_use_without_warming_leaves_the_new_model_unpinned(sandbox_home: Path) -> None:
    with FakeOllama() as fake:
        init_at(fake.port, clients=ALL)
        run("model", "use", "llama3.2:3b", "--no-warm")
    assert load_settings().windows == {}
    assert not (sandbox_home / ".aider.model.settings.yml").exists()  # its pin is gone
    assert told(sandbox_home, "llama3.2:3b") == dict.fromkeys(
        ("continue", "claude-code", "opencode"), None
    )
    assert not (sandbox_home / ".codex" / "ollama-server.models.json").exists()
    assert (
        "model_catalog_json"
        not in (sandbox_home / ".codex" / "ollama-server.config.toml").read_text()
    )
    [share] = windows.sharing(load_settings())
    assert share.varies == ["aider"]


def test_a_context_unlike_the_servers_says_every_switch_reloads() -> None:
    with FakeOllama() as fake:
        result = init_at(fake.port, "--context", "16384", clients=("aider", "claude-code"))
    assert "run it with different windows" in result.stderr
    assert "aider sends num_ctx 16384" in result.stderr
    assert "claude-code runs at the server's 4096" in result.stderr
    assert "OLLAMA_CONTEXT_LENGTH=16384" in result.stderr


def test_a_context_equal_to_the_servers_says_nothing() -> None:
    with FakeOllama() as fake:
        result = init_at(fake.port, "--context", "4096", clients=("aider", "claude-code"))
    assert "different windows" not in result.stderr


def test_the_codex_catalog_is_named_by_the_profile_and_uninstalled(sandbox_home: Path) -> None:
    before = snapshot(sandbox_home)
    with FakeOllama() as fake:
        init_at(fake.port, clients=("codex",))
    catalog = sandbox_home / ".codex" / codex_files.catalog_path(Path()).name
    profile = (sandbox_home / ".codex" / "ollama-server.config.toml").read_text()
    assert f'model_catalog_json = "{catalog}"' in profile
    [entry] = json.loads(catalog.read_text())["models"]
    assert (entry["slug"], entry["context_window"]) == (MODEL, 4096)
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_codex_default_mode_gets_the_catalog_and_gives_the_file_back(sandbox_home: Path) -> None:
    config = sandbox_home / ".codex" / "config.toml"
    config.parent.mkdir()
    original = '# mine\nmodel = "gpt-5"\n\n[model_providers.other]\nname = "x"\n'
    config.write_text(original)
    with FakeOllama() as fake:
        init_at(fake.port, "--codex-mode", "default", clients=("codex",))
    text = config.read_text()
    catalog = sandbox_home / ".codex" / "ollama-server.models.json"
    assert f'model_catalog_json = "{catalog}"' in text.split("[model_providers.other]")[0]
    assert catalog.exists()
    run("uninstall", "--yes")
    assert config.read_text() == original


def test_a_name_without_its_tag_is_stored_as_the_server_names_it(sandbox_home: Path) -> None:
    models = [FakeModel("testmodel:latest", context_length=131072)]
    with FakeOllama(models) as fake:
        init_at(fake.port, model="testmodel", clients=("claude-code",))
        assert load_settings().model == "testmodel:latest"
        data = run_json("doctor", "--only", "model.fit", code=None)
    [check] = data["result"]["checks"]
    assert check["status"] == "warn"
    assert "its window is 4k tokens (what the server allocated for it now)" in check["summary"]


def test_doctor_sees_a_loaded_window_for_a_name_stored_without_its_tag(
    sandbox_home: Path,
) -> None:
    models = [
        FakeModel("testmodel:latest", context_length=131072, loaded=True, loaded_context=4096)
    ]
    with FakeOllama(models) as fake:
        init_at(fake.port, "--no-probe", model="testmodel", clients=("claude-code",))
        assert load_settings().model == "testmodel"  # not asked: kept as given
        data = run_json("doctor", "--only", "model.fit", code=None)
    [check] = data["result"]["checks"]
    assert "what the server allocated for it now" in check["summary"], check
    assert "not known until it is loaded" not in check["summary"]


@pytest.mark.parametrize(("window", "output"), [(16384, 4096), (32768, 8192), (262144, 32000)])
def test_opencode_gets_a_limit_it_accepts(window: int, output: int) -> None:
    from ollama_client_setup.clients import opencode

    entry = opencode.model_entry("m", window)
    assert entry["limit"] == {"context": window, "output": output}
    assert "limit" not in opencode.model_entry("m", None)


def test_opencode_is_not_told_a_window_too_small_for_its_own_prompt() -> None:
    # At 4k the real OpenCode 1.18 compacts in a loop (hundreds of requests a minute).
    from ollama_client_setup.clients import opencode

    assert "limit" not in opencode.model_entry("m", 4096)


def test_settings_refuse_a_bad_window(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    text = '[server]\nhost = "h"\nwindows = { "m" = 12 }\n'
    with pytest.raises(settings_mod.SettingsError) as caught:
        settings_mod.parse(text, path)
    assert ":3:1: [server] windows" in str(caught.value)
    assert "'m': the context 12 is outside" in str(caught.value)


def test_a_model_no_client_uses_any_more_loses_its_window(sandbox_home: Path) -> None:
    with FakeOllama() as fake:
        init_at(fake.port, clients=("codex",))
        assert load_settings().windows == {MODEL: 4096}
        init_at(fake.port, "--no-probe", model="llama3.2:3b", clients=("codex",))
    assert load_settings().windows == {}
    assert not (sandbox_home / ".codex" / "ollama-server.models.json").exists()


def runners_check() -> dict[str, object]:
    data = run_json("doctor", "--deep", "--only", "runners", "--timeout", "10", code=None)
    [check] = data["result"]["checks"]
    return check


@pytest.mark.parametrize(
    ("clients", "slots", "multiuser", "status"),
    [
        (("aider", "opencode"), 1, False, "warn"),
        (("aider", "opencode"), 2, False, "warn"),  # a new prompt still takes the first slot
        (("aider", "opencode"), 2, True, "ok"),
        (("aider", "claude-code"), 1, False, "ok"),  # nobody sends a second request
    ],
)
def test_runners_measures_the_prompt_cache(
    clients: tuple[str, ...], slots: int, multiuser: bool, status: str
) -> None:
    with FakeOllama(num_parallel=slots, multiuser_cache=multiuser) as fake:
        init_at(fake.port, clients=clients)
        check = runners_check()
    assert check["status"] == status, check
    assert "an identical second prompt reused 100%" in check["detail"]
    if status == "warn":
        assert check["summary"].startswith("OpenCode's title request evicts")
        assert "OLLAMA_NUM_PARALLEL=2 and OLLAMA_MULTIUSER_CACHE=1" in check["fix"]["text"]
    else:
        assert check["summary"].startswith(f"every client runs one runner per model ({MODEL} at 4k")


def test_runners_says_when_the_cache_does_not_hold() -> None:
    with FakeOllama(reload_every_request=True) as fake:
        init_at(fake.port, clients=("aider",))
        check = runners_check()
    assert check["status"] == "warn"
    assert check["summary"].startswith("the server re-reads whole prompts")


def test_runners_names_the_client_that_would_restart_the_model() -> None:
    with FakeOllama() as fake:
        init_at(fake.port, "--no-probe", clients=("aider", "codex"))
        check = runners_check()
        smoke = run_json("smoke", "--clients", "--client-timeout", "1", code=None)
    assert check["status"] == "warn"
    assert "aider will send a new num_ctx with every prompt" in check["summary"]
    assert check["fix"]["command"] == "ollama-client-setup init --yes"
    step = next(s for s in smoke["result"]["steps"] if s["id"] == "runners")
    assert step["status"] == "warn" and step["summary"] == check["summary"]


def test_init_waits_for_a_load_no_longer_than_asked() -> None:
    with FakeOllama() as fake:
        fake.set_fault("hang", path="/api/chat")
        result = init_at(fake.port, "--load-timeout", "1", clients=("aider",))
    assert f"could not learn the server's window for {MODEL}" in result.stderr
    assert load_settings().windows == {}  # written all the same, without a pin
