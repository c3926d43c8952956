"""Make a developer workstation ready to use a remote Ollama server."""

__version__ = "0.1.0"
