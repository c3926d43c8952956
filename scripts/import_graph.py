"""The package's import graph, counting imports inside functions too, and its cycles.

    python scripts/import_graph.py          # cycles between modules and between packages
    python scripts/import_graph.py --edges  # every edge, for reading

Exit 1 when there is a cycle. tests/test_layers.py runs the same check.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "ollama_client_setup"


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package."""
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _resolve(name: str, module: str, is_package: bool, level: int) -> str:
    if level == 0:
        return name
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, name] if name else base)


def imports(module: str, path: Path, known: Iterable[str]) -> set[str]:
    """The package modules `module` imports, anywhere in its body."""
    known = set(known)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    found.add(_nearest(alias.name, known))
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node.module or "", module, is_package, node.level)
            if target.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                child = f"{target}.{alias.name}"
                found.add(child if child in known else _nearest(target, known))
    found.discard(module)
    return found


def _nearest(name: str, known: set[str]) -> str:
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    found = modules(root)
    return {name: imports(name, path, found) for name, path in found.items()}


def units(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph between the package's top-level units (subpackages, flat modules)."""

    def unit(name: str) -> str:
        parts = name.split(".")
        return parts[1] if len(parts) > 1 else parts[0]

    out: dict[str, set[str]] = {}
    for source, targets in edges.items():
        here = unit(source)
        out.setdefault(here, set()).update(unit(t) for t in targets if unit(t) != here)
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return out


def main(argv: list[str]) -> int:
    edges = graph()
    if "--edges" in argv:
        for source in sorted(edges):
            for target in sorted(edges[source]):
                print(f"{source} -> {target}")
        return 0
    bad = 0
    for title, found in (("modules", cycles(edges)), ("packages", cycles(units(edges)))):
        for component in found:
            bad += 1
            print(f"cycle between {title}: {' <-> '.join(component)}")
    if not bad:
        print("no import cycles")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
