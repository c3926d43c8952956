"""Where Ollama releases differ, and the error texts the fake answers with.

Each fact names the release and the file of Ollama's source (github.com/ollama/ollama) that
shows it, so a test can ask the fake for an old server and get what that server says.
"""

from __future__ import annotations

import re

# api/types.go ShowResponse.Capabilities: absent before v0.6.4 (the field did not exist).
SHOW_CAPABILITIES = "0.6.4"
# api/types.go ChatRequest.Think (server/routes.go ChatHandler): v0.9.0. Older servers ignore
# the field; their thinking models write <think> into the content (not modelled).
THINK_FIELD = "0.9.0"
# api/types.go ProcessModelResponse.ContextLength (/api/ps): first in the v0.9.7 release
# candidates, first released in v0.10.0.
PS_CONTEXT_LENGTH = "0.9.7-rc0"
# openai/openai.go FromChatRequest: reasoning_effort arrives in v0.11.5 as a raw think value
# (so any effort is refused for all but gpt-oss); from v0.12.4 "none" turns thinking off and
# other values are checked (commit 1b91d4dda).
REASONING_EFFORT = "0.11.5"
REASONING_NONE = "0.12.4"
# server/routes.go ChatHandler: thinking is on by default for models that can from v0.12.4
# (commit 90d429f5a); before, a request without `think` gets no separate reasoning.
THINK_DEFAULT = "0.12.4"
# middleware/openai.go BaseWriter.writeError: up to v0.17 every handler error is wrapped as
# openai.NewError(500, ...) ("api_error"); from v0.18.0 the type follows the status.
OPENAI_ERROR_TYPES = "0.18.0"
# server/routes.go: /v1/responses first registered in v0.13.3 (openai/responses.go).
RESPONSES_ROUTE = "0.13.3"
# middleware/anthropic.go: /v1/messages first in v0.14.0.
MESSAGES_ROUTE = "0.14.0"
# anthropic/anthropic.go FromMessagesRequest: thinking {"type": "disabled"} turns it off from
# v0.23.4; before, only "enabled" is read and a thinking model always thinks.
ANTHROPIC_THINKING_DISABLED = "0.23.4"
# api/types.go ListModelResponse.Capabilities (/api/tags): v0.30.0.
TAGS_CAPABILITIES = "0.30.0"
# llm/llama_server.go (v0.30.0) replaced llm/server.go's memory check text.
LLAMA_SERVER_OOM = "0.30.0"


def version_key(text: str) -> tuple[int, int, int, int, str]:
    """Semantic order: "0.9.7-rc0" < "0.9.7"; unparsable text sorts as the newest."""
    match = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:-(\S+))?", text)
    if match is None:
        return (10**6, 0, 0, 1, "")
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch or 0), 0 if pre else 1, pre or "")


def since(version: str, first: str) -> bool:
    """Whether a server at `version` has what `first` introduced."""
    return version_key(version) >= version_key(first)


# -- error texts (exactly as Ollama writes them) ----------------------------------------------

# server/sched.go ErrMaxQueue (v0.15.2), answered 503 by routes.go handleScheduleError; the two
# spaces are Ollama's.
BUSY = "server busy, please try again.  maximum pending requests exceeded"
# server/routes.go ChatHandler / GenerateHandler (v0.15.2): GetModel fails.
NOT_FOUND = "model '{name}' not found"
# server/routes.go: errCapabilityCompletion; %q of the name as the request gave it.
NO_CHAT = '"{name}" does not support chat'
NO_GENERATE = '"{name}" does not support generate'
NO_THINKING = '"{name}" does not support thinking'
# server/routes.go ChatHandler (v0.11.4 - v0.15.2): a string think value on a non-gpt-oss model.
THINK_VALUE = 'think value "{value}" is not supported for this model'
# openai/openai.go FromChatRequest (v0.13.0 - v0.15.2).
INVALID_REASONING = (
    'invalid reasoning value: \'{value}\' (must be "high", "medium", "low", or "none")'
)
# server/images.go CheckCapabilities (v0.15.2): errCapabilities wraps the missing one.
NO_CAPABILITY = "registry.ollama.ai/library/{name} does not support {capability}"


def out_of_memory(version: str) -> str:
    """What a load that does not fit answers (500): llm/server.go (v0.15.2) checks system
    memory itself; from v0.30.0 llm/llama_server.go relays llama-server's own report."""
    if since(version, LLAMA_SERVER_OOM):
        return (
            "llama-server reported out-of-memory during startup: "
            "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 20480.00 MiB on device 0: "
            "cudaMalloc failed: out of memory"
        )
    return "model requires more system memory (21.5 GiB) than is available (15.2 GiB)"


def allowed_host(host: str) -> bool:
    """server/routes.go allowedHostsMiddleware + allowedHost (v0.15.2): a server bound to a
    loopback address answers only requests whose Host is loopback, private or unspecified,
    localhost, or ends in .localhost, .local or .internal; anything else gets an empty 403.
    (The machine's own host name passes too; the fake has none.)"""
    import ipaddress

    host = host.lower()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host in ("", "localhost") or host.endswith((".localhost", ".local", ".internal"))
    return address.is_loopback or address.is_private or address.is_unspecified
