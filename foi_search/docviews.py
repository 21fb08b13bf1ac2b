"""Whole-document vectors ("views") used to rank documents against a query.

Passages are embedded into the FAISS index by :mod:`foi_search.indexing`; that
is what precedent reports quote. Ranking *documents*, though, works best on a
few short views of what was asked: the title, the request without salutation
and sign-off, and both together (measured on the retrieval dev set: these
views beat the best passage of a document by about 0.03 nDCG@10 after fusion).
They are a few vectors per document, kept in the ``doc_views`` table beside
the document and re-embedded when the document's content hash changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .querytext import clean_request
from .store import Store

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

#: The views embedded per document, in matrix order.
VIEWS = ("title", "request", "title_request")

#: Characters of request text kept for a view; the model reads ~256 word pieces.
_MAX_CHARS = 1500


def view_texts(title: str | None, request_text: str | None) -> dict[str, str]:
    """The texts embedded for one document (empty views are left out)."""
    title = " ".join((title or "").split())
    req = " ".join(clean_request(request_text).split())[:_MAX_CHARS]
    out = {"title": title, "request": req, "title_request": f"{title}. {req}".strip(". ") if req else ""}
    return {k: v for k, v in out.items() if v}


def pending_count(store: Store, model: str) -> int:
    """Documents whose views are missing or out of date for ``model``."""
    return store.conn.execute(
        """select count(*) from documents d where not exists (
               select 1 from doc_views v where v.document_id = d.id and v.doc_hash = d.content_hash and v.model = ?)""",
        [model],
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
        """select d.id, d.content_hash, d.title, d.request_text from documents d where not exists (
               select 1 from doc_views v where v.document_id = d.id and v.doc_hash = d.content_hash and v.model = ?)
           order by d.id""",
        [model],
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
            store.conn.executemany(
                "delete from doc_views where document_id = ?", [(doc_id,) for doc_id, *_ in batch]
            )
            store.conn.executemany(
                "insert into doc_views (document_id, view, model, doc_hash, vector) values (?, ?, ?, ?, ?)",
                [
                    (doc_id, view, model, h, np.asarray(v, dtype="float32").tobytes())
                    for (doc_id, h, view, _), v in zip(items, vecs)
                ],
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

    def scores(self, queries: "np.ndarray") -> "np.ndarray":
        """``(len(queries), n)``: per query, the best cosine over a document's views."""
        import numpy as np

        sims = np.einsum("nvd,qd->qnv", self.matrix, np.asarray(queries, dtype="float32"))
        return sims.max(axis=2)


def load_doc_views(store: Store, model: str, dimension: int) -> DocViews:
    """Read the up-to-date views of every document for ``model``."""
    import numpy as np

    rows = store.conn.execute(
        """select v.document_id, v.view, v.vector from doc_views v join documents d
           on d.id = v.document_id and d.content_hash = v.doc_hash where v.model = ? order by v.document_id""",
        [model],
    ).fetchall()
    ids: list[int] = []
    pos: dict[int, int] = {}
    for doc_id, _, _ in rows:
        if doc_id not in pos:
            pos[doc_id] = len(ids)
            ids.append(doc_id)
    matrix = np.zeros((len(ids), len(VIEWS), dimension), dtype="float32")
    vindex = {v: i for i, v in enumerate(VIEWS)}
    for doc_id, view, blob in rows:
        vec = np.frombuffer(blob, dtype="float32")
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
