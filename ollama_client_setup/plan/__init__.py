"""Targets: what each shell and client should look like, as changes. No I/O here: what the
machine looks like comes in as a Machine (plan/machine.py's look gathers it first)."""

from __future__ import annotations

from ollama_client_setup.base import paths
from ollama_client_setup.clients import base as clients
from ollama_client_setup.config import endpoints, secrets
from ollama_client_setup.config.settings import Settings
from ollama_client_setup.edits.changes import Change, SecretFile
from ollama_client_setup.plan.own import SettingsFile
from ollama_client_setup.shells import profiles as shells
from ollama_client_setup.shells.machine import Machine


def shell_env(settings: Settings, machine: Machine) -> shells.ShellEnv:
    """The variables and launchers every managed shell gets, clients' additions included,
    and the tool's own folder when the PATH lacks it (Machine.path_append, decided by
    look or look_for_env from one snapshot, so the same snapshot plans the same files)."""
    variables = endpoints.shell_variables(settings)
    launchers: list[shells.Launcher] = []
    for name in settings.clients:
        client = clients.get(name)
        ctx = clients.context(settings, name, machine)
        variables.update(client.shell_variables(ctx))
        launchers += client.launchers(ctx)
    secret = secrets.key_file() if settings.api_key_store else None
    return shells.ShellEnv(variables, tuple(launchers), secret, machine.path_append)


def build(settings: Settings, machine: Machine, secret: str | None = None) -> list[Change]:
    """Every change the settings call for; the settings file itself comes first. `secret`
    is the API key when the settings say there is one (read by the caller, not here);
    `machine` is what look(settings, ...) found."""
    out: list[Change] = [SettingsFile(paths.settings_file(), settings)]
    if settings.api_key_store and secret:
        out.append(SecretFile(secrets.key_file(), "secret", secret + "\n", mode=0o600))
    out += shells.changes(
        settings.shells,
        shell_env(settings, machine),
        machine,
        completion=settings.completion,
    )
    for name in settings.clients:
        out += clients.get(name).changes(clients.context(settings, name, machine))
    return out


#: The shells whose start-up files uninstall scans for a block.
SCANNED = ("bash", "zsh", "sh")


def scan_candidates(machine: Machine) -> list[Change]:
    """Every start-up file any supported shell could hold a block in (for uninstall), from
    look_at_shells(environ, SCANNED)."""
    return shells.changes(SCANNED, shells.ShellEnv({}), machine)
