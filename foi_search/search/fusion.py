"""Fusing ranking signals into one ranking, and judging whether its best is close enough.

Scores are z-normalised over the documents that pass the filters, as if every
document a signal did not score had scored 0 (:func:`z_scores`), then summed
with the weights below. A :class:`Ranking` carries the fused list and the
confidence, and owns the "no close precedent" decision, so every caller
(search, precedents, exists, the server) judges it the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: Fusion weights (of z-scores): keyword, dense, keyword feedback.
W_KEYWORD, W_DENSE, W_FEEDBACK = 0.3, 0.7, 0.3
#: Keyword-only mode: weight of the feedback list.
W_FEEDBACK_KEYWORD_ONLY = 0.3
#: Documents fused per query besides the keyword matches: the best by dense
#: score (also the depth of the ranking recall is measured on).
DENSE_CANDIDATES = 1000
#: z-units by which the best document of a kind the query asks for in its words
#: (:func:`~foi_search.search.querytext.wanted_kinds`) stands above the best other
#: when no kind filter is given: "how did the Tribunal rule on X" ranks Tribunal
#: decisions on X above requests about X (:func:`prefer_kinds`). Chosen on the
#: whole-corpus dev set's "tune" split (docs/search.md); a kind filter, when
#: given, decides instead.
W_WANTED_KIND = 4.0
#: z-units added to documents that applied, or for a Tribunal decision ruled on,
#: a refusal ground the query names ("section 35", "vexatious", "regulation 12(5)(e)"):
#: the stored reading knows which ground a document turned on; its words often
#: only mention it. Chosen on the whole-corpus dev set's "tune" split (docs/search.md).
W_NAMED_EXEMPTION = 1.0
#: Weight of a long document's best paragraph (keyword z-score) next to its
#: whole-text score (:data:`~foi_search.search.signals.PARAGRAPH_KINDS`). Chosen on
#: the whole-corpus dev set's "tune" split, flat for 0.1-0.2 (docs/search.md).
W_PARAGRAPH = 0.15
#: z-units above the best other document given to the documents whose
#: references (ICO notice, Tribunal case, an authority's own number) the query names.
W_REFERENCE = 1.0
#: Feedback: titles of this many top documents; a word must be in this many.
FEEDBACK_DOCS, FEEDBACK_MIN_SHARED = 3, 2
#: Confidence = best dense cosine + W_AGREE * agreement + W_COVER * coverage
#: - W_UNSEEN * (share of the query's IDF mass in words no document contains).
W_AGREE, W_COVER, W_UNSEEN = 0.3, 0.2, 0.15
#: Below these the answer is "no close precedent" (calibrated on the dev set,
#: see docs/search.md). Hybrid mode uses the confidence above; keyword-only
#: mode uses coverage alone.
NO_PRECEDENT_BELOW = 0.79
NO_PRECEDENT_BELOW_KEYWORD = 0.2
#: A filtered set is judged against what it can offer: when the whole store
#: holds a close precedent for the query (its own confidence clears the
#: threshold), the best of the filtered set needs this share of the threshold
#: (a filter narrows to documents less like the query, and a user who filters
#: wants the nearest within the filter). Calibrated with
#: bench/filtered_calibration.py (docs/search.md).
FILTERED_RELATIVE = 0.85
#: Agreement of two top tens is discounted by ``1 - AGREE_DEPTH / n`` in a
#: filtered set of ``n`` documents: in a set of ten or fewer they agree by construction.
AGREE_DEPTH = 10


@dataclass
class Evidence:
    """What a ranking's confidence is made of, and the set it was judged in.

    Attributes:
        best_cosine: Best whole-query cosine with a document's views in the
            set (None in keyword mode; 0 when no document in the set has views).
        agree: Agreement of the keyword and dense top tens.
        cover: Coverage of the query's IDF mass by one of the top three.
        unseen: Share of the query's IDF mass in words no document contains.
        n_set: Documents the query was ranked among (those passing the filters).
        n_store: Documents in the store.
        filtered: Whether filters restricted the set.
        best_view: As ``best_cosine``, but None when no document in the set has views.
        best_passage: Best cosine with an indexed passage of a document in the set.
        view_mean, view_sd, view_count: The query's view cosines over the whole store.
        named_references: Documents in the set whose references the query names.
        store_confidence: The same query's confidence over the whole store
            (set only for a filtered ranking whose confidence falls between
            :data:`FILTERED_RELATIVE` of the threshold and the threshold).
    """

    best_cosine: float | None
    agree: float = 0.0
    cover: float = 0.0
    unseen: float = 0.0
    n_set: int = 0
    n_store: int = 0
    filtered: bool = False
    best_view: float | None = None
    best_passage: float | None = None
    view_mean: float = 0.0
    view_sd: float = 0.0
    view_count: int = 0
    store_confidence: float | None = None
    named_references: int = 0

    def confidence(self) -> float:
        """The confidence compared with the threshold (agreement discounted in small filtered sets).

        The whole store keeps the calibrated formula, however small it is (a
        demo store of a few dozen documents). A query that names the reference
        of a document in the set has found it: the confidence is at least the
        hybrid threshold.
        """
        agree = self.agree * (max(0.0, 1.0 - AGREE_DEPTH / max(self.n_set, 1)) if self.filtered else 1.0)
        conf = confidence(best_cosine=self.best_cosine, agree=agree, cover=self.cover, unseen=self.unseen)
        return max(conf, NO_PRECEDENT_BELOW) if self.named_references else conf


@dataclass
class Ranking:
    """Documents ranked for one query, and how sure the ranking is.

    Attributes:
        ranked: ``(doc_id, score)`` pairs, best first (score in z-units).
        confidence: The value compared with the no-close-precedent threshold.
        mode: ``hybrid`` or ``keyword``.
        terms: Query words used for keyword search and highlighting.
        query_vector: The query's embedding (None in keyword mode).
        evidence: What the confidence is made of (None for an empty ranking).
        named: Documents whose references the query names.
    """

    ranked: list[tuple[int, float]]
    confidence: float
    mode: str
    terms: list[str] = field(default_factory=list)
    query_vector: object = None
    evidence: Evidence | None = None
    named: set[int] = field(default_factory=set)

    @property
    def base_threshold(self) -> float:
        """The threshold for the whole store in this mode."""
        return NO_PRECEDENT_BELOW if self.mode == "hybrid" else NO_PRECEDENT_BELOW_KEYWORD

    @property
    def threshold(self) -> float:
        """The confidence below which nothing counts as a close precedent.

        A filtered ranking is judged against what its set can offer: when the
        whole store is confident about the query, the filtered best needs only
        :data:`FILTERED_RELATIVE` of the threshold. Without filters, or when
        the store itself has nothing close, the threshold stays, so queries
        with no answer stay flagged whatever the filters.
        """
        base = self.base_threshold
        ev = self.evidence
        if ev is not None and ev.filtered and ev.store_confidence is not None and ev.store_confidence >= base:
            return FILTERED_RELATIVE * base
        return base

    @property
    def needs_store_check(self) -> bool:
        """True when the decision depends on the whole store's confidence (see :attr:`threshold`)."""
        ev = self.evidence
        base = self.base_threshold
        return bool(
            ev is not None and ev.filtered and ev.store_confidence is None and self.ranked
            and FILTERED_RELATIVE * base <= self.confidence < base
        )

    @property
    def no_close_precedent(self) -> bool:
        """True when nothing ranked is close enough to count as a precedent."""
        return not self.ranked or self.confidence < self.threshold


