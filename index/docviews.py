"""Whole-document vectors ("views") used to rank documents against a query.

Passages are embedded into the FAISS index by :mod:`foi_search.services.indexing`; that
is what precedent reports quote. Ranking *documents*, though, works best on a
few short views of what was asked: the title, the request without salutation
and sign-off, and both together (measured on the retrieval dev set: these
views beat the best passage of a document by about 0.03 nDCG@10 after fusion).
They are a few vectors per document, kept in the ``doc_views`` table beside
the document and re-embedded when the document's content hash changes.

Rulings (ICO decision notices, Tribunal decisions) get no views: their titles
are case numbers and parties' names ("ICO decision notice FS50520644",
"A v Information Commissioner") and they carry no request, so a view would be
noise; they rank through their indexed passages and keywords. That also
spares ~10,000 embeddings on the shared corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from foi_search.core.text import clean_request
from foi_search.store import Store

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

#: The views embedded per document, in matrix order.
VIEWS = ("title", "request", "title_request")

#: Characters of request text kept for a view. Measured on the retrieval dev
#: set (docs/benchmarks.md): 500 costs 38% fewer tokens than 1,500 at the same
#: nDCG@10 (0.939 against 0.934; 300 gave 0.928). What leads a request names
#: what is asked; the rest is detail, thanks and sign-off.
_MAX_CHARS = 500
#: Document kinds without views (see the module docstring).
NO_VIEW_KINDS = ("ico_decision", "tribunal_decision")
_NO_VIEW_SQL = ", ".join(f"'{k}'" for k in NO_VIEW_KINDS)
#: Recorded with each view; views made under another policy are re-embedded.
POLICY = f"views={','.join(VIEWS)};chars={_MAX_CHARS};skip={','.join(NO_VIEW_KINDS)}"


def view_texts(title: str | None, request_text: str | None) -> dict[str, str]:
    """The texts embedded for one document (empty views are left out)."""
    title = " ".join((title or "").split())
    req = " ".join(clean_request(request_text).split())[:_MAX_CHARS]
    out = {"title": title, "request": req, "title_request": f"{title}. {req}".strip(". ") if req else ""}
    return {k: v for k, v in out.items() if v}


def pending_count(store: Store, model: str) -> int:
    """Documents whose views are missing or out of date for ``model``."""
    return store.conn.execute(
        f"""select count(*) from documents d where d.kind not in ({_NO_VIEW_SQL}) and not exists (
               select 1 from doc_views v where v.document_id = d.id and v.doc_hash = d.content_hash and v.model = ?
                   and v.policy = ?)""",
        [model, POLICY],
    ).fetchone()[0]


def build_doc_views(
    store: Store,
    embedder,
    *,
    batch_docs: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed the views of every document that lacks up-to-date ones.

    Args:
        store: The open store.
        embedder: An :class:`index.embedder.Embedder`.
        batch_docs: Documents embedded (and committed) per batch, so an
            interrupted run keeps what it finished.
        progress: Called with ``(done, total)`` after each batch.

    Returns:
        How many documents were embedded.
    """
    import numpy as np

    model = embedder.model_name
    rows = store.conn.execute(
        f"""select d.id, d.content_hash, d.title, d.request_text from documents d
           where d.kind not in ({_NO_VIEW_SQL}) and not exists (
               select 1 from doc_views v where v.document_id = d.id and v.doc_hash = d.content_hash and v.model = ?
                   and v.policy = ?)
           order by d.id""",
        [model, POLICY],
    ).fetchall()
    done = 0
    for start in range(0, len(rows), batch_docs):
        batch = rows[start : start + batch_docs]
        items = []  # (doc_id, hash, view, text)
        for doc_id, h, title, req in batch:
            for view, text in view_texts(title, req).items():
                items.append((doc_id, h, view, text))
        vecs = embedder.embed([t for *_, t in items]) if items else np.zeros((0, embedder.dimension), "float32")
        with store.transaction():
            store.replace_doc_views(
                [doc_id for doc_id, *_ in batch],
                [(doc_id, view, model, h, v, POLICY) for (doc_id, h, view, _), v in zip(items, vecs)],
            )
        done += len(batch)
        if progress:
            progress(done, len(rows))
    return done


