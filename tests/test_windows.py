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

from ollama_client_setup import clientrun, windows
from ollama_client_setup import settings as settings_mod
from ollama_client_setup.targets import codex
from tests.fakes.ollama import FakeModel, FakeOllama
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
        env = clientrun.invocation(settings, "claude-code", "hi", os.environ).env
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
    # The model is loaded at 32k (someone asked for it); the server's own window is 8k.
    with FakeOllama(default_context=8192) as fake:
        result = init_at(fake.port, clients=ALL)
        assert f"The server runs {MODEL} with a 8k window" in result.stdout
        # Learnt with a request that named no num_ctx, then /api/ps.
        [probe] = [r for r in fake.requests_to("/api/chat") if r.json["model"] == MODEL]
        assert "num_ctx" not in probe.json.get("options", {})
    assert load_settings().windows == {MODEL: 8192}
    assert told(sandbox_home, MODEL) == dict.fromkeys(ALL, 8192)
    text = (sandbox_home / ".config" / "ollama-client-setup" / "settings.toml").read_text()
    assert 'windows = {"qwen2.5-coder:7b" = 8192}' in text


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
    assert "aider: num_ctx 16384" in result.stderr
    assert "claude-code: num_ctx 4096" in result.stderr
    assert "OLLAMA_CONTEXT_LENGTH=16384" in result.stderr


def test_a_context_equal_to_the_servers_says_nothing() -> None:
    with FakeOllama() as fake:
        result = init_at(fake.port, "--context", "4096", clients=("aider", "claude-code"))
    assert "different windows" not in result.stderr


def test_the_codex_catalog_is_named_by_the_profile_and_uninstalled(sandbox_home: Path) -> None:
    before = snapshot(sandbox_home)
    with FakeOllama() as fake:
        init_at(fake.port, clients=("codex",))
    catalog = sandbox_home / ".codex" / codex.catalog_path(Path()).name
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


@pytest.mark.parametrize(("window", "output"), [(4096, 1024), (32768, 8192), (262144, 32000)])
def test_opencode_gets_a_limit_it_accepts(window: int, output: int) -> None:
    from ollama_client_setup.targets import opencode

    entry = opencode.model_entry("m", window)
    assert entry["limit"] == {"context": window, "output": output}
    assert "limit" not in opencode.model_entry("m", None)


def test_settings_refuse_a_bad_window(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    text = '[server]\nhost = "h"\nwindows = { "m" = 12 }\n'
    with pytest.raises(settings_mod.SettingsError) as caught:
        settings_mod.parse(text, path)
    assert ":3:1: [server] windows" in str(caught.value)
    assert "'m': the context 12 is outside" in str(caught.value)
