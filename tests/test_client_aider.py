"""Aider: ~/.aider.conf.yml gets `model:` and an OLLAMA_API_BASE item, nothing else moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from ollama_client_setup.base.exitcodes import ExitCode
from tests.fakes.stub_clients import INIT, SWITCH, changed_lines
from tests.helpers import run, snapshot

CLIENT = ("--client", "aider")

# Odd spacing, quotes, `~`, a flow list, a non-ASCII comment and a wrong /v1 base from an
# an old copy of the example config: ruamel's dumper would rewrite several of these lines.
ORIGINAL = """\
# ~/.aider.conf.yml — my settings
##########
model:   "gpt-4o"    # the usual

# keys live in .env
set-env:
  - FOO=bar
  - 'OLLAMA_API_BASE=http://old-box:11434/v1'   # from an old guide
  - BAZ=1

auto-commits: no
dark-mode: true
read: [CONVENTIONS.md,  docs/notes.md]
editor: ~
"""

EXPECTED = ORIGINAL.replace('"gpt-4o"', '"ollama_chat/m"').replace(
    "http://old-box:11434/v1", "http://127.0.0.1:11434"
)


def conf(home: Path) -> Path:
    return home / ".aider.conf.yml"


def test_realistic_config_init_switch_uninstall(sandbox_home: Path) -> None:
    conf(sandbox_home).write_text(ORIGINAL)
    before = snapshot(sandbox_home)
    run(*INIT, *CLIENT)
    first = conf(sandbox_home).read_text()
    assert first == EXPECTED
    run(*SWITCH)
    second = conf(sandbox_home).read_text()
    assert changed_lines(first, second) == (
        ['model:   "ollama_chat/m"    # the usual'],
        ['model:   "ollama_chat/m2"    # the usual'],
    )
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_second_init_writes_nothing(sandbox_home: Path) -> None:
    conf(sandbox_home).write_text(ORIGINAL)
    run(*INIT, *CLIENT)
    first = snapshot(sandbox_home)
    assert "Nothing to change" in run(*INIT, *CLIENT).stdout
    assert snapshot(sandbox_home) == first


def test_user_edits_survive_and_the_original_values_come_back(sandbox_home: Path) -> None:
    """Two model switches, then the user edits the file: uninstall can no longer restore the
    backup, so it takes the tool's part out and puts the user's first values back."""
    conf(sandbox_home).write_text(ORIGINAL)
    run(*INIT, *CLIENT)
    run(*SWITCH)
    run("init", "--yes", "--no-probe", "--host", "box.example")
    run("init", "--yes", "--no-probe", "--model", "m3")
    text = conf(sandbox_home).read_text()
    assert "ollama_chat/m3" in text and "OLLAMA_API_BASE=http://box.example:11434'" in text
    edited = text.replace("dark-mode: true", "dark-mode: false") + "show-diffs: true\n"
    conf(sandbox_home).write_text(edited)
    run("uninstall", "--yes")
    assert conf(sandbox_home).read_text() == (
        ORIGINAL.replace("dark-mode: true", "dark-mode: false") + "show-diffs: true\n"
    )


def test_missing_file_is_created_and_removed_again(sandbox_home: Path) -> None:
    before = snapshot(sandbox_home)
    run(*INIT, *CLIENT, "--shell", "bash")
    assert conf(sandbox_home).read_text() == (
        "model: ollama_chat/m\nset-env:\n  - OLLAMA_API_BASE=http://127.0.0.1:11434\n"
    )
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_comment_only_file_keeps_its_comments(sandbox_home: Path) -> None:
    """The sample config aider prints is all comments: the keys go after them."""
    sample = "## Specify the model to use\n#model: xxx\n\n## set-env:\n#  - xxx\n"
    conf(sandbox_home).write_text(sample)
    run(*INIT, *CLIENT)
    assert conf(sandbox_home).read_text() == sample + (
        "model: ollama_chat/m\nset-env:\n  - OLLAMA_API_BASE=http://127.0.0.1:11434\n"
    )
    conf(sandbox_home).write_text(conf(sandbox_home).read_text() + "# mine\n")
    run("uninstall", "--yes")
    assert conf(sandbox_home).read_text() == sample + "# mine\n"


def test_empty_and_flow_set_env_and_four_space_indent(sandbox_home: Path) -> None:
    original = "lint-cmd:\n    - python: flake8\nset-env: []  # none yet\nmodel:\n"
    conf(sandbox_home).write_text(original)
    run(*INIT, *CLIENT)
    assert conf(sandbox_home).read_text() == (
        "lint-cmd:\n    - python: flake8\n"
        "set-env:  # none yet\n    - OLLAMA_API_BASE=http://127.0.0.1:11434\n"
        "model: ollama_chat/m\n"
    )
    with conf(sandbox_home).open("a") as handle:
        handle.write("verbose: true\n")
    run("uninstall", "--yes")
    assert conf(sandbox_home).read_text() == original + "verbose: true\n"


def test_without_a_model_only_the_base_is_written(sandbox_home: Path) -> None:
    conf(sandbox_home).write_text("model: gpt-4o\n")
    run("init", "--yes", "--no-probe", "--host", "127.0.0.1", *CLIENT)
    assert conf(sandbox_home).read_text() == (
        "model: gpt-4o\nset-env:\n  - OLLAMA_API_BASE=http://127.0.0.1:11434\n"
    )


@pytest.mark.parametrize(
    ("content", "where", "reason"),
    [
        ("model: gpt-4o\nset-env:\n  - 'FOO=1\n", ":4:1", "not valid YAML"),
        ("model: a\ndark-mode: true\nmodel: b\n", ":3:1", "the key 'model' appears twice"),
        ("- model: a\n- dark-mode: true\n", ":1:1", "not a list"),
        ("set-env:\n\t- FOO=1\n", ":2:1", "a tab where YAML allows only spaces"),
        ("set-env: FOO=1\n", ":1:10", "set-env holds a single value"),
        ("model: a\n---\nmodel: b\n", ":2:1", "not valid YAML"),
    ],
    ids=[
        "truncated",
        "duplicate-key",
        "top-level-list",
        "tab-indent",
        "set-env-scalar",
        "two-docs",
    ],
)
def test_malformed_file_is_refused_and_nothing_changes(
    sandbox_home: Path, content: str, where: str, reason: str
) -> None:
    conf(sandbox_home).write_text(content)
    (sandbox_home / ".bashrc").write_text("# mine\n")
    before = snapshot(sandbox_home)
    result = run(*INIT, *CLIENT, "--shell", "bash", code=ExitCode.REFUSED)
    assert f"~/.aider.conf.yml{where}: " in result.stderr
    assert reason in result.stderr
    assert "--no-client aider" in result.stderr
    assert snapshot(sandbox_home) == before


def test_detected_by_its_config_file(sandbox_home: Path) -> None:
    from ollama_client_setup.clients import base as clients
    from ollama_client_setup.plan.machine import look_for_clients

    assert not clients.get("aider").detected(look_for_clients({"PATH": ""}))
    conf(sandbox_home).write_text("model: gpt-4o\n")
    assert clients.get("aider").detected(look_for_clients({"PATH": ""}))


# --- render and revert directly, over awkward inputs ------------------------------------

AWKWARD = [
    "",
    "# only comments\n",
    "model: gpt-4o",  # no final newline
    "model:\nx: 1\n",  # empty value
    "model: null\nset-env: ~  # none\n",  # explicit nulls
    "editor: !custom vim\n",  # a tag ruamel cannot compare on its own
    "set-env:\nq: 1",  # empty list, no final newline
    "set-env: [A=1, B=2]\nauto-commits: no\n",
    'set-env:\n- "X=1"\n- OLLAMA_API_BASE=http://old:11434/v1\nmodel: ollama_chat/old\n',
    "model: |\n  gpt-4o\n\nread: x.md\n",  # a block scalar
    "a:\n    b: 1\nlist:\n    - x\n",
    "model: gpt-4o\r\nset-env:\r\n  - A=1\r\n",  # CR kept inside lines by the engine here
]


@pytest.mark.parametrize("original", AWKWARD)
def test_render_switch_revert_round_trip(original: str) -> None:
    from ollama_client_setup.clients.aider.conf import AiderConf

    def change(model: str) -> AiderConf:
        return AiderConf(Path("/x"), "aider", model, "http://h:11434")

    first = change("m").render(original)
    second = change("m2").render(first.text)
    assert second.memo is None  # The first memo, with the user's values, is kept.
    removed, added = changed_lines(first.text or "", second.text or "")
    assert all("ollama_chat/m" in line for line in removed + added)
    assert AiderConf.revert(second.text or "", first.memo) == original


# --- ~/.aider.model.settings.yml: init --context N pins num_ctx --------------------------

CONTEXT = ("--context", "32768")
MARK = "# added by ollama-client-setup"

# The user's own entries with comments, one of them for the model the tool pins: Aider lets
# a later entry of the same name replace it whole, so the tool sets num_ctx in that one.
USER_SETTINGS = """\
# Aider model settings — mine
- name: gpt-4o
  edit_format: diff   # the usual

