"""Facts the whole tool shares, stated once."""

from __future__ import annotations

#: The command users type; every fix that names a command starts with it.
CMD = "ollama-client-setup"
#: What goes where a client insists on an API key and the server wants none (Ollama ignores
#: it; SDKs refuse an empty one).
PLACEHOLDER_KEY = "ollama"
