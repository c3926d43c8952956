"""Pytest fixtures for the fakes (the fake Ollama server, the fake tailscale CLI).

Each helper module in tests/fakes/ registers its fixtures here so conftest.py stays small.
"""
