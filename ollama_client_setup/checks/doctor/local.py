"""Checks on this machine alone: the shell's variables, the managed files, clients, and other
places that set the same variables."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from ollama_client_setup import plan as targets
from ollama_client_setup.base import paths
from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.errors import SetupError
from ollama_client_setup.base.registry import CLIENTS
from ollama_client_setup.base.results import Fix, Result, fail, ok, skip, warn
from ollama_client_setup.checks.doctor.context import Check, Context
from ollama_client_setup.clients import registry
from ollama_client_setup.edits import blocks
from ollama_client_setup.plan import state
from ollama_client_setup.plan.machine import look_for_env
from ollama_client_setup.shells import profiles as shells

_SECRETS = ("KEY", "TOKEN", "SECRET")


def shown_value(name: str, value: str) -> str:
    if any(word in name for word in _SECRETS) and value not in ("", "ollama"):
        return value[:3] + "…" + f"({len(value)} chars)" if len(value) > 6 else "…"
    return value


def _not_set_up(ctx: Context) -> Result | None:
    if ctx.settings.source is None:
        return fail("not set up yet", Fix("Write the settings and shell files:", f"{CMD} init"))
    return None


def env_shell(ctx: Context) -> Result:
    if ctx.settings.source is None:
        return skip("skipped: not set up yet")
    expected = targets.shell_env(ctx.settings, look_for_env(ctx.environ)).variables
    load = shells.load_hint(ctx.settings.shells, ctx.environ)
    absent = [n for n in expected if n not in ctx.environ]
    wrong = [n for n in expected if n in ctx.environ and ctx.environ[n] != expected[n]]
    if not absent and not wrong:
        return ok(f"this shell exports all {len(expected)} variables")
    if wrong:
        name = wrong[0]
        return fail(
            f"{name} is {shown_value(name, ctx.environ[name])!r} here, but the settings say "
            f"{shown_value(name, expected[name])!r}",
            Fix(
                "Something sets it after ollama-client-setup (see the `conflicts` check), or "
                "this shell started before the last change. Load the current values:",
                load,
            ),
            "differ: " + ", ".join(wrong) + ("; missing: " + ", ".join(absent) if absent else ""),
        )
    return warn(
        "this shell has not loaded the environment yet",
        Fix("New terminals have it. To load it into this one, run:", load),
        "missing: " + ", ".join(absent),
    )


def _states(ctx: Context) -> list[state.FileState] | Result:
    """The plan, made once per run: profiles and every clients.<name> share it."""

    def compute() -> list[state.FileState] | Result:
        try:
            return state.file_states(ctx.settings, ctx.environ)
        except SetupError as exc:
            return fail(exc.message, Fix(exc.hint or "Fix the file named above."))

    found = ctx.fact("file_states", compute)
    # A Result is shared too: copy it, each check fills in its own data and detail.
    return (
        Result(found.status, found.summary, found.detail, found.fix)
        if isinstance(found, Result)
        else found
    )


def _judge(states: list[state.FileState], what: str) -> Result:
    bad = [s for s in states if s.state != "ok"]
    if not bad:
        return ok(f"{what}: {len(states)} file{'s' if len(states) != 1 else ''} up to date")
    first = bad[0]
    lines = "\n".join(f"{s.state}: {paths.display(s.path)} ({s.detail})" for s in bad)
    fix = Fix(
        "Write them again from the settings (`--dry-run` shows the diff first):",
        f"{CMD} init --yes",
    )
    summary = f"{paths.display(first.path)}: {first.detail}"
    if len(bad) > 1:
        summary += f" (and {len(bad) - 1} more)"
    if all(s.state == "pending" for s in bad):
        return warn(summary, fix, lines)
    return fail(summary, fix, lines)


def profiles(ctx: Context) -> Result:
    missing = _not_set_up(ctx)
    if missing:
        return missing
    states = _states(ctx)
    if isinstance(states, Result):
        return states
    return _judge([s for s in states if s.owner not in CLIENTS], "settings and shells")


def client_check(name: str) -> Check:
    def run(ctx: Context) -> Result:
        from ollama_client_setup.checks.clientrun import process
        from ollama_client_setup.clients import base as clients

        client = clients.get(name)
        states = _states(ctx)
        if isinstance(states, Result):
            return states
        mine = [s for s in states if s.owner == name]
        program = shutil.which(client.program, path=ctx.environ.get("PATH"))
        version = None
        if program:
            # Bounded by the doctor's budget; a program that does not say is no failure.
            timeout = ctx.remaining(process.VERSION_TIMEOUT)
            version = process.program_version(program, ctx.environ, timeout)
            named = f"{client.program} {version}" if version else client.program
            installed = f"{named} is at {program}"
            if not version:
                installed += f" (`{client.program} --version` named no version)"
            short = f"{named} on PATH"
        else:
            installed = (
                f"{client.program} is not on PATH; install it with: {registry.spec(name).install}"
            )
            short = f"{client.program} not installed"
        result = (
            _judge(mine, client.title)
            if mine
            else ok(f"{client.title}: nothing to write in this mode")
        )
        lint = registry.spec(name).lint
        found = lint(ctx.settings, ctx.environ) if lint else None
        if found is not None and result.status.value in ("ok", "warn"):
            result = found
        result.summary += f" ({short})"
        result.detail = "\n".join(filter(None, [installed, result.detail]))
        result.data["program"] = program
        result.data["version"] = version
        return result

    return Check(f"clients.{name}", f"{name} configuration", run)


def server_compat(ctx: Context) -> Result:
    """The server's Ollama is new enough for every managed client (compat.floors)."""
    from ollama_client_setup.checks import compat

    version = ctx.data("server.version").get("version")
    found = compat.assess(version, ctx.settings.clients)
    if found.verdict == "none":
        return skip("skipped: no managed client needs a particular Ollama version")
    if found.verdict == "unknown":
        what = (
            "0.0.0, a build from source,"
            if (parsed := compat.parse(version)) is not None and parsed.development
            else repr(version or "no version")
        )
        return skip(
            f"skipped: the server reports {what} which says nothing about its features "
            f"(`{CMD} smoke --clients` tries them)"
        )
    needs = ", ".join(f"{f.title} >= {f.minimum} ({f.needs})" for f in found.floors)
    if found.verdict == "ok":
        return ok(f"Ollama {version} has what the clients need: {needs}")
    first, *rest = found.unmet
    summary = f"{first.title} needs Ollama >= {first.minimum} for {first.needs}"
    summary += "".join(f"; {f.title} needs >= {f.minimum}" for f in rest)
    return warn(
        f"{summary}; the server runs {version}",
        Fix(
            f"Update Ollama on the server to {found.update_to} or newer (macOS: update the "
            "app; Linux: run the install script again), then check again:",
            f"{CMD} doctor --only server.compat",
        ),
        "\n".join(f"{f.title} needs Ollama >= {f.minimum}: {f.needs}" for f in found.unmet),
    )


