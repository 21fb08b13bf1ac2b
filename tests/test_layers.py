"""The folders are the layers: dependencies point one way, and no module imports itself in a circle.

    cli  ->  serve  ->  services  ->  search  ->  store  ->  core
                              \\-> ingest, index  -> store, core

Every import counts, also those inside functions (they still tie the modules
together); only imports under ``if TYPE_CHECKING`` are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("foi_search", "ingest", "index")

#: For each layer (a module-name prefix), the prefixes it must never import.
FORBIDDEN = {
    "foi_search.core": ("ingest", "index", "foi_search.store", "foi_search.search", "foi_search.services",
                        "foi_search.serve", "foi_search.cli"),
    "foi_search.store": ("ingest", "index", "foi_search.search", "foi_search.services", "foi_search.serve",
                         "foi_search.cli"),
    "ingest": ("index", "foi_search.search", "foi_search.services", "foi_search.serve", "foi_search.cli"),
    "index": ("ingest", "foi_search.search", "foi_search.services", "foi_search.serve", "foi_search.cli"),
    "foi_search.search": ("ingest", "foi_search.services", "foi_search.serve", "foi_search.cli"),
    "foi_search.services": ("foi_search.serve", "foi_search.cli"),
    "foi_search.serve": ("foi_search.cli",),
}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    return skip


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules that ``name`` imports."""
    tree = ast.parse(path.read_text())
    skip = _type_checking_nodes(tree)
    is_pkg = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = name.split(".") if is_pkg else name.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in modules:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_each_layer_imports_only_downwards():
    bad = []
    for name, deps in _graph().items():
        for layer, forbidden in FORBIDDEN.items():
            if _under(name, layer):
                bad += [f"{name} imports {d}" for d in deps for f in forbidden if _under(d, f)]
    assert not bad, "\n".join(sorted(bad))


def test_no_import_circles():
    graph = _graph()
    # Package __init__ files that only re-export their own submodules are not a
    # circle with them: a submodule importing its package reaches its siblings.
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not (_under(name, d) and (ROOT / d.replace(".", "/") / "__init__.py").exists())}
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_the_layer_test_sees_the_layers():
    graph = _graph()
    assert "foi_search.core.domain" in graph and "foi_search.search.searcher" in graph
    assert "foi_search.store" in graph["foi_search.search.searcher"]
    assert "index.collection" in graph["foi_search.services.indexing"]
