"""Continue: the tool's named entries in config.yaml, or in a legacy-only config.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from tests.fakes.stub_clients import INIT, SWITCH, changed_lines
from tests.helpers import run, snapshot

CLIENT = ("--client", "continue")

ORIGINAL_YAML = """\
name: My Config   # shown in the IDE
version: 0.0.1
schema: v1

models:
    -   name: GPT-4o
        provider: openai
        model: gpt-4o
        apiKey: ${{ secrets.OPENAI_API_KEY }}
    # the local one
    - name: Local llama
      provider: ollama
      model: llama3.1:8b
      roles:
      - chat

rules:
  - Answer briefly
"""

ENTRIES = """\
    - name: Ollama server (ollama-client-setup)
      provider: ollama
      model: m
      apiBase: http://127.0.0.1:11434
      defaultCompletionOptions:
        contextLength: 16384
    - name: Ollama server autocomplete (ollama-client-setup)
      provider: ollama
      model: qwen2.5-coder:1.5b
      apiBase: http://127.0.0.1:11434
      roles:
          - autocomplete
      defaultCompletionOptions:
        contextLength: 16384
"""

ORIGINAL_JSON = """\
{
  // models for the IDE extension
  "models": [
    {"title": "GPT-4o", "provider": "openai", "model": "gpt-4o"}
  ],
  "tabAutocompleteModel": {"title": "Starcoder", "provider": "ollama", "model": "starcoder2:3b"},
  "allowAnonymousTelemetry": false,
}
"""

EXPECTED_JSON = """\
{
  // models for the IDE extension
  "models": [
    {"title": "GPT-4o", "provider": "openai", "model": "gpt-4o"},
    {
      "title": "Ollama server (ollama-client-setup)",
      "provider": "ollama",
      "model": "m",
      "apiBase": "http://127.0.0.1:11434",
      "contextLength": 16384
    }
  ],
  "tabAutocompleteModel": {
    "title": "Ollama server autocomplete (ollama-client-setup)",
    "provider": "ollama",
    "model": "qwen2.5-coder:1.5b",
    "apiBase": "http://127.0.0.1:11434",
    "contextLength": 16384
  },
  "allowAnonymousTelemetry": false,
}
"""


def folder(home: Path) -> Path:
    return home / ".continue"


def seed_options(home: Path) -> None:
    """A pre-seeded settings file (a fleet roll-out) with Continue's extra options."""
    settings = home / ".config" / "ollama-client-setup" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        '[clients.continue]\nautocomplete_model = "qwen2.5-coder:1.5b"\ncontext = 16384\n'
    )


def write(home: Path, name: str, text: str) -> Path:
    path = folder(home) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_yaml_init_switch_uninstall(sandbox_home: Path) -> None:
    seed_options(sandbox_home)
    path = write(sandbox_home, "config.yaml", ORIGINAL_YAML)
    before = snapshot(sandbox_home)
    run(*INIT, *CLIENT)
    first = path.read_text()
    assert first == ORIGINAL_YAML.replace("      - chat\n", "      - chat\n" + ENTRIES)
    run(*SWITCH)
    second = path.read_text()
    # The name stays: Continue remembers the selected model by it.
    assert changed_lines(first, second) == (["      model: m"], ["      model: m2"])
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_user_models_added_later_survive_uninstall(sandbox_home: Path) -> None:
    path = write(sandbox_home, "config.yaml", ORIGINAL_YAML)
    run(*INIT, *CLIENT)
    run(*SWITCH)
    mine = "    - name: Added later\n      provider: anthropic\n      model: claude-sonnet\n"
    text = path.read_text().replace("\nrules:", mine + "\nrules:")
    path.write_text(text)
    run("uninstall", "--yes")
    assert path.read_text() == ORIGINAL_YAML.replace("\nrules:", mine + "\nrules:")


