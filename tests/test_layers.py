"""Dependencies point one way: base modules never import ingest/ or index/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ["domain", "exemptions", "store", "migrations", "filters", "config", "errors", "records", "render"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_base_modules_import_no_upper_layer():
    for name in BASE:
        assert not _imports(ROOT / "foi_search" / f"{name}.py") & {"ingest", "index"}, name


def test_ingest_and_index_do_not_import_each_other_or_services():
    services = {"foi_search.cli", "foi_search.search", "foi_search.indexing", "foi_search.ingesting"}
    for pkg, other in (("ingest", "index"), ("index", "ingest")):
        for path in (ROOT / pkg).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    assert node.module.split(".")[0] != other, f"{path} imports {node.module}"
                    assert node.module not in services, f"{path} imports {node.module}"
