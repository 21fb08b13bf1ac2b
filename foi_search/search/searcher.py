"""Service: find the earlier requests most like a query.

The :class:`Searcher` only wires the pieces together:

1. :mod:`~foi_search.search.resources` opens the vector index, the document
   views and the model (once per Searcher; never writes);
2. :mod:`~foi_search.search.signals` scores documents by keyword (BM25) and
   by embedding (document views and best passages);
3. :mod:`~foi_search.search.fusion` z-normalises and fuses them, adds one
   round of title-word feedback, prefers the kind of document a query asks
   for in its words ("how did the Tribunal rule…"), and makes a
   :class:`~foi_search.search.fusion.Ranking` that owns the confidence and the
   "no close precedent" decision;
4. :mod:`~foi_search.search.present` turns the top of the ranking into results.

Heavy libraries (numpy, faiss, the model) are imported only when dense search
runs.
"""

from __future__ import annotations

import heapq
import sys
from pathlib import Path
from typing import Callable

from foi_search.core.config import index_dir_for
from foi_search.core.domain import METADATA_ONLY_KINDS
from foi_search.core.filters import Filters
from foi_search.search import fusion
from foi_search.search.present import SearchHit, SearchResult, attach_members, collapse_ranked, hits_for
from foi_search.search.querytext import clean_query, named_exemptions, query_terms, reference_tokens, wanted_kinds
from foi_search.search.signals import PARAGRAPH_KINDS, DenseSignal, KeywordSignal, rulings_only
from foi_search.store import Store


def _stderr_note(msg: str) -> None:
    print(msg, file=sys.stderr)


