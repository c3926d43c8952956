"""Packaging that pyproject.toml cannot say: the top-level shell/ folder (the template files
for the shell text the tool writes) ships inside the package as ollama_client_setup/shell,
where ollama_client_setup/shells/templates.py reads it. Its files are package data through
MANIFEST.in (`graft shell`). Everything else is in pyproject.toml."""

from setuptools import find_namespace_packages, find_packages, setup

SHELL = "ollama_client_setup.shell"

setup(
    packages=[
        *find_packages(include=["ollama_client_setup*"]),
        SHELL,
        *(f"{SHELL}.{name}" for name in find_namespace_packages(where="shell")),
    ],
    package_dir={SHELL: "shell"},
)
