"""What ranking reads: the model, the vector index and the document views. Opening never writes.

A batch or a long-lived caller loads each of these once: the embedder per
process (:func:`cached_embedder`), the FAISS index per version
(:meth:`index.collection.PassageIndex.load`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from foi_search.core.config import index_dir_for
from foi_search.core.errors import FoiSearchError

#: Documents whose summary vectors a query embeds (in memory) when they are
#: missing; more are left to ``foi-search index`` (about 0.1 s a document on two cores).
LAZY_VIEWS_MAX = 100

_EMBEDDERS: dict[str, object] = {}


def cached_embedder(backend: str = "auto"):
    """The process's embedder for ``backend``, loading on a thread the first time."""
    if backend not in _EMBEDDERS:
        from index.embedder import load_embedder

        # On a thread: the model loads while the index and the document
        # vectors are read (onnxruntime builds its session without the GIL).
        _EMBEDDERS[backend] = load_embedder(backend, background=True)
    return _EMBEDDERS[backend]


def prewarm(db_path: str | Path, *, keyword_only: bool = False) -> None:
    """Start loading the model on a thread if a query on ``db_path`` will need it.

    Called first thing by the ranking commands, so the ONNX session (the
    longest step of a cold query) builds while the database opens and the
    index loads. Does nothing without a vector index beside the database.
    """
    if not keyword_only and (index_dir_for(Path(db_path)) / "manifest.json").exists():
        cached_embedder("auto")


@dataclass
class DenseResources:
    """Everything dense ranking reads, opened once per Searcher.

    Attributes:
        index: The FAISS passage index (:class:`index.vector_index.VectorIndex`).
        views: Document summary vectors (:class:`index.docviews.DocViews`).
        embedder: The query embedder.
        stale: The index is behind the database (answers still come).
        store: See below.
    """

    index: object
    views: object
    embedder: object
    stale: bool
    #: The store the index and views read from: the searcher's, or a second connection
    #: to it where the engine runs reads side by side (``store.reader()``, PostgreSQL).
    store: object = None


def open_dense(store, index_dir: Path, embedder, notify: Callable[[str], None]) -> DenseResources | None:
    """Open the vector index, views and model for ``store``; None when there is no index yet.

    A stale index still answers: FAISS ids map to passages by content hash and
    document views are matched on the document's hash, so text that changed or
    went away simply finds nothing, and new documents rank by keyword (and by
    summary views, embedded here in memory when few).

    Raises:
        FoiSearchError: The index was built with another model.
    """
    from index.collection import PassageIndex

    pidx = PassageIndex(store, index_dir)
    if not pidx.exists():
        notify("No vector index yet, so this is keyword search only. Run 'foi-search index' to add semantic search.")
        return None
    if getattr(store, "parallel_reads", False):
        # Dense reads on a connection of their own, beside the keyword reads (see the Searcher).
        store = store.reader()
        pidx = PassageIndex(store, index_dir)
    emb = embedder if embedder is not None else cached_embedder("auto")  # starts loading
    index = pidx.load()
    stale = pidx.status().stale
    if stale:
        notify(
            f"The vector index in {index_dir} is behind the database (documents were added or changed "
            "since it was built): their passages are found by keyword only until 'foi-search index' runs."
        )
    if emb.model_name != index.manifest.model or emb.dimension != index.manifest.dimension:
        raise FoiSearchError(
            f"The embedder is {emb.model_name}, but the index in {index_dir} was built with {index.manifest.model}.",
            "Run 'foi-search index --rebuild'.",
        )
    views = pidx.views()
    pending = 0 if views.complete else pidx.views_pending()
    if pending > LAZY_VIEWS_MAX:
        # Minutes of embedding do not belong in a read command.
        notify(
            f"{pending} documents have no summary vectors yet; they rank by keyword and passages only "
            "until 'foi-search index' runs."
        )
    elif pending:
        from index.docviews import with_pending_views

        notify(f"Embedding {pending} document summaries for ranking ('foi-search index' stores them ahead).")
        views = with_pending_views(store, emb, views)
    one_blas_thread()
    return DenseResources(index, views, emb, stale, store)


_BLAS_LIMITED = False


def one_blas_thread() -> None:
    """Keep numpy's (and FAISS's) BLAS to one thread in this process, from the first search on.

    A search's matrix products are one query against stored vectors (a
    sample of them on a large PostgreSQL store): memory-bound, so a second
    thread saves little (SQLite at 1M passages: within noise either way),
    and after each product OpenBLAS's threads spin, waiting for more work: at 1M
    passages on 2 cores they took ~55 ms of CPU a query from the database
    server and the keyword thread (client CPU 80 -> 26 ms a query, wall
    63 -> 52 ms; docs/benchmarks.md). Torch, which embeds the query, keeps its
    own threads. Process-wide and never undone (changing it while another
    thread is inside BLAS is not safe): an index built later in the same
    process trains FAISS's IVF quantiser on one thread (``foi-search index``
    runs in a process of its own).
    """
    global _BLAS_LIMITED
    if not _BLAS_LIMITED:
        _BLAS_LIMITED = True
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