# --- conflicts -------------------------------------------------------------------------

_ASSIGN = re.compile(
    r"^\s*(?:export\s+|set\s+(?:-[a-zA-Z]+\s+)*|\$env:)?(?P<name>[A-Z_][A-Z0-9_]*)"
    r"(?:\s*=\s*|\s+)(?P<value>.*)$"
)


def _assignments(text: str, names: set[str]) -> list[tuple[int, str, str, bool]]:
    """(line, name, value, after_our_block) for each assignment of `names` outside our block."""
    out = []
    inside = False
    seen_block = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped == blocks.BEGIN:
            inside = True
            continue
        if stripped == blocks.END:
            inside, seen_block = False, True
            continue
        if inside or stripped.startswith("#"):
            continue
        match = _ASSIGN.match(line)
        if match and match.group("name") in names:
            value = match.group("value").strip().strip("'\"")
            out.append((number, match.group("name"), value, seen_block))
    return out


def _startup_files(ctx: Context) -> list[Path]:
    home = paths.home()
    found = [
        home / n
        for n in (".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshenv", ".zprofile")
    ]
    found.append(shells.zdotdir(ctx.environ) / ".zshrc")
    found.append(paths.xdg_config_home() / "fish" / "config.fish")
    return list(dict.fromkeys(found))


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def conflicts(ctx: Context) -> Result:
    expected = targets.shell_env(ctx.settings, look_for_env(ctx.environ)).variables
    names = set(expected) | {"OLLAMA_HOST", "ANTHROPIC_BASE_URL"}
    failures: list[str] = []
    warnings: list[str] = []
    for path in _startup_files(ctx):
        text = _read(path)
        if not text:
            continue
        for line, name, value, after in _assignments(text, names):
            where = f"{paths.display(path)}:{line} sets {name}={shown_value(name, value)}"
            if name in expected and after and value != expected[name]:
                failures.append(where + " after the ollama-client-setup block, so it wins")
            elif name in expected:
                warnings.append(where + " (the ollama-client-setup block overrides it)")
    home_env = paths.home() / ".env"
    cwd_env = Path(os.getcwd()) / ".env"
    for env_file in dict.fromkeys([home_env, cwd_env]):
        text = _read(env_file)
        if not text:
            continue
        for line, name, value, _ in _assignments(text, names):
            if name in expected and value != expected[name]:
                failures.append(
                    f"{paths.display(env_file)}:{line} sets {name}="
                    f"{shown_value(name, value)}; Aider loads .env files over the "
                    "shell's values"
                )
    local_aider = Path(os.getcwd()) / ".aider.conf.yml"
    if local_aider.exists() and local_aider != paths.home() / ".aider.conf.yml":
        warnings.append(f"{local_aider} overrides ~/.aider.conf.yml for aider runs in this folder")
    host_var = ctx.environ.get("OLLAMA_HOST", "")
    if host_var.split("://")[-1].rsplit(":", 1)[0].strip("[]") in ("0.0.0.0", "::"):
        failures.append(
            f"OLLAMA_HOST={host_var} is exported: that is a server's bind address; "
            "the ollama CLI and Python client would connect to 0.0.0.0"
        )
    key = ctx.environ.get("OPENAI_API_KEY", "")
    from ollama_client_setup.config import secrets

    own = secrets.load(ctx.settings.api_key_store) if ctx.settings.api_key_store else None
    if key.startswith("sk-") and key != own:
        warnings.append(
            f"a real OpenAI key ({shown_value('OPENAI_API_KEY', key)}) is exported; a "
            "tool sent to OpenAI by mistake would be billed"
        )
    if failures:
        return fail(
            failures[0],
            Fix("Remove or change those lines so one value wins, then open a new terminal."),
            "\n".join(failures + warnings),
        )
    if warnings:
        key_first = "real OpenAI key" in warnings[0]
        fix = (
            Fix(
                "Unset it in the shells you use with the server (or keep it only where you "
                "mean to use OpenAI); ollama-client-setup exports a placeholder instead."
            )
            if key_first
            else Fix("Nothing breaks now, but remove the duplicates to avoid surprises.")
        )
        return warn(warnings[0], fix, "\n".join(warnings))
    return ok("no other place sets these variables")
