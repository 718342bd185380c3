"""The modules of ``ancrage.notices`` import one another one way: no cycle, lazy imports
inside functions included (only ``if TYPE_CHECKING:`` imports are left out)."""

from __future__ import annotations

import ast
from importlib import resources
from pathlib import Path

import pytest

PACKAGE = "ancrage.notices"


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, package: str) -> set[str]:
    """The modules of ``package`` imported anywhere in ``tree`` (not under TYPE_CHECKING)."""
    found: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking(node):
            stack += node.orelse
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == package:
                found.update(f"{package}.{alias.name}" for alias in node.names)
            elif node.module.startswith(package + "."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(package + "."))
        stack += ast.iter_child_nodes(node)
    return found


def import_graph(package: str) -> dict[str, set[str]]:
    root = Path(str(resources.files(package)))
    graph: dict[str, set[str]] = {}
    for path in sorted(root.glob("*.py")):
        name = package if path.stem == "__init__" else f"{package}.{path.stem}"
        graph[name] = _imports(ast.parse(path.read_text("utf-8")), package) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target] if target in path else [node, target]
            if target not in state and (cycle := visit(target, [*path, target])) is not None:
                return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])) is not None:
            return cycle
    return None


def test_the_walker_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ancrage.notices.model import Notice\n"
        "def f():\n    from ancrage.notices import store\n"
    )
    assert _imports(tree, PACKAGE) == {"ancrage.notices.store"}


@pytest.mark.parametrize("package", [PACKAGE])
def test_no_import_cycle(package: str) -> None:
    graph = import_graph(package)
    assert len(graph) > 10
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_the_chain_runs_one_way() -> None:
    """analysis ← index ← store ← search: each imports only those before it."""
    graph = import_graph(PACKAGE)
    assert not {m for m in graph["ancrage.notices.analysis"] if m.startswith(PACKAGE)}
    assert "ancrage.notices.analysis" in graph["ancrage.notices.index"]
    assert "ancrage.notices.index" in graph["ancrage.notices.store"]
    assert "ancrage.notices.store" in graph["ancrage.notices.search"]
    assert "ancrage.notices.search" not in graph["ancrage.notices.store"]
    assert "ancrage.notices.store" not in graph["ancrage.notices.index"]


def test_one_fold_for_the_project() -> None:
    from ancrage import text
    from ancrage.geo import text as geo_text
    from ancrage.ingest import lookups
    from ancrage.notices import analysis

    assert geo_text.fold is lookups.fold is analysis.fold is text.fold
    # the rules of the three former folds, now one: ligatures, accents, case, punctuation
    assert text.fold("L'Haÿ-les-Roses") == "l hay les roses"
    assert text.fold("Œuvre  ÉTÉ_2026") == "oeuvre ete 2026"
    assert text.fold("Relance_Lot 5_MENUISERIE") == "relance lot 5 menuiserie"
