"""What the managed clients cost the server: one runner per model, and a warm prompt cache.

`sharing` reads the settings alone: the num_ctx each client's requests will carry for each
model (docs/server.md, "One window per model"). `runners` (doctor --deep) adds what the
server does: two identical prompts show whether it reuses the first one's cached prefix, and
a third prompt in between shows whether it keeps more than one prompt (OLLAMA_NUM_PARALLEL).
"""

from __future__ import annotations

import secrets

from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.results import Fix, Result, ok, skip, warn
from ollama_client_setup.checks import windows
from ollama_client_setup.checks.catalog import human_tokens
from ollama_client_setup.checks.doctor.context import Context
from ollama_client_setup.clients import registry
from ollama_client_setup.config.settings import Settings

#: A prompt long enough that its cached part is unmistakable (about 1,200 tokens).
_BODY = " ".join(f"line {n}: the quick brown fox jumps over the lazy dog." for n in range(100))
#: Below this share of the prompt reused on an identical second request, the cache is lost.
REUSE_FLOOR = 0.9


def sharing(settings: Settings) -> Result:
    """ok when, for every model in use, every managed client runs it with one window."""
    shares = windows.sharing(settings)
    if not shares:
        return skip("skipped: no managed client has a model")
    problems = windows.reload_warnings(settings)
    lines = [f"{s.model}: {s.describe()}" for s in shares]
    if problems:
        return warn(
            "switching between clients restarts the model on the server: " + problems[0],
            Fix(
                "Measure the server's window again and pin every client to it:",
                f"{CMD} init --yes",
            ),
            "\n".join([*lines, *problems[1:]]),
            models=[s.model for s in shares],
        )
    unknown = [s.model for s in shares if s.window is None]
    if unknown:
        return warn(
            f"the server's window for {', '.join(unknown)} is not known yet, so the clients "
            "are told no number and may overflow it",
            Fix("Learn it (this loads the model once):", f"{CMD} init --yes"),
            "\n".join(lines),
        )
    summary = ", ".join(f"{s.model} at {human_tokens(s.window)}" for s in shares)
    return ok(f"every client runs one runner per model ({summary})", "\n".join(lines))


def _prompt(nonce: str) -> list[dict[str, str]]:
    # The nonce comes first, so nothing of an earlier run's prompt can be reused.
    return [{"role": "user", "content": f"[{nonce}] {_BODY}\nReply with: ok"}]


def runners(ctx: Context) -> Result:
    """sharing(), then the prompt cache measured with four small requests."""
    from ollama_client_setup.checks.doctor.deep import _model
    from ollama_client_setup.checks.doctor.network import _client, _server_failure
    from ollama_client_setup.net.ollama_types import ServerError

    static = sharing(ctx.settings)
    model = _model(ctx)
    if model is None:
        return static
    first, other = secrets.token_hex(6), secrets.token_hex(6)
    times: list[int] = []
    tokens = 0
    try:
        with _client(ctx, 30.0) as client:
            for nonce in (first, first, other, first):
                answer = client.chat(
                    model,
                    _prompt(nonce),
                    options={"num_predict": 1},
                    deadline=ctx.remaining(60.0),
                )
                # prompt_eval_count counts the cached tokens too; only the time spent on the
                # prompt shows what was really evaluated (docs/server.md, "The prompt cache").
                times.append(answer.prompt_eval_duration or 0)
                tokens = tokens or (answer.prompt_eval_count or 0)
    except ServerError as exc:
        return _server_failure(ctx, exc)
    whole, again, _, after = times
    if whole <= 0:
        return static  # The server reports no prompt timings: nothing to measure with.
    reused = max(0.0, 1 - again / whole)
    kept = after < whole * (1 - REUSE_FLOOR)
    measured = (
        f"an identical second prompt reused {reused:.0%} of the first one's {tokens} tokens; "
        + (
            "the server keeps more than one prompt"
            if kept
            else "a prompt in between evicted it (the server keeps one prompt per model)"
        )
    )
    detail: str | None = "\n".join(filter(None, [static.detail, measured]))
    if reused < REUSE_FLOOR:
        detail = static.detail or None  # the summary says what was measured
        return warn(
            f"the server re-reads whole prompts: {measured}",
            Fix(
                "The prompt cache is not working: every request pays for its whole prompt. "
                "If the model restarts between requests, the clients send different "
                "windows (see above); otherwise check OLLAMA_KEEP_ALIVE and the server log."
            ),
            detail,
        )
    hurt = [s.side_request for s in registry.specs(ctx.settings.clients) if s.side_request]
    if hurt and not kept:
        return warn(
            f"{hurt[0]} evicts the answer's cached prompt: the server keeps one prompt per model",
            Fix(
                "Let the server keep two prompts per model, each in its own slot: add "
                "OLLAMA_NUM_PARALLEL=2 and OLLAMA_MULTIUSER_CACHE=1 to the server's "
                "environment (macOS: EnvironmentVariables in "
                "~/Library/LaunchAgents/com.ollama.plist, then `launchctl kickstart -k "
                "gui/$(id -u)/com.ollama`; systemd: Environment= lines in `systemctl edit "
                "ollama`). Without the second one a new prompt still takes the first slot. "
                "It costs the memory of a second window, and keeps the answer's cache in "
                "most sessions (not when the title lands first in one session and second in "
                "the next). Or give OpenCode a small second model for titles (`small_model` "
                "in your opencode.json): its own runner, never the answer's."
            ),
            detail,
        )
    if static.status.value != "ok":
        return Result(static.status, static.summary, detail, static.fix, data=static.data)
    return ok(f"{static.summary}; {measured}", detail)
