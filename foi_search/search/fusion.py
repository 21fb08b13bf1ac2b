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


@dataclass
class Ranking:
    """Documents ranked for one query, and how sure the ranking is.

    Attributes:
        ranked: ``(doc_id, score)`` pairs, best first (score in z-units).
        confidence: The value compared with the no-close-precedent threshold.
        mode: ``hybrid`` or ``keyword``.
        terms: Query words used for keyword search and highlighting.
        query_vector: The query's embedding (None in keyword mode).
    """

    ranked: list[tuple[int, float]]
    confidence: float
    mode: str
    terms: list[str] = field(default_factory=list)
    query_vector: object = None

    @property
    def threshold(self) -> float:
        """The confidence below which nothing counts as a close precedent."""
        return NO_PRECEDENT_BELOW if self.mode == "hybrid" else NO_PRECEDENT_BELOW_KEYWORD

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
