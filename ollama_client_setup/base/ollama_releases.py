"""The Ollama releases that the tool's choices depend on, from Ollama's source
(docs/server.md, "Versions that matter"): one place, read by the clients' floors and compat."""

from __future__ import annotations

#: middleware/anthropic.go arrived in v0.14.0 (Claude Code's route).
MESSAGES_ROUTE = "0.14.0"
#: server/routes.go registers /v1/responses from v0.13.3 (openai/responses.go).
RESPONSES_ROUTE = "0.13.3"
#: openai/openai.go: reasoning_effort "none" turns thinking off from v0.12.4 (0.11.5 - 0.12.3
#: refuse it), the release that also turns thinking on by default (server/routes.go).
REASONING_NONE = "0.12.4"
#: anthropic/anthropic.go: /v1/messages reads thinking {"type": "disabled"} from v0.23.4.
THINKING_DISABLED = "0.23.4"
