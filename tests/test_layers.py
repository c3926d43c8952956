"""The package's structure, as rules a change cannot break unnoticed: no import cycle
(imports inside functions count), no layer importing a higher one, no module over 400 lines,
every client in clients/ and in the registry, comments that cite only what the repository
holds."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from scripts import import_graph

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ollama_client_setup"
#: Lowest first: a module may import its own layer or lower ones only.
LAYERS = (
    "base",
    "formats",
    "config",
    "edits",
    "shells",
    "clients",
    "plan",
    "net",
    "checks",
    "flows",
    "cli",
)
MAX_LINES = 400


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_no_import_cycle_between_modules_or_packages() -> None:
    edges = import_graph.graph(ROOT)
    assert import_graph.cycles(edges) == []
    assert import_graph.cycles(import_graph.units(edges)) == []


def test_every_module_sits_in_a_layer_and_imports_none_above_it() -> None:
    edges = import_graph.graph(ROOT)
    loose = [m for m in edges if m.count(".") >= 1 and layer(m) is None]
    # The package root and its entry point only.
    assert loose == ["ollama_client_setup.__main__"], loose
    upward = [
        f"{source} -> {target}"
        for source, targets in edges.items()
        for target in targets
        if layer(source)
        and layer(target)
        and LAYERS.index(layer(target) or "") > LAYERS.index(layer(source) or "")
    ]
    assert upward == []


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for path in PACKAGE.rglob("*.py")
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_each_client_is_one_module_or_package_in_the_registry() -> None:
    from ollama_client_setup.base.registry import LISTED
    from ollama_client_setup.clients import registry

    on_disk = {
        p.stem if p.is_file() else p.name
        for p in (PACKAGE / "clients").iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and not p.name.startswith("_")
    } - {"base", "registry", "spec"}
    assert on_disk == {entry.module for entry in LISTED}
    for entry in LISTED:
        spec = registry.spec(entry.name)
        client = importlib.import_module(f"ollama_client_setup.clients.{entry.module}").CLIENT
        assert (spec.name, client.name, client.title) == (entry.name, entry.name, spec.title)
        assert spec.needs and all(need.client == entry.name for need in spec.needs)


@pytest.mark.parametrize("folder", ["ollama_client_setup", "tests", "benchmarks", "scripts"])
def test_comments_cite_only_what_the_repository_holds(folder: str) -> None:
    outside = re.compile(r"shared/reference|DESIGN\.md|\bthe seeds?\b|seed doc|/work/")
    hits = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "test_layers.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if outside.search(line)
    ]
    assert hits == []
