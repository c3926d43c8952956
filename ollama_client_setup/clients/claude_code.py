"""Claude Code: a `claude-ollama` launcher (default), or the `env` of settings.json.

The launcher sets the variables for one run, so plain `claude` keeps talking to Anthropic.
Settings mode writes them into settings.json, which routes every `claude` run to the server
and beats anything exported in the shell: the user's explicit choice (--claude-code-mode).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ollama_client_setup.base import paths
from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.errors import ContentError
from ollama_client_setup.base.ollama_releases import MESSAGES_ROUTE
from ollama_client_setup.base.results import Fix, Result, fail
from ollama_client_setup.clients.base import Client, ClientContext
from ollama_client_setup.clients.spec import AGENT_CONTEXT, ClientSpec, Floor, Headless, Need
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.edits.changes import Change, Memo, Rendered
from ollama_client_setup.formats import json_edit as jsonx
from ollama_client_setup.formats import spans
from ollama_client_setup.shells.profiles import Launcher

LAUNCHER = "claude-ollama"
#: The slots Claude Code fills with Claude model names unless told otherwise.
MODEL_VARS = (
    "ANTHROPIC_MODEL",
    "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "CLAUDE_CODE_SUBAGENT_MODEL",
)
#: What keeps Claude Code's prompt the same from one request to the next, so the server's
#: prompt cache holds (docs/clients/claude-code.md, "Prompt cache"): without it the system
#: prompt starts with a line that changes with every prompt.
CACHE_VARS = {"CLAUDE_CODE_ATTRIBUTION_HEADER": "0"}
#: Every variable the tool may write, in the order it writes them.
OWNED = (
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_API_KEY",
    *MODEL_VARS,
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
    *CACHE_VARS,
    "CLAUDE_CODE_AUTO_COMPACT_WINDOW",
    "API_TIMEOUT_MS",
)
#: A cold load of a large model over a slow disk can outlast the default request timeout
#: (field failure 7); an aborted load restarts on every retry, so wait longer once.
TIMEOUT_MS = "900000"
STRICT_WHY = "Claude Code ignores a settings.json that is not strict JSON; remove it"


def variables(ctx: ClientContext) -> dict[str, str]:
    values = {
        "ANTHROPIC_BASE_URL": ctx.root,
        # Sent as `Authorization: Bearer`; the empty key stops the key prompt and x-api-key.
        "ANTHROPIC_AUTH_TOKEN": "ollama",
        "ANTHROPIC_API_KEY": "",
    }
    if ctx.model:
        values.update(dict.fromkeys(MODEL_VARS, ctx.model))
    values["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1"
    values.update(CACHE_VARS)
    if ctx.window:
        # Claude Code compacts at its own models' ~200k otherwise, long after the server has
        # silently cut the prompt to its window (docs/clients/claude-code.md).
        values["CLAUDE_CODE_AUTO_COMPACT_WINDOW"] = str(ctx.window)
    values["API_TIMEOUT_MS"] = TIMEOUT_MS
    return {name: values[name] for name in OWNED if name in values}


def config_dir(environ: Mapping[str, str]) -> Path:
    custom = environ.get("CLAUDE_CONFIG_DIR")
    return Path(custom).expanduser() if custom else paths.home() / ".claude"


class SettingsEnv(Change):
    """The tool's variables in the `env` object of settings.json.

    Memo (from the first edit; kept while the file holds the tool's values): `prior` maps each
    variable that existed before to its JSON text as written, `env` whether the `env` object
    existed, `blank` the original text when the file was missing or empty (else None).
    """

    kind = "claude-code:settings"
    strict = True
    #: The engine refuses a file with a BOM (it alone sees one) and says why.
    bom_reason = "Claude Code ignores the whole file then; save it as UTF-8 without BOM"

    def __init__(self, path: Path, owner: str, values: dict[str, str], **kwargs: Any) -> None:
        super().__init__(path, owner, **kwargs)
        self.values = values

    def render(self, current: str | None) -> Rendered:
        blank = current is None or not current.strip()
        text = "{}\n" if blank else current or ""
        root = _root(text)
        env = _env(text, root)
        # A missing or empty file comes back as it was: `blank` keeps its exact text.
        memo = None if self._ours(env) else _memo(text, env, (current or "") if blank else None)
        before = root.python()
        unit = jsonx.json_unit(text, root)
        with spans.own_edits(paths.display(self.path)):
            if env is None:
                text = jsonx.json_set(text, root, "env", self.values, unit)
            else:
                for name, value in self.values.items():
                    root = _root(text)
                    member = root.get("env")
                    assert member is not None
                    have = member.node.get(name)
                    if have is None or have.node.value != value:
                        text = jsonx.json_set(text, member.node, name, value, unit)
            after = _root(text).python()
        got = after.get("env", {})
        if _others(after) != _others(before) or any(
            got.get(k) != v for k, v in self.values.items()
        ):
            raise spans.changed_meaning(paths.display(self.path))
        return Rendered(text, memo)

    def _ours(self, env: jsonx.JNode | None) -> bool:
        """The tool's values are already there: keep the memo of the user's own values."""
        if env is None:
            return False
        have = env.python()
        if have.get("ANTHROPIC_BASE_URL") == self.values["ANTHROPIC_BASE_URL"]:
            return True
        model = self.values.get("ANTHROPIC_MODEL")
        if model and have.get("ANTHROPIC_MODEL") == model:
            return True
        # Host and model both changed since: the slots all equal to one model are ours.
        slots = {have.get(name) for name in MODEL_VARS}
        return (
            have.get("ANTHROPIC_AUTH_TOKEN") == "ollama" and len(slots) == 1 and None not in slots
        )

    @classmethod
    def revert(cls, current: str, memo: Memo | None) -> str | None:
        if memo is None:
            return current  # The values were there before the tool came: leave them.
        _env(current, _root(current))  # The user's file: its errors are the user's to fix.
        with spans.own_edits("Claude Code's settings.json"):
            return cls._revert(current, memo)

    @classmethod
    def _revert(cls, current: str, memo: Memo) -> str | None:
        text = current
        root = _root(text)
        env = _env(text, root)
        if env is not None:
            unit = jsonx.json_unit(text, root)
            prior: dict[str, str] = memo.get("prior", {})
            for name in OWNED:
                node = _env(text, _root(text))
                assert node is not None
                if name in prior:
                    text = jsonx.json_set_raw(text, node, name, prior[name], unit)
                else:
                    text = jsonx.json_delete(text, node, name)
            root = _root(text)
            env = _env(text, root)
            if not memo.get("env") and env is not None and not env.members:
                text = jsonx.json_delete(text, root, "env")
        if memo.get("blank") is not None and not _root(text).members:
            return memo["blank"]
        return text


def _root(text: str) -> jsonx.JNode:
    return jsonx.json_object(jsonx.parse_json(text, strict_why=STRICT_WHY), "settings.json", text)


def _env(text: str, root: jsonx.JNode) -> jsonx.JNode | None:
    member = root.get("env")
    if member is None:
        return None
    if member.node.kind != "object":
        raise ContentError(
            'its "env" must be an object of variables {...}',
            *spans.line_col(text, member.node.start),
        )
    return member.node


def _memo(text: str, env: jsonx.JNode | None, blank: str | None) -> Memo:
    prior = {}
    for name in OWNED:
        member = env.get(name) if env else None
        if member is not None:
            prior[name] = text[member.node.start : member.node.end]
    return {
        "prior": prior,
        "env": env is not None,
        "blank": blank,
    }


def _others(data: dict[str, Any]) -> dict[str, Any]:
    rest = dict(data)
    env = {k: v for k, v in (rest.pop("env", None) or {}).items() if k not in OWNED}
    if env:
        rest["env"] = env
    return rest


def _result(text: str) -> tuple[str, bool] | None:
    """The answer in the `--output-format json` document Claude Code prints last, and
    whether it says it failed."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and "result" in data:
            return str(data.get("result") or ""), bool(data.get("is_error"))
    return None


def _settings_beat_launcher(settings: Settings, environ: Mapping[str, str]) -> Result | None:
    """ANTHROPIC_* keys in settings.json "env" win over the launcher's variables."""
    if settings.mode_for("claude-code") != "launcher":
        return None
    path = config_dir(environ) / "settings.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    env = data.get("env") if isinstance(data, dict) else None
    if not isinstance(env, dict):
        return None
    clashing = sorted(k for k in env if k.startswith("ANTHROPIC_"))
    if not clashing:
        return None
    return fail(
        f'{paths.display(path)} sets {", ".join(clashing)} in "env", which beats the '
        "claude-ollama launcher for every run",
        Fix(
            "Remove those keys from settings.json, or let the tool manage them there:",
            f"{CMD} init --yes --claude-code-mode settings",
        ),
    )


SPEC = ClientSpec(
    name="claude-code",
    title="Claude Code",
    program="claude",
    install="npm install -g @anthropic-ai/claude-code",
    needs=(
        Need(
            "claude-code",
            "chat",
            ("completion", "tools"),
            AGENT_CONTEXT,
            False,
            "Claude Code sends about two dozen tools with every request, and Ollama "
            "recommends a window of at least 64k tokens for it",
        ),
    ),
    headless=Headless(
        lambda prompt, mode: ("-p", prompt, "--output-format", "json"),
        # One attempt: its own retries would outlast the run's time limit.
        env={"CLAUDE_CODE_MAX_RETRIES": "0"},
        via_launcher=lambda mode: mode != "settings",
        answer=_result,
    ),
    floor=Floor(
        "claude-code", "Claude Code", MESSAGES_ROUTE, "the Anthropic-compatible /v1/messages"
    ),
    lint=_settings_beat_launcher,
)


class ClaudeCode(Client):
    name = SPEC.name
    title = SPEC.title
    program = SPEC.program

    def config_dir(self, environ: Mapping[str, str]) -> Path:
        return config_dir(environ)

    def settings_path(self, environ: Mapping[str, str]) -> Path:
        return config_dir(environ) / "settings.json"

    def changes(self, ctx: ClientContext) -> list[Change]:
        if ctx.mode != "settings":
            return []
        path = self.settings_path(ctx.machine.environ)
        values = variables(ctx)
        lines = "\n".join(f'      "{k}": "{v}",' for k, v in values.items()).rstrip(",")
        manual = f'add these to the "env" object of {paths.display(path)} yourself:\n{lines}'
        return [SettingsEnv(path, "claude-code", values, skip_flag=ctx.skip_flag, manual=manual)]

    def launchers(self, ctx: ClientContext) -> list[Launcher]:
        if ctx.mode == "settings":
            return []
        return [Launcher(LAUNCHER, self.program, variables(ctx))]

    def describe(self, ctx: ClientContext) -> str:
        model = ctx.model or "(no model chosen)"
        if ctx.mode == "settings":
            where = paths.display(self.settings_path(ctx.machine.environ))
            return f"Claude Code: every `claude` run uses {model} at {ctx.root} ({where})"
        return (
            f"Claude Code: `{LAUNCHER}` runs Claude Code with {model} at {ctx.root}; "
            "plain `claude` is unchanged"
        )


CLIENT = ClaudeCode()
