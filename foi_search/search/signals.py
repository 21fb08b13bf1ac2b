"""Ranking signals: each scores documents for one query, independently of the others.

* :class:`KeywordSignal`: FTS5 BM25 over the title and request text (the
  authority's replies count a little; their boilerplate otherwise matches
  everything), plus the word statistics the confidence uses and one round of
  title-word feedback (how earlier requesters named the thing);
* :class:`DenseSignal`: cosine between the query (whole, and each of its
  sentences) and a few views of each document (:mod:`index.docviews`), plus,
  with less weight, the best of the document's indexed passages.

Fusion (:mod:`foi_search.search.fusion`) combines them. A benchmark or an
experiment swaps a signal (a subclass of :class:`DenseSignal` with another
query vector, a passage weight of 0) instead of reaching into the Searcher.
"""

from __future__ import annotations

import itertools
import math

from foi_search.core.domain import UNSHOWN_ROLES
from foi_search.core.filters import Filters
from foi_search.search.dense_scores import (
    PASSAGE_DEPTH,
    SEARCHED_PASSAGE_DEPTH,
    DenseScores,
    _members,
    passage_bests,
    view_blend,
    with_passages,
)
from foi_search.search.fusion import sd_of
from foi_search.search.querytext import query_parts, query_terms

#: bm25() column weights for documents_fts (title, authority, request_text, body).
BM25_WEIGHTS = (5.0, 0.0, 1.0, 0.1)
#: bm25() column weights when only rulings are ranked (``--kind tribunal_decision``):
#: a ruling's title is its parties' names and it has no request, so its text
#: decides (and no title-word feedback is added, see the Searcher).
BM25_WEIGHTS_RULINGS = (0.0, 0.0, 1.0, 1.0)
#: Kinds whose documents are rulings, not requests.
RULING_KINDS = frozenset({"tribunal_decision", "ico_decision"})
#: Keyword matches considered per query.
KEYWORD_DEPTH = 300
#: Long documents with no request and no views (Tribunal decisions run to thousands
#: of words): whole-document BM25 dilutes the one paragraph about the query, so
#: their best paragraph's keyword score is added (max-passage evidence).
PARAGRAPH_KINDS = ("tribunal_decision",)
#: Weight of a document's best passage (cosine, z-scored) next to its views.
W_PASSAGE = 0.5


def rulings_only(filters: Filters) -> bool:
    """True when ``filters`` admit only rulings (Tribunal or ICO decisions)."""
    return bool(filters.kinds) and set(filters.kinds) <= RULING_KINDS


