"""The folders of `legacy_import` are the stages a record passes through: each stage imports
only the stages before it, and no module imports itself back through another."""

from __future__ import annotations

import ast
from pathlib import Path

import legacy_import

PACKAGE = Path(legacy_import.__file__).parent
# In the order a record passes through them; the modules at the top come after every stage.
STAGES = ("errors", "sources", "mapping", "prepare", "load", "report", "commands", "top")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in STAGES:
        return parts[1]
    return "top"


def _imports() -> dict[str, set[str]]:
    """Module → every module it imports (absolute imports; the package uses no other kind)."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                # `from package import module` imports the module too.
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[_module(path)] = names
    return found


def _own_imports() -> dict[str, set[str]]:
    found = _imports()
    return {module: {name for name in names if name in found} for module, names in found.items()}


def test_every_stage_imports_only_the_stages_before_it() -> None:
    wrong = [
        f"{module} ({_stage(module)}) imports {name} ({_stage(name)})"
        for module, names in _own_imports().items()
        for name in names
        if STAGES.index(_stage(name)) > STAGES.index(_stage(module))
    ]
    assert wrong == []


def test_no_module_imports_itself_back() -> None:
    graph = _own_imports()
    known = set(graph)

    def reaches(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [name for name in graph[start] if name in known]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(other for other in graph[name] if other in known)
        return seen

    assert [module for module in graph if module in reaches(module)] == []


def test_the_sources_know_nothing_of_the_store() -> None:
    store = ("sqlmodel", "sqlmodel_store")
    users = [
        module
        for module, names in _imports().items()
        if _stage(module) == "sources" and any(name.split(".")[0] in store for name in names)
    ]
    assert users == []
