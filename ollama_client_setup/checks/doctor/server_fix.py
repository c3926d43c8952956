"""The fix for a failed exchange with the server, from what the server said (ollama_texts)
and then the kind of failure. doctor's checks, `smoke` and the model commands share it."""

from __future__ import annotations

from typing import Any

from ollama_client_setup.base.constants import CMD
from ollama_client_setup.base.results import Fix
from ollama_client_setup.checks import ollama_texts
from ollama_client_setup.config import endpoints
from ollama_client_setup.config.settings import Settings

SERVER_LOG = "macOS: ~/.ollama/logs/server.log; Linux: journalctl -u ollama"


def restart_command() -> str:
    return "launchctl kickstart -k gui/$(id -u)/com.ollama"


def host_check_fix() -> Fix:
    # The check ignores the port: `localhost` is enough. `tailscale serve` forwards the
    # incoming Host unchanged and has no option to set it (ipn/ipnlocal/serve.go, v1.90.4).
    return Fix(
        "The server answered 403 with an empty body: Ollama's Host check. Ollama listens "
        "only on 127.0.0.1 there and something in front of it (a proxy or tunnel) forwards "
        "the name you use as the Host header, which Ollama refuses. Make the proxy send a "
        "local Host (nginx: `proxy_set_header Host localhost;`, ngrok: "
        "`--host-header=localhost`, cloudflared: `--http-host-header localhost`), or let "
        "Ollama listen on the tailnet (OLLAMA_HOST=0.0.0.0 in its service, which keeps port "
        "11434) and use the server's own address. `tailscale serve` cannot change the Host "
        "it forwards: with it, only OLLAMA_HOST helps."
    )


def memory_fix(text: str | None, model: str | None) -> Fix:
    numbers = ollama_texts.memory_numbers(text)
    said = f" (it needs {numbers[0]}, {numbers[1]} is available)" if numbers else ""
    which = model or "the model"
    # Ollama unloads its other models before it gives up (llm/server.go, v0.15.2): this
    # model alone does not fit at this window.
    return Fix(
        f"The server does not have the memory to load {which}{said}, even with every other "
        "model unloaded. Choose a smaller model or a smaller quantisation of it (a q4 tag "
        "instead of q8 or fp16), or give it a smaller window: the window's cache grows with "
        "OLLAMA_CONTEXT_LENGTH on the server and with `init --context`.",
        f"{CMD} model list",
    )


def embedding_fix(model: str | None) -> Fix:
    return Fix(
        f"{model or 'The model'} is an embedding model: it turns text into vectors and "
        "cannot chat. Choose a chat model (`model list` shows which can chat).",
        f"{CMD} model use MODEL",
    )


def busy_fix() -> Fix:
    return Fix(
        "The server is busy: more requests are waiting than its queue holds "
        "(OLLAMA_MAX_QUEUE, 512 by default), so it refuses new ones with 503. Try again in a "
        "moment; if it stays busy, something is flooding it, or raise OLLAMA_MAX_QUEUE and "
        "OLLAMA_NUM_PARALLEL in its service."
    )


def for_text(
    settings: Settings,
    text: str | None,
    *,
    status: int | None = None,
    empty: bool = False,
    model: str | None = None,
) -> Fix | None:
    """The fix the server's own words point at, or None."""
    if ollama_texts.host_check(status, text, empty):
        return host_check_fix()
    if ollama_texts.cannot_chat(text):
        return embedding_fix(model or settings.model)
    if ollama_texts.out_of_memory(text):
        return memory_fix(text, model or settings.model)
    if ollama_texts.busy(status, text):
        return busy_fix()
    if status == 404 and ollama_texts.missing_model(text):
        name = model or settings.model or "MODEL"
        return Fix(
            f"The server has no model called {name}: pull it there, or choose one it has.",
            f"{CMD} model list",
        )
    return None


def for_answer(settings: Settings, exc: Any, model: str | None = None) -> Fix | None:
    """for_text on a ServerError."""
    return for_text(
        settings,
        exc.server_message,
        status=exc.status,
        empty=getattr(exc, "empty", False),
        model=model,
    )


def for_failure(settings: Settings, exc: Any, model: str | None = None) -> Fix | None:
    """The fix for any ServerError: the server's words first, then its category. None for
    REFUSED (network.py gives the listening advice)."""
    from ollama_client_setup.net.ollama_types import Category

    found = for_answer(settings, exc, model)
    if found is not None:
        return found
    category = exc.category
    if category is Category.NOT_OLLAMA:
        return Fix(
            f"Another program answers on port {settings.port}. Check the host and "
            "port, or stop what occupies the port on the server.",
            f"{CMD} init --host HOST --port PORT",
        )
    if category is Category.TIMEOUT:
        return Fix(
            "The server accepts connections but does not answer: Ollama may be stuck or "
            "overloaded. Restart it on the server.",
            restart_command(),
        )
    if category is Category.HTTP_STATUS and exc.status == 403:
        return Fix(
            "Something in front of Ollama (a proxy with its own access rules) refuses this "
            "request. Use the server's own address and port."
        )
    if category is Category.REDIRECT:
        return Fix(
            "The address redirects elsewhere; point the tool at the server itself.",
            f"{CMD} init --host HOST",
        )
    if category is Category.STREAM_ERROR:
        return Fix(
            "The server broke off the answer after it had begun: the model crashed or ran "
            f"out of memory. Look at the server's log ({SERVER_LOG}), or try a smaller model "
            "or quantisation."
        )
    if category is Category.HTTP_STATUS and exc.status == 500:
        return Fix(
            "The server could not run the model (500): it failed to load or crashed. Look "
            f"at the server's log ({SERVER_LOG}), or try a smaller model or quantisation."
        )
    if category is Category.REFUSED:
        return None
    return Fix(
        f"Check that {endpoints.server_root(settings)} is the Ollama server and that it is healthy."
    )
