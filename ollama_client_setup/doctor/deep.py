"""--deep: real, small inference requests against the configured model."""

from __future__ import annotations

from ..models import resolve_name
from .model import Context, Fix, Result, fail, ok, skip, warn
from .network import _client, _server_failure

PROMPT = [{"role": "user", "content": "Reply with the single word: pong"}]


def _model(ctx: Context) -> str | None:
    available = ctx.data("server.models").get("models", [])
    return resolve_name(ctx.settings.model, available) if ctx.settings.model else None


def _seconds(ns: int | None) -> float | None:
    return ns / 1e9 if ns else None


def chat(ctx: Context) -> Result:
    from ..server import ServerError

    model = _model(ctx)
    if model is None:
        return skip("skipped: no model chosen")
    try:
        with _client(ctx, 30.0) as client:
            answer = client.chat(
                model, PROMPT, options={"num_predict": 8}, deadline=ctx.remaining(60.0)
            )
    except ServerError as exc:
        return _server_failure(ctx, exc)
    load = _seconds(answer.load_duration)
    note = f"; loading the model took {load:.1f} s" if load and load > 1 else ""
    return ok(f"{model} answered in {answer.elapsed:.1f} s{note}", load_seconds=load or 0.0)


def stream(ctx: Context) -> Result:
    from ..server import ServerError

    model = _model(ctx)
    if model is None:
        return skip("skipped: no model chosen")
    try:
        with _client(ctx, 30.0) as client:
            result = client.openai_chat_stream(
                model, PROMPT, max_tokens=16, deadline=ctx.remaining(60.0)
            )
    except ServerError as exc:
        return _server_failure(ctx, exc)
    if result.time_to_first_token is None:
        return warn(
            "the stream ended without any text",
            Fix("The model answered nothing; try another model."),
        )
    if result.chunks <= 1 and result.total > 1.0:
        return warn(
            "the answer arrived in one piece at the end",
            Fix(
                "Something between here and the server buffers the stream (a reverse "
                "proxy); turn buffering off there."
            ),
        )
    return ok(
        f"first token after {result.time_to_first_token:.2f} s, "
        f"{result.chunks} chunks in {result.total:.2f} s"
    )


def anthropic(ctx: Context) -> Result:
    from ..server import Category, ServerError

    model = _model(ctx)
    if model is None:
        return skip("skipped: no model chosen")
    needed = "claude-code" in ctx.settings.clients
    try:
        with _client(ctx, 30.0) as client:
            client.anthropic_messages(
                model, PROMPT, max_tokens=16, stream=False, deadline=ctx.remaining(60.0)
            )
    except ServerError as exc:
        if exc.category is Category.HTTP_STATUS and exc.status == 404:
            version = ctx.data("server.version").get("version", "unknown")
            fix = Fix(
                f"Claude Code needs Ollama 0.14.0 or newer for /v1/messages (the server "
                f"runs {version}). Update Ollama on the server."
            )
            return (fail if needed else warn)("the server has no Anthropic /v1/messages route", fix)
        return _server_failure(ctx, exc)
    return ok("/v1/messages answers (Claude Code's route)")