class KeywordSignal:
    """BM25 scores and word statistics over ``documents_fts``.

    Args:
        store: The open store.
    """

    def __init__(self, store):
        self.store = store
        self._df: dict[str, int] = {}
        self._n_docs: int | None = None
        self._kind_ids: dict[str, set[int]] = {}

    def allowed_ids(self, filters: Filters) -> set[int] | None:
        """Ids of the documents passing ``filters`` (None when nothing is filtered)."""
        if filters.is_empty():
            return None
        where, params = filters.sql("d")
        return {r[0] for r in self.store.conn.execute(f"select d.id from documents d where {where}", params)}

    def count_docs(self, allowed: set[int] | None) -> int:
        """How many documents a query ranks among (all, or those allowed)."""
        if allowed is not None:
            return len(allowed)
        if self._n_docs is None:
            self._n_docs = self.store.conn.execute("select count(*) from documents").fetchone()[0]
        return self._n_docs

    def scores(
        self, terms: list[str], filters: Filters, depth: int = KEYWORD_DEPTH, *, title_words: bool = False
    ) -> dict[int, float]:
        """BM25 scores (higher is better) of documents matching any of ``terms`` (``title_words``: feedback's)."""
        if not terms:
            return {}
        return self.store.keyword_scores(
            terms, filters, depth, BM25_WEIGHTS_RULINGS if rulings_only(filters) else BM25_WEIGHTS,
            title_words=title_words,
        )

    def best_paragraphs(self, terms: list[str], candidates) -> dict[int, float]:
        """BM25 of the best matching passage of each long document (:data:`PARAGRAPH_KINDS`) among ``candidates`` (ids)."""
        ids = sorted(self.ids_of_kinds(list(PARAGRAPH_KINDS)).intersection(candidates))
        return self.store.best_paragraph_scores(terms, ids) if ids else {}

    def ids_of_kinds(self, kinds: list[str]) -> set[int]:
        """Ids of the documents of ``kinds`` (cached per kind)."""
        out: set[int] = set()
        for k in kinds:
            if k not in self._kind_ids:
                self._kind_ids[k] = {r[0] for r in self.store.conn.execute("select id from documents where kind = ?", [k])}
            out |= self._kind_ids[k]
        return out

    def reference_matches(self, refs: list[str], allowed: set[int] | None) -> set[int]:
        """Ids of the documents whose references include one of ``refs`` (folded, as :func:`reference_tokens` gives).

        An ICO notice number or a Tribunal case number names its documents
        exactly; in the keyword index it is one word of a long body.
        """
        return self._ids_holding("refs_norm", refs, allowed)

    def ids_with_exemptions(self, codes: list[str], allowed: set[int] | None) -> set[int]:
        """Ids of the documents that applied (or, for rulings, ruled on) any of ``codes``."""
        return self._ids_holding("exemption_codes", codes, allowed)

    def _ids_holding(self, column: str, tokens: list[str], allowed: set[int] | None) -> set[int]:
        """Ids of the documents whose space-separated ``column`` holds any of ``tokens``."""
        out: set[int] = set()
        for token in tokens:
            out |= {
                r[0]
                for r in self.store.conn.execute(
                    f"select id from documents where (' ' || {column} || ' ') like ?", [f"% {token} %"]
                )
            }
        return out if allowed is None else out & allowed

    def feedback_terms(self, top_ids: list[int], min_shared: int) -> list[str]:
        """Title words shared by at least ``min_shared`` of the top documents."""
        if not top_ids:
            return []
        marks = ",".join("?" * len(top_ids))
        titles = [r[0] or "" for r in self.store.conn.execute(f"select title from documents where id in ({marks})", top_ids)]
        counts: dict[str, int] = {}
        for t in titles:
            for w in set(query_terms(t, limit=1000)):
                if len(w) > 2 and not w.isdigit():
                    counts[w] = counts.get(w, 0) + 1
        return [w for w, c in counts.items() if c >= min_shared]

    def _df_of(self, term: str) -> int:
        if term not in self._df:
            self._df[term] = self.store.doc_frequency(term)
        return self._df[term]

    def _idf(self, terms: list[str]) -> dict[str, float]:
        n = max(1, self.count_docs(None))
        return {t: math.log((n - self._df_of(t) + 0.5) / (self._df_of(t) + 0.5) + 1) for t in terms}

    def unseen_share(self, terms: list[str]) -> float:
        """Share of the query's IDF mass in words that no document contains.

        A query about something the store has never seen usually names it
        with words found nowhere ("trolleys", "gritting").
        """
        idf = self._idf(terms)
        total = sum(idf.values())
        return sum(v for t, v in idf.items() if self._df_of(t) == 0) / total if total else 0.0

    def coverage(self, terms: list[str], doc_ids: list[int]) -> float:
        """Best share, over ``doc_ids``, of the query's IDF mass found in a title or request (a ruling's text)."""
        if not terms or not doc_ids:
            return 0.0
        idf = self._idf(terms)
        total = sum(idf.values()) or 1.0
        got = {d: 0.0 for d in doc_ids}
        # A ruling has no request: what it is about is in its text.
        no_request = set(self.store.documents_without_request(doc_ids))
        for body, ids in ((False, [d for d in doc_ids if d not in no_request]), (True, [d for d in doc_ids if d in no_request])):
            if not ids:
                continue
            hits = self.store.title_request_hits(list(idf), ids, body=body)
            for t in terms:
                for d in hits[t]:
                    got[d] += idf[t]
        return max(got.values()) / total


