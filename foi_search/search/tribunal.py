"""Tribunal decisions on an exemption, ranked by what they decided (for precedent reports).

A decision's title is its parties' names ("Roger John v IC"), which say nothing
about the information in dispute, so titles play no part: each decision that
ruled on the code is scored by its text and its best passage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from foi_search.core.domain import UNSHOWN_ROLES
from foi_search.core.filters import Filters
from foi_search.search.citations import Citation, citation_of, citation_rows
from foi_search.search.present import best_passages, trim_passage
from foi_search.search.querytext import TermMatcher, query_terms
from foi_search.store import Store

#: Weight of a Tribunal decision's keyword score (z, over its text) next to its
#: best passage cosine (z): chosen on the "tune" Tribunal queries of the
#: whole-corpus dev set (docs/search.md).
W_TRIBUNAL_KEYWORD = 0.7
#: Characters of a decision's passage shown.
TRIBUNAL_PASSAGE_CHARS = 300


@dataclass
class TribunalRef:
    """A Tribunal decision on an exemption.

    Attributes:
        citation: The decision.
        appeal_outcome: ``meta.appeal_outcome`` (allowed, dismissed...).
        score: Relevance of what it decided to the query.
        passage: The passage of the decision that best matches the query.
    """

    citation: Citation
    appeal_outcome: str | None
    score: float
    passage: str = ""
    ruling: str | None = None  # what the Tribunal decided on this ground: upheld / not_upheld / partly


def tribunal_candidates(store: Store, code: str) -> list[int]:
    """Ids of the Tribunal decisions that ruled on ``code``.

    A decision rules on an exemption when it is among its applied codes, its
    ``meta.sections_considered``, or the exemption of one of its passages.
    """
    rows = store.conn.execute(
        """select d.id from documents d where d.kind = 'tribunal_decision' and (
               (' ' || coalesce(d.exemption_codes, '') || ' ') like ? or d.meta like ?)
           union
           select p.document_id from passages p join documents d on d.id = p.document_id
           where p.exemption = ? and d.kind = 'tribunal_decision'""",
        [f"% {code} %", f'%"{code}"%', code],
    )
    return sorted(r[0] for r in rows)


#: Documents a query word may match when Tribunal decisions are ranked by their text.
RULING_KEYWORD_DEPTH = 100_000


class TribunalRanker:
    """Ranks Tribunal decisions on an exemption by what they decided, for one query.

    A decision's title is its parties' names ("Roger John v IC"), which say
    nothing about the information in dispute, so titles play no part. Each
    decision that ruled on the code scores, z-normalised among those
    decisions, :data:`W_TRIBUNAL_KEYWORD` times its BM25 over its text (one
    query word at a time; a word in its own title, a party's name, earns it
    nothing) plus the rest times its best passage cosine. Without passage
    vectors the keyword part ranks alone.

    Args:
        store: The open store.
        terms: Query words.
        sims: Cosine of the query with indexed passages, by ``vectors.id``
            (empty in keyword mode).
    """

    def __init__(self, store: Store, terms: list[str], sims: dict[int, float]):
        self.store = store
        self.terms = terms
        self.sims = sims
        self._keyword: dict[int, float] | None = None

    def keyword(self) -> dict[int, float]:
        """BM25 of every Tribunal decision over its text, without the words of its own title."""
        if self._keyword is None:
            out: dict[int, float] = {}
            titles = dict(self.store.conn.execute("select id, title from documents where kind = 'tribunal_decision'"))
            words: dict[int, set[str]] = {}
            for t in self.terms:
                # Unfiltered (the decisions are picked out below): a filtered keyword
                # query makes SQLite score row by row (seconds on the whole corpus
                # instead of ~10 ms a word). Request and body only, never the title.
                for d, bm in self.store.keyword_scores([t], Filters(), RULING_KEYWORD_DEPTH, (0.0, 0.0, 1.0, 1.0)).items():
                    if d not in titles:
                        continue
                    if d not in words:
                        words[d] = set(query_terms(titles[d] or "", limit=1000))
                    if t not in words[d]:
                        out[d] = out.get(d, 0.0) + bm
            self._keyword = out
        return self._keyword

    def dense(self, cands: list[int]) -> dict[int, float]:
        """Best passage cosine of each of ``cands`` that has an indexed passage."""
        if not self.sims:
            return {}
        marks = ",".join("?" * len(cands))
        out: dict[int, float] = {}
        for d, vid in self.store.conn.execute(
            f"""select p.document_id, v.id from passages p join vectors v on v.content_hash = p.content_hash
                where p.document_id in ({marks}) and coalesce(p.role, '') not in ({",".join("?" * len(UNSHOWN_ROLES))})""",
            [*cands, *UNSHOWN_ROLES],
        ):
            c = self.sims.get(vid)
            if c is not None and c > out.get(d, -2.0):
                out[d] = c
        return out

    def for_code(self, code: str, limit: int) -> list[TribunalRef]:
        """The ``limit`` decisions on ``code`` most relevant to the query, each with its best passage."""
        cands = tribunal_candidates(self.store, code)
        if not cands or limit <= 0:
            return []
        allowed = set(cands)
        kw = {d: v for d, v in self.keyword().items() if d in allowed}
        dense = self.dense(cands)
        w_kw = W_TRIBUNAL_KEYWORD if dense else 1.0
        kz, dz = _z_floor(kw), _z_floor(dense)
        k0, d0 = min(kz.values(), default=0.0), min(dz.values(), default=0.0)
        scored = sorted(
            ((w_kw * kz.get(d, k0) + (1 - w_kw) * dz.get(d, d0), d) for d in set(kw) | set(dense)),
            key=lambda x: (-x[0], x[1]),
        )[:limit]
        ids = [d for _, d in scored]
        rows = citation_rows(self.store, ids)
        passages = best_passages(self.store, ids, self.terms, self.sims)
        matcher = TermMatcher(self.terms)
        out = []
        for score, d in scored:
            row = rows[d]
            meta = json.loads(row.get("meta") or "{}")
            text = passages.get(d, ("", None))[0]
            ruled = self.store.conn.execute(
                "select status from exemptions where document_id = ? and code = ? and status in ('upheld', 'not_upheld', 'partly')",
                [d, code],
            ).fetchone()
            out.append(
                TribunalRef(
                    citation_of(row),
                    meta.get("appeal_outcome") or meta.get("outcome"),
                    round(score, 4),
                    trim_passage(text, matcher, width=TRIBUNAL_PASSAGE_CHARS),
                    ruled[0] if ruled else None,
                )
            )
        return out


def _z_floor(scores: dict[int, float]) -> dict[int, float]:
    """z-scores among the given documents (all 0 when flat)."""
    if not scores:
        return {}
    vals = list(scores.values())
    mean = sum(vals) / len(vals)
    sd = (sum((v - mean) ** 2 for v in vals) / len(vals)) ** 0.5 or 1.0
    return {d: (v - mean) / sd for d, v in scores.items()}


def tribunal_for(store: Store, code: str, terms: list[str], sims: dict[int, float], limit: int) -> list[TribunalRef]:
    """Tribunal decisions on ``code``, ranked by what they decided (see :class:`TribunalRanker`)."""
    return TribunalRanker(store, terms, sims).for_code(code, limit)
