"""--deep: real, small inference requests against the configured model."""

from __future__ import annotations

from ollama_client_setup.base import names
from ollama_client_setup.base.results import Fix, Result, fail, ok, skip, warn
from ollama_client_setup.checks import compat, ollama_texts
from ollama_client_setup.checks.catalog import resolve_name
from ollama_client_setup.checks.doctor.context import Context
from ollama_client_setup.checks.doctor.network import _client, _server_failure

PROMPT = [{"role": "user", "content": "Reply with the single word: pong"}]
#: Tokens the stream check asks for; its advice names the same number.
STREAM_TOKENS = 16


def _model(ctx: Context) -> str | None:
    available = ctx.data("server.models").get("models", [])
    return resolve_name(ctx.settings.model, available) if ctx.settings.model else None


def _no_reasoning(ctx: Context) -> str | None:
    """reasoning_effort "none" where the server takes it (0.12.4 on): a thinking model would
    spend these few tokens reasoning; a model without thinking ignores it."""
    from ollama_client_setup.base.ollama_releases import REASONING_NONE

    version = ctx.data("server.version").get("version")
    return "none" if compat.at_least(version, REASONING_NONE) else None


def _seconds(ns: int | None) -> float | None:
    return ns / 1e9 if ns else None


def chat(ctx: Context) -> Result:
    from ollama_client_setup.net.ollama_types import ServerError

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
    from ollama_client_setup.net.ollama_types import ServerError

    model = _model(ctx)
    if model is None:
        return skip("skipped: no model chosen")
    try:
        with _client(ctx, 30.0) as client:
            result = client.openai_chat_stream(
                model,
                PROMPT,
                max_tokens=STREAM_TOKENS,
                reasoning_effort=_no_reasoning(ctx),
                deadline=ctx.remaining(60.0),
            )
    except ServerError as exc:
        return _server_failure(ctx, exc)
    from ollama_client_setup.checks.smoke.judges import (
        judge_stream,  # one verdict for streams, shared with `smoke`
    )

    return judge_stream(result, STREAM_TOKENS)


def anthropic(ctx: Context) -> Result:
    from ollama_client_setup.net.ollama_types import Category, ServerError

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
        # A model the server lacks answers 404 too, with its words (not_found_error); a
        # missing route is gin's plain "404 page not found" (ollama_texts).
        missing_model = ollama_texts.missing_model(exc.server_message)
        if exc.category is Category.HTTP_STATUS and exc.status == 404 and not missing_model:
            version = ctx.data("server.version").get("version", "unknown")
            fix = Fix(
                f"Claude Code needs Ollama {compat.ROUTES['/v1/messages']} or newer for "
                f"/v1/messages (the server runs {version}). Update Ollama on the server."
            )
            return (fail if needed else warn)("the server has no Anthropic /v1/messages route", fix)
        return _server_failure(ctx, exc)
    return ok("/v1/messages answers (Claude Code's route)")


#: A second identical request that still loads for longer than this means a reload.
RELOAD_NS = 200_000_000


def reload(ctx: Context) -> Result:
    """Two identical requests: a load on the second means the model is reloaded between
    requests (field failure 8), usually because clients ask for different context sizes."""
    from ollama_client_setup.net.ollama_types import ServerError

    model = _model(ctx)
    if model is None:
        return skip("skipped: no model chosen")
    try:
        with _client(ctx, 30.0) as client:
            client.chat(model, PROMPT, options={"num_predict": 1}, deadline=ctx.remaining(60.0))
            second = client.chat(
                model, PROMPT, options={"num_predict": 1}, deadline=ctx.remaining(60.0)
            )
    except ServerError as exc:
        return _server_failure(ctx, exc)
    if (second.load_duration or 0) > RELOAD_NS:
        seconds = (second.load_duration or 0) / 1e9
        return warn(
            f"the model reloads between requests ({seconds:.1f} s load on an identical request)",
            Fix(
                "Usually clients ask for different context sizes (num_ctx), and every change "
                "reloads the model. `init` measures the server's window and pins every "
                "client to it; run it again (the `runners` check shows what each client "
                "sends):",
                "ollama-client-setup init --yes",
            ),
            "Other causes: OLLAMA_KEEP_ALIVE too short on the server, or more models in use "
            "than OLLAMA_MAX_LOADED_MODELS allows.",
        )
    return ok("an identical second request did not reload the model")


