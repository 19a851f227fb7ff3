"""The shape of the package, as DESIGN.md draws it: imports point down the layers, no two
modules import each other (but for the Workspace's lazy ``.datasets``/``.jobs`` façade), no
module reaches into another's private names, and no source file grows past ~400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "trainlab"
SIDEBAR = SRC.parent / "labextension" / "src"  # the JupyterLab sidebar's TypeScript

# Lower number, lower layer; a module may import its own layer and those below it.
LAYERS = {"errors": 0, "i18n": 0, "version": 0, "display": 0, "locale": 0, "workspace": 1,
          "datasets": 2, "training": 3, "jobs": 4, "widgets": 5, "server": 5}
# The package's own __init__ is the façade over everything (trainlab.fit, trainlab.ui ...).
TOP = 9
# Workspace.datasets and Workspace.jobs build their stores on first use (DESIGN.md: one
# workspace, two front doors); these are the only imports allowed to point up.
FACADE = {("trainlab.workspace", "trainlab.datasets"), ("trainlab.workspace", "trainlab.jobs")}
LONG_FILES_ALLOWED = {"datasets/scanner.c", "i18n.py"}
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return TOP
    return LAYERS[parts[1]]


def imports(module: str) -> list[tuple[str, int, list[str]]]:
    """(imported trainlab module, line, names taken from it) for every import in ``module``,
    at the top or inside a function; ``if TYPE_CHECKING:`` blocks are left out."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    found = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno, []) for a in node.names if a.name.startswith("trainlab")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if not base.startswith("trainlab"):
                continue
            names = [a.name for a in node.names]
            subs = [f"{base}.{n}" for n in names if f"{base}.{n}" in MODULES]
            found += [(s, node.lineno, []) for s in subs]
            rest = [n for n in names if f"{base}.{n}" not in MODULES]
            if rest or not subs:
                found.append((base, node.lineno, rest))
    return found


GRAPH = {m: imports(m) for m in MODULES}


def allowed(module: str, target: str) -> bool:
    """Down the layers, within one package, errors <-> i18n, or the Workspace's façade."""
    if (module, target) in FACADE or target == "trainlab":
        return (module, target) in FACADE
    same_package = module.split(".")[:2] == target.split(".")[:2]
    return same_package or layer(target) < layer(module) or layer(target) == layer(module) == 0


def test_imports_point_down_the_layers() -> None:
    wrong = [f"{m}:{line} imports {target}" for m, found in GRAPH.items()
             for target, line, _ in found if not allowed(m, target)]
    assert wrong == [], "imports that point up the layers of DESIGN.md:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    edges = {m: sorted({t for t, _, _ in found if t in MODULES and (m, t) not in FACADE} - {m})
             for m, found in GRAPH.items()}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in edges:
        if module not in index:
            visit(module)
    assert cycles == [], "modules that import each other, directly or around a loop:\n" + \
        "\n".join(" <-> ".join(c) for c in cycles)


def test_no_module_takes_another_modules_private_names() -> None:
    wrong = [f"{m}:{line} takes {', '.join(n for n in names if n.startswith('_'))} from {target}"
             for m, found in GRAPH.items() for target, line, names in found
             if target != m and any(n.startswith("_") and not n.startswith("__") for n in names)]
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("path", sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".c"))
                         + sorted(p for p in SIDEBAR.rglob("*") if p.suffix in (".ts", ".tsx")),
                         ids=str)
def test_no_source_file_over_400_lines(path: Path) -> None:
    relative = path.relative_to(PACKAGE if path.is_relative_to(PACKAGE) else SRC.parent).as_posix()
    if relative in LONG_FILES_ALLOWED:
        return
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{relative} has {lines} lines: split it by idea"