def test_default_continue_config_with_empty_models(sandbox_home: Path) -> None:
    original = (
        "name: Local Assistant\nversion: 1.0.0\nschema: v1\nmodels: []\n"
        "context:\n  - provider: code\n  - provider: diff\n"
    )
    path = write(sandbox_home, "config.yaml", original)
    run(*INIT, *CLIENT)
    assert path.read_text() == (
        "name: Local Assistant\nversion: 1.0.0\nschema: v1\nmodels:\n"
        "  - name: Ollama server (ollama-client-setup)\n    provider: ollama\n    model: m\n"
        "    apiBase: http://127.0.0.1:11434\n"
        "context:\n  - provider: code\n  - provider: diff\n"
    )
    path.write_text(path.read_text() + "  - provider: terminal\n")
    run("uninstall", "--yes")
    assert path.read_text() == original + "  - provider: terminal\n"


def test_no_config_creates_yaml_and_uninstall_removes_it_and_the_folder(
    sandbox_home: Path,
) -> None:
    before = snapshot(sandbox_home)
    run(*INIT, *CLIENT, "--shell", "bash")
    assert (folder(sandbox_home) / "config.yaml").read_text() == (
        "name: Local Config\nversion: 1.0.0\nschema: v1\nmodels:\n"
        "  - name: Ollama server (ollama-client-setup)\n    provider: ollama\n    model: m\n"
        "    apiBase: http://127.0.0.1:11434\n"
    )
    assert not (folder(sandbox_home) / "config.json").exists()
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before
    assert not folder(sandbox_home).exists()


def test_legacy_json_only_is_edited_and_no_yaml_appears(sandbox_home: Path) -> None:
    seed_options(sandbox_home)
    path = write(sandbox_home, "config.json", ORIGINAL_JSON)
    before = snapshot(sandbox_home)
    run(*INIT, *CLIENT)
    first = path.read_text()
    assert first == EXPECTED_JSON
    assert not (folder(sandbox_home) / "config.yaml").exists()
    run(*SWITCH)
    second = path.read_text()
    assert changed_lines(first, second) == (['      "model": "m",'], ['      "model": "m2",'])
    path.write_text(
        second.replace('"allowAnonymousTelemetry": false', '"allowAnonymousTelemetry": true')
    )
    run("uninstall", "--yes")
    assert path.read_text() == ORIGINAL_JSON.replace("false", "true")
    assert snapshot(sandbox_home).keys() == before.keys()


def test_both_files_yaml_wins_and_json_is_untouched(sandbox_home: Path) -> None:
    json_path = write(sandbox_home, "config.json", ORIGINAL_JSON)
    yaml_path = write(sandbox_home, "config.yaml", ORIGINAL_YAML)
    run(*INIT, *CLIENT)
    assert json_path.read_text() == ORIGINAL_JSON
    assert "Ollama server (ollama-client-setup)" in yaml_path.read_text()


def test_continue_global_dir_is_honoured(sandbox_home: Path, monkeypatch) -> None:
    custom = sandbox_home / "cont"
    monkeypatch.setenv("CONTINUE_GLOBAL_DIR", str(custom))
    run(*INIT, *CLIENT)
    assert "Ollama server (ollama-client-setup)" in (custom / "config.yaml").read_text()
    assert not folder(sandbox_home).exists()


def test_autocomplete_dropped_later_removes_its_entry(sandbox_home: Path) -> None:
    seed_options(sandbox_home)
    path = write(sandbox_home, "config.yaml", ORIGINAL_YAML)
    run(*INIT, *CLIENT)
    settings = sandbox_home / ".config" / "ollama-client-setup" / "settings.toml"
    settings.write_text(
        settings.read_text().replace('autocomplete_model = "qwen2.5-coder:1.5b"\n', "")
    )
    run("init", "--yes", "--no-probe")
    text = path.read_text()
    assert "autocomplete (ollama-client-setup)" not in text
    assert "Ollama server (ollama-client-setup)" in text


