"""Imports run one way: no cycle between the package's modules, nor between its sub-packages.

Every ``import`` of the source counts, also inside functions (a lazy import is still a
dependency), except under ``if TYPE_CHECKING:``. A failure names each cycle and the lines that
make it, so the engineer who adds an import sees which one to move.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import ancrage

ROOT = Path(ancrage.__file__).resolve().parent
Edge = tuple[str, str, str]  # importer, imported, "file:line"


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            for inner in node.body:  # skipped: ast.walk would reach them, so mark them
                for sub in ast.walk(inner):
                    sub._type_only = True  # type: ignore[attr-defined]
    for node in ast.walk(tree):
        if getattr(node, "_type_only", False):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield name, node.lineno
            for alias in node.names:  # ``from ancrage.x import y``: y may be a module
                yield f"{name}.{alias.name}", node.lineno


def edges() -> list[Edge]:
    """Every import of one module of the package by another. A module importing its own
    package (``from ancrage.report import figures``: the package's ``__init__`` is its facade)
    is not an edge."""
    modules = {_module(p): p for p in ROOT.rglob("*.py")}
    out = []
    for module, path in sorted(modules.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, line in _imports(tree, module, path.name == "__init__.py"):
            if name in modules and name != module and not module.startswith(name + "."):
                out.append((module, name, f"{path.relative_to(ROOT.parent)}:{line}"))
    return out


# Cycles known in packages owned elsewhere, each with what would break it. The tests fail on
# any other cycle, and on an entry here that no longer exists (remove it then).
KNOWN_MODULE_CYCLES: dict[frozenset[str], str] = {}
KNOWN_PACKAGE_CYCLES: dict[frozenset[str], str] = {}


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def cycles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan), each as a closed path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _report(graph: dict[str, dict[str, str]], groups: list[list[str]]) -> str:
    lines = []
    for group in groups:
        members = set(group)
        lines.append("cycle: " + " ↔ ".join(group))
        for a in group:
            for b, where in sorted(graph[a].items()):
                if b in members:
                    lines.append(f"    {a} → {b}  ({where})")
    return "\n".join(lines)


def _graph(pairs: list[Edge]) -> dict[str, dict[str, str]]:
    graph: dict[str, dict[str, str]] = {}
    for a, b, where in pairs:
        if a != b:
            graph.setdefault(a, {}).setdefault(b, where)
    return graph


def _check(graph: dict[str, dict[str, str]], known: dict[frozenset[str], str], what: str) -> None:
    groups = cycles(graph)
    new = [g for g in groups if frozenset(g) not in known]
    assert not new, f"import cycles between {what}:\n" + _report(graph, new)
    gone = [why for group, why in known.items() if sorted(group) not in groups]
    assert not gone, f"known cycles between {what} are gone, remove them from the list: {gone}"


def test_no_import_cycle_between_modules() -> None:
    _check(_graph(edges()), KNOWN_MODULE_CYCLES, "modules")


def test_no_import_cycle_between_packages() -> None:
    packages = _graph([(_package(a), _package(b), w) for a, b, w in edges()])
    _check(packages, KNOWN_PACKAGE_CYCLES, "packages")


def test_the_walk_sees_imports() -> None:
    """The walk finds known one-way dependencies (it cannot pass by finding nothing)."""
    pairs = {(a, b) for a, b, _ in edges()}
    assert ("ancrage.diagnose.run", "ancrage.indicators.registry") in pairs
    assert ("ancrage.cli.diagnose", "ancrage.diagnose") in pairs  # a lazy import counts
    assert cycles({"a": {"b": "x"}, "b": {"a": "y"}, "c": {"a": "z"}}) == [["a", "b"]]
