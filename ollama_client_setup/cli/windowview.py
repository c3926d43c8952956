"""Measuring the server's window per model for init and `model use`, and saying what it
means: the number each client is pinned to or told, and any reload it would still cause."""

from __future__ import annotations

from ollama_client_setup.base.errors import RefusedError
from ollama_client_setup.checks import ollama_texts, windows
from ollama_client_setup.checks.doctor import server_fix
from ollama_client_setup.cli.app import Application
from ollama_client_setup.config.settings import Settings


def measure(
    app: Application,
    settings: Settings,
    models: list[str],
    timeout: float = windows.LOAD_DEADLINE,
    skip: str = "",
    refuse: bool = False,
) -> dict[str, int]:
    """The window the server gives each of `models` (loading each, within `timeout`); says
    what was loaded and what could not be learnt, and how to `skip` the wait. A model the
    server cannot load (no memory for it, an embedding model) is said with its fix, or with
    `refuse` ends the command (refused, exit 4) before anything is written. Merge the result with
    `windows.merged`."""
    if not models:
        return {}
    from ollama_client_setup.checks.catalog import human_tokens

    waiting = f"Loading {', '.join(models)} on the server to learn its window"
    waiting += f" (up to {timeout:g} s; {skip} skips this)" if skip else f" (up to {timeout:g} s)"
    with app.progress(waiting):
        found = windows.measure_settings(settings, models, timeout=timeout)
    for model, window in found.windows.items():
        load = found.loads.get(model, 0.0)
        if load >= 0.05:
            app.echo(f"Loaded {model} on the server in {load:.1f} s, so the first answer is quick.")
        app.echo(
            f"The server runs {model} with a {human_tokens(window)} window; every client is "
            "set to that window."
        )
    for model, why in found.errors.items():
        if ollama_texts.out_of_memory(why) or ollama_texts.cannot_chat(why):
            fix = server_fix.for_text(settings, why, model=model)
            text = f"the server cannot load {model}: {fix.text if fix else why}"
            if refuse:
                raise RefusedError(
                    f"{text} Nothing was changed.",
                    hint=f"Every request to it would fail the same way. {skip} switches anyway.",
                )
            app.warn(text)
            continue
        again = (
            windows.PIN_IT[0].upper() + windows.PIN_IT[1:] + "."
            if why == windows.UNREPORTED
            else "`ollama-client-setup init --yes` tries again."
        )
        app.warn(
            f"could not learn the server's window for {model} ({why}); clients that size "
            f"num_ctx themselves are not pinned for it. {again}"
        )
    return found.windows


def warn_reloads(app: Application, settings: Settings) -> None:
    for text in windows.reload_warnings(settings):
        app.warn(text)
