"""Service: keep the vector index in step with the store's passages.

Each unique passage text (by content hash) gets one row in ``vectors`` and one
vector in FAISS under that row's id, so boilerplate repeated across hundreds of
responses is embedded once. Builds are incremental and resumable: vectors are
added in batches, the index is saved (atomically) every few batches, and only
then are those rows marked ``indexed`` in the DB. On every run the DB flags
are first reconciled with the ids actually in the index file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .config import index_dir_for
from .errors import FoiSearchError
from .store import Store

#: Passage roles not worth a vector: they are the same everywhere.
SKIP_ROLES = ("boilerplate", "complaint_rights", "acknowledgement")


@dataclass
class IndexReport:
    """What an index run did."""

    index_dir: str
    model: str
    embedded: int
    total_vectors: int
    pending_before: int
    seconds: float
    rebuilt: bool


def _sync_vectors_table(store: Store) -> None:
    """Give every embeddable passage text a row in ``vectors``."""
    marks = ",".join("?" * len(SKIP_ROLES))
    with store.transaction():
        store.conn.execute(
            f"""insert or ignore into vectors (content_hash, indexed)
                select distinct content_hash, 0 from passages
                where coalesce(role, '') not in ({marks})""",
            list(SKIP_ROLES),
        )


def _reconcile(store: Store, index) -> None:
    """Make ``vectors.indexed`` say exactly which ids are in the index file."""
    ids = [int(i) for i in index.ids()] if index is not None else []
    with store.transaction():
        store.conn.execute("update vectors set indexed = 0")
        store.conn.execute("create temp table if not exists _ids (id integer primary key)")
        store.conn.execute("delete from _ids")
        store.conn.executemany("insert into _ids values (?)", [(i,) for i in ids])
        store.conn.execute("update vectors set indexed = 1 where id in (select id from _ids)")


def build_index(
    store: Store,
    index_dir: str | Path | None = None,
    *,
    embedder=None,
    rebuild: bool = False,
    batch_size: int = 256,
    save_every: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> IndexReport:
    """Embed passages not yet in the index and add them.

    Args:
        store: The open store.
        index_dir: Where the index lives (default: beside the DB).
        embedder: An :class:`index.embedder.Embedder`; loaded when None.
        rebuild: Start from an empty index.
        batch_size: Passages fetched and embedded per batch.
        save_every: Batches between atomic saves (the resume granularity).
        progress: Called with ``(done, total)`` after each batch.
    """
    from index.embedder import DIMENSION, MODEL_NAME, load_embedder
    from index.vector_index import IndexMismatch, VectorIndex

    start = time.perf_counter()
    index_dir = Path(index_dir) if index_dir else index_dir_for(store.path)
    index = None
    if not rebuild:
        try:
            index = VectorIndex.load(index_dir, model=MODEL_NAME, dimension=DIMENSION)
        except IndexMismatch:
            raise
        except FoiSearchError:
            index = None  # nothing there yet
    if index is None:
        index = VectorIndex(MODEL_NAME, DIMENSION)
    _sync_vectors_table(store)
    _reconcile(store, index if index.count else None)
    pending = store.conn.execute("select count(*) from vectors where indexed = 0").fetchone()[0]
    embedded = 0
    if pending:
        embedder = embedder or load_embedder()
        if embedder.model_name != MODEL_NAME:
            raise IndexMismatch(f"Embedder {embedder.model_name} does not match {MODEL_NAME}.")
        import numpy as np

        unsaved: list[int] = []
        last_id, batches = 0, 0
        while True:
            rows = store.conn.execute(
                """select v.id, (select p.text from passages p where p.content_hash = v.content_hash limit 1)
                   from vectors v where v.indexed = 0 and v.id > ? order by v.id limit ?""",
                [last_id, batch_size],
            ).fetchall()
            if not rows:
                break
            last_id = rows[-1][0]
            rows = [(i, t) for i, t in rows if t]  # passages deleted since the sync
            if rows:
                index.add(np.array([i for i, _ in rows], dtype="int64"), embedder.embed([t for _, t in rows]))
                unsaved.extend(i for i, _ in rows)
                embedded += len(rows)
            batches += 1
            if progress:
                progress(embedded, pending)
            if batches % save_every == 0:
                _commit(store, index, index_dir, unsaved)
                unsaved = []
        _commit(store, index, index_dir, unsaved)
    elif not (index_dir / "manifest.json").exists():
        index.save(index_dir)
    return IndexReport(
        index_dir=str(index_dir),
        model=MODEL_NAME,
        embedded=embedded,
        total_vectors=index.count,
        pending_before=pending,
        seconds=round(time.perf_counter() - start, 2),
        rebuilt=rebuild,
    )


def _commit(store: Store, index, index_dir: Path, ids: list[int]) -> None:
    index.save(index_dir)
    with store.transaction():
        store.conn.executemany("update vectors set indexed = 1 where id = ?", [(i,) for i in ids])
