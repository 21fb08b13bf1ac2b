"""Service: keep the vector index in step with the store's passages.

What gets a vector is decided by :mod:`index.selection` (docs/indexing.md):
each unit is chunk *k* of a unique passage text (by content hash), with one
row in ``vectors`` whose id is its FAISS id. Boilerplate repeated across
hundreds of responses is embedded once.

Builds are incremental and resumable: vectors are added in batches, the index
is saved (atomically) every few batches, and only then are those rows marked
``indexed`` in the DB. Every run first reconciles the DB flags with the ids
actually in the index file, so a run killed at any point resumes without
duplicates or gaps. Units no longer wanted (a document changed or was
deleted) are removed from the index before their rows are deleted, so a FAISS
id is never reused while the index still holds it.

Mapping a FAISS id back to text: ``select content_hash, chunk from vectors
where id = ?``, then any passage with that ``content_hash``; the chunk's text
is ``index.chunking.chunk_text(passage.text)[chunk]`` (chunk 0 of a passage
that fits is the passage itself).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from foi_search.core.errors import FoiSearchError
from foi_search.core.text import fold_text
from foi_search.store import Store
from index.collection import PassageIndex

Progress = Callable[[str, int, int], None]


@dataclass
class IndexReport:
    """What an index run did.

    Attributes:
        index_dir: The index folder.
        model: Model name recorded in the manifest.
        backend: What embedded (``onnx-int8``, ``torch``, or the embedder's class).
        embedded: Vectors embedded by this run.
        total_vectors: Vectors in the index after the run.
        pending_before: Units without a vector when the run started.
        removed: Vectors removed because their passages are gone.
        wanted: Units the policy selects (the index's target size).
        index_type: ``flat``, ``ivf-sq8``...
        doc_views: Documents whose summary vectors were (re)embedded.
        seconds: Wall time of the run.
        embed_seconds: Of which spent embedding passages.
        rebuilt: Whether the run started from an empty index.
    """

    index_dir: str
    model: str
    backend: str
    embedded: int
    total_vectors: int
    pending_before: int
    removed: int
    wanted: int
    index_type: str
    doc_views: int
    seconds: float
    embed_seconds: float
    rebuilt: bool

    def describe(self) -> str:
        """Lines of text for the CLI."""
        rate = f" ({self.embedded / self.embed_seconds:.0f}/s)" if self.embedded and self.embed_seconds else ""
        done = f"Embedded {self.embedded} passages{rate} with {self.backend}" if self.embedded else "No new passages"
        lines = [
            f"{done}; {self.total_vectors} vectors in the index ({self.index_type})"
            + (f", {self.removed} removed" if self.removed else "")
            + ".",
        ]
        if self.doc_views:
            lines.append(f"Embedded summaries of {self.doc_views} documents.")
        lines.append(f"Took {self.seconds:.1f} s. Index: {self.index_dir}")
        return "\n".join(lines)


class MemoEmbedder:
    """An embedder wrapper that embeds each distinct text once per run.

    Document summaries often repeat a passage (a log entry's request is both,
    differing only in line breaks), and titles repeat across documents, so
    texts equal up to case and whitespace (:func:`store.fold_text`: MiniLM's
    tokenizer is uncased and splits on any whitespace, so they give the same
    word pieces; it is also the folding of passage hashes) are embedded
    once and their vector reused. ``texts_requested`` and ``texts_embedded``
    count what callers asked for and what was sent to the model.
    """

    def __init__(self, embedder):
        self.inner = embedder
        self.model_name = embedder.model_name
        self.dimension = embedder.dimension
        self.backend = getattr(embedder, "backend", type(embedder).__name__)
        self.cache: dict[str, object] = {}
        self.texts_requested = 0
        self.texts_embedded = 0

    #: Vectors kept at most (~300 MB); past it texts are embedded without memo.
    LIMIT = 200_000

    def embed(self, texts):
        import numpy as np

        keys = [fold_text(t) for t in texts]
        todo: dict[str, str] = {}  # key -> the first text with it, embedded as written
        for k, t in zip(keys, texts):
            if k not in self.cache and k not in todo:
                todo[k] = t
        fresh = dict(zip(todo, self.inner.embed(list(todo.values())))) if todo else {}
        self.texts_requested += len(texts)
        self.texts_embedded += len(todo)
        if len(self.cache) < self.LIMIT:
            self.cache.update(fresh)
        if not len(texts):
            return np.zeros((0, self.dimension), dtype="float32")
        return np.stack([fresh[k] if k in fresh else self.cache[k] for k in keys]).astype("float32", copy=False)


def build_index(
    store: Store,
    index_dir: str | Path | None = None,
    *,
    embedder=None,
    backend: str = "auto",
    rebuild: bool = False,
    batch_size: int = 512,
    save_every: int = 4,
    progress: Progress | None = None,
    notify: Callable[[str], None] | None = None,
    doc_views: bool = True,
    index_type: str = "auto",
) -> IndexReport:
    """Embed the passages the policy selects that are not yet in the index, and add them.

    Args:
        store: The open store.
        index_dir: Where the index lives (default: beside the DB).
        embedder: An :class:`index.embedder.Embedder`; loaded with ``backend`` when None.
        backend: ``auto``, ``onnx`` or ``torch`` (see :func:`index.embedder.load_embedder`).
        rebuild: Start from an empty index (after a model change or damage).
        batch_size: Units fetched and embedded per batch.
        save_every: Batches between atomic saves (the resume granularity).
        progress: Called with ``(stage, done, total)`` after each batch;
            stages are ``passages`` and ``documents``.
        notify: Called with one-line notes (a one-off model export...).
        doc_views: Also embed the per-document summary vectors search ranks
            with (:mod:`index.docviews`), so the first query does not.
        index_type: ``auto`` (flat while small, IVF above
            :data:`index.vector_index.IVF_THRESHOLD`), ``flat``, ``ivf-sq8`` or ``ivf-flat``.

    Returns:
        What the run did.

    Raises:
        IndexMismatch: The index on disk was built with another model; rebuild.
        IndexCorrupt: The index on disk is damaged; rebuild.
    """
    from index.chunking import MAX_WORDS
    from index.embedder import load_embedder
    from index.model import MODEL_NAME
    from index.vector_index import INDEX_TYPES, choose_index_type

    if index_type != "auto" and index_type not in INDEX_TYPES:
        raise FoiSearchError(f"Unknown index type {index_type!r}.", f"Use auto or one of {', '.join(INDEX_TYPES)}.")
    start = time.perf_counter()
    pidx = PassageIndex(store, index_dir)
    index_dir = pidx.folder
    index = None
    if not rebuild and pidx.exists():
        index = pidx.open_vectors()
    if index is None:
        index = pidx.new_vectors()
        if rebuild:
            # The empty index is committed before the rows go: the old file's
            # ids must never be matched against the new rows' ids.
            index.save(index_dir)
            pidx.clear()
    wanted = pidx.wanted_units()
    stale = pidx.sync(wanted)
    pidx.reconcile(index)
    removed = 0
    if stale:
        import numpy as np

        removed = index.remove(np.array(stale, dtype="int64"))
        if removed:
            index.save(index_dir)
        pidx.drop(stale)
    pending = pidx.pending()
    embedded, embed_seconds = 0, 0.0
    if pending or (doc_views and pidx.views_pending()):
        embedder = embedder or load_embedder(backend, notify=notify)
        if embedder.model_name != MODEL_NAME:
            from index.vector_index import IndexMismatch

            raise IndexMismatch(f"Embedder {embedder.model_name} does not match {MODEL_NAME}.")
        embedder = MemoEmbedder(embedder)
    backend_name = getattr(embedder, "backend", type(embedder).__name__) if embedder else index.manifest.backend
    if pending:
        import numpy as np

        unsaved: list[int] = []
        pidx.begin_bulk(pending)
        last_id, batches = 0, 0
        while True:
            rows = pidx.pending_rows(last_id, batch_size)
            if not rows:
                break
            last_id = rows[-1][0]
            items = pidx.unit_texts(rows)
            if items:
                t0 = time.perf_counter()
                vecs = embedder.embed([t for _, t in items])
                embed_seconds += time.perf_counter() - t0
                index.add(np.array([i for i, _ in items], dtype="int64"), vecs, replace=False)
                unsaved.extend(i for i, _ in items)
                embedded += len(items)
            batches += 1
            if progress:
                progress("passages", embedded, pending)
            if batches % save_every == 0:
                pidx.commit(index, unsaved)
                unsaved = []
        pidx.commit(index, unsaved)
        pidx.end_bulk()
    target = choose_index_type(index.count) if index_type == "auto" else index_type
    converted = target != index.index_type and index.index_type == "flat" and index.count > 0
    if converted:
        if notify:
            notify(f"Converting the index to {target} ({index.count} vectors)...")
        index = index.to_ivf(target)
    views = 0
    if doc_views:
        # Without an embedder no view is pending; the call still completes what a store keeps beside them.
        cb = (lambda done, total: progress("documents", done, total)) if progress else None
        views = pidx.build_views(embedder, cb)
    changed = bool(embedded or removed or rebuild) or not pidx.exists()
    changed = changed or index.manifest.count != index.count or index.manifest.index_type != index.index_type
    if embedder is not None:
        index.manifest.backend = backend_name
    index.manifest.chunk_words = MAX_WORDS
    index.manifest.store_state = pidx.fingerprint()
    if changed or converted:
        index.save(index_dir)
    else:
        index.save_manifest(index_dir)  # nothing new: the (large) index file stays as it is
    if doc_views:
        pidx.save_views_copy()
    # Word counts for keyword ranking, where the engine does not keep its own (PostgreSQL).
    store.refresh_keyword_stats()
    return IndexReport(
        index_dir=str(index_dir),
        model=MODEL_NAME,
        backend=backend_name or "none needed",
        embedded=embedded,
        total_vectors=index.count,
        pending_before=pending,
        removed=removed,
        wanted=len(wanted),
        index_type=index.index_type,
        doc_views=views,
        seconds=round(time.perf_counter() - start, 2),
        embed_seconds=round(embed_seconds, 2),
        rebuilt=rebuild,
    )
