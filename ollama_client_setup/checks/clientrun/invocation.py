"""What to run for one client: the command, its environment and the prompt.

How a client runs (docs/clients/, "Running each client once, headless"):

- Its environment is what the managed shell files give: this process's environment minus
  every variable that tells a client where its server, model or key is (OPENAI_*,
  ANTHROPIC_*, OLLAMA_*, AIDER_*, CLAUDE_CODE_*, OPENCODE_CONFIG), plus the variables of
  ``plan.shell_env``. A stale export in this shell, or a real cloud key, cannot make a
  run pass or fail. Locations (HOME, XDG_*, CODEX_HOME, CLAUDE_CONFIG_DIR, ...) are kept:
  they say where the files the tool wrote are.
- Claude Code in launcher mode also gets the `claude-ollama` launcher's variables, as that
  launcher would pass them; in settings mode plain `claude` reads settings.json. Either way
  CLAUDE_CODE_MAX_RETRIES=0, or it retries for minutes when the server is down.

What each client needs is its ClientSpec's ``headless``; nothing per client is known here.
"""

from __future__ import annotations

import contextlib
import secrets
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ollama_client_setup import plan as targets
from ollama_client_setup.clients import registry
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.plan.machine import look_for_env
from ollama_client_setup.shells.profiles import ShellEnv

#: Variables that steer a client to a server, model or key: never inherited from this process.
STRIPPED_PREFIXES = ("OLLAMA_", "OPENAI_", "ANTHROPIC_", "AIDER_", "CLAUDE_CODE_")
STRIPPED_NAMES = frozenset({"OPENCODE_CONFIG"})

PROMPT = "Reply with exactly this word and nothing else: {token}"
_WORDS = ("PINEAPPLE", "MANGO", "APRICOT", "PAPAYA", "LYCHEE", "QUINCE", "GUAVA", "KUMQUAT")


def new_token() -> str:
    """A word no model says unprompted, e.g. PINEAPPLE-47."""
    return f"{secrets.choice(_WORDS)}-{secrets.randbelow(90) + 10}"


# -- what to run ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invocation:
    client: str
    title: str
    program: str
    #: The arguments after the program.
    args: tuple[str, ...]
    env: dict[str, str]
    #: The same run as a user would type it in a new terminal.
    shown: str
    model: str | None


def stripped(name: str) -> bool:
    return name in STRIPPED_NAMES or name.startswith(STRIPPED_PREFIXES)


def environment(
    settings: Settings, environ: Mapping[str, str], shell: ShellEnv | None = None
) -> dict[str, str]:
    """This process's environment without the steering variables, plus the managed ones."""
    env = {name: value for name, value in environ.items() if not stripped(name)}
    shell = shell or targets.shell_env(settings, look_for_env(environ))
    env.update(shell.variables)
    # With a real API key the env files read OPENAI_API_KEY from a 0600 file (a line, as
    # the shell's `read` takes it); a missing file leaves it unset there too.
    secret = getattr(shell, "secret_file", None)
    if secret is not None:
        with contextlib.suppress(OSError):
            lines = Path(secret).read_text(encoding="utf-8").splitlines()
            if lines:
                env["OPENAI_API_KEY"] = lines[0]
    env["NO_COLOR"] = "1"
    return env


def invocation(
    settings: Settings, name: str, prompt: str, environ: Mapping[str, str]
) -> Invocation:
    """How to run client `name` once with `prompt`, as its ClientSpec.headless says."""
    from ollama_client_setup.clients import base as clients

    client = clients.get(name)
    headless = registry.spec(name).headless
    shell = targets.shell_env(settings, look_for_env(environ))
    env = environment(settings, environ, shell)
    mode = settings.mode_for(name)
    args = headless.args(prompt, mode)
    env.update(headless.env)
    launcher = None
    if headless.via_launcher(mode):
        found = [item for item in shell.launchers if item.program == client.program]
        if found:
            launcher = found[0]
            env.update(launcher.variables)
    typed = launcher.name if launcher else client.program
    prefix = "".join(f"{key}={value} " for key, value in headless.env.items())
    return Invocation(
        client=name,
        title=client.title,
        program=client.program,
        args=args,
        env=env,
        shown=prefix + shlex.join([typed, *args]),
        model=settings.model_for(name),
    )