@dataclass
class DocViews:
    """Document view vectors in memory.

    Attributes:
        doc_ids: ``(n,)`` int64 document ids.
        matrix: ``(n, len(VIEWS), dim)`` float32; a missing view repeats another.
    """

    doc_ids: "np.ndarray"
    matrix: "np.ndarray"
    #: Known to cover every document that should have views (read from a
    #: current copy written after a complete build), so no pending check is needed.
    complete: bool = False

    def scores(self, queries: "np.ndarray") -> "np.ndarray":
        """``(len(queries), n)``: per query, the best cosine over a document's views."""
        import numpy as np

        q = np.asarray(queries, dtype="float32")
        n, v, d = self.matrix.shape
        # One matrix product (BLAS) over the (n*v, d) rows; einsum would not use BLAS here.
        sims = (np.asarray(self.matrix).reshape(n * v, d) @ q.T).reshape(n, v, len(q))
        return sims.max(axis=1).T


#: Files in the index folder holding a copy of the views for fast loading.
_CACHE_META, _CACHE_IDS, _CACHE_MATRIX = "docviews.json", "docviews_ids.npy", "docviews.npy"


def views_fingerprint(store: Store, model: str) -> str:
    """A cheap value that changes whenever the up-to-date views could change.

    Views are rewritten only when a document's content changes (which moves the
    store's state) or when missing ones are embedded (which moves the row count
    and the highest rowid).
    """
    n, top = store.conn.execute("select count(*), max(rowid) from doc_views").fetchone()
    return f"{model}|{POLICY}|{store.fingerprint()}|{n}|{top}"


def save_views_cache(store: Store, model: str, dimension: int, folder) -> None:
    """Write the views as ``.npy`` files beside the vector index (memory-mapped by searches).

    SQLite stays the source of truth; the copy is used only while its
    fingerprint matches the store, so a stale or half-written copy is ignored.
    """
    import json
    import os
    from pathlib import Path

    import numpy as np

    folder = Path(folder)
    fingerprint = views_fingerprint(store, model)
    try:
        if json.loads((folder / _CACHE_META).read_text()).get("fingerprint") == fingerprint:
            return  # already current
    except (OSError, ValueError):
        pass
    folder.mkdir(parents=True, exist_ok=True)
    views = _read_views(store, model, dimension)
    for name, arr in ((_CACHE_IDS, views.doc_ids), (_CACHE_MATRIX, views.matrix)):
        tmp = folder / (name + ".tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, arr)
        os.replace(tmp, folder / name)
    meta = {
        "fingerprint": fingerprint,
        "documents": int(len(views.doc_ids)),
        # Lets a search skip counting documents without views (~40 ms on the corpus).
        "pending": pending_count(store, model),
    }
    tmp = folder / (_CACHE_META + ".tmp")
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, folder / _CACHE_META)


def load_doc_views(store: Store, model: str, dimension: int, cache_dir=None) -> DocViews:
    """The up-to-date views of every document for ``model``.

    Args:
        store: The open store.
        model: Model the views must come from.
        dimension: Vector size.
        cache_dir: The index folder; its copy (:func:`save_views_cache`) is
            memory-mapped when it matches the store, else the views are read
            from SQLite.
    """
    if cache_dir is not None:
        cached = _load_cache(store, model, dimension, cache_dir)
        if cached is not None:
            return cached
    return _read_views(store, model, dimension)


