"""A corpus of home layouts that real users have: odd encodings and line endings, stow-style
symlinked dotfiles, ZDOTDIR set in ~/.zshenv, existing exports, and client configs with
comments and unusual formatting. Used by tests/test_reliability_corpus.py (a few) and
scripts/corpus_trials.py (all of them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability import Snapshot, differences, parse_problem, snapshot

BOM = b"\xef\xbb\xbf"

#: Start-up file contents; each parses in bash and zsh as it is.
SHELL_TEXTS: list[tuple[str, bytes | None]] = [
    ("missing", None),
    ("plain", b"# my shell\nalias ll='ls -l'\nexport EDITOR=vim\n"),
    ("crlf", b"# from Windows\r\nalias ll='ls -l'\r\nexport EDITOR=vim\r\n"),
    ("no-final-newline", b"export PATH=$HOME/bin:$PATH\nalias gs='git status'"),
    ("bom", BOM + b"# saved by Notepad\nexport EDITOR=vim\n"),
    ("latin1", b"# caf\xe9 cr\xe8me\nexport NAME='Ren\xe9'\n"),
    (
        "existing-exports",
        b"export OLLAMA_API_BASE=http://old:11434\nexport OPENAI_API_KEY=sk-mine\n"
        b"export AIDER_MODEL=gpt-4o\n",
    ),
    ("empty", b""),
    ("blank-lines", b"\n\n\n"),
    ("crlf-no-final-newline", b"export A=1\r\nexport B=2"),
    ("bom-crlf", BOM + b"export A=1\r\n# end\r\n"),
    (
        "functions",
        b'greet() {\n  echo hi\n}\nif [ -d "$HOME/bin" ]; then\n  PATH="$HOME/bin:$PATH"\nfi\n',
    ),
]

AIDER_TEXTS: list[tuple[str, bytes | None]] = [
    ("missing", None),
    ("comments", b"# Aider\nmodel:   gpt-4o   # old\ndark-mode: true\n"),
    ("flow-set-env", b"set-env: [A=1, B=2]   # inline\nauto-commits: no\n"),
    ("four-space", b"read:\n    - CONVENTIONS.md\nset-env:\n    - X=1\n"),
    ("empty-set-env", b"set-env:\nmodel: null\n"),
    ("document-marker", b"---\n# doc\nmodel: 'gpt-4o'\n...\n"),
    ("crlf", b"model: gpt-4o\r\nset-env:\r\n  - A=1\r\n"),
    ("no-final-newline", b"dark-mode: true\nmodel: gpt-4o"),
    ("existing-base", b'set-env:\n  - "OLLAMA_API_BASE=http://old:11434"\nmodel: ollama_chat/x\n'),
    ("bom", BOM + b"model: gpt-4o\n"),
]

CONTINUE_YAML_TEXTS: list[tuple[str, bytes | None]] = [
    ("missing", None),
    (
        "default",
        b"name: Local Config\nversion: 1.0.0\nschema: v1\nmodels: []\n",
    ),
    (
        "comments",
        b"# Continue\nname: Local Config  # mine\nversion: 1.0.0\nschema: v1\n"
        b"models:\n  # keep\n  - name: GPT-4o\n    provider: openai\n    model: gpt-4o\n"
        b"    roles:\n      - chat\n\ncontext:\n  - provider: code\n",
    ),
    (
        "flow-models",
        b"name: x\nversion: 1.0.0\nmodels: [{name: a, provider: openai, model: gpt}]\n",
    ),
    ("four-space", b"name: x\nversion: 1.0.0\nmodels:\n    -   name: a\n        model: b\n"),
    ("crlf", b"name: x\r\nversion: 1.0.0\r\nmodels:\r\n  - name: a\r\n    model: b\r\n"),
    ("only-comments", b"# nothing yet\n"),
]

CONTINUE_JSON_TEXTS: list[tuple[str, bytes]] = [
    ("jsonc", b'{\n  // mine\n  "models": [\n    {"title": "a", "model": "b"},\n  ],\n}\n'),
    ("compact", b'{"models":[],"allowAnonymousTelemetry":false}'),
    ("tabs", b'{\n\t"tabAutocompleteModel": {"title": "x", "model": "y"}\n}\n'),
]

CLAUDE_TEXTS: list[tuple[str, bytes | None]] = [
    ("missing", None),
    (
        "four-space",
        b'{\n    "model": "opus",\n    "env": {\n        "DISABLE_AUTOUPDATER": "1"\n    }\n}\n',
    ),
    ("one-line", b'{"model":"opus","permissions":{"allow":[]}}'),
    ("tabs", b'{\n\t"theme": "dark",\n\t"env": {}\n}\n'),
    ("empty-object", b"{}\n"),
    ("empty-file", b""),
    (
        "existing-values",
        b'{\n  "env": {\n    "ANTHROPIC_BASE_URL": "https://proxy.example",\n'
        b'    "ANTHROPIC_MODEL": "claude-opus-4-1"\n  }\n}\n',
    ),
    ("unicode", '{\n  "name": "J\u00fcrgen \u2603",\n  "env": {"X": "\u00e9"}\n}\n'.encode()),
]

CODEX_TEXTS: list[tuple[str, bytes | None]] = [
    ("missing", None),
    (
        "tables",
        b'# codex\nmodel = "gpt-5"\napproval_policy = "on-request"\n\n'
        b'[mcp_servers.docs]\ncommand = "docs-mcp"\nargs = ["--x"]\n',
    ),
    ("literal-strings", b"model = 'o3'   # literal\nmodel_provider = 'openai'\n"),
    ("no-final-newline", b"[tui]\nnotifications = true"),
    ("only-table-comment", b"# the docs server\n[mcp_servers.docs]\ncommand = 'x'\n"),
    ("crlf", b'model = "gpt-5"\r\n\r\n[tui]\r\nnotifications = true\r\n'),
    (
        "other-provider",
        b'model_provider = "azure"\n\n[model_providers.azure]\nname = "Azure"\n'
        b'base_url = "https://x.example/v1"\n',
    ),
]


@dataclass
class Layout:
    name: str
    #: Relative path -> content of the user's own files.
    files: dict[str, bytes] = field(default_factory=dict)
    #: Relative path -> link target (relative to the link's folder), stow style.
    links: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()

    def build(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        for rel, data in self.files.items():
            path = home / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for rel, target in self.links.items():
            link = home / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target)

    def startup_files(self) -> list[str]:
        """The start-up files (paths as the shells see them) this layout has."""
        names = (".bashrc", ".profile", ".bash_profile", ".zshrc", ".config/zsh/.zshrc")
        return [n for n in names if n in self.files or n in self.links]


def _pick(options: list[tuple[str, bytes | None]], index: int) -> tuple[str, bytes | None]:
    return options[index % len(options)]


def layouts(count: int = 60) -> Iterator[Layout]:
    """`count` layouts, combining the variants above so that each appears several times."""
    for i in range(count):
        layout = Layout(f"L{i:02d}")
        labels = []
        bash_label, bashrc = _pick(SHELL_TEXTS, i)
        zsh_label, zshrc = _pick(SHELL_TEXTS, i * 5 + 3)
        profile_label, profile = _pick(SHELL_TEXTS, i * 7 + 1)
        stow = i % 4 == 1
        zdotdir = i % 5 == 2
        labels += [f"bashrc={bash_label}", f"zshrc={zsh_label}", f"profile={profile_label}"]
        if bashrc is not None:
            if stow:
                # GNU stow: the real file lives in the dotfiles repo, the home has a link.
                layout.files["dotfiles/bash/.bashrc"] = bashrc
                layout.links[".bashrc"] = "dotfiles/bash/.bashrc"
                labels.append("stow")
            else:
                layout.files[".bashrc"] = bashrc
        if profile is not None:
            layout.files[".profile"] = profile
        if i % 3 == 0:
            layout.files[".bash_profile"] = b"[ -f ~/.bashrc ] && . ~/.bashrc\n"
        zshrc_rel = ".zshrc"
        if zdotdir:
            layout.files[".zshenv"] = b'export ZDOTDIR="$HOME/.config/zsh"\n'
            zshrc_rel = ".config/zsh/.zshrc"
            labels.append("zdotdir")
        if zshrc is not None:
            if stow and i % 8 == 1:
                layout.files["dotfiles/zsh/zshrc"] = zshrc
                depth = "../../" if zdotdir else ""
                layout.links[zshrc_rel] = f"{depth}dotfiles/zsh/zshrc"
            else:
                layout.files[zshrc_rel] = zshrc
        if i % 2 == 0:
            layout.files[".config/fish/config.fish"] = b"set -gx EDITOR vim\n"
        args = ["--shell", "bash", "--shell", "zsh", "--shell", "fish", "--shell", "sh"]

        aider_label, aider = _pick(AIDER_TEXTS, i * 3 + 1)
        if aider is not None:
            layout.files[".aider.conf.yml"] = aider
        labels.append(f"aider={aider_label}")
        if i % 6 == 3:
            json_label, continue_json = CONTINUE_JSON_TEXTS[(i // 6) % len(CONTINUE_JSON_TEXTS)]
            layout.files[".continue/config.json"] = continue_json
            labels.append(f"continue.json={json_label}")
        else:
            yaml_label, continue_yaml = _pick(CONTINUE_YAML_TEXTS, i * 2 + 1)
            if continue_yaml is not None:
                layout.files[".continue/config.yaml"] = continue_yaml
            labels.append(f"continue.yaml={yaml_label}")
        claude_label, claude = _pick(CLAUDE_TEXTS, i * 5 + 2)
        if claude is not None:
            if stow and i % 8 == 5:
                layout.files["dotfiles/claude/settings.json"] = claude
                layout.links[".claude/settings.json"] = "../dotfiles/claude/settings.json"
            else:
                layout.files[".claude/settings.json"] = claude
        labels.append(f"claude={claude_label}")
        codex_label, codex = _pick(CODEX_TEXTS, i * 3 + 2)
        if codex is not None:
            layout.files[".codex/config.toml"] = codex
        labels.append(f"codex={codex_label}")
        claude_mode = "launcher" if i % 7 == 6 else "settings"
        codex_mode = "profile" if i % 7 == 5 else "default"
        args += ["--client", "aider", "--client", "continue", "--client", "opencode"]
        args += ["--client", "claude-code", "--claude-code-mode", claude_mode]
        args += ["--client", "codex", "--codex-mode", codex_mode]
        layout.args = tuple(args)
        layout.name += " " + " ".join(labels)
        yield layout


# --- a user's own edit outside the managed parts ------------------------------------------


def user_edit(rel: str, data: bytes, like: bytes | None = None) -> bytes | None:
    """The file with a line the user added at the top (outside anything the tool owns), or
    None for files this edit does not suit. The line ends like those of `like` (the file as
    the user wrote it) or of `data`."""
    bom = data.startswith(BOM)
    body = data[len(BOM) :] if bom else data
    style = like if like is not None else body
    crlf = b"\r\n" in style and style.count(b"\n") == style.count(b"\r\n")
    nl = b"\r\n" if crlf else b"\n"
    name = Path(rel).name
    if name.endswith(".json"):
        start = body.find(b"{")
        if start < 0:
            return None
        return (BOM if bom else b"") + body[: start + 1] + b'"user_key": 1,' + body[start + 1 :]
    if name.endswith((".yaml", ".yml")):
        if body.lstrip().startswith(b"---"):
            return None
        line = b"user-key: 1" + nl
    elif name.endswith(".toml"):
        line = b"user_key = 1" + nl
    else:
        line = b"export USER_EDIT=1" + nl
    return (BOM if bom else b"") + line + body


# --- the checks (shared by the suite and scripts/corpus_trials.py) -------------------------

#: Runs the CLI in a home: (args) -> (exit code, stderr).
Runner = Callable[..., tuple[int, str]]
INIT_BASE = ("init", "--yes", "--no-probe", "--host", "127.0.0.1", "--model", "m")
_STATE = ".local/state/"


def _files(snap: Snapshot) -> list[str]:
    return [rel for rel, (kind, _, _) in snap.items() if kind == "file"]


def check_exact(home: Path, layout: Layout, run: Runner) -> list[str]:
    """init (twice: the second changes nothing), then uninstall gives back every byte; and
    every file that parsed for its reader before init still parses after it."""
    layout.build(home)
    before = snapshot(home)
    parsed = {rel for rel in _files(before) if parse_problem(home / rel) is None}
    code, err = run(*INIT_BASE, *layout.args)
    if code != 0:
        return [f"init failed ({code}): {err.strip()}"]
    problems = []
    after = snapshot(home)
    for rel in differences(before, after):
        if rel in parsed and after.get(rel, ("",))[0] == "file":
            problem = parse_problem(home / rel)
            if problem:
                problems.append(f"after init, {rel} no longer parses: {problem}")
    code, err = run(*INIT_BASE, *layout.args)
    if code != 0 or differences(after, snapshot(home)):
        problems.append(f"a second init changed something ({code}): {err.strip()}")
    code, err = run("uninstall", "--yes")
    if code != 0:
        return [*problems, f"uninstall failed ({code}): {err.strip()}"]
    problems += [f"after uninstall, {rel} differs" for rel in differences(before, snapshot(home))]
    return problems


def check_user_edit(home: Path, layout: Layout, run: Runner) -> list[str]:
    """init, then the user adds a line at the top of every file init changed, then
    uninstall: the tool's part goes, the user's edit stays."""
    layout.build(home)
    before = snapshot(home)
    code, err = run(*INIT_BASE, *layout.args)
    if code != 0:
        return [f"init failed ({code}): {err.strip()}"]
    after = snapshot(home)
    edited: set[str] = set()
    for rel in _files(before):
        if after.get(rel) == before[rel] or rel not in after:
            continue
        original = before[rel][1]
        assert isinstance(original, bytes)
        new = user_edit(rel, after[rel][1], like=original)  # type: ignore[arg-type]
        if new is not None:
            (home / rel).write_bytes(new)
            edited.add(rel)
    code, err = run("uninstall", "--yes")
    if code != 0:
        return [f"uninstall failed ({code}): {err.strip()}"]
    final = snapshot(home)
    problems = []
    for rel in differences(before, final):
        if rel not in edited:
            problems.append(f"after uninstall, {rel} differs (not edited by the user)")
            continue
        got = final.get(rel, ("", None, 0))[1]
        original = before[rel][1]
        assert isinstance(original, bytes)
        if not isinstance(got, bytes):
            problems.append(f"after uninstall, the user's edited {rel} is gone")
        elif got != user_edit(rel, original, like=original) and not _same_meaning(
            rel, got, original
        ):
            problems.append(f"after uninstall, {rel} is {got!r}")
    return problems


def _same_meaning(rel: str, got: bytes, original: bytes) -> bool:
    """Where exact bytes cannot be expected: the user's edit went into an empty JSON object
    (the tool's separators around it are gone), or into a Continue config.yaml that the
    tool had to start (its name/version/schema stay: Continue needs them once the user
    added keys of their own)."""
    if rel.endswith(".json"):
        try:
            mine = json.loads(original.decode("utf-8-sig") or "{}")
            have = json.loads(got.decode("utf-8-sig"))
        except ValueError:
            return False
        return bool(isinstance(mine, dict) and not mine and have == {"user_key": 1})
    if rel.endswith("config.yaml"):
        from ruamel.yaml import YAML

        from ollama_client_setup.clients.continue_.entries import SCAFFOLD

        mine = YAML(typ="safe", pure=True).load(original.decode("utf-8-sig"))
        have = YAML(typ="safe", pure=True).load(got.decode("utf-8-sig"))
        return mine is None and have == {"user-key": 1, **SCAFFOLD}
    return False


def read_only_target(layout: Layout) -> tuple[str, str] | None:
    """(start-up file as the shell sees it, its shell) to make read-only, if the layout has
    one: .zshrc (wherever ZDOTDIR puts it) first, else .bashrc."""
    for rel, shell in ((".config/zsh/.zshrc", "zsh"), (".zshrc", "zsh"), (".bashrc", "bash")):
        if rel in layout.files or rel in layout.links:
            if rel == ".zshrc" and ".config/zsh/.zshrc" in layout.startup_files():
                continue
            return rel, shell
    return None


def check_read_only(home: Path, layout: Layout, run: Runner) -> list[str]:
    """A read-only start-up file: init refuses and changes nothing; init leaving that shell
    out works and never touches the file; uninstall then gives back every byte."""
    target = read_only_target(layout)
    if target is None:
        return []
    rel, shell = target
    layout.build(home)
    real = (home / rel).resolve()
    real.chmod(0o444)
    before = snapshot(home)
    problems = []
    code, err = run(*INIT_BASE, *layout.args)
    if code != 4:
        problems.append(f"init with a read-only {rel} exited {code}, not 4: {err.strip()}")
    if "it is read-only" not in err or f"--no-shell {shell}" not in err:
        problems.append(f"the refusal does not say why and how to go on: {err.strip()}")
    if differences(before, snapshot(home)):
        problems.append(f"the refused init changed {differences(before, snapshot(home))}")
    code, err = run(*INIT_BASE, *layout.args, "--no-shell", shell)
    if code != 0:
        return [*problems, f"init --no-shell {shell} failed ({code}): {err.strip()}"]
    if snapshot(home).get(str(real.relative_to(home))) != before.get(str(real.relative_to(home))):
        problems.append(f"init --no-shell {shell} changed the read-only {rel}")
    code, err = run("uninstall", "--yes")
    if code != 0:
        return [*problems, f"uninstall failed ({code}): {err.strip()}"]
    problems += [f"after uninstall, {p} differs" for p in differences(before, snapshot(home))]
    return problems
