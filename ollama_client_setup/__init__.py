"""Make a developer workstation ready to use a remote Ollama server."""

import time as _time

__version__ = "0.1.0"
#: When the package was first imported: the nearest thing to "when the command started".
IMPORTED = _time.monotonic()
