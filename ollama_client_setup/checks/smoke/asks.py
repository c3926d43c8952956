"""What `smoke` asks the server: the steps, their prompts, token limits and time limits."""

from __future__ import annotations

from typing import Any

from ollama_client_setup.checks.smoke.judges import TOOL_NAME
from ollama_client_setup.net.ollama_types import Message

DEFAULT_BUDGET = 120.0  # a cold load of a big model can take a minute
PROBE_TIMEOUT = 10.0  # list, /api/ps, /api/show, /api/version: no inference behind them
MIN_STEP = 0.05  # less time than this left: the step is not started

# Small answers: enough to see text, JSON and a tool call, never a long generation.
WARMUP_TOKENS = 16
CHAT_TOKENS = 16
STREAM_TOKENS = 32
JSON_TOKENS = 32
TOOL_TOKENS = 64
ANTHROPIC_TOKENS = 16
# What a thinking model may reason on top, where its reasoning cannot be turned off
# (gpt-oss always reasons; /v1/messages before 0.23.4) (docs/server.md, "Thinking models").
THINKING_ROOM = 512


PING: list[Message] = [{"role": "user", "content": "Reply with the single word: pong"}]
COUNT: list[Message] = [
    {"role": "user", "content": "Count from 1 to 10, separated by spaces. Only the numbers."}
]
JSON_PROMPT: list[Message] = [
    {
        "role": "user",
        "content": 'Reply with a JSON object with one key "answer" whose value is "pong".',
    }
]
TOOL_PROMPT: list[Message] = [
    {"role": "user", "content": "What is the weather in Paris right now? Use the get_weather tool."}
]
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": TOOL_NAME,
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city, e.g. Paris"}},
            "required": ["city"],
        },
    },
}

STEPS: tuple[tuple[str, str], ...] = (
    ("models", "the model is on the server"),
    ("load", "the model is loaded"),
    ("chat", "a chat completion answers"),
    ("stream", "a streamed answer flows"),
    ("json", "JSON mode returns JSON"),
    ("tools", "the model calls a tool"),
    ("anthropic", "Anthropic /v1/messages answers"),
)
