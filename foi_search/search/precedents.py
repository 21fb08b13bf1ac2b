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

from foi_search.core.domain import RELEASED_OUTCOMES, UNSHOWN_ROLES
from foi_search.core.exemptions import describe
from foi_search.core.filters import Filters
from foi_search.search.querytext import TermMatcher, jaccard, query_terms, shingles
from foi_search.search.present import (
    SearchHit,
    SearchResult,
    best_passages,
    group_batches,
    trim_passage,
)
from foi_search.search.searcher import Searcher
from foi_search.store import Store

#: Document kinds that are earlier requests (tribunal and ICO decisions are rulings).
REQUEST_KINDS = ("response", "log_entry")
#: Passage roles that carry an authority's reasoning for an exemption.
REASONING_ROLES = ("exemption_reasoning", "public_interest", "harm")
#: Two reasoning passages this similar are shown once.
REASONING_SIMILARITY = 0.5
#: Exemptions given a section in a report, most relevant first.
MAX_SECTIONS = 6
#: Weight of a Tribunal decision's keyword score (z, over its text) next to its
#: best passage cosine (z): chosen on the "tune" Tribunal queries of the
#: whole-corpus dev set (docs/search.md).
W_TRIBUNAL_KEYWORD = 0.7
#: Characters of a decision's passage shown.
TRIBUNAL_PASSAGE_CHARS = 300
#: Earlier requests scoring below this share of the best one are not listed
#: (on the dev set, relevant threads score at least ~0.6 of the top one).
SIMILAR_MIN_RELATIVE = 0.6


@dataclass
class Citation:
    """Where a piece of a report comes from."""

    authority: str | None
    reference: str | None
    date: str | None
    url: str | None
    source_key: str
    title: str

    def label(self) -> str:
        """One line: authority, reference, date."""
        bits = [self.authority or "?", self.reference or self.source_key, self.date or "undated"]
        return ", ".join(bits)


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


def _citation_rows(store: Store, doc_ids: list[int]) -> dict[int, dict]:
    if not doc_ids:
        return {}
    marks = ",".join("?" * len(doc_ids))
    return {
        r["id"]: r
        for r in store.query(
            f"select id, source_key, title, authority, url, refs, response_date, request_date, outcome, "
            f"exemption_codes, request_text, meta from documents where id in ({marks})",
            doc_ids,
        )
    }


def citation_of(row: dict) -> Citation:
    """A :class:`Citation` from a ``documents`` row."""
    refs = json.loads(row.get("refs") or "[]")
    return Citation(
        authority=row.get("authority"),
        reference=refs[0] if refs else None,
        date=row.get("response_date") or row.get("request_date"),
        url=row.get("url"),
        source_key=row["source_key"],
        title=row.get("title") or row["source_key"],
    )


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
    rows = _citation_rows(store, [h.doc_id for h in hits])
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
        rows = _citation_rows(self.store, ids)
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
