"""Dense scores on a large store whose document views are searched in the database.

:class:`~foi_search.search.signals.DenseSignal` scores every document's views in
memory while a store is small. From :data:`index.view_search.MIN_DOCUMENTS`
documents with views, a PostgreSQL store gives a
:class:`~index.view_search.StoredViews` instead, and :func:`searched_scores`
computes the same formula for the documents that can reach the top, with the
z-normalisation's divisors estimated from the store's in-memory sample
(docs/search.md, "Large PostgreSQL stores").
"""

from __future__ import annotations

from foi_search.core.domain import UNSHOWN_ROLES
from foi_search.search.fusion import padded_sd
from foi_search.search.dense_scores import (
    PASSAGE_DEPTH,
    SEARCHED_PASSAGE_DEPTH,
    DenseScores,
    _members,
    passage_bests,
    view_blend,
    with_passages,
)

#: Documents whose views are nearest the whole query, and each of its sentences, that are scored.
VIEW_NEIGHBOURS, VIEW_NEIGHBOURS_PER_PART = 200, 50
#: A filtered set this small is scored whole (exact view spreads), not from the nearest documents.
EXACT_FILTERED_SET = 5000
#: Sampled documents inside a filtered set needed to estimate its spread from them (else the whole sample's).
MIN_SAMPLE_IN_SET = 64


def searched_scores(signal, views, full, parts, allowed, n_total: int, passage_vec, also) -> DenseScores:
    """:meth:`DenseSignal.scores` with views searched in the store: the same formula, the spreads estimated from a sample.

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

    Args:
        signal: The :class:`~foi_search.search.signals.DenseSignal` (passage search, weights).
        views: The store's :class:`~index.view_search.StoredViews`.
        full, parts: The query's vector and its sentences' (or None).
        allowed: Ids passing the filters (None: all).
        n_total: Documents the query ranks among.
        passage_vec: The vector passages are searched with (None: ``full``).
        also: Documents to score whatever their closeness (the keyword matches).
    """
    import numpy as np

    queries = full[None, :] if parts is None else np.vstack((full[None, :], parts))
    pvec = full if passage_vec is None else passage_vec
    weight_p = signal.passage_weight

    def blend_of(sims):  # per query row: the whole query, then its sentences
        return view_blend(sims[0], None if parts is None else sims[1:])

    whole = allowed is not None and len(allowed) <= EXACT_FILTERED_SET
    cand = _candidates(views, queries, parts is not None, allowed, also, whole)
    passages = signal.passage_doc_scores(pvec, allowed, SEARCHED_PASSAGE_DEPTH) if weight_p else {}
    cand.update(passages)
    if allowed is not None:
        cand &= allowed
    ids, sims = views.best_cosines(queries, cand)
    blend = blend_of(sims)

    # The sample: its documents' view blends, and those whose best passage the full search would reach.
    sample = views.sample
    in_set, weight = views.sample_in(allowed, MIN_SAMPLE_IN_SET)
    s_sims = sample.scores(queries).astype("float64") if len(sample.doc_ids) else np.zeros((len(queries), 0))
    spread = (float(s_sims[0].mean()), float(s_sims[0].std()), views.count) if len(sample.doc_ids) else (0.0, 0.0, 0)
    if whole:
        n_views, b_sum, b_sq = len(ids), float(blend.sum()), float((blend * blend).sum())
    else:
        s_blend = blend_of(s_sims)[in_set(sample.doc_ids)]
        n_views = max(len(ids), round(len(s_blend) * weight))
        b_sum, b_sq = float(s_blend.sum()) * weight, float((s_blend * s_blend).sum()) * weight
    sd_blend = padded_sd(b_sum, b_sq, n_views, n_total)
    view_z = blend / sd_blend
    c_ids, c_vals = ids, view_z
    # Sums over the whole set of the combined score (view term, plus passage term where there is one).
    c_sum, c_sq, c_count = b_sum / sd_blend, b_sq / sd_blend**2, n_views
    best_passage = best_viewless = None
    if weight_p:
        p_docs, p_best, cut = views.sample_passage_bests(pvec, PASSAGE_DEPTH)
        _add_viewless(signal, passages, cand.difference(ids.tolist(), passages), pvec, cut)
        keep = in_set(p_docs)
        p_docs, p_best = p_docs[keep], p_best[keep]
        sd_p = padded_sd(float(p_best.sum()) * weight, float((p_best * p_best).sum()) * weight,
                         round(len(p_best) * weight), n_total)
        # Each sampled document's passage term, with its own view term (the cross term of the squares).
        s_view = np.zeros(len(p_docs))
        has_view = _members(p_docs, sample.doc_ids)
        if has_view.any():
            pos = np.searchsorted(sample.doc_ids, p_docs[has_view])
            s_view[has_view] = blend_of(s_sims[:, pos]) / sd_blend
        pz_s = weight_p * p_best / sd_p
        c_sum += float(pz_s.sum()) * weight
        c_sq += float((2 * s_view * pz_s + pz_s * pz_s).sum()) * weight
        c_count += round(int((~has_view).sum()) * weight)
        p_ids = np.fromiter(passages.keys(), dtype="int64", count=len(passages))
        p_vals = np.fromiter(passages.values(), dtype="float64", count=len(passages))
        best_passage, best_viewless = passage_bests(p_ids, p_vals, ids)
        if len(p_vals):
            c_ids, c_vals = with_passages(ids, view_z, p_ids, weight_p * p_vals / sd_p)
    sd_all = padded_sd(c_sum, c_sq, c_count, n_total)
    best = float(sims[0].max()) if len(ids) else None
    closest = max((c for c in (best, best_viewless) if c is not None), default=0.0)

    def more(doc_ids) -> dict[int, float]:
        """Scores of documents no search reached: their views; without views, their best passage as above."""
        want = [d for d in doc_ids if allowed is None or d in allowed]
        got_ids, got = views.best_cosines(queries, want)
        out = {int(d): float(v) for d, v in zip(got_ids, blend_of(got) / sd_blend)}
        if weight_p:
            found: dict[int, float] = {}
            _add_viewless(signal, found, set(want).difference(out), pvec, cut)
            out.update({d: weight_p * v / sd_p for d, v in found.items()})
        return {d: v / sd_all for d, v in out.items()}

    return DenseScores(
        c_ids, c_vals / sd_all, closest, best, best_passage, *spread, best_viewless, more=None if whole else more
    )


def _candidates(views, queries, has_parts: bool, allowed, also, whole: bool) -> set[int]:
    """The documents to score: the whole filtered set, or those nearest the query and its sentences plus ``also``."""
    if whole:
        return set(allowed)
    cand = views.nearest(queries[:1], VIEW_NEIGHBOURS)
    if has_parts:
        cand |= views.nearest(queries[1:], VIEW_NEIGHBOURS_PER_PART)
    cand.update(int(d) for d in also)
    return cand


def _add_viewless(signal, passages: dict[int, float], viewless: set[int], pvec, cut: float) -> None:
    """Add to ``passages`` the best passage of each candidate without views, where the full-depth search would count it.

    Documents without views (rulings) rank by their passages alone, so a
    shallow passage search must not decide whether they have a dense score:
    their best passage is read wherever it lies, and counts when it is at
    least ``cut`` (the cosine of the last of the :data:`PASSAGE_DEPTH`
    nearest passages, estimated from the sample).
    """
    found = signal.res.index.passage_cosines(pvec, sorted(viewless), list(UNSHOWN_ROLES), best_per_document=True)
    passages.update({int(d): float(v) for d, v in found if v >= cut})
