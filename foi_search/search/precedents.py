"""Service: precedent reports and the "already released?" check.

A precedent report answers an FOI officer holding a new request: which earlier
requests were most like it and how they ended, which exemptions were applied
among them, the paragraphs other authorities wrote when applying each of those
exemptions (most relevant first, near-duplicates shown once with how widely
they were used), and what the Tribunal decided on appeals about the same
exemption. Everything carries a citation: authority, reference, date, URL.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace

from foi_search.core.domain import RELEASED_OUTCOMES
from foi_search.core.exemptions import describe
from foi_search.core.filters import Filters
from foi_search.search.querytext import TermMatcher, jaccard, shingles
from foi_search.search.present import (
    SearchHit,
    SearchResult,
    group_batches,
    trim_passage,
)
from foi_search.search.citations import Citation, citation_of, citation_rows
from foi_search.search.searcher import Searcher
from foi_search.search.tribunal import TribunalRanker, TribunalRef
from foi_search.store import Store

#: Document kinds that are earlier requests (tribunal and ICO decisions are rulings).
REQUEST_KINDS = ("response", "log_entry")
#: Passage roles that carry an authority's reasoning for an exemption.
REASONING_ROLES = ("exemption_reasoning", "public_interest", "harm")
#: Two reasoning passages this similar are shown once.
REASONING_SIMILARITY = 0.5
#: Exemptions given a section in a report, most relevant first.
MAX_SECTIONS = 6
#: Earlier requests scoring below this share of the best one are not listed
#: (on the dev set, relevant threads score at least ~0.6 of the top one).
SIMILAR_MIN_RELATIVE = 0.6


@dataclass
class PrecedentEntry:
    """One earlier request, or one batch of near-identical requests.

    Attributes:
        citation: The best-ranked member.
        outcome, exemptions, score, passage: Of that member.
        count: Requests in the batch (1 when not a batch).
        members: Citations of every member, the representative first.
        outcomes: Outcome of each member, by source key.
    """

    citation: Citation
    outcome: str
    exemptions: list[str]
    score: float
    passage: str
    count: int = 1
    members: list[Citation] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)


@dataclass
class ReasoningGroup:
    """A reasoning paragraph, with its near-duplicates merged.

    Attributes:
        text: The paragraph (of its most relevant use).
        role: ``exemption_reasoning``, ``public_interest`` or ``harm``.
        score: Relevance to the query.
        responses: Distinct responses that used it (N).
        authorities: Distinct authorities that used it (M).
        first_seen, last_seen: Dates of the earliest and latest use.
        citations: Every use, most relevant first.
    """

    text: str
    role: str
    score: float
    responses: int
    authorities: int
    first_seen: str | None
    last_seen: str | None
    citations: list[Citation] = field(default_factory=list)


@dataclass
class ExemptionSection:
    """What the precedents say about one exemption."""

    code: str
    name: str
    count: int
    reasoning: list[ReasoningGroup] = field(default_factory=list)
    tribunal: list[TribunalRef] = field(default_factory=list)
    #: Questions of the similar requests answered on this ground: {"refused": n, "partly": n}.
    questions: dict[str, int] = field(default_factory=dict)
    #: Similar requests with a question refused or part-answered on this ground, and how many were looked at.
    requests_with_question: int = 0
    requests: int = 0


@dataclass
class PrecedentReport:
    """The full report for one request text."""

    query: str
    no_close_precedent: bool
    mode: str
    similar: list[PrecedentEntry]
    outcomes: dict[str, int]
    exemptions: dict[str, int]
    sections: list[ExemptionSection]
    index_stale: bool = False

    def to_json(self) -> dict:
        """The JSON shape (README, "JSON output")."""
        from dataclasses import asdict

        return {
            "query": self.query,
            "no_close_precedent": self.no_close_precedent,
            "mode": self.mode,
            "index_stale": self.index_stale,
            "similar": [asdict(e) for e in self.similar],
            "outcomes": self.outcomes,
            "exemptions": self.exemptions,
            "sections": [asdict(s) for s in self.sections],
        }


@dataclass
class ExistsResult:
    """Earlier responses that released information matching a query."""

    search: SearchResult
    attachments: dict[int, list[dict]]

    def to_json(self) -> dict:
        """The search JSON shape, each result with its ``attachments``."""
        out = self.search.to_json()
        for hit, res in zip(self.search.results, out["results"]):
            res["attachments"] = self.attachments.get(hit.doc_id, [])
        return out


def _with_kinds(filters: Filters | None, kinds: tuple[str, ...]) -> Filters:
    f = replace(filters) if filters else Filters()
    f.kinds = [k for k in (f.kinds or kinds) if k in kinds] or list(kinds)
    return f


def collapse_batches(hits: list[SearchHit], request_texts: dict[int, str]) -> list[list[SearchHit]]:
    """Group near-identical requests (one text sent to many authorities), in rank order."""
    by_id = {h.doc_id: h for h in hits}
    return [[by_id[d] for d in g] for g in group_batches([h.doc_id for h in hits], request_texts)]


def precedent_report(
    store: Store,
    text: str,
    filters: Filters | None = None,
    *,
    limit: int = 10,
    reasoning_per_exemption: int = 3,
    tribunal_per_exemption: int = 3,
    searcher: Searcher | None = None,
    keyword_only: bool = False,
    embedder=None,
) -> PrecedentReport:
    """Build the precedent report for a request text.

    Args:
        store: The open store.
        text: The new request (or a few words).
        filters: Restrict the earlier requests considered (and the reasoning quoted).
        limit: Similar requests listed (a batch counts once).
        reasoning_per_exemption: Reasoning paragraphs per exemption.
        tribunal_per_exemption: Tribunal decisions per exemption.
        searcher: A ready searcher (reuses its model and index).
        keyword_only: Skip dense search.
        embedder: Embedder for dense search.
    """
    searcher = searcher or Searcher(store, keyword_only=keyword_only, embedder=embedder)
    req_filters = _with_kinds(filters, REQUEST_KINDS)
    ranking = searcher.rank(text, req_filters)
    terms, qvec = ranking.terms, ranking.query_vector
    hits = searcher.hits_for(ranking.ranked[: limit * 4], terms, qvec)
    no_close = not hits or ranking.no_close_precedent
    if hits and hits[0].score > 0:
        hits = [h for h in hits if h.score >= SIMILAR_MIN_RELATIVE * hits[0].score]
    rows = citation_rows(store, [h.doc_id for h in hits])
    batches = collapse_batches(hits, {d: r["request_text"] for d, r in rows.items()})[:limit]
    similar = []
    outcome_counts: Counter = Counter()
    exemption_counts: Counter = Counter()
    exemption_weight: Counter = Counter()  # by relevance, to order the sections
    similar_ids: set[int] = set()
    for members in batches:
        rep = members[0]
        cites = [citation_of(rows[m.doc_id]) for m in members]
        similar.append(
            PrecedentEntry(
                citation=cites[0],
                outcome=rep.outcome,
                exemptions=rep.exemptions,
                score=round(rep.score, 4),
                passage=rep.passage,
                count=len(members),
                members=cites,
                outcomes={m.source_key: m.outcome for m in members},
            )
        )
        for m in members:
            similar_ids.add(m.doc_id)
            outcome_counts[m.outcome] += 1
            exemption_counts.update(set(m.exemptions))
            for code in set(m.exemptions):
                exemption_weight[code] += m.score / hits[0].score if hits[0].score > 0 else 1.0
    sections = []
    if similar and not no_close:
        sims = searcher.passage_similarities(qvec, k=20000) if qvec is not None else {}
        tribunal = TribunalRanker(store, terms, sims)
        for code, _ in exemption_weight.most_common(MAX_SECTIONS):
            section = ExemptionSection(code=code, name=describe(code), count=exemption_counts[code])
            section.reasoning = reasoning_for(
                store, code, terms, sims, filters or Filters(), similar_ids, reasoning_per_exemption
            )
            section.tribunal = tribunal.for_code(code, tribunal_per_exemption)
            _question_counts(store, section, similar_ids)
            sections.append(section)
    return PrecedentReport(
        query=text,
        no_close_precedent=no_close,
        mode=searcher.mode,
        similar=similar,
        outcomes=dict(outcome_counts.most_common()),
        exemptions=dict(exemption_counts.most_common()),
        sections=sections,
        index_stale=searcher.index_stale,
    )


def _question_counts(store: Store, section: ExemptionSection, doc_ids: set[int]) -> None:
    """How the questions of the similar requests were answered on ``section.code`` (per-question answers)."""
    if not doc_ids:
        return
    marks = ",".join("?" * len(doc_ids))
    per_status: Counter = Counter()
    docs: set[int] = set()
    for r in store.conn.execute(
        f"select document_id, status, grounds from question_answers where document_id in ({marks})", list(doc_ids)
    ):
        if section.code in json.loads(r[2] or "[]"):
            per_status[r[1]] += 1
            docs.add(r[0])
    section.questions = dict(per_status.most_common())
    section.requests_with_question = len(docs)
    section.requests = len(doc_ids)


def reasoning_for(
    store: Store,
    code: str,
    terms: list[str],
    sims: dict[int, float],
    filters: Filters,
    similar_ids: set[int],
    limit: int,
) -> list[ReasoningGroup]:
    """Reasoning paragraphs for ``code``, most relevant first, near-duplicates merged.

    Relevance is the passage's cosine with the query when the vector index
    has it, else its BM25 score; paragraphs from the similar requests themselves
    come first among equals, and wording used by many responses gets a small lift.
    """
    where, params = filters.sql("d")
    roles = ",".join("?" * len(REASONING_ROLES))
    rows = store.query(
        f"""select p.id as pid, p.text, p.role, p.content_hash, v.id as vid, d.id as doc_id, d.source_key, d.title,
                   d.authority, d.url, d.refs, d.response_date, d.request_date
            from passages p join documents d on d.id = p.document_id
            left join vectors v on v.content_hash = p.content_hash
            where p.exemption = ? and p.role in ({roles}) and {where}
            order by p.id limit 20000""",
        [code, *REASONING_ROLES, *params],
    )
    rows = list(rows)
    if not rows:
        return []
    kw: dict[int, float] = {}
    if terms and not sims:
        for pid, s in store.exemption_passage_scores(terms, code):
            kw[pid] = s
        top = max(kw.values(), default=1.0) or 1.0
        kw = {k: v / top for k, v in kw.items()}
    # Exact duplicates first (same normalised text), then near-duplicates.
    by_hash: dict[str, list[dict]] = {}
    for r in rows:
        by_hash.setdefault(r["content_hash"], []).append(r)
    floor = min(sims.values(), default=0.0)
    groups = []
    for uses in by_hash.values():
        rel = max((sims.get(u["vid"], floor) if sims else kw.get(u["pid"], 0.0)) for u in uses)
        own = any(u["doc_id"] in similar_ids for u in uses)
        groups.append({"uses": uses, "rel": rel, "own": own, "sh": shingles(uses[0]["text"])})
    groups.sort(key=lambda g: -(g["rel"] + (0.05 if g["own"] else 0.0)))
    merged: list[dict] = []
    for g in groups[:400]:
        for m in merged:
            if jaccard(g["sh"], m["sh"]) >= REASONING_SIMILARITY:
                m["uses"].extend(g["uses"])
                m["own"] = m["own"] or g["own"]
                break
        else:
            merged.append(g)
    import math

    out = []
    matcher = TermMatcher(terms)
    for m in merged:
        uses = m["uses"]
        docs = {u["doc_id"] for u in uses}
        m["score"] = m["rel"] + (0.05 if m["own"] else 0.0) + 0.02 * math.log(len(docs))
    merged.sort(key=lambda m: -m["score"])
    for m in merged[:limit]:
        uses = m["uses"]
        seen_docs: dict[int, dict] = {}
        for u in uses:
            seen_docs.setdefault(u["doc_id"], u)
        dates = sorted(d for d in ((u["response_date"] or u["request_date"]) for u in seen_docs.values()) if d)
        out.append(
            ReasoningGroup(
                text=trim_passage(uses[0]["text"], matcher, width=1200),
                role=uses[0]["role"],
                score=round(m["score"], 4),
                responses=len(seen_docs),
                authorities=len({u["authority"] for u in seen_docs.values() if u["authority"]}),
                first_seen=dates[0] if dates else None,
                last_seen=dates[-1] if dates else None,
                citations=[citation_of(u) for u in seen_docs.values()],
            )
        )
    return out


def exists_check(
    store: Store,
    query: str,
    filters: Filters | None = None,
    *,
    limit: int = 10,
    searcher: Searcher | None = None,
    keyword_only: bool = False,
    embedder=None,
) -> ExistsResult:
    """Earlier responses that released information (fully or partly) matching ``query``.

    Args:
        store: The open store.
        query: What the requester wants ("has anyone obtained X?" framing is fine).
        filters: Further restrictions; outcomes outside the released ones are ignored.
        limit: Responses returned.
        searcher, keyword_only, embedder: As for :func:`foi_search.search.search`.
    """
    searcher = searcher or Searcher(store, keyword_only=keyword_only, embedder=embedder)
    f = _with_kinds(filters, REQUEST_KINDS)
    released = [o for o in (f.outcomes or RELEASED_OUTCOMES) if o in RELEASED_OUTCOMES]
    f.outcomes = released or list(RELEASED_OUTCOMES)
    result = searcher.search(query, f, limit=limit)
    attachments: dict[int, list[dict]] = {}
    ids = [h.doc_id for h in result.results]
    if ids:
        marks = ",".join("?" * len(ids))
        for doc_id, name, url in store.conn.execute(
            f"select document_id, name, url from attachments where document_id in ({marks}) order by id", ids
        ):
            attachments.setdefault(doc_id, []).append({"name": name, "url": url})
    return ExistsResult(result, attachments)