#: A prompt of about this many tokens (four characters each) probes the window.
PROBE_TOKENS = 8192


def context(ctx: Context) -> Result:
    """The window the server really gives this model: /api/ps when it says, otherwise a
    prompt of known length, whose prompt_eval_count shows a silent cut (failure 2)."""
    from ollama_client_setup.checks import fit
    from ollama_client_setup.net.ollama_types import ServerError

    model = _model(ctx)
    if model is None:
        return skip("skipped: no model chosen")
    # The clients that run this model, and what each needs of its window.
    users = {(c, r) for c, r, m in fit.uses(ctx.settings) if names.key(m) == names.key(model)}
    needs = [n for n in fit.needs() if (n.client, n.role) in users and n.min_context]
    try:
        with _client(ctx, 30.0) as client:
            try:
                most = client.show(model).context_length
            except ServerError:
                most = None
            try:
                loaded = {names.key(m.name): m for m in client.ps()}.get(names.key(model))
            except ServerError:
                loaded = None  # Servers before /api/ps: measure instead.
            window = loaded.context_length if loaded else None
            source = "reported by the server"
            if not window:
                words = " ".join(["token"] * PROBE_TOKENS)
                answer = client.chat(
                    model,
                    [{"role": "user", "content": words}],
                    options={"num_predict": 1},
                    deadline=ctx.remaining(90.0),
                )
                counted = answer.prompt_eval_count or 0
                if counted >= PROBE_TOKENS * 0.9:
                    return ok(f"the window holds a {PROBE_TOKENS}-token prompt")
                window, source = counted, f"a {PROBE_TOKENS}-token prompt was cut to {counted}"
    except ServerError as exc:
        return _server_failure(ctx, exc)
    # A need above the model's own maximum is model.fit's finding: no server setting helps.
    short = [
        n
        for n in needs
        if window < (n.min_context or 0) and (most is None or most >= (n.min_context or 0))
    ]
    if short:
        need = max(n.min_context or 0 for n in short)
        wants = ", ".join(f"{n.client} needs {(n.min_context or 0) // 1024}k" for n in short)
        return warn(
            f"{model} runs with a {window // 1024}k window ({source}); {wants}",
            Fix(fit.server_fix(need)),
        )
    return ok(f"{model} runs with a {window // 1024}k window ({source})")


def origin(ctx: Context) -> Result:
    """Ollama refuses browser origins it does not know (its allow-list). Command-line
    clients send no Origin; a web UI or browser extension would be refused (failure 12)."""
    import httpx

    from ollama_client_setup.config import endpoints

    url = endpoints.server_root(ctx.settings) + "/api/version"
    try:
        with httpx.Client(timeout=ctx.remaining(3.0), trust_env=False) as client:
            answer = client.get(url, headers={"Origin": "https://webui.example"})
    except httpx.HTTPError as exc:
        return skip(f"skipped: the origin probe did not complete ({type(exc).__name__})")
    if answer.status_code == 403:
        return ok(
            "requests from browser pages are refused (Ollama's origin allow-list); "
            "command-line clients are not affected",
            "A browser-based client needs its origin in OLLAMA_ORIGINS on the server.",
        )
    return ok("requests with a browser Origin are accepted")


#: Time kept back from the doctor's budget: stopping a client takes up to a second.
CLIENTS_MARGIN = 1.5


def clients_run(ctx: Context) -> Result:
    """Each managed client, run once headless against the server (see clientrun)."""
    from ollama_client_setup.checks.clientrun import runner

    if not ctx.settings.clients:
        return skip("skipped: no client is managed here")
    runs = runner.run_clients(
        ctx.settings,
        environ=ctx.environ,
        timeout=runner.DEFAULT_TIMEOUT,
        deadline=ctx.deadline - CLIENTS_MARGIN,
    )
    return runner.combine(runs)
