"""The models the fake Ollama server has pulled: :class:`FakeModel` and ready-made ones."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeModel:
    """One model the fake server has pulled."""

    name: str
    family: str = "qwen2"
    parameter_size: str = "7.6B"
    quantization_level: str = "Q4_K_M"
    size: int = 4_683_087_332
    context_length: int = 32768  # the most the model supports (/api/show)
    capabilities: list[str] = field(default_factory=lambda: ["completion", "tools", "insert"])
    # Whether a runner serves it, and its num_ctx (/api/ps): the initial state, then kept up to
    # date by the scheduler; a test may set them (a runner at loaded_context, or none). Like
    # any runner, one at another num_ctx than default_context restarts for requests without.
    loaded: bool = False
    loaded_context: int | None = None
    architecture: str = "qwen2"
    modified_at: str = "2025-06-01T10:00:00.000000+02:00"
    # Words of reasoning before each answer when thinking is on (a "thinking" model).
    thinks: int = 48
    # A runner at this num_ctx or more does not fit in the server's memory (0: none fits).
    oom_context: int | None = None

    @property
    def thinking(self) -> bool:
        return "thinking" in self.capabilities

    @property
    def always_reasons(self) -> bool:
        """gpt-oss reasons whatever the request says (its harmony format has no "off")."""
        return self.thinking and self.family == "gptoss"

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.name.encode()).hexdigest()

    @property
    def details(self) -> dict[str, Any]:
        return {
            "parent_model": "",
            "format": "gguf",
            "family": self.family,
            "families": [self.family],
            "parameter_size": self.parameter_size,
            "quantization_level": self.quantization_level,
        }


def default_models() -> list[FakeModel]:
    """A coder model (tools, insert) loaded at 32k, a general one not loaded, one without tools."""
    return [
        FakeModel("qwen2.5-coder:7b", loaded=True, loaded_context=32768),
        FakeModel(
            "llama3.2:3b",
            family="llama",
            architecture="llama",
            parameter_size="3.2B",
            size=2_019_393_189,
            context_length=131072,
            capabilities=["completion", "tools"],
        ),
        FakeModel(
            "starcoder2:3b",
            family="starcoder2",
            architecture="starcoder2",
            parameter_size="3B",
            quantization_level="Q4_0",
            size=1_712_698_858,
            context_length=16384,
            capabilities=["completion", "insert"],
        ),
    ]


def thinking_model(name: str = "qwen3:8b", **kw: Any) -> FakeModel:
    """A model Ollama turns thinking on for by default (qwen3, deepseek-r1, gpt-oss)."""
    fields: dict[str, Any] = {
        "family": "qwen3",
        "architecture": "qwen3",
        "parameter_size": "8.2B",
        "size": 5_225_376_047,
        "context_length": 40960,
        "capabilities": ["completion", "tools", "thinking"],
    }
    return FakeModel(name, **(fields | kw))


def gpt_oss_model(name: str = "gpt-oss:20b", **kw: Any) -> FakeModel:
    """gpt-oss: a thinking model whose reasoning cannot be turned off."""
    fields: dict[str, Any] = {
        "family": "gptoss",
        "architecture": "gptoss",
        "parameter_size": "20.9B",
        "quantization_level": "MXFP4",
        "size": 13_780_173_839,
        "context_length": 131072,
        "capabilities": ["completion", "tools", "thinking"],
    }
    return FakeModel(name, **(fields | kw))


def embedding_model(name: str = "nomic-embed-text:latest", **kw: Any) -> FakeModel:
    """An embedding model: /api/show lists only "embedding", and every chat route refuses it."""
    fields: dict[str, Any] = {
        "family": "nomic-bert",
        "architecture": "nomic-bert",
        "parameter_size": "137M",
        "quantization_level": "F16",
        "size": 274_302_450,
        "context_length": 2048,
        "capabilities": ["embedding"],
    }
    return FakeModel(name, **(fields | kw))
