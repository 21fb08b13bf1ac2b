"""Presenting a ranking: result records with their citation fields and the passage that best matches.

The passage shown is the document's passage most similar to the query (by the
vector index), else its best keyword match, else the request; handling
correspondence ("weak" roles) is shown only when nothing better matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from foi_search.core.domain import UNSHOWN_ROLES
from foi_search.core.text import clean_request
from foi_search.search.querytext import TermMatcher, shingle_hashes

#: Passage roles shown as the best passage only when nothing better matches:
#: handling correspondence names the topic but says nothing about it.
WEAK_ROLES = {"correspondence": 0.1, "other": 0.05}
#: Characters of passage shown per result.
PASSAGE_CHARS = 420
#: Two requests whose cleaned texts share this much (3-word shingles) are one batch:
#: one requester sending the same text to many authorities.
BATCH_SIMILARITY = 0.6
#: A text needs this many shingles to be judged a batch member (short titles match by chance).
BATCH_MIN_SHINGLES = 8
#: Ranked documents looked at per result shown when collapsing batches.
BATCH_LOOKAHEAD = 3


@dataclass
class SearchHit:
    """One document in a result list.

    Attributes:
        doc_id: Row id in the store.
        source, source_key, kind, title, authority, url: The document's identity.
        date: Response date, else request date (ISO).
        outcome: One of :data:`foi_search.core.domain.OUTCOMES`.
        exemptions: Canonical codes applied.
        references: The authority's references as written.
        score: Fused score (z-units: higher is better; comparable within one query).
        passage: The passage that best matches the query (trimmed).
        passage_role: Its role.
        matched: Query words found in the title or passage, for highlighting.
        count: Requests this result stands for (a batch of near-identical
            requests sent to many authorities; 1 when not a batch).
        members: Citation of every member of the batch, this one first
            (``source_key``, ``authority``, ``reference``, ``date``,
            ``outcome``, ``url``).
        answers: How each question of the request was answered
            (``question``: number from 0, the whole request when unnumbered;
            ``status``: one of :data:`foi_search.core.domain.ANSWER_STATUSES`;
            ``grounds``: exemption codes applied to it).
    """

    doc_id: int
    source: str
    source_key: str
    kind: str
    title: str
    authority: str | None
    url: str | None
    date: str | None
    outcome: str
    exemptions: list[str]
    references: list[str]
    score: float
    passage: str = ""
    passage_role: str | None = None
    matched: list[str] = field(default_factory=list)
    count: int = 1
    members: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)

    def citation(self) -> dict:
        """This result as a batch member: what cites it."""
        return {
            "source_key": self.source_key,
            "authority": self.authority,
            "reference": self.references[0] if self.references else None,
            "date": self.date,
            "outcome": self.outcome,
            "url": self.url,
        }

    def to_json(self) -> dict:
        """The JSON shape of a result (README, "JSON output")."""
        return {
            "source_key": self.source_key,
            "source": self.source,
            "kind": self.kind,
            "title": self.title,
            "authority": self.authority,
            "url": self.url,
            "date": self.date,
            "outcome": self.outcome,
            "exemptions": self.exemptions,
            "references": self.references,
            "score": round(self.score, 4),
            "passage": self.passage,
            "count": self.count,
            "members": self.members or [self.citation()],
            "answers": self.answers,
        }


@dataclass
class SearchResult:
    """The answer to one query.

    Attributes:
        query: The query as given.
        results: Ranked documents, best first.
        no_close_precedent: True when nothing found is close enough to count.
        confidence: The value compared with the threshold.
        mode: ``hybrid`` or ``keyword``.
        terms: Query words used for keyword search and highlighting.
        qid: Identifier given in batch mode.
        index_stale: The vector index is behind the database: documents
            added since it was built are found by keyword only.
    """

    query: str
    results: list[SearchHit]
    no_close_precedent: bool
    confidence: float
    mode: str
    terms: list[str] = field(default_factory=list)
    qid: str | None = None
    index_stale: bool = False

    def to_json(self) -> dict:
        """The JSON shape of one query's answer (README, "JSON output")."""
        out: dict = {} if self.qid is None else {"qid": self.qid}
        out.update(
            {
                "query": self.query,
                "no_close_precedent": self.no_close_precedent,
                "mode": self.mode,
                "index_stale": self.index_stale,
                "confidence": round(self.confidence, 4),
                "results": [h.to_json() for h in self.results],
            }
        )
        return out


