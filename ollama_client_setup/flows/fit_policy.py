"""What `init` and `model use` do about a model that does not fit its clients (checks/fit.py
judges): a model that cannot chat at all (an embedding model) is always refused, a misfit is
refused with --strict and said otherwise."""

from __future__ import annotations

from ollama_client_setup.base.errors import RefusedError
from ollama_client_setup.checks import fit
from ollama_client_setup.config.settings import Settings


def misfits(
    settings: Settings,
    affected: list[tuple[str, str, str]],
    strict: bool,
    chosen: str | None = None,
) -> list[str]:
    """The warnings for the `affected` uses (client, role, model) and `chosen` (the model
    being set, judged even when no client uses it yet); raises RefusedError for what must
    not be written. Nothing to say when the server cannot be asked: reachability is reported
    elsewhere."""
    from ollama_client_setup.checks.catalog import details_for, offer
    from ollama_client_setup.net.connect import connect
    from ollama_client_setup.net.ollama_types import ServerError

    wanted = [m for _, _, m in affected] + ([chosen] if chosen else [])
    if not wanted:
        return []
    try:
        with connect(settings, timeout=5.0) as client:
            infos = details_for(client, wanted)
    except ServerError:
        return []
    offers = {n: offer(i, settings.window_for(n)) for n, i in infos.items() if not i.error}
    verdicts = fit.misfits(settings, offers, affected)
    if chosen and chosen in offers:
        verdicts.insert(
            0, fit.judge(fit.CHAT.client, "chat", chosen, offers[chosen], need=fit.CHAT)
        )
    out = []
    for verdict in verdicts:
        if verdict.cannot_chat:  # no request could work: never written, --strict or not
            who = "" if verdict.need is fit.CHAT else f"{verdict.client} {verdict.role}: "
            raise RefusedError(
                f"{who}{verdict.reason()} Nothing was changed.",
                hint="`ollama-client-setup model list` shows which models can chat; to write "
                "it anyway, add --no-check (init: --no-probe).",
            )
        if verdict.fits:
            continue
        message = f"{verdict.client}: {verdict.reason()}"
        if strict:
            raise RefusedError(
                f"{message}; nothing was changed (--strict)",
                hint="Choose a model that fits (`ollama-client-setup model "
                "list` marks them), or leave out --strict.",
            )
        out.append(message)
    return out