@pytest.mark.parametrize(
    ("name", "content", "where", "reason"),
    [
        ("config.yaml", "name: x\nmodels:\n  - name: 'a\n", ":4:1", "not valid YAML"),
        ("config.yaml", "name: x\nname: y\n", ":2:1", "the key 'name' appears twice"),
        ("config.yaml", "- name: x\n", ":1:1", "not a list"),
        ("config.yaml", "models:\n\t- name: x\n", ":2:1", "a tab where YAML allows only spaces"),
        ("config.yaml", "name: x\nmodels: gpt-4o\n", ":2:9", "its `models` must be a list"),
        ("config.json", '{\n  "models": [\n', ":3:1", "the file ends too early"),
        ("config.json", '{"models": [], "models": []}', ":1:16", 'the key "models" appears twice'),
        ("config.json", '[{"title": "x"}]', ":1:1", "must be a JSON object"),
    ],
    ids=[
        "yaml-truncated",
        "yaml-duplicate",
        "yaml-list",
        "yaml-tab",
        "yaml-models-scalar",
        "json-truncated",
        "json-duplicate",
        "json-array",
    ],
)
def test_malformed_config_refused_and_nothing_changes(
    sandbox_home: Path, name: str, content: str, where: str, reason: str
) -> None:
    write(sandbox_home, name, content)
    before = snapshot(sandbox_home)
    result = run(*INIT, *CLIENT, "--shell", "bash", code=ExitCode.REFUSED)
    assert f"~/.continue/{name}{where}: " in result.stderr
    assert reason in result.stderr
    assert snapshot(sandbox_home) == before


# --- render and revert directly, over awkward inputs ------------------------------------

AWKWARD_YAML = [
    "",
    "# just comments\n",
    "name: x\nversion: 1.0.0\nmodels:\n",
    "name: x\nversion: 1.0.0\nmodels: ~\n",
    "name: x\nversion: 1.0.0\nmodels: [{name: a, provider: openai, model: gpt}]\n",
    "name: x\nversion: 1.0.0\nmodels:\n- name: a\n  provider: openai\n  model: gpt\n# end",
]
AWKWARD_JSON = ["{}", '{"models": []}', '{"models": [{"title": "a"}], /* c */ "x": 1,}\n']


def _ctx(model: str, autocomplete: str | None):
    from ollama_client_setup.clients.base import ClientContext
    from ollama_client_setup.config.settings import ClientOptions
    from ollama_client_setup.shells.machine import Machine

    options = ClientOptions(autocomplete_model=autocomplete)
    machine = Machine(Path("/home/x"), {})
    return ClientContext("continue", "http://h:1", "http://h:1/v1", model, options, None, machine)


@pytest.mark.parametrize("original", AWKWARD_YAML)
def test_yaml_render_switch_revert_round_trip(original: str) -> None:
    from ollama_client_setup.clients.continue_ import entries, yaml_config

    def change(model: str) -> yaml_config.ContinueYaml:
        ctx = _ctx(model, "ac")
        wanted = [yaml_config.yaml_entry(role, name, ctx) for role, name in entries.wanted(ctx)]
        return yaml_config.ContinueYaml(Path("/x"), "continue", wanted)

    first = change("m").render(original)
    second = change("m2").render(first.text)
    assert second.memo is None
    assert yaml_config.ContinueYaml.revert(second.text or "", first.memo) == original


@pytest.mark.parametrize("original", AWKWARD_JSON)
def test_json_render_switch_revert_round_trip(original: str) -> None:
    from ollama_client_setup.clients.continue_ import json_config

    def change(model: str, autocomplete: str) -> json_config.ContinueJson:
        ctx = _ctx(model, autocomplete)
        chat = json_config.json_entry(model, False, ctx)
        tab = json_config.json_entry(autocomplete, True, ctx)
        return json_config.ContinueJson(Path("/x"), "continue", chat, tab)

    first = change("m", "ac").render(original)
    second = change("m2", "ac2").render(first.text)
    assert second.memo is None
    assert json_config.ContinueJson.revert(second.text or "", first.memo) == original


# --- the entries' names survive a model switch (issue 15, item 5) ---------------------------