def padded_sd(total: float, squares: float, count: int, n_total: int) -> float:
    """Standard deviation of ``count`` scores padded with zeros to ``n_total`` (1.0 when flat)."""
    n = max(n_total, count)
    if not count:
        return 1.0
    mean = total / n
    return math.sqrt(max(squares / n - mean * mean, 0.0)) or 1.0


def sd_of(values, n_total: int) -> float:
    """The standard deviation :func:`z_scores` divides by, for an array of scores."""
    return padded_sd(float(values.sum()), float((values * values).sum()), len(values), n_total)


def z_scores(scores: dict[int, float], n_total: int) -> dict[int, float]:
    """z-scores of ``scores`` as if the other ``n_total - len(scores)`` documents scored 0, shifted so 0 stays 0.

    Padding with zeros keeps one document's keyword score comparable across
    queries that match few or many documents; with the shift that keeps an
    absent document at 0, ``(v - mean) / sd - (0 - mean) / sd`` is ``v / sd``.
    """
    if not scores:
        return {}
    sd = padded_sd(sum(scores.values()), sum(v * v for v in scores.values()), len(scores), n_total)
    return {d: v / sd for d, v in scores.items()}


def weighted_sum(a: dict[int, float], b: dict[int, float], wa: float, wb: float) -> dict[int, float]:
    """Weighted sum of two score maps (a missing document contributes its list's zero)."""
    out = {d: wa * v for d, v in a.items()}
    for d, v in b.items():
        out[d] = out.get(d, 0.0) + wb * v
    return out