class DenseSignal:
    """Document scores from the query's embedding: summary views and best passages.

    Args:
        store: The open store.
        resources: :class:`foi_search.search.resources.DenseResources`.
        passage_weight: Weight of the best-passage term next to the views.
    """

    def __init__(self, store, resources, *, passage_weight: float = W_PASSAGE):
        self.store = store
        self.res = resources
        self.passage_weight = passage_weight
        self._qcache: dict[str, tuple] = {}
        self._sims: tuple | None = None

    def embed_query(self, text: str):
        """``(whole-query vector, per-sentence vectors or None)``, cached per text."""
        # A report ranks the same text several times (requests, then rulings).
        if text in self._qcache:
            return self._qcache[text]
        import numpy as np

        parts = query_parts(text)
        texts = [text] + (parts if len(parts) > 1 else [])
        vecs = self.res.embedder.embed(texts)
        out = np.asarray(vecs[0]), (np.asarray(vecs[1:]) if len(texts) > 1 else None)
        if len(self._qcache) > 32:
            self._qcache.clear()
        self._qcache[text] = out
        return out

    def passage_query_vector(self, text: str, full):
        """The vector the passage index is searched with (the query's own; a hook for experiments)."""
        return full

    def scores(
        self, full, parts, allowed: set[int] | None, n_total: int, passage_vec=None, also=()
    ) -> "DenseScores":
        """Every document's dense score: its views and, with less weight, its best passage.

        Computed on arrays over all documents (a Python dict per document
        costs ~10 ms per thousand); callers look up the few they rank. Views
        searched in the database (a large store, :mod:`index.view_search`)
        are scored for the documents near the query and ``also`` (the keyword
        matches), and for any other on lookup (:mod:`foi_search.search.searched_dense`).
        """
        import numpy as np

        views = self.res.views
        if getattr(views, "searched", False):
            from foi_search.search.searched_dense import searched_scores

            return searched_scores(self, views, full, parts, allowed, n_total, passage_vec, also)
        s_full = views.scores(full[None, :])[0]
        # How the query's cosines spread over the whole store: what chance alone
        # gives a set of any size (see fusion.Ranking).
        spread = (float(s_full.mean()), float(s_full.std()), len(s_full)) if len(s_full) else (0.0, 0.0, 0)
        blend = view_blend(s_full, None if parts is None else views.scores(parts))
        ids = views.doc_ids
        if allowed is not None:
            keep = _members(ids, np.fromiter(allowed, dtype="int64", count=len(allowed)))
            ids, blend, s_full = ids[keep], blend[keep], s_full[keep]
        blend = blend.astype("float64")
        combined_ids, combined = ids, blend / sd_of(blend, n_total)
        best_passage = best_viewless = None
        if self.passage_weight:
            passages = self.passage_doc_scores(full if passage_vec is None else passage_vec, allowed)
            p_ids = np.fromiter(passages.keys(), dtype="int64", count=len(passages))
            p_vals = np.fromiter(passages.values(), dtype="float64", count=len(passages))
            best_passage, best_viewless = passage_bests(p_ids, p_vals, views.doc_ids)
            combined_ids, combined = with_passages(
                ids, blend / sd_of(blend, n_total), p_ids, self.passage_weight * p_vals / sd_of(p_vals, n_total)
            )
        else:
            order = np.argsort(combined_ids, kind="stable")
            combined_ids, combined = combined_ids[order], combined[order]
        best = float(s_full.max()) if len(s_full) else None
        closest = max((c for c in (best, best_viewless) if c is not None), default=0.0)
        return DenseScores(
            combined_ids, combined / sd_of(combined, n_total), closest, best, best_passage, *spread, best_viewless
        )

    def passage_similarities(self, qvec, k: int | None = None) -> dict[int, float]:
        """Cosine of the query with indexed passages, by ``vectors.id`` (top ``k``, best first).

        ``k`` None: as deep as ranking searched (5,000; :data:`SEARCHED_PASSAGE_DEPTH`
        when views are searched in the store).
        """
        index = self.res.index
        if qvec is None or index is None or not index.count:
            return {}
        # Ranking and presenting both ask for one query's passages: search once
        # (at least that deep) and hand out prefixes of that list.
        floor = SEARCHED_PASSAGE_DEPTH if getattr(self.res.views, "searched", False) else 5000
        k = floor if k is None else k
        key = qvec.tobytes()
        cached = self._sims
        if cached is None or cached[0] != key or cached[1] < k:
            depth = max(k, floor)
            scores, ids = index.search(qvec, min(depth, index.count))
            cached = self._sims = (key, depth, {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0})
        sims = cached[2]
        if k >= len(sims):
            return sims
        return dict(itertools.islice(sims.items(), k))

    def passage_similarities_of(self, qvec, doc_ids: list[int]) -> dict[int, float]:
        """:meth:`passage_similarities`, plus every indexed passage of ``doc_ids`` (the results shown).

        With views searched in the store the passage search is shallow, so
        the passages of the documents shown are scored by the store itself.
        """
        sims = self.passage_similarities(qvec)
        if qvec is None or not getattr(self.res.views, "searched", False) or not doc_ids:
            return sims
        shown = self.res.index.passage_cosines(qvec, doc_ids, list(UNSHOWN_ROLES))
        return {**{int(vid): float(c) for _, vid, c in shown}, **sims}

    def passage_doc_scores(self, qvec, allowed: set[int] | None, depth: int = PASSAGE_DEPTH) -> dict[int, float]:
        """Per document, the best cosine of the query with one of its ``depth`` nearest indexed passages."""
        sims = self.passage_similarities(qvec, k=depth)
        out: dict[int, float] = {}
        ids = list(sims)
        hidden = list(UNSHOWN_ROLES)
        for i in range(0, len(ids), 500):
            for vid, doc_id in self.store.vector_documents(ids[i : i + 500], hidden):
                if allowed is None or doc_id in allowed:
                    s = sims[vid]
                    if s > out.get(doc_id, -2.0):
                        out[doc_id] = s
        return out
