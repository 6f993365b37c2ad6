"""No import cycles between the modules of `gongyue/` (ARCHITECTURE.md, "No import cycles").

The graph is built from the source with `ast`, so an import inside a function counts as much as
one at the top of a module: a cycle hidden in a function still makes the modules one knot.
Tests and migrations are left aside; `if TYPE_CHECKING:` blocks never run and are left out.
"""

import ast
from pathlib import Path

import gongyue

ROOT = Path(gongyue.__file__).parent
PACKAGE = "gongyue"


def module_name(path: Path, top: Path = ROOT.parent) -> str:
    parts = list(path.relative_to(top).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).parts
        if "tests" in relative or "migrations" in relative:
            continue
        modules[module_name(path)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST):
    """Every Import and ImportFrom node, at any depth, outside `if TYPE_CHECKING:` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports: `from pkg import mod` names the module `pkg.mod`."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in _import_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                for alias in node.names
            ]
        for target in targets:
            # `import gongyue.a.b` binds and runs the longest prefix that is a project module.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target.startswith(PACKAGE + ".") and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def knots(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module: each holds a cycle."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []

    def connect(start):
        # Tarjan's algorithm, iterative so that a deep graph cannot exhaust the recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path that returns to its start) per knot."""
    return [_cycle_in(component, graph) for component in knots(graph)]


def _cycle_in(component: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the component's first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & component):
            if child == start:
                return paths[node] + [start]
            if child not in paths:
                paths[child] = paths[node] + [child]
                queue.append(child)
    raise AssertionError("a strongly connected component always holds a cycle")


def test_the_graph_sees_function_level_and_relative_imports():
    graph = import_graph()
    # access.py imports the app's models relatively; core.testing imports inside a function.
    assert "gongyue.organisations.models" in graph["gongyue.organisations.access"]
    assert "gongyue.core.deadlines" in graph["gongyue.core.testing"]


def test_the_cycle_finder_names_a_cycle_hidden_in_a_function(tmp_path):
    package = tmp_path / "gongyue"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from gongyue.a import thing\n")
    (package / "c.py").write_text("from gongyue import a\n")
    modules = {module_name(p, tmp_path): p for p in package.glob("*.py")}
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert cycles(graph) == [["gongyue.a", "gongyue.b", "gongyue.a"]]


def test_there_are_no_import_cycles():
    graph = import_graph()
    found = [
        " → ".join(_cycle_in(knot, graph)) + f"  (the knot: {', '.join(sorted(knot))})"
        for knot in knots(graph)
    ]
    assert not found, "Import cycles:\n" + "\n".join(found)