def fuse_base(kw: dict[int, float], dense, n_total: int) -> dict[int, float]:
    """Keyword and dense scores fused (keyword z-scores alone without dense).

    Only documents that can reach the top are fused: the best by dense score
    and every keyword match; the rest add nothing that could lift them above
    the dense ones kept.
    """
    kw_z = z_scores(kw, n_total)
    if dense is None:
        return kw_z
    cand = set(kw) | set(dense.top(DENSE_CANDIDATES))
    dz = dense.lookup(cand)
    return {d: W_KEYWORD * kw_z.get(d, 0.0) + W_DENSE * dz.get(d, 0.0) for d in cand}


def add_feedback(base: dict[int, float], fb: dict[int, float], dense, n_total: int) -> dict[int, float]:
    """``base`` with the feedback keyword list added (new documents enter with their dense score)."""
    fused = base
    if dense is not None:
        new = [d for d in fb if d not in base]
        fused = dict(base)
        fused.update({d: W_DENSE * v for d, v in dense.lookup(new).items()})
    return weighted_sum(fused, z_scores(fb, n_total), 1.0, W_FEEDBACK if dense is not None else W_FEEDBACK_KEYWORD_ONLY)


def add_paragraphs(fused: dict[int, float], paragraphs: dict[int, float], n_total: int) -> dict[int, float]:
    """``fused`` with :data:`W_PARAGRAPH` times the z-scores of long documents' best paragraphs added."""
    return weighted_sum(fused, z_scores(paragraphs, n_total), 1.0, W_PARAGRAPH)


def prefer_kinds(fused: dict[int, float], wanted: set[int]) -> dict[int, float]:
    """``fused`` with the documents in ``wanted`` lifted so the best of them stands :data:`W_WANTED_KIND` above the best other.

    All of them move by the same amount, so their order among themselves is
    kept. The lift follows the scores' scale: a request whose title holds a
    rare query word can score tens of z-units, and a fixed bonus would leave
    it above every ruling the user asked for.
    """
    top_wanted = max((v for d, v in fused.items() if d in wanted), default=None)
    if top_wanted is None:
        return fused
    top_other = max((v for d, v in fused.items() if d not in wanted), default=top_wanted)
    lift = max(W_WANTED_KIND, top_other - top_wanted + W_WANTED_KIND)
    return {d: v + (lift if d in wanted else 0.0) for d, v in fused.items()}


def prefer_exemptions(fused: dict[int, float], applied: set[int]) -> dict[int, float]:
    """``fused`` with :data:`W_NAMED_EXEMPTION` added to the documents that applied (or ruled on) a ground the query names."""
    return {d: v + (W_NAMED_EXEMPTION if d in applied else 0.0) for d, v in fused.items()}


def prefer_references(fused: dict[int, float], named: set[int]) -> dict[int, float]:
    """``fused`` with the documents whose references the query names placed first (in their fused order).

    They are added if the other signals missed them: a reference is an exact ask.
    """
    if not named:
        return fused
    top = max(fused.values(), default=0.0)
    out = dict(fused)
    for d in named:
        out[d] = out.get(d, 0.0) + top + W_REFERENCE
    return out


def agreement(kw: dict[int, float], dense) -> float:
    """How well the keyword and dense top tens agree (best mean reciprocal rank of a shared document)."""
    kw_top = [d for d, _ in sorted(kw.items(), key=lambda x: -x[1])[:10]]
    de_top = dense.top(10)
    return max(
        ((1 / (kw_top.index(d) + 1) + 1 / (de_top.index(d) + 1)) / 2 for d in set(kw_top) & set(de_top)),
        default=0.0,
    )


def confidence(*, best_cosine: float | None, agree: float, cover: float, unseen: float) -> float:
    """The confidence compared with the threshold (``best_cosine`` None in keyword mode)."""
    if best_cosine is None:
        return cover - W_UNSEEN * unseen
    return best_cosine + W_AGREE * agree + W_COVER * cover - W_UNSEEN * unseen
