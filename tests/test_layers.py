"""The layers of issue 16: imports only point down, and no module imports itself round a cycle.

core ``backcare/`` <- ``nlu/``, ``actions/``, ``stores/`` <- ``channels/`` <- ``scripts/``, ``bench/``,
``web/``; tests may import anything. Read from the source (no imports run), so it is a unit test.
"""

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

REPO = Path(__file__).resolve().parent.parent
LAYER = {"backcare": 0, "nlu": 1, "actions": 1, "stores": 1, "channels": 2, "scripts": 3, "bench": 3, "web": 3}


def _modules() -> Dict[str, Path]:
    """Every module of our packages by dotted name (``web/serve.py`` is ``web.serve``)."""
    found = {}
    for package in LAYER:
        for path in (REPO / package).rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            parts = path.relative_to(REPO).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path, top_level_only: bool) -> Iterator[Tuple[int, str]]:
    """(line, module) of every absolute import in the file; only the module-level ones if asked."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            # "from backcare import settings" imports the module backcare.settings.
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def _ours(name: str) -> str:
    """The longest module of ours that ``name`` names or lies in; '' for another package's."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def test_imports_point_down_the_layers() -> None:
    upward: List[str] = []
    for name, path in MODULES.items():
        layer = LAYER[name.split(".")[0]]
        for line, imported in _imports(path, top_level_only=False):
            target = imported.split(".")[0]
            if target == "tests" or (target in LAYER and LAYER[target] > layer):
                upward.append(f"{path.relative_to(REPO)}:{line} imports {imported}")
    assert upward == []


def test_no_module_level_import_cycle() -> None:
    """Imports inside functions are left out: they are how a module defers a heavy import on purpose."""
    graph: Dict[str, Set[str]] = {
        name: {_ours(imported) for _, imported in _imports(path, top_level_only=True)} - {"", name}
        for name, path in MODULES.items()
    }
    cycles: List[List[str]] = []
    done: Set[str] = set()

    def visit(name: str, trail: List[str]) -> None:
        if name in trail:
            cycles.append(trail[trail.index(name):] + [name])
            return
        if name in done:
            return
        for imported in sorted(graph.get(name, ())):
            visit(imported, trail + [name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    assert cycles == []


@pytest.mark.parametrize("package", sorted(LAYER))
def test_every_package_is_found(package: str) -> None:
    assert any(name.split(".")[0] == package for name in MODULES)
