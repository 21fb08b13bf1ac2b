"""foi-search: find how a UK Freedom of Information request was answered before.

The public API (imported lazily, so ``import foi_search`` stays instant)::

    from foi_search import Store, Searcher, ingest_paths, build_index, precedent_report, exists_check, crawl

    store = Store("foi.db")
    ingest_paths(store, ["../shared/corpus/wdtk-sheffield"])
    build_index(store)
    print(Searcher(store).search("CCTV cameras in the town centre").to_json())

Layers (folders; dependencies point one way, checked by ``tests/test_layers.py``):

* :mod:`foi_search.core`: records, exemption taxonomy, errors, config, filters, text helpers;
* :mod:`foi_search.store`: the SQLite store and its migrations;
* ``ingest`` (sources, parsers, extraction) and ``index`` (chunking, embedder,
  FAISS, the passage index) build on those two;
* :mod:`foi_search.search`: ranking, precedents; :mod:`foi_search.services`:
  ingesting, indexing, crawling, demo, evaluation; :mod:`foi_search.serve`: the
  HTTP service; :mod:`foi_search.cli`: the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Store", "Searcher", "precedent_report", "exists_check", "ingest_paths", "build_index", "crawl", "Filters"]

if TYPE_CHECKING:  # pragma: no cover
    from foi_search.core.filters import Filters
    from foi_search.search.precedents import exists_check, precedent_report
    from foi_search.search.searcher import Searcher
    from foi_search.services.crawling import crawl
    from foi_search.services.indexing import build_index
    from foi_search.services.ingesting import ingest_paths
    from foi_search.store import Store


def __getattr__(name: str) -> Any:
    # Each name imports its module on first use (the services pull in numpy, faiss...).
    if name == "Store":
        from foi_search.store import Store as value
    elif name == "Filters":
        from foi_search.core.filters import Filters as value
    elif name == "Searcher":
        # (``foi_search.search`` is the ranking package; one query: ``Searcher(store).search(text)``.)
        from foi_search.search.searcher import Searcher as value
    elif name == "precedent_report":
        from foi_search.search.precedents import precedent_report as value
    elif name == "exists_check":
        from foi_search.search.precedents import exists_check as value
    elif name == "ingest_paths":
        from foi_search.services.ingesting import ingest_paths as value
    elif name == "build_index":
        from foi_search.services.indexing import build_index as value
    elif name == "crawl":
        from foi_search.services.crawling import crawl as value
    else:
        raise AttributeError(f"module 'foi_search' has no attribute {name!r}")
    return value
