"""The configured models: on the server, and suited to the clients that use them (fit.py)."""

from __future__ import annotations

from typing import Any

from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.results import Fix, Result, fail, ok, skip, warn
from ollama_client_setup.checks.catalog import closest, did_you_mean, resolve_name
from ollama_client_setup.checks.doctor.context import Context
from ollama_client_setup.checks.doctor.network import _client, _server_failure


def model_available(ctx: Context) -> Result:
    available: list[str] = ctx.data("server.models").get("models", [])
    from ollama_client_setup.checks import fit

    uses = fit.by_model(ctx.settings)
    if not uses:
        suggestion = available[0] if available else "MODEL"
        return warn(
            "no model is chosen yet",
            Fix("Choose one of the server's models:", f"{CMD} model use {suggestion}"),
        )
    missing = [name for name in uses if resolve_name(name, available) is None]
    if not missing:
        return ok(", ".join(f"{n} ({', '.join(u)})" for n, u in uses.items()) + " available")
    name = missing[0]
    close = closest(name, available)
    hint = did_you_mean(name, available)
    command = f"{CMD} model use {close[0]}" if close else f"ollama pull {name}"
    return fail(
        f"{name} ({', '.join(uses[name])}) is not on the server",
        Fix(f"Pick a model the server has, or pull this one on the server.{hint}", command),
        "missing: " + ", ".join(missing),
        missing=missing,
    )


def _others(first: Any, verdicts: list[Any]) -> str | None:
    """The other misfits, a line each, naming the client; one reason is said once."""
    said = {first.reason()}
    lines = []
    for v in verdicts[1:]:
        role = f" {v.role}" if v.role != "chat" else ""
        reason = v.reason()
        lines.append(f"{v.client}{role}: " + ("the same" if reason in said else reason))
        said.add(reason)
    return "\n".join(lines) or None


def model_fit(ctx: Context) -> Result:
    """Each managed client's model has the capabilities it needs, and a big enough window."""
    from ollama_client_setup.checks import fit
    from ollama_client_setup.checks.catalog import details_for, offer
    from ollama_client_setup.net.ollama_types import ServerError

    uses = fit.uses(ctx.settings)
    if not uses:
        return skip("skipped: no managed client has a model")

    def ask() -> tuple[Any, Exception | None]:
        try:
            with _client(ctx, 3.0) as client:
                return details_for(client, [model for _, _, model in uses]), None
        except ServerError as exc:
            return None, exc

    infos, error = ctx.fact("details", ask)
    if error is not None:
        if isinstance(error, ServerError):
            return _server_failure(ctx, error)
        raise error
    settings = ctx.settings
    verdicts = [
        fit.judge(
            client,
            role,
            model,
            offer(infos[model], settings.window_for(model)),
            settings.options(client).context,
        )
        for client, role, model in uses
    ]
    missing = sorted((v for v in verdicts if v.missing), key=lambda v: not v.cannot_chat)
    small = [v for v in verdicts if v.small_window and not v.missing]
    if missing and missing[0].cannot_chat:
        v = missing[0]
        from ollama_client_setup.checks.doctor.server_fix import embedding_fix

        role = " --role autocomplete" if v.role == "autocomplete" else ""
        command = f"{CMD} model use MODEL" + (
            f" --client {v.client}{role}" if v.model != settings.model else ""
        )
        fix = Fix(embedding_fix(v.model).text, command)
        others = _others(v, missing + small)
        return fail(
            f"{v.client}{' ' + v.role if v.role != 'chat' else ''}: {v.reason()}", fix, others
        )
    if missing:
        v = missing[0]
        return fail(
            f"{v.client}{' ' + v.role if v.role != 'chat' else ''}: {v.reason()}",
            Fix(
                f"Choose a model with {', '.join(v.need.capabilities)} for {v.client} "
                "(`ollama-client-setup model list` marks which fit):",
                f"{CMD} model use MODEL --client {v.client}"
                + (" --role autocomplete" if v.role == "autocomplete" else ""),
            ),
            _others(v, missing + small),
        )
    if small:
        v = small[0]
        need = v.need.min_context or fit.AGENT_CONTEXT
        others = _others(v, small)
        if v.model_too_small:
            return warn(
                f"{v.client}: {v.reason()}",
                Fix(
                    f"No server setting can give {v.model} more than it supports; "
                    f"choose a model with a window of {need // 1024}k or more for "
                    f"{v.client} (`{CMD} model list` shows each model's context):",
                    f"{CMD} model use MODEL --client {v.client}",
                ),
                others,
            )
        ways = fit.server_fix(need)
        if v.need.requests_context:
            ways += f" Or let the tool ask for it per request: `{CMD} init --context {need}`."
        else:
            ways += f" {v.client} cannot ask for a window itself, so the server's is the one."
        return warn(f"{v.client}: {v.reason()}", Fix(ways), others)
    blind = sorted({v.model for v in verdicts if v.unknown})
    if blind:
        return ok(
            "no model is known to lack what its client needs, but "
            + fit.UNKNOWN_CAPABILITIES.format(model=", ".join(blind)),
            unknown_capabilities=blind,
        )
    unknown = [v for v in verdicts if v.window is None and v.need.min_context]
    if unknown:
        names = ", ".join(sorted({v.model for v in unknown}))
        return ok(
            f"every client's model has what it needs (window of {names} not known "
            "until it is loaded; `doctor --deep` measures it)"
        )
    return ok("every client's model has what it needs")
