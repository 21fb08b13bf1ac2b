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
from dataclasses import dataclass
from typing import Callable

from foi_search.core.domain import UNSHOWN_ROLES
from foi_search.core.filters import Filters
from foi_search.search.fusion import padded_sd, sd_of
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
#: Passages fetched from the vector index per query for that.
PASSAGE_DEPTH = 2000
#: Views searched in the store (a large store, :mod:`index.view_search`): the
#: documents whose views are nearest the whole query, and each of its sentences.
VIEW_NEIGHBOURS, VIEW_NEIGHBOURS_PER_PART = 200, 50
#: Passages searched when views are searched in the store (see ``_searched_scores``).
SEARCHED_PASSAGE_DEPTH = 300
EXACT_PASSAGES_FOR = "viewless"
#: A filtered set this small is scored whole (exact view spreads), not from the nearest documents.
EXACT_FILTERED_SET = 5000
#: Sampled documents inside a filtered set needed to estimate its spread from them (else the whole sample's).
MIN_SAMPLE_IN_SET = 64


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
            for t in terms:
                for d in self.store.title_request_hits(t, ids, body=body):
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
        matches), and for any other on lookup (:meth:`_searched_scores`).
        """
        import numpy as np

        views = self.res.views
        if getattr(views, "searched", False):
            return self._searched_scores(views, full, parts, allowed, n_total, passage_vec, also)
        s_full = views.scores(full[None, :])[0]
        # How the query's cosines spread over the whole store: what chance alone
        # gives a set of any size (see fusion.Ranking).
        spread = (float(s_full.mean()), float(s_full.std()), len(s_full)) if len(s_full) else (0.0, 0.0, 0)
        blend = s_full if parts is None else 0.5 * s_full + 0.5 * views.scores(parts).mean(axis=0)
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
            if len(p_vals):
                best_passage = float(p_vals.max())
                # Rulings have no views: their closeness is their best passage's.
                viewless = ~_members(p_ids, views.doc_ids)
                best_viewless = float(p_vals[viewless].max()) if viewless.any() else None
            combined_ids = _sorted_unique(np.concatenate((ids, p_ids)))
            out = np.zeros(len(combined_ids))
            out[np.searchsorted(combined_ids, ids)] += blend / sd_of(blend, n_total)
            out[np.searchsorted(combined_ids, p_ids)] += self.passage_weight * p_vals / sd_of(p_vals, n_total)
            combined = out
        else:
            order = np.argsort(combined_ids, kind="stable")
            combined_ids, combined = combined_ids[order], combined[order]
        best = float(s_full.max()) if len(s_full) else None
        closest = max((c for c in (best, best_viewless) if c is not None), default=0.0)
        return DenseScores(
            combined_ids, combined / sd_of(combined, n_total), closest, best, best_passage, *spread, best_viewless
        )

    def _searched_scores(self, views, full, parts, allowed, n_total, passage_vec, also) -> "DenseScores":
        """:meth:`scores` with views searched in the store: the same formula, the spreads estimated from a sample.

        The documents scored are those whose views are nearest the query or
        one of its sentences, the keyword matches (``also``) and the
        documents of the :data:`SEARCHED_PASSAGE_DEPTH` nearest passages;
        each score is exact. What is estimated is what the z-normalisation
        divides by: how the query's view cosines, and the best passage
        cosines of the documents among the :data:`PASSAGE_DEPTH` nearest
        passages, spread over the whole set. Both come from the store's
        in-memory sample of documents (:class:`index.view_search.StoredViews`),
        so a shallow passage search gives its documents the scores the full
        one would. A filtered set of at most :data:`EXACT_FILTERED_SET`
        documents is scored whole; documents no search reached are scored
        when looked up (:meth:`DenseScores.lookup`), so a keyword or
        feedback match never lacks its dense score.
        """
        import numpy as np

        queries = full[None, :] if parts is None else np.vstack((full[None, :], parts))
        pvec = full if passage_vec is None else passage_vec

        def blend_of(sims):
            return sims[0] if parts is None else 0.5 * sims[0] + 0.5 * sims[1:].mean(axis=0)

        whole = allowed is not None and len(allowed) <= EXACT_FILTERED_SET
        if whole:
            cand = set(allowed)
        else:
            cand = views.nearest(queries[:1], VIEW_NEIGHBOURS)
            if parts is not None:
                cand |= views.nearest(parts, VIEW_NEIGHBOURS_PER_PART)
            cand.update(int(d) for d in also)
        passages = self.passage_doc_scores(pvec, allowed, SEARCHED_PASSAGE_DEPTH) if self.passage_weight else {}
        cand.update(passages)
        if allowed is not None:
            cand &= allowed
        ids, sims = views.best_cosines(queries, cand)
        blend = blend_of(sims)
        s_full = sims[0]
        if self.passage_weight:
            p_docs, p_best, cut = views.sample_passage_bests(pvec, PASSAGE_DEPTH)
            # Documents without views (rulings) rank by their passages alone: a candidate's
            # best passage counts as the full-depth search would count it, however deep it lies.
            viewless = cand.difference(ids.tolist(), passages) if EXACT_PASSAGES_FOR == "viewless" else cand.difference(passages)
            for d, v in self.res.index.best_of_documents(pvec, sorted(viewless), list(UNSHOWN_ROLES)).items():
                if v >= cut:
                    passages[d] = v

        # The sample: its documents' view blends and, among the nearest passages, best passage cosines.
        sample = views.sample
        in_set, weight = views.sample_in(allowed, MIN_SAMPLE_IN_SET)
        s_sims = sample.scores(queries).astype("float64") if len(sample.doc_ids) else np.zeros((len(queries), 0))
        spread = (float(s_sims[0].mean()), float(s_sims[0].std()), views.count) if len(sample.doc_ids) else (0.0, 0.0, 0)
        s_blend = blend_of(s_sims)[in_set(sample.doc_ids)]
        if whole:
            n_views, b_sum, b_sq = len(ids), float(blend.sum()), float((blend * blend).sum())
        else:
            n_views = max(len(ids), round(len(s_blend) * weight))
            b_sum, b_sq = float(s_blend.sum()) * weight, float((s_blend * s_blend).sum()) * weight
        sd_blend = padded_sd(b_sum, b_sq, n_views, n_total)
        view_z = blend / sd_blend
        c_ids, c_vals = ids, view_z
        c_sum, c_sq, c_count = b_sum / sd_blend, b_sq / sd_blend**2, n_views
        best_passage = best_viewless = None
        if self.passage_weight:
            keep = in_set(p_docs)
            p_docs, p_best = p_docs[keep], p_best[keep]
            sd_p = padded_sd(float(p_best.sum()) * weight, float((p_best * p_best).sum()) * weight,
                             round(len(p_best) * weight), n_total)
            # The passage terms' share of the set's sums, with each sampled document's own view term.
            s_view = np.zeros(len(p_docs))
            has_view = _members(p_docs, sample.doc_ids)
            if has_view.any():
                pos = np.searchsorted(sample.doc_ids, p_docs[has_view])
                s_view[has_view] = blend_of(s_sims[:, pos]) / sd_blend
            pz_s = self.passage_weight * p_best / sd_p
            c_sum += float(pz_s.sum()) * weight
            c_sq += float((2 * s_view * pz_s + pz_s * pz_s).sum()) * weight
            c_count += round(int((~has_view).sum()) * weight)
            p_ids = np.fromiter(passages.keys(), dtype="int64", count=len(passages))
            p_vals = np.fromiter(passages.values(), dtype="float64", count=len(passages))
            if len(p_vals):
                best_passage = float(p_vals.max())
                viewless = ~_members(p_ids, ids)
                best_viewless = float(p_vals[viewless].max()) if viewless.any() else None
                c_ids = _sorted_unique(np.concatenate((ids, p_ids)))
                c_vals = np.zeros(len(c_ids))
                c_vals[np.searchsorted(c_ids, ids)] += view_z
                c_vals[np.searchsorted(c_ids, p_ids)] += self.passage_weight * p_vals / sd_p
        sd_all = padded_sd(c_sum, c_sq, c_count, n_total)
        best = float(s_full.max()) if len(s_full) else None
        closest = max((c for c in (best, best_viewless) if c is not None), default=0.0)

        def more(doc_ids) -> dict[int, float]:
            want = [d for d in doc_ids if allowed is None or d in allowed]
            got_ids, got = views.best_cosines(queries, want)
            return {int(d): float(v) for d, v in zip(got_ids, blend_of(got) / sd_blend / sd_all)}

        return DenseScores(
            c_ids, c_vals / sd_all, closest, best, best_passage, *spread, best_viewless, more=None if whole else more
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
        return {**self.res.index.similarities_of_documents(qvec, doc_ids), **sims}

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


@dataclass
class DenseScores:
    """Dense scores of every document for one query, as arrays.

    Attributes:
        ids: Sorted document ids.
        z: Their fused dense scores (z-units, as :func:`foi_search.search.fusion.z_scores` gives).
        best_cosine: The closest document's cosine: the best whole-query
            cosine with a document's views or, for a document without views
            (rulings), with its best passage (0 when neither).
        best_view: The same, None when no document in the set has views
            (rulings have none).
        best_passage: The best cosine with an indexed passage of a document
            in the set (None when none is among the passages searched).
        view_mean, view_sd, view_count: Mean and spread of the query's view
            cosines over every document with views (the whole store).
        best_viewless: Best passage cosine of a document without views.
    """

    ids: "object"
    z: "object"
    best_cosine: float
    best_view: float | None = None
    best_passage: float | None = None
    view_mean: float = 0.0
    view_sd: float = 0.0
    view_count: int = 0
    best_viewless: float | None = None
    #: Scores documents not in ``ids`` (views searched in the store: those no search reached).
    more: "Callable[[list[int]], dict[int, float]] | None" = None

    def top(self, n: int) -> list[int]:
        """Ids of the ``n`` best documents, best first (ties by id)."""
        import numpy as np

        if n < len(self.z):
            idx = np.argpartition(-self.z, n)[:n]
        else:
            idx = np.arange(len(self.z))
        idx = idx[np.lexsort((self.ids[idx], -self.z[idx]))]
        return [int(i) for i in self.ids[idx]]

    def lookup(self, doc_ids) -> dict[int, float]:
        """Scores of those of ``doc_ids`` that have one."""
        import numpy as np

        want = np.fromiter(doc_ids, dtype="int64")
        if not len(want):
            return {}
        if not len(self.ids):
            return self.more([int(d) for d in want]) if self.more is not None else {}
        pos = np.clip(np.searchsorted(self.ids, want), 0, len(self.ids) - 1)
        hit = self.ids[pos] == want
        out = {int(d): float(v) for d, v in zip(want[hit], self.z[pos[hit]])}
        if self.more is not None and not hit.all():
            out.update(self.more([int(d) for d in want[~hit]]))
        return out


# np.unique (behind union1d and isin) imports numpy.ma, ~40 ms of a cold
# query; these two do the same for int64 id arrays without it.


def _sorted_unique(ids):
    """The distinct values of an int array, sorted."""
    import numpy as np

    ids = np.sort(ids)
    if len(ids) < 2:
        return ids
    return ids[np.concatenate(([True], ids[1:] != ids[:-1]))]


def _members(ids, allowed):
    """Boolean mask: which of ``ids`` are in ``allowed``."""
    import numpy as np

    allowed = np.sort(allowed)
    if not len(allowed):
        return np.zeros(len(ids), dtype=bool)
    pos = np.clip(np.searchsorted(allowed, ids), 0, len(allowed) - 1)
    return allowed[pos] == ids