def _load_cache(store: Store, model: str, dimension: int, folder) -> DocViews | None:
    import json
    from pathlib import Path

    folder = Path(folder)
    try:
        meta = json.loads((folder / _CACHE_META).read_text())
    except (OSError, ValueError):
        return None
    if meta.get("fingerprint") != views_fingerprint(store, model):
        return None
    import numpy as np

    try:
        ids = np.load(folder / _CACHE_IDS)
        matrix = np.load(folder / _CACHE_MATRIX, mmap_mode="r")
    except (OSError, ValueError):
        return None
    if len(ids) != meta.get("documents") or matrix.shape != (len(ids), len(VIEWS), dimension):
        return None
    return DocViews(ids, matrix, complete=meta.get("pending") == 0)


def _read_views(store: Store, model: str, dimension: int, doc_ids: list[int] | None = None) -> DocViews:
    import numpy as np

    rows = store.doc_view_rows(model, doc_ids)
    ids: list[int] = []
    pos: dict[int, int] = {}
    for doc_id, _, _ in rows:
        if doc_id not in pos:
            pos[doc_id] = len(ids)
            ids.append(doc_id)
    matrix = np.zeros((len(ids), len(VIEWS), dimension), dtype="float32")
    vindex = {v: i for i, v in enumerate(VIEWS)}
    for doc_id, view, vec in rows:
        if view in vindex and vec.shape[0] == dimension:
            matrix[pos[doc_id], vindex[view]] = vec
    # A missing view (no request text) repeats a present one, so it can never
    # win the max over views with a spurious zero.
    present = np.abs(matrix).sum(axis=2) > 0
    for i in np.nonzero(~present.all(axis=1))[0]:
        have = np.nonzero(present[i])[0]
        if len(have):
            matrix[i, ~present[i]] = matrix[i, have[0]]
    return DocViews(np.asarray(ids, dtype="int64"), matrix)


def with_pending_views(store: Store, embedder, views: DocViews) -> DocViews:
    """``views`` plus, in memory only, views of the documents that lack current ones.

    For readers: a query over a store ingested since the last ``foi-search
    index`` ranks the new documents by their summaries too, without writing
    to the database (readers never write; the index command stores them).
    """
    import numpy as np

    rows = store.conn.execute(
        f"""select d.id, d.title, d.request_text from documents d
           where d.kind not in ({_NO_VIEW_SQL}) and not exists (
               select 1 from doc_views v where v.document_id = d.id and v.doc_hash = d.content_hash and v.model = ?
                   and v.policy = ?)
           order by d.id""",
        [embedder.model_name, POLICY],
    ).fetchall()
    items = [(doc_id, view, text) for doc_id, title, req in rows for view, text in view_texts(title, req).items()]
    if not items:
        return views
    vecs = np.asarray(embedder.embed([t for *_, t in items]), dtype="float32")
    new_ids = sorted({doc_id for doc_id, *_ in items})
    pos = {d: i for i, d in enumerate(new_ids)}
    vindex = {v: i for i, v in enumerate(VIEWS)}
    fresh = np.zeros((len(new_ids), len(VIEWS), vecs.shape[1]), dtype="float32")
    have = np.zeros((len(new_ids), len(VIEWS)), dtype=bool)
    for (doc_id, view, _), vec in zip(items, vecs):
        fresh[pos[doc_id], vindex[view]] = vec
        have[pos[doc_id], vindex[view]] = True
    for i in np.nonzero(~have.all(axis=1))[0]:  # a missing view repeats a present one, as in _read_views
        first = np.nonzero(have[i])[0][0]
        fresh[i, ~have[i]] = fresh[i, first]
    keep = ~np.isin(views.doc_ids, np.asarray(new_ids, dtype="int64"))
    ids = np.concatenate((views.doc_ids[keep], np.asarray(new_ids, dtype="int64")))
    matrix = np.concatenate((np.asarray(views.matrix)[keep], fresh))
    order = np.argsort(ids, kind="stable")
    return DocViews(ids[order], matrix[order], complete=True)
