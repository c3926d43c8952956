"""Every URL and variable the tool writes, derived from settings in one place.

The shapes follow docs/clients/: OLLAMA_API_BASE is the server root (Aider
appends /api/...), the OpenAI-style variables end in /v1.
"""

from __future__ import annotations

from ollama_client_setup.base.constants import PLACEHOLDER_KEY
from ollama_client_setup.base.validate import url_host
from ollama_client_setup.config.settings import Settings


def server_root(settings: Settings) -> str:
    return f"http://{url_host(settings.host)}:{settings.port}"


def openai_base(settings: Settings) -> str:
    return server_root(settings) + "/v1"


def aider_model(model: str) -> str:
    return f"ollama_chat/{model}"


def shell_variables(settings: Settings) -> dict[str, str]:
    """The variables every managed shell exports, in the order they are written."""
    root = server_root(settings)
    values = {
        "OLLAMA_API_BASE": root,
        "OPENAI_API_BASE": root + "/v1",
        "OPENAI_BASE_URL": root + "/v1",
    }
    if not settings.api_key_store:  # With a real key, the env files read it from its file.
        values["OPENAI_API_KEY"] = PLACEHOLDER_KEY
    # Exported values beat ~/.aider.conf.yml, so this must be Aider's own model.
    model = settings.model_for("aider")
    if model:
        values["AIDER_MODEL"] = aider_model(model)
    return values