def hits_for(store, ranked: list[tuple[int, float]], terms: list[str], qvec, dense=None) -> list[SearchHit]:
    """Result records for ranked ``(doc_id, score)`` pairs, each with its best passage.

    Args:
        store: The open store.
        ranked: ``(doc_id, score)`` pairs, best first.
        terms: Query words (highlighting, keyword passages).
        qvec: The query vector (None in keyword mode).
        dense: The :class:`~foi_search.search.signals.DenseSignal` whose passage
            similarities pick the passage (None in keyword mode).
    """
    if not ranked:
        return []
    ids = [d for d, _ in ranked]
    marks = ",".join("?" * len(ids))
    rows = {
        r["id"]: r
        for r in store.query(
            f"select id, source, source_key, kind, title, authority, url, refs, response_date, request_date, "
            f"outcome, exemption_codes, request_text from documents where id in ({marks})",
            ids,
        )
    }
    sims = dense.passage_similarities_of(qvec, ids) if dense is not None and qvec is not None else {}
    passages = best_passages(store, ids, terms, sims)
    answers = question_answers(store, ids)
    matcher = TermMatcher(terms)
    hits = []
    for doc_id, score in ranked:
        r = rows.get(doc_id)
        if r is None:
            continue
        text, role = passages.get(doc_id) or (clean_request(r["request_text"]) or "", "request")
        text = trim_passage(text, matcher)
        matched = matcher.matched_terms(f"{r['title']} {text}")
        hits.append(
            SearchHit(
                doc_id=doc_id,
                source=r["source"],
                source_key=r["source_key"],
                kind=r["kind"],
                title=r["title"] or r["source_key"],
                authority=r["authority"],
                url=r["url"],
                date=r["response_date"] or r["request_date"],
                outcome=r["outcome"],
                exemptions=(r["exemption_codes"] or "").split(),
                references=json.loads(r["refs"] or "[]"),
                score=score,
                passage=text,
                passage_role=role,
                matched=matched,
                answers=answers.get(doc_id, []),
            )
        )
    return hits


def group_batches(doc_ids: list[int], request_texts: dict[int, str]) -> list[list[int]]:
    """Group near-identical requests (one text sent to many authorities), in rank order.

    Args:
        doc_ids: Documents, best first.
        request_texts: Their request texts (missing or short ones are never grouped).

    Returns:
        Groups of ids, each in rank order, ordered by their best member.
    """
    groups: list[tuple[set, list[int]]] = []
    for d in doc_ids:
        # Shingles as their hashes: set operations on tuples rehash every tuple
        # each time (~10 ms a query on the whole corpus), on ints they do not.
        sh = shingle_hashes(clean_request(request_texts.get(d) or ""))
        n = len(sh)
        for rep, members in groups:
            # Sets whose sizes differ by more than the similarity allows cannot reach it.
            m = len(rep)
            if n >= BATCH_MIN_SHINGLES and min(n, m) >= BATCH_SIMILARITY * max(n, m):
                shared = len(sh & rep)
                if shared >= BATCH_SIMILARITY * (n + m - shared):  # Jaccard without building the union
                    members.append(d)
                    break
        else:
            groups.append((sh, [d]))
    return [members for _, members in groups]


