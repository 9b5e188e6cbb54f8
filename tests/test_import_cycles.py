"""No import cycle among the project's packages: a shared piece lives in a module below both its users.

Only module-level imports count (those run when the module loads: top level, class bodies, module-level
`if`/`try` blocks; not `if TYPE_CHECKING:`). An import inside a function runs when the function is called,
after the modules it names have finished loading, so it cannot meet a half-initialised module; the project
defers some imports that way on purpose (heavy libraries, the reaction library, a command's own modules).
A module-level cycle instead makes the import order decide whether a name exists yet.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistants", "stages", "serve", "train", "evals", "data_templates", "benchmarks")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _is_type_checking(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _loaded_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements that run when a module loads: everything but function bodies and TYPE_CHECKING blocks."""
    found = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        found.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node):
            found += _loaded_statements(node.orelse)
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            children = getattr(node, field, [])
            found += _loaded_statements([c for c in children if isinstance(c, ast.stmt)])
            found += [s for h in children if isinstance(h, ast.ExceptHandler) for s in _loaded_statements(h.body)]
    return found


def module_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports when it loads (`from pkg import sub` names the submodule)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _loaded_statements(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                if target in modules and target != name:
                    found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: module_imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each group of modules that import one another (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            group.append(node)
            if len(group) > 1:
                found.append(_path_through(sorted(group), graph))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _path_through(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """The shortest import path inside one group from its first module back to it (breadth first)."""
    members, start = set(group), group[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & members):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"{start} is in no cycle of {group}")


def test_the_packages_have_no_module_level_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


def test_the_graph_sees_module_level_imports_and_skips_deferred_ones() -> None:
    graph = import_graph()
    assert "train.results" in graph["train.sft"] and "assistants.chem.formulas" in graph["assistants.chem.facts"]
    assert "evals.runner" not in graph["train.compare"]  # imported inside compare_eval only


def test_a_cycle_is_reported() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b", "c"}, "b": {"b2"}, "b2": {"a"}, "c": {"a"}}) == [["a", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