class Searcher:
    """Answers queries against one store, reusing the index and model.

    Args:
        store: The open store.
        keyword_only: Skip dense search (and never load the model).
        embedder: An :class:`index.embedder.Embedder`; the packaged model
            (``load_embedder("auto")``) is loaded on first use when None.
        index_dir: The vector index folder (default: beside the DB).
        notify: Called with one-line notes for the user (default: stderr).
        dense_signal: Makes the dense signal from ``(store, resources)``
            (default :class:`~foi_search.search.signals.DenseSignal`); experiments
            pass their own.
    """

    def __init__(
        self,
        store: Store,
        *,
        keyword_only: bool = False,
        embedder=None,
        index_dir: str | Path | None = None,
        notify: Callable[[str], None] | None = None,
        dense_signal: Callable | None = None,
    ):
        self.store = store
        self.keyword_only = keyword_only
        self._embedder = embedder
        self.index_dir = Path(index_dir) if index_dir else index_dir_for(store.path)
        self.notify = notify or _stderr_note
        self.keyword = KeywordSignal(store)
        self._make_dense = dense_signal or DenseSignal
        self._dense: DenseSignal | None = None
        self._opened = False
        #: True when the vector index is behind the database (answers still come).
        self.index_stale = False
        self._pool = None

    # -- resources ---------------------------------------------------------------

    @property
    def dense(self) -> DenseSignal | None:
        """The dense signal, opened on first use (None in keyword mode or without an index)."""
        if not self._opened:
            self._opened = True
            if not self.keyword_only:
                from foi_search.search.resources import open_dense

                res = open_dense(self.store, self.index_dir, self._embedder, self.notify)
                if res is not None:
                    self.index_stale = res.stale
                    self._dense = self._make_dense(res.store or self.store, res)
        return self._dense

    @property
    def mode(self) -> str:
        """``hybrid`` when dense search is available, else ``keyword``."""
        return "hybrid" if self.dense is not None else "keyword"

    @property
    def embedder(self):
        """The query embedder (loaded on first use)."""
        if self.dense is not None:
            return self.dense.res.embedder
        if self._embedder is None:
            from foi_search.search.resources import cached_embedder

            self._embedder = cached_embedder("auto")
        return self._embedder

    # -- the query ---------------------------------------------------------------

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        limit: int = 10,
        qid: str | None = None,
        collapse: bool = True,
    ) -> SearchResult:
        """Rank documents for ``query``.

        Args:
            query: Free text: a whole request, a few words, or a question.
            filters: Restrictions on the documents returned.
            limit: Results returned (a batch of near-identical requests counts once).
            qid: Carried into the result (batch mode).
            collapse: Collapse near-identical requests sent to many
                authorities into one result with ``count`` and ``members``
                (evaluation ranks documents, so it passes False).

        Returns:
            A :class:`SearchResult`; an empty or unusable query gives no results
            and ``no_close_precedent`` set, never an error.
        """
        filters = filters or Filters()
        ranking = self.rank(query, filters)
        listed = self._listable(ranking.ranked, filters, ranking.named)
        ranked, groups = collapse_ranked(self.store, listed, limit) if collapse else (listed[:limit], {})
        hits = self.hits_for(ranked, ranking.terms, ranking.query_vector)
        attach_members(self.store, hits, groups)
        no_close = not hits or ranking.no_close_precedent
        return SearchResult(query, hits, no_close, ranking.confidence, self.mode, ranking.terms, qid, self.index_stale)

    def _listable(self, ranked: list[tuple[int, float]], filters: Filters, named: set[int]) -> list[tuple[int, float]]:
        """The ranking without metadata-only records (ICO notice rows), unless asked for.

        They are not responses: a user looking for earlier answers should not
        get a list of notice numbers. ``--kind ico_decision`` lists them, and
        so does a query that names one's reference.
        """
        hidden = [k for k in METADATA_ONLY_KINDS if k not in filters.kinds]
        if not hidden:
            return ranked
        drop = self.keyword.ids_of_kinds(hidden) - named
        return [x for x in ranked if x[0] not in drop]

    def rank(self, query: str, filters: Filters) -> fusion.Ranking:
        """All matching documents with fused scores, best first, and the confidence."""
        text = clean_query(query)
        terms = query_terms(text)
        kw_signal, dense_signal = self.keyword, self.dense
        mode = "hybrid" if dense_signal is not None else "keyword"
        allowed = kw_signal.allowed_ids(filters)
        n_total = kw_signal.count_docs(allowed)
        dense, qvec = None, None
        if dense_signal is not None and text.strip():
            # Where the engine reads on two connections, the keyword reads run beside
            # embedding the query and the dense reads (the server works on both).
            side = self._beside(kw_signal.scores, terms, filters) if self._parallel(dense_signal) else None
            kw = None if side is not None else kw_signal.scores(terms, filters)
            qvec, parts = dense_signal.embed_query(text)
            dense = dense_signal.scores(
                qvec, parts, allowed, n_total, dense_signal.passage_query_vector(text, qvec),
                also=kw.keys() if kw is not None else (),
            )
            kw = side.result() if side is not None else kw
        else:
            kw = kw_signal.scores(terms, filters)
        named = kw_signal.reference_matches(reference_tokens(query), allowed)
        if not kw and not named and (dense is None or not len(dense.ids)):
            return fusion.Ranking([], 0.0, mode, terms, qvec)
        base = fusion.fuse_base(kw, dense, n_total)
        if self._rulings_in_contention(base):
            # Only the rulings already fused can reach the top: their paragraphs re-score them.
            base = fusion.add_paragraphs(base, kw_signal.best_paragraphs(terms, base), n_total)
        top = [d for d, _ in sorted(base.items(), key=lambda x: -x[1])[: fusion.FEEDBACK_DOCS]]
        # Rulings' titles are their parties' names: no feedback from them.
        fb_terms = [] if rulings_only(filters) else kw_signal.feedback_terms(top, fusion.FEEDBACK_MIN_SHARED)
        fused = base
        if fb_terms:
            fused = fusion.add_feedback(base, kw_signal.scores(fb_terms, filters, title_words=True), dense, n_total)
        wanted = wanted_kinds(query) if not filters.kinds else []
        if wanted:
            fused = fusion.prefer_kinds(fused, kw_signal.ids_of_kinds(wanted))
        grounds = named_exemptions(query)
        if grounds:
            fused = fusion.prefer_exemptions(fused, kw_signal.ids_with_exemptions(grounds, allowed))
        fused = fusion.prefer_references(fused, named)
        ranked = sorted(fused.items(), key=lambda x: (-x[1], x[0]))
        evidence = fusion.Evidence(
            best_cosine=dense.best_cosine if dense is not None else None,
            agree=fusion.agreement(kw, dense) if dense is not None else 0.0,
            cover=kw_signal.coverage(terms, [d for d, _ in ranked[:3]]),
            unseen=kw_signal.unseen_share(terms),
            n_set=n_total,
            n_store=kw_signal.count_docs(None),
            filtered=allowed is not None,
            best_view=dense.best_view if dense is not None else None,
            best_passage=dense.best_passage if dense is not None else None,
            view_mean=dense.view_mean if dense is not None else 0.0,
            view_sd=dense.view_sd if dense is not None else 0.0,
            view_count=dense.view_count if dense is not None else 0,
            named_references=len(named),
        )
        ranking = fusion.Ranking(ranked, evidence.confidence(), mode, terms, qvec, evidence, named)
        if ranking.needs_store_check:
            # Only for the few filtered queries near the threshold: the whole store's view of the query.
            evidence.store_confidence = self.rank(query, Filters()).confidence
        return ranking

    def _parallel(self, dense_signal) -> bool:
        """Whether keyword and dense reads go on separate connections (so may run at once)."""
        return getattr(self.store, "parallel_reads", False) and dense_signal.store is not self.store

    def _beside(self, fn, *args):
        """``fn(*args)`` started on the searcher's one worker thread (a future)."""
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="foi-search-keyword")
        return self._pool.submit(fn, *args)

    def _rulings_in_contention(self, base: dict[int, float]) -> bool:
        """Whether a long ruling is among the ten best: only then is its best paragraph worth a query."""
        top = heapq.nlargest(10, base, key=base.__getitem__)
        return bool(top) and not self.keyword.ids_of_kinds(list(PARAGRAPH_KINDS)).isdisjoint(top)

    # -- presenting --------------------------------------------------------------

    def hits_for(self, ranked: list[tuple[int, float]], terms: list[str], qvec) -> list[SearchHit]:
        """Result records for ranked ``(doc_id, score)`` pairs, each with its best passage."""
        return hits_for(self.store, ranked, terms, qvec, self.dense)

    def passage_similarities(self, qvec, k: int | None = None) -> dict[int, float]:
        """Cosine of the query with indexed passages, by ``vectors.id`` (empty in keyword mode)."""
        return self.dense.passage_similarities(qvec, k) if self.dense is not None else {}


def search(
    store: Store,
    query: str,
    filters: Filters | None = None,
    *,
    limit: int = 10,
    keyword_only: bool = False,
    embedder=None,
) -> SearchResult:
    """Rank documents for one query (see :class:`Searcher` to answer many)."""
    return Searcher(store, keyword_only=keyword_only, embedder=embedder).search(query, filters, limit=limit)
