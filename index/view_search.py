"""Document views searched where they are stored: pgvector's HNSW index on ``doc_views``.

A small store's views are scored in memory, every document for every query
(:class:`index.docviews.DocViews`): exact, and a few milliseconds. At team
scale that is 1.5 KB a view, three views a document, in every client (470 MB
and ~50 ms a query at 100k documents). :class:`StoredViews` asks the database
instead:

* the documents whose views are nearest the query (HNSW, :meth:`StoredViews.nearest`);
* the best view cosine of any given documents, computed by the server
  (:meth:`StoredViews.best_cosines`: keyword matches and passage hits get
  their exact view score whether or not the HNSW search reached them);
* a fixed, evenly spread sample of documents held in memory
  (:attr:`StoredViews.sample`), from which the ranking estimates how the
  query's cosines spread over the whole store (what z-normalisation divides by;
  see :meth:`foi_search.search.signals.DenseSignal.scores`).

The HNSW index on ``doc_views.vector`` is built by ``foi-search index``
(:meth:`index.collection.PgPassageIndex.build_views`); without it a store is
read the in-memory way, whatever its size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

#: Documents held in memory to estimate the spread of a query's view cosines:
#: the standard error of a mean or spread from 4,096 draws is ~1.5% of the spread.
SAMPLE_DOCUMENTS = 4096
#: Documents with views from which a PostgreSQL store searches them in the
#: database: below it, scoring every document in memory is exact and as fast
#: (~5 ms at 20,000 documents).
MIN_DOCUMENTS = 20_000
#: The HNSW index on the views (cosine).
INDEX_NAME = "idx_doc_views_vector"


class StoredViews:
    """Views of one model searched in a PostgreSQL store (see the module docstring).

    Args:
        store: The PostgreSQL store.
        model: The embedding model whose views are read.
        dimension: Vector size.
        sample_documents: Documents in the in-memory sample.
    """

    #: Tells the dense signal to ask (nearest, best_cosines) instead of scoring every document.
    searched = True
    #: Documents without current views rank by passages and keywords; none are embedded at query time.
    complete = True

    def __init__(self, store, model: str, dimension: int, *, sample_documents: int | None = None):
        import numpy as np

        from foi_search.core.domain import UNSHOWN_ROLES
        from index.docviews import DocViews, _read_views

        self.store = store
        self.model = model
        self.dimension = dimension
        #: Documents with views (a PostgreSQL store keeps current ones only, migration 009).
        self.count = store.conn.execute(
            "select count(distinct document_id) from doc_views where model = ?", [model]
        ).fetchone()[0]
        all_ids = [r[0] for r in store.conn.execute("select id from documents order by id")]
        stride = max(1, -(-len(all_ids) // (sample_documents or SAMPLE_DOCUMENTS)))
        picked = all_ids[::stride]
        #: The sampled documents (every ``stride``-th by id, of every kind), and their share of the store.
        self.sample_ids = np.asarray(picked, dtype="int64")
        self.sample_fraction = len(picked) / len(all_ids) if all_ids else 1.0
        sample = _read_views(store, model, dimension, picked) if picked else None
        #: The sampled documents' views (those that have views).
        self.sample: DocViews = sample or DocViews(np.zeros(0, "int64"), np.zeros((0, 3, dimension), "float32"))
        # Their indexed passages (roles never shown left out, as ranking does), grouped by document.
        rows = store.passage_vector_rows(picked, list(UNSHOWN_ROLES))
        owners = np.fromiter((r[0] for r in rows), dtype="int64", count=len(rows))
        self._p_matrix = np.asarray([r[2] for r in rows], dtype="float32").reshape(len(rows), dimension)
        starts = np.flatnonzero(np.concatenate(([True], owners[1:] != owners[:-1]))) if len(owners) else owners
        self._p_starts = starts
        self._p_docs = owners[starts] if len(owners) else owners

    def sample_in(self, allowed: set[int] | None, min_in_set: int):
        """``(mask, weight)``: which sampled documents stand for the set ``allowed``, and what each counts for.

        ``mask`` is a function over sampled document ids. Each sampled document
        stands for ``weight`` documents of the set: ``1 / sample_fraction``, or,
        when the sample is a part of the store and fewer than ``min_in_set`` of
        its documents are in ``allowed``, the whole sample stands in, scaled to
        the set's size (a small filtered set is assumed to spread like the store).
        """
        import numpy as np

        every = lambda ids: np.ones(len(ids), dtype=bool)  # noqa: E731
        if allowed is None:
            return every, 1.0 / self.sample_fraction
        allowed_arr = np.fromiter(allowed, dtype="int64", count=len(allowed))
        if self.sample_fraction < 1.0 and int(np.isin(self.sample_ids, allowed_arr).sum()) < min_in_set:
            return every, len(allowed) / max(1, len(self.sample_ids))
        return (lambda ids: np.isin(ids, allowed_arr)), 1.0 / self.sample_fraction

    def sample_passage_bests(self, vector, depth: int) -> tuple["np.ndarray", "np.ndarray", float]:
        """``(doc ids, cosines, cut)``: sampled documents whose best passage would be among the store's ``depth`` nearest, that best, and the cosine of the last of them.

        The store's ``depth`` nearest passages are, in the sample, about its
        ``depth * sample_fraction`` nearest; the documents holding one are
        those whose best passage is at least as near as the last of them.
        """
        import numpy as np

        if not len(self._p_matrix):
            return np.zeros(0, "int64"), np.zeros(0), float("inf")
        sims = self._p_matrix @ np.asarray(vector, dtype="float32")
        m = max(1, round(depth * self.sample_fraction))
        cut = float(np.partition(sims, len(sims) - m)[len(sims) - m]) if len(sims) > m else -np.inf
        best = np.maximum.reduceat(sims, self._p_starts).astype("float64")
        keep = best >= cut
        return self._p_docs[keep], best[keep], cut

    def nearest(self, queries: "np.ndarray", k: int) -> set[int]:
        """Documents having one of the ``k`` views nearest to any of ``queries`` (HNSW, approximate)."""
        out: set[int] = set()
        for q in queries:
            rows = self.store.vector_search(
                "select document_id from doc_views where model = ? order by vector <=> ? limit ?",
                [self.model, q, k],
                k,
            )
            out.update(r[0] for r in rows)
        return out

    def best_cosines(self, queries: "np.ndarray", doc_ids) -> tuple["np.ndarray", "np.ndarray"]:
        """``(ids, cosines)``: those of ``doc_ids`` with current views (sorted), and per query their best view cosine.

        ``cosines`` has shape ``(len(queries), len(ids))``, as
        :meth:`index.docviews.DocViews.scores` gives for every document.
        """
        import numpy as np

        want = sorted({int(d) for d in doc_ids})
        if not want:
            return np.zeros(0, "int64"), np.zeros((len(queries), 0))
        cols = ", ".join("max(1 - (v.vector <=> ?))" for _ in queries)
        # A PostgreSQL store holds current views only (migration 009): no look-up of the documents' hashes.
        rows = self.store.conn.execute(
            f"""select v.document_id, {cols} from doc_views v
                where v.model = ? and v.document_id = any(?) group by v.document_id order by v.document_id""",
            [*[np.asarray(q, dtype="float32") for q in queries], self.model, want],
        ).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype="int64", count=len(rows))
        sims = np.asarray([r[1:] for r in rows], dtype="float64").reshape(len(rows), len(queries)).T
        return ids, sims


def stored_views(store, model: str, dimension: int, *, min_documents: int) -> StoredViews | None:
    """:class:`StoredViews` for a store with an HNSW index on its views and at least ``min_documents`` with views, else None."""
    if getattr(store, "backend", "sqlite") != "postgresql":
        return None
    if store.conn.execute("select to_regclass(?)", [INDEX_NAME]).fetchone()[0] is None:
        return None
    # A cheap bound first (the pk index), before reading ids for the sample.
    rows = store.conn.execute("select count(*) from doc_views where model = ?", [model]).fetchone()[0]
    if rows < min_documents:
        return None
    views = StoredViews(store, model, dimension)
    return views if views.count >= min_documents else None