def earlier_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make init write what versions before issue 15 wrote: entries named after their model
    (`m (ollama-client-setup)`, `MODEL autocomplete (ollama-client-setup)`)."""
    from ollama_client_setup.clients import continue_ as client
    from ollama_client_setup.clients.continue_ import entries, json_config, yaml_config

    def old(entry: dict, autocomplete: bool, key: str) -> dict:
        entry[key] = entry["model"] + (" autocomplete" if autocomplete else "") + entries.OWN_SUFFIX
        return entry

    yaml_entry, json_entry = yaml_config.yaml_entry, json_config.json_entry
    # The client looks the two up in its own module (clients/continue_/__init__.py).
    monkeypatch.setattr(
        client,
        "yaml_entry",
        lambda role, model, ctx: old(
            yaml_entry(role, model, ctx), role == entries.AUTOCOMPLETE, "name"
        ),
    )
    monkeypatch.setattr(
        client, "json_entry", lambda model, ac, ctx: old(json_entry(model, ac, ctx), ac, "title")
    )


@pytest.mark.parametrize("name", ["config.yaml", "config.json"])
def test_entries_named_after_the_model_by_earlier_versions_are_renamed(
    sandbox_home: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """An install from before keeps working: its model-named entries are the tool's own,
    renamed in place (no second entry), and uninstall still restores the original."""
    seed_options(sandbox_home)
    original = ORIGINAL_YAML if name == "config.yaml" else ORIGINAL_JSON
    path = write(sandbox_home, name, original)
    before = snapshot(sandbox_home)
    with monkeypatch.context() as patch:
        earlier_names(patch)
        run(*INIT, *CLIENT)
    assert "m (ollama-client-setup)" in path.read_text()  # what the earlier version wrote
    run(*SWITCH)
    if name == "config.yaml":
        entries = ENTRIES.replace("      model: m\n", "      model: m2\n")
        expected = ORIGINAL_YAML.replace("      - chat\n", "      - chat\n" + entries)
    else:
        expected = EXPECTED_JSON.replace('"model": "m",', '"model": "m2",')
    assert path.read_text() == expected
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


@pytest.mark.realclient
def test_cn_keeps_the_selected_entry_after_model_use(
    sandbox_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cn` remembers the model picked with /model by its name (cliSelectedModel in
    index/globalContext.json). After `model use` the tool's entry must still be that model,
    not the first one in the file (here another provider, as a paid cloud one is for
    people)."""
    import json

    from ollama_client_setup.base.results import Status
    from tests import realclients
    from tests.fakes.ollama import FakeOllama
    from tests.helpers import init_at

    realclients.use("cn", monkeypatch)
    with FakeOllama(obedient=True) as server, FakeOllama(obedient=True) as cloud:
        user_first = (
            "name: My Config\nversion: 1.0.0\nschema: v1\nmodels:\n"
            "  - name: Cloud model\n    provider: openai\n    model: qwen2.5-coder:7b\n"
            f"    apiBase: {cloud.url}/v1\n    apiKey: sk-not-a-real-key\n"
        )
        path = write(sandbox_home, "config.yaml", user_first)
        init_at(server.port, "--no-smoke", clients=("continue",))
        [own] = [line for line in path.read_text().splitlines() if "(ollama-client-setup)" in line]
        selected = own.split("name: ", 1)[1]
        saved = folder(sandbox_home) / "index" / "globalContext.json"
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps({"cliSelectedModel": selected}))

        def ask(model: str) -> None:
            server.clear_requests()
            cloud.clear_requests()
            result, output = realclients.session("continue", project=sandbox_home / "project")
            assert not cloud.requests, (f"cn used the user's first model, not {model}", output)
            models = [r.json["model"] for r in server.requests_to("/v1/chat/completions")]
            assert models and set(models) == {model}, (models, output)
            assert result.status is Status.OK, (result.summary, result.detail)

        ask("qwen2.5-coder:7b")  # the saved selection is the tool's entry
        run("model", "use", "llama3.2:3b", "--no-warm")
        ask("llama3.2:3b")
        assert json.loads(saved.read_text())["cliSelectedModel"] == selected
