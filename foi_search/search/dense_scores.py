"""A query's dense scores as arrays, and the passage depths both ways of computing them share.

:class:`DenseScores` is what :class:`~foi_search.search.signals.DenseSignal`
gives fusion, whether every document's views were scored in memory or only the
candidates' in the database (:mod:`foi_search.search.searched_dense`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

#: Passages fetched from the vector index per query for the best-passage term.
PASSAGE_DEPTH = 2000
#: Passages searched when views are searched in the store (a large store:
#: :mod:`foi_search.search.searched_dense`, which estimates what the
#: :data:`PASSAGE_DEPTH`-deep search would have counted).
SEARCHED_PASSAGE_DEPTH = 300


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


def view_blend(full_sims, part_sims):
    """A document's view score: its best view cosine with the whole query, or with a query of
    several sentences half that and half the mean over the sentences (``part_sims``, one row each)."""
    return full_sims if part_sims is None else 0.5 * full_sims + 0.5 * part_sims.mean(axis=0)


def passage_bests(p_ids, p_vals, view_ids) -> tuple[float | None, float | None]:
    """The best passage cosine of any document, and of a document without views (``view_ids``: those with)."""
    if not len(p_vals):
        return None, None
    # Rulings have no views: their closeness is their best passage's.
    viewless = ~_members(p_ids, view_ids)
    return float(p_vals.max()), (float(p_vals[viewless].max()) if viewless.any() else None)


def with_passages(ids, view_z, p_ids, p_z):
    """``(sorted ids, scores)``: every document's view term plus, for those with one, its passage term."""
    import numpy as np

    c_ids = _sorted_unique(np.concatenate((ids, p_ids)))
    out = np.zeros(len(c_ids))
    out[np.searchsorted(c_ids, ids)] += view_z
    out[np.searchsorted(c_ids, p_ids)] += p_z
    return c_ids, out