# the local one
- name: ollama_chat/m
  use_repo_map: true
  extra_params:
    temperature: 0.2
    num_ctx: 8192   # fits the laptop
"""

OTHERS = "# mine\n- name: gpt-4o\n  edit_format: diff  # why\n\n# trailing note\n"


def own_entry(model: str, num_ctx: int) -> str:
    return f"- name: ollama_chat/{model}  {MARK}\n  extra_params:\n    num_ctx: {num_ctx}\n"


def model_settings(home: Path) -> Path:
    return home / ".aider.model.settings.yml"


def test_model_settings_written_switched_resized_and_removed(sandbox_home: Path) -> None:
    conf(sandbox_home).write_text(ORIGINAL)
    before = snapshot(sandbox_home)
    result = run(*INIT, *CLIENT, *CONTEXT)
    assert "num_ctx 32768 (~/.aider.model.settings.yml)" in result.stdout
    first = model_settings(sandbox_home).read_text()
    assert first == own_entry("m", 32768)
    assert conf(sandbox_home).read_text() == EXPECTED
    run("model", "use", "m2", "--no-check")
    second = model_settings(sandbox_home).read_text()
    assert changed_lines(first, second) == (
        [f"- name: ollama_chat/m  {MARK}"],
        [f"- name: ollama_chat/m2  {MARK}"],
    )
    run("init", "--yes", "--no-probe", "--context", "16384")
    third = model_settings(sandbox_home).read_text()
    assert changed_lines(second, third) == (["    num_ctx: 32768"], ["    num_ctx: 16384"])
    assert "Nothing to change" in run("init", "--yes", "--no-probe").stdout
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_user_entry_for_the_model_gets_num_ctx_and_it_back(sandbox_home: Path) -> None:
    path = model_settings(sandbox_home)
    path.write_text(USER_SETTINGS)
    before = snapshot(sandbox_home)
    run(*INIT, *CLIENT, *CONTEXT)
    first = path.read_text()
    assert first == USER_SETTINGS.replace(
        "num_ctx: 8192   #", 'num_ctx: 32768  # set by ollama-client-setup, was: "8192"   #'
    )
    # The switch gives the user's entry its own value back and pins the new model apart.
    run("model", "use", "m2", "--no-check")
    assert path.read_text() == USER_SETTINGS + own_entry("m2", 32768)
    run("model", "use", "m", "--no-check")
    assert path.read_text() == first
    run("uninstall", "--yes")
    assert snapshot(sandbox_home) == before


def test_other_entries_kept_and_user_additions_survive_uninstall(sandbox_home: Path) -> None:
    path = model_settings(sandbox_home)
    path.write_text(OTHERS)
    run(*INIT, *CLIENT, *CONTEXT)
    assert path.read_text() == OTHERS.replace("# why\n", "# why\n" + own_entry("m", 32768))
    # The user's entry after the tool's: a later run leaves both where they are.
    mine = "- name: ollama_chat/qwen3\n  edit_format: whole  # added later\n"
    path.write_text(path.read_text() + mine)
    edited = snapshot(sandbox_home)
    assert "Nothing to change" in run(*INIT, *CLIENT).stdout
    assert snapshot(sandbox_home) == edited
    run("uninstall", "--yes")
    assert path.read_text() == OTHERS + mine


def test_entry_removed_when_the_context_or_the_model_goes(sandbox_home: Path) -> None:
    path = model_settings(sandbox_home)
    run(*INIT, *CLIENT, *CONTEXT)
    assert path.read_text() == own_entry("m", 32768)
    settings = sandbox_home / ".config" / "ollama-client-setup" / "settings.toml"
    text = settings.read_text()
    settings.write_text(text.replace("\n[clients.aider]\ncontext = 32768\n", ""))
    run("init", "--yes", "--no-probe")
    assert not path.exists()  # The tool created it for its entry alone.
    settings.write_text(text)
    run("init", "--yes", "--no-probe")
    path.write_text(path.read_text() + "# a note of mine\n")
    settings.write_text(text.replace('\n[model]\ndefault = "m"\n', ""))
    run("init", "--yes", "--no-probe")
    assert path.read_text() == "# a note of mine\n"


def test_no_model_settings_without_a_model(sandbox_home: Path) -> None:
    run("init", "--yes", "--no-probe", "--host", "127.0.0.1", *CLIENT, *CONTEXT)
    assert not model_settings(sandbox_home).exists()


@pytest.mark.parametrize(
    ("content", "where", "reason"),
    [
        ("name: ollama_chat/m\nextra_params: {}\n", ":1:1", "must be a list of"),
        ("- name: a\n  edit_format: diff\n  name: b\n", ":3:3", "the key 'name' appears twice"),
        ("- name: a\n\t  edit_format: diff\n", ":2:1", "a tab where YAML allows only spaces"),
        ("- name: a\n- name: 'ollama_chat/m\n", ":3:1", "not valid YAML"),
        ("- {name: ollama_chat/m, edit_format: diff}\n", ":1:3", "is a {...} mapping"),
        ("- name: ollama_chat/m\n  extra_params: ~\n", ":2:3", "extra_params of the entry"),
    ],
    ids=["top-level-mapping", "duplicate-key", "tab-indent", "truncated", "flow-entry", "null"],
)
def test_malformed_model_settings_refused_and_nothing_changes(
    sandbox_home: Path, content: str, where: str, reason: str
) -> None:
    model_settings(sandbox_home).write_text(content)
    conf(sandbox_home).write_text(ORIGINAL)
    before = snapshot(sandbox_home)
    result = run(*INIT, *CLIENT, *CONTEXT, "--shell", "bash", code=ExitCode.REFUSED)
    assert f"~/.aider.model.settings.yml{where}: " in result.stderr
    assert reason in result.stderr
    assert "--no-client aider" in result.stderr
    assert snapshot(sandbox_home) == before


SETTINGS_AWKWARD = [
    None,
    "",
    "# only comments\n",
    "- name: gpt-4o",  # no final newline
    "  - name: a\n    extra_params:\n        top_k: 1\n",  # indented list, 4-space maps
    "- name: ollama_chat/m\n",
    "- name: ollama_chat/m\n  extra_params:\n    top_k: 1\n- x\n",
    "- name: ollama_chat/m\n  extra_params:\n    num_ctx: '8192'  # quoted\n",
    "- name: ollama_chat/m\n  extra_params:\n    num_ctx: 32768\n",  # already the value
    "- name: ollama_chat/m\n  x: 1\n- name: ollama_chat/m\n  y: |\n    text\n\n- z\n",
    "- name: ollama_chat/m2\n  extra_params:\n    num_ctx: 4096\n",
]


@pytest.mark.parametrize("original", SETTINGS_AWKWARD)
def test_model_settings_render_switch_revert_round_trip(original: str | None) -> None:
    from ollama_client_setup.clients.aider.model_settings import AiderModelSettings

    def render(text: str | None, model: str, num_ctx: int) -> tuple[str, dict | None]:
        rendered = AiderModelSettings(Path("/x"), "aider", model, num_ctx).render(text)
        again = AiderModelSettings(Path("/x"), "aider", model, num_ctx).render(rendered.text)
        assert again.text == rendered.text  # A second run changes nothing.
        return rendered.text or "", rendered.memo

    text, memo = render(original, "m", 32768)
    # The engine keeps the memo of the first write; later renders of a written file say None.
    steps = [("m2", 32768), ("m2", 16384), ("m", 16384)]
    for model, num_ctx in steps:
        before = text
        text, later = render(text, model, num_ctx)
        if before == (original or "") and text != before:
            memo = later
        elif before != (original or ""):
            assert later is None
    assert AiderModelSettings.revert(text, memo) == (original or "")