def collapse_ranked(store, ranked: list[tuple[int, float]], limit: int) -> tuple[list[tuple[int, float]], dict[int, list[int]]]:
    """The first ``limit`` results once batches are collapsed, and each one's members.

    Looks :data:`BATCH_LOOKAHEAD` times deeper than ``limit`` so a batch's
    members further down are gathered under its best one.

    Returns:
        ``(ranked representatives, {representative id: member ids, itself first}``).
    """
    window = ranked[: limit * BATCH_LOOKAHEAD]
    if not window:
        return [], {}
    ids = [d for d, _ in window]
    marks = ",".join("?" * len(ids))
    texts = dict(store.conn.execute(f"select id, request_text from documents where id in ({marks})", ids))
    score = dict(window)
    groups = group_batches(ids, texts)[:limit]
    return [(g[0], score[g[0]]) for g in groups], {g[0]: g for g in groups}


def attach_members(store, hits: list[SearchHit], groups: dict[int, list[int]]) -> None:
    """Set ``count`` and ``members`` (citations, the hit first) of each hit from its batch."""
    others = [d for h in hits for d in groups.get(h.doc_id, [])[1:]]
    cites: dict[int, dict] = {}
    if others:
        marks = ",".join("?" * len(others))
        for r in store.query(
            f"select id, source_key, authority, refs, response_date, request_date, outcome, url "
            f"from documents where id in ({marks})",
            others,
        ):
            refs = json.loads(r["refs"] or "[]")
            cites[r["id"]] = {
                "source_key": r["source_key"],
                "authority": r["authority"],
                "reference": refs[0] if refs else None,
                "date": r["response_date"] or r["request_date"],
                "outcome": r["outcome"],
                "url": r["url"],
            }
    for h in hits:
        members = [h.citation()] + [cites[d] for d in groups.get(h.doc_id, [])[1:] if d in cites]
        h.count, h.members = len(members), members


def question_answers(store, doc_ids: list[int]) -> dict[int, list[dict]]:
    """Per document, how each question of its request was answered (``question``, ``status``, ``grounds``)."""
    if not doc_ids:
        return {}
    marks = ",".join("?" * len(doc_ids))
    out: dict[int, list[dict]] = {}
    for doc_id, seq, status, grounds in store.conn.execute(
        f"select document_id, seq, status, grounds from question_answers where document_id in ({marks}) "
        "order by document_id, seq",
        list(doc_ids),
    ):
        out.setdefault(doc_id, []).append({"question": seq, "status": status, "grounds": json.loads(grounds or "[]")})
    return out


def best_passages(store, doc_ids: list[int], terms: list[str], sims: dict[int, float]) -> dict[int, tuple[str, str]]:
    """Per document, ``(text, role)`` of the passage that best matches the query.

    Args:
        store: The open store.
        doc_ids: The documents.
        terms: Query words, for the keyword fallback.
        sims: Cosine of the query with indexed passages, by ``vectors.id``.
    """
    hidden = list(UNSHOWN_ROLES)
    best: dict[int, tuple[float, str, str]] = {}
    if sims:
        for doc_id, text, role, vid in store.vector_passages(doc_ids, hidden):
            s = sims.get(vid)
            if s is None:
                continue
            s -= WEAK_ROLES.get(role or "other", 0.0)
            if doc_id not in best or s > best[doc_id][0]:
                best[doc_id] = (s, text, role)
    if terms:
        missing = [d for d in doc_ids if d not in best]
        if missing:
            for doc_id, text, role, s in store.keyword_passages(terms, missing, hidden):
                s *= 0.5 if (role or "other") in WEAK_ROLES else 1.0
                if doc_id not in best or s > best[doc_id][0]:
                    best[doc_id] = (s, text, role)
    return {d: (t, r) for d, (_, t, r) in best.items()}


def trim_passage(text: str, matcher: TermMatcher, width: int = PASSAGE_CHARS) -> str:
    """At most ``width`` characters of ``text``, around its first matched word."""
    text = " ".join((text or "")[: width * 40].split())
    if len(text) <= width:
        return text
    first = next(matcher.finditer(text), None)
    start = max(0, first.start() - width // 4) if first else 0
    end = min(len(text), start + width)
    start = max(0, end - width)
    snippet = text[start:end]
    if start > 0:
        snippet = "…" + snippet.split(" ", 1)[-1]
    if end < len(text):
        snippet = snippet.rsplit(" ", 1)[0] + "…"
    return snippet
