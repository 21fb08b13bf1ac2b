"""Service: find the earlier requests most like a query.

Ranking fuses two views of relevance, each z-normalised over the documents
that pass the filters:

* keyword: FTS5 BM25 over the title and request text (the authority's replies
  count a little; their boilerplate otherwise matches everything), and
* dense: cosine between the query (whole, and each of its sentences) and a
  few views of each document (:mod:`index.docviews`), plus, with less
  weight, the best of the document's indexed passages,

then adds one round of keyword pseudo-relevance feedback: words shared by the
titles of the top documents (how earlier requesters named the thing) are
searched for as well. Results are grouped by document with the best passage.

When the best match is weak, the answer is "no close precedent" rather than
the nearest unrelated thread: a confidence made of the best dense similarity,
the agreement of keyword and dense rankings, how much of the query's rare
vocabulary the top documents contain, and how much of it no document contains
at all, is compared with a threshold calibrated on the retrieval dev set.

Heavy libraries (numpy, faiss, the model) are imported only when dense search
runs; a :class:`Searcher` loads the index and the model once and reuses them
for every query it answers.
"""

from __future__ import annotations

import itertools
import math
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from foi_search.core.config import index_dir_for
from foi_search.core.errors import FoiSearchError
from foi_search.core.filters import Filters
from foi_search.search.querytext import TermMatcher, clean_query, clean_request, fts_query, query_parts, query_terms
from foi_search.store import Store

#: Documents of this kind are records about decisions with no response text (ICO notices):
#: left out of result lists unless a filter asks for them.
METADATA_ONLY_KIND = "ico_decision"
#: bm25() column weights for documents_fts (title, authority, request_text, body).
BM25_WEIGHTS = (5.0, 0.0, 1.0, 0.1)
#: Keyword matches considered per query.
KEYWORD_DEPTH = 300
#: Fusion weights (of z-scores): keyword, dense, keyword feedback.
W_KEYWORD, W_DENSE, W_FEEDBACK = 0.3, 0.7, 0.3
#: Weight of a document's best passage (cosine, z-scored) next to its views.
W_PASSAGE = 0.5
#: Passages fetched from the vector index per query for that.
PASSAGE_DEPTH = 2000
#: Documents fused per query besides the keyword matches: the best by dense
#: score (also the depth of the ranking recall is measured on).
DENSE_CANDIDATES = 1000
#: Keyword-only mode: weight of the feedback list.
W_FEEDBACK_KEYWORD_ONLY = 0.3
#: Feedback: titles of this many top documents; a word must be in this many.
FEEDBACK_DOCS, FEEDBACK_MIN_SHARED = 3, 2
#: Confidence = best dense cosine + W_AGREE * agreement + W_COVER * coverage
#: - W_UNSEEN * (share of the query's IDF mass in words no document contains).
W_AGREE, W_COVER, W_UNSEEN = 0.3, 0.2, 0.15
#: Below these the answer is "no close precedent" (calibrated on the dev set,
#: see docs/search.md). Dense mode uses the confidence above; keyword-only
#: mode uses coverage alone.
NO_PRECEDENT_BELOW = 0.79
NO_PRECEDENT_BELOW_KEYWORD = 0.2
#: Passage roles never shown as the best passage.
HIDDEN_ROLES = ("boilerplate", "complaint_rights", "acknowledgement")
#: Passage roles shown as the best passage only when nothing better matches:
#: handling correspondence names the topic but says nothing about it.
WEAK_ROLES = {"correspondence": 0.1, "other": 0.05}
#: Documents whose summary vectors a query embeds when they are missing; more
#: are left to ``foi-search index`` (about 0.1 s a document on two cores).
LAZY_VIEWS_MAX = 100
#: Characters of passage shown per result.
PASSAGE_CHARS = 420


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


# -- process-wide caches: a batch or a long-lived caller loads these once ----

_EMBEDDERS: dict[str, object] = {}
_INDEXES: dict[tuple[str, float], object] = {}


def _cached_embedder(backend: str = "auto"):
    if backend not in _EMBEDDERS:
        from index.embedder import load_embedder

        # On a thread: the model loads while the index and the document
        # vectors are read (onnxruntime builds its session without the GIL).
        _EMBEDDERS[backend] = load_embedder(backend, background=True)
    return _EMBEDDERS[backend]


def prewarm(db_path: str | Path, *, keyword_only: bool = False) -> None:
    """Start loading the model on a thread if a query on ``db_path`` will need it.

    Called first thing by the ranking commands, so the ONNX session (the
    longest step of a cold query) builds while the database opens and the
    index loads. Does nothing without a vector index beside the database.
    """
    if not keyword_only and (index_dir_for(Path(db_path)) / "manifest.json").exists():
        _cached_embedder("auto")


def _stderr_note(msg: str) -> None:
    print(msg, file=sys.stderr)


class Searcher:
    """Answers queries against one store, reusing the index and model.

    Args:
        store: The open store.
        keyword_only: Skip dense search (and never load the model).
        embedder: An :class:`index.embedder.Embedder`; the packaged model
            (``load_embedder("auto")``) is loaded on first use when None.
        index_dir: The vector index folder (default: beside the DB).
        notify: Called with one-line notes for the user (default: stderr).
    """

    def __init__(
        self,
        store: Store,
        *,
        keyword_only: bool = False,
        embedder=None,
        index_dir: str | Path | None = None,
        notify: Callable[[str], None] | None = None,
    ):
        self.store = store
        self.keyword_only = keyword_only
        self._embedder = embedder
        self.index_dir = Path(index_dir) if index_dir else index_dir_for(store.path)
        self.notify = notify or _stderr_note
        self._dense: bool | None = None
        #: True when the vector index is behind the database (answers still come, see _check_fresh).
        self.index_stale = False
        self._index = None
        self._views = None
        self._df: dict[str, int] = {}
        self._qcache: dict[str, tuple] = {}
        self._sims: tuple | None = None
        self._n_docs: int | None = None

    # -- setup -----------------------------------------------------------------

    @property
    def mode(self) -> str:
        """``hybrid`` when dense search is available, else ``keyword``."""
        return "hybrid" if self._dense_ready() else "keyword"

    @property
    def embedder(self):
        """The embedder (loaded on first use)."""
        if self._embedder is None:
            self._embedder = _cached_embedder("auto")
        return self._embedder

    def _dense_ready(self) -> bool:
        if self._dense is not None:
            return self._dense
        if self.keyword_only:
            self._dense = False
            return False
        if not (self.index_dir / "manifest.json").exists():
            self.notify("No vector index yet, so this is keyword search only. Run 'foi-search index' to add semantic search.")
            self._dense = False
            return False
        emb = self.embedder  # starts loading
        self._index = self._load_index()
        self.index_stale = self._check_fresh()
        from index.model import DIMENSION, MODEL_NAME

        if emb.model_name != self._index.manifest.model or emb.dimension != self._index.manifest.dimension:
            raise FoiSearchError(
                f"The embedder is {emb.model_name}, but the index in {self.index_dir} was built with "
                f"{self._index.manifest.model}.",
                "Run 'foi-search index --rebuild'.",
            )
        from index.docviews import build_doc_views, load_doc_views, pending_count

        views = load_doc_views(self.store, MODEL_NAME, DIMENSION, cache_dir=self.index_dir)
        pending = 0 if views.complete else pending_count(self.store, MODEL_NAME)
        if pending > LAZY_VIEWS_MAX:
            # Minutes of embedding do not belong in a read command.
            self.notify(
                f"{pending} documents have no summary vectors yet; they rank by keyword and passages only "
                "until 'foi-search index' runs."
            )
        elif pending:
            self.notify(f"Embedding {pending} document summaries for ranking (once; 'foi-search index' does it ahead).")
            try:
                build_doc_views(self.store, emb)
                views = load_doc_views(self.store, MODEL_NAME, DIMENSION)
            except sqlite3.OperationalError as e:  # a read-only DB still searches, with what is there
                if "readonly" not in str(e).lower():
                    raise
                self.notify("The database is read-only; documents without summaries rank by keyword only.")
        self._views = views
        self._dense = True
        return True

    def _load_index(self):
        from index.model import DIMENSION, MODEL_NAME
        from index.vector_index import VectorIndex

        mpath = self.index_dir / "manifest.json"
        key = (str(self.index_dir.resolve()), mpath.stat().st_mtime)
        if key not in _INDEXES:
            # A rebuilt index replaces the one cached for the same folder: a
            # long-lived process (``foi-search serve``) would otherwise keep
            # every version in memory. Searchers holding the old one keep it.
            for old in [k for k in _INDEXES if k[0] == key[0]]:
                del _INDEXES[old]
            _INDEXES[key] = VectorIndex.load(self.index_dir, model=MODEL_NAME, dimension=DIMENSION)
        return _INDEXES[key]

    def _check_fresh(self) -> bool:
        """Whether the index is behind the database (the indexing service decides); says so when it is.

        A stale index still answers: FAISS ids map to passages by content
        hash and document views are matched on the document's hash, so text
        that changed or went away simply finds nothing, and new documents
        rank by keyword (and by summary views, embedded here when few).
        """
        from foi_search.services.indexing import index_status

        status = index_status(self.store, self.index_dir)
        if status.stale:
            self.notify(
                f"The vector index in {self.index_dir} is behind the database (documents were added or changed "
                "since it was built): their passages are found by keyword only until 'foi-search index' runs."
            )
        return status.stale

    # -- scoring pieces --------------------------------------------------------

    def _allowed_ids(self, filters: Filters) -> set[int] | None:
        if filters.is_empty():
            return None
        where, params = filters.sql("d")
        return {r[0] for r in self.store.conn.execute(f"select d.id from documents d where {where}", params)}

    def _count_docs(self, allowed: set[int] | None) -> int:
        if allowed is not None:
            return len(allowed)
        if self._n_docs is None:
            self._n_docs = self.store.conn.execute("select count(*) from documents").fetchone()[0]
        return self._n_docs

    def keyword_scores(self, terms: list[str], filters: Filters, depth: int = KEYWORD_DEPTH) -> dict[int, float]:
        """BM25 scores (higher is better) of documents matching any of ``terms``."""
        if not terms:
            return {}
        w = ", ".join(str(x) for x in BM25_WEIGHTS)
        # Join the documents only to filter: unfiltered, the join costs ~10 ms a query on the whole corpus.
        join, (where, params) = "", ("1", [])
        if not filters.is_empty():
            join, (where, params) = "join documents d on d.id = documents_fts.rowid", filters.sql("d")
        sql = (
            f"select documents_fts.rowid, -bm25(documents_fts, {w}) from documents_fts {join} "
            f"where documents_fts match ? and {where} order by bm25(documents_fts, {w}) limit ?"
        )
        return {r[0]: r[1] for r in self.store.conn.execute(sql, [fts_query(terms), *params, depth])}

    def _embed_query(self, text: str):
        # A report ranks the same text several times (requests, then rulings).
        if text in self._qcache:
            return self._qcache[text]
        import numpy as np

        parts = query_parts(text)
        texts = [text] + (parts if len(parts) > 1 else [])
        vecs = self.embedder.embed(texts)
        out = np.asarray(vecs[0]), (np.asarray(vecs[1:]) if len(texts) > 1 else None)
        if len(self._qcache) > 32:
            self._qcache.clear()
        self._qcache[text] = out
        return out

    def dense_scores(self, full, parts, allowed: set[int] | None, n_total: int) -> "DenseScores":
        """Every document's dense score: its views and, with less weight, its best passage.

        Computed on arrays over all documents (a Python dict per document
        costs ~10 ms per thousand); callers look up the few they rank.
        """
        import numpy as np

        views = self._views
        s_full = views.scores(full[None, :])[0]
        blend = s_full if parts is None else 0.5 * s_full + 0.5 * views.scores(parts).mean(axis=0)
        ids = views.doc_ids
        if allowed is not None:
            keep = _members(ids, np.fromiter(allowed, dtype="int64", count=len(allowed)))
            ids, blend, s_full = ids[keep], blend[keep], s_full[keep]
        blend = blend.astype("float64")
        passages = self.passage_doc_scores(full, allowed)
        p_ids = np.fromiter(passages.keys(), dtype="int64", count=len(passages))
        p_vals = np.fromiter(passages.values(), dtype="float64", count=len(passages))
        all_ids = _sorted_unique(np.concatenate((ids, p_ids)))
        combined = np.zeros(len(all_ids))
        combined[np.searchsorted(all_ids, ids)] += blend / _sd(blend, n_total)
        combined[np.searchsorted(all_ids, p_ids)] += W_PASSAGE * p_vals / _sd(p_vals, n_total)
        best = float(s_full.max()) if len(s_full) else 0.0
        return DenseScores(all_ids, combined / _sd(combined, n_total), best)

    def passage_doc_scores(self, qvec, allowed: set[int] | None) -> dict[int, float]:
        """Per document, the best cosine of the query with one of its indexed passages."""
        sims = self.passage_similarities(qvec, k=PASSAGE_DEPTH)
        out: dict[int, float] = {}
        ids = list(sims)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for vid, doc_id in self.store.conn.execute(
                f"""select v.id, p.document_id from vectors v join passages p on p.content_hash = v.content_hash
                    where v.id in ({marks}) and coalesce(p.role, '') not in (?, ?, ?)""",
                [*chunk, *HIDDEN_ROLES],
            ):
                if allowed is None or doc_id in allowed:
                    s = sims[vid]
                    if s > out.get(doc_id, -2.0):
                        out[doc_id] = s
        return out

    def _feedback_terms(self, top_ids: list[int], terms: list[str]) -> list[str]:
        """Title words shared by the top documents (not already in the query)."""
        if not top_ids:
            return []
        marks = ",".join("?" * len(top_ids))
        titles = [r[0] or "" for r in self.store.conn.execute(f"select title from documents where id in ({marks})", top_ids)]
        counts: dict[str, int] = {}
        for t in titles:
            for w in set(query_terms(t, limit=1000)):
                if len(w) > 2 and not w.isdigit():
                    counts[w] = counts.get(w, 0) + 1
        return [w for w, c in counts.items() if c >= FEEDBACK_MIN_SHARED]

    def _df_of(self, term: str) -> int:
        if term not in self._df:
            self._df[term] = self.store.conn.execute(
                "select count(*) from documents_fts where documents_fts match ?", [fts_query([term])]
            ).fetchone()[0]
        return self._df[term]

    def _idf(self, terms: list[str]) -> dict[str, float]:
        n = max(1, self._count_docs(None))
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
        """Best share, over ``doc_ids``, of the query's IDF mass found in a title or request."""
        if not terms or not doc_ids:
            return 0.0
        idf = self._idf(terms)
        total = sum(idf.values()) or 1.0
        got = {d: 0.0 for d in doc_ids}
        marks = ",".join("?" * len(doc_ids))
        for t in terms:
            q = "{title request_text} : " + fts_query([t])
            for (d,) in self.store.conn.execute(
                f"select rowid from documents_fts where documents_fts match ? and rowid in ({marks})", [q, *doc_ids]
            ):
                got[d] += idf[t]
        return max(got.values()) / total

    # -- the query ---------------------------------------------------------------

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        limit: int = 10,
        qid: str | None = None,
    ) -> SearchResult:
        """Rank documents for ``query``.

        Args:
            query: Free text: a whole request, a few words, or a question.
            filters: Restrictions on the documents returned.
            limit: Documents returned.
            qid: Carried into the result (batch mode).

        Returns:
            A :class:`SearchResult`; an empty or unusable query gives no results
            and ``no_close_precedent`` set, never an error.
        """
        filters = filters or Filters()
        ranked, conf, terms, dense_full = self.rank(query, filters)
        if METADATA_ONLY_KIND not in filters.kinds:
            ranked = self._drop_metadata_only(ranked, limit)
        hits = self.hits_for(ranked[:limit], terms, dense_full)
        no_close = not hits or conf < (NO_PRECEDENT_BELOW if self._dense else NO_PRECEDENT_BELOW_KEYWORD)
        return SearchResult(query, hits, no_close, conf, self.mode, terms, qid, self.index_stale)

    def _drop_metadata_only(self, ranked: list[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
        """The ranking without ICO decision-notice records (metadata, no response text) near its top.

        They are not responses; they are listed only when asked for with ``--kind ico_decision``.
        """
        head = ranked[: max(limit * 4, 50)]
        if not head:
            return ranked
        marks = ",".join("?" * len(head))
        drop = {
            r[0]
            for r in self.store.conn.execute(
                f"select id from documents where kind = ? and id in ({marks})", [METADATA_ONLY_KIND, *(d for d, _ in head)]
            )
        }
        return [x for x in ranked if x[0] not in drop] if drop else ranked

    def rank(self, query: str, filters: Filters) -> tuple[list[tuple[int, float]], float, list[str], object]:
        """All matching documents with fused scores, best first, plus the confidence.

        Returns:
            ``(ranked, confidence, terms, query_vector)`` where ``ranked`` is
            ``[(doc_id, score)]`` and ``query_vector`` is None in keyword mode.
        """
        text = clean_query(query)
        terms = query_terms(text)
        allowed = self._allowed_ids(filters)
        n_total = self._count_docs(allowed)
        kw = self.keyword_scores(terms, filters)
        dense, qvec = None, None
        if self._dense_ready() and text.strip():
            qvec, parts = self._embed_query(text)
            dense = self.dense_scores(qvec, parts, allowed, n_total)
        if not kw and (dense is None or not len(dense.ids)):
            return [], 0.0, terms, qvec
        kw_z = _z(kw, n_total)
        if dense is not None:
            # Only documents that can reach the top are fused: the best by
            # dense score and every keyword match; the rest add nothing
            # that could lift them above the dense ones kept.
            cand = set(kw) | set(dense.top(DENSE_CANDIDATES))
            dz = dense.lookup(cand)
            base = {d: W_KEYWORD * kw_z.get(d, 0.0) + W_DENSE * dz.get(d, 0.0) for d in cand}
        else:
            base = kw_z
        top = [d for d, _ in sorted(base.items(), key=lambda x: -x[1])[:FEEDBACK_DOCS]]
        fb_terms = [t for t in self._feedback_terms(top, terms)]
        fused = base
        if fb_terms:
            fb = self.keyword_scores(fb_terms, filters)
            if dense is not None:
                new = [d for d in fb if d not in base]
                fused = dict(base)
                fused.update({d: W_DENSE * v for d, v in dense.lookup(new).items()})
            fused = _add(fused, _z(fb, n_total), 1.0, W_FEEDBACK if dense is not None else W_FEEDBACK_KEYWORD_ONLY)
        ranked = sorted(fused.items(), key=lambda x: (-x[1], x[0]))
        cover = self.coverage(terms, [d for d, _ in ranked[:3]])
        if dense is not None:
            kw_top = [d for d, _ in sorted(kw.items(), key=lambda x: -x[1])[:10]]
            de_top = dense.top(10)
            agree = max(
                ((1 / (kw_top.index(d) + 1) + 1 / (de_top.index(d) + 1)) / 2 for d in set(kw_top) & set(de_top)),
                default=0.0,
            )
            conf = (
                dense.best_cosine
                + W_AGREE * agree
                + W_COVER * cover
                - W_UNSEEN * self.unseen_share(terms)
            )
        else:
            conf = cover - W_UNSEEN * self.unseen_share(terms)
        return ranked, conf, terms, qvec

    # -- presenting --------------------------------------------------------------

    def hits_for(self, ranked: list[tuple[int, float]], terms: list[str], qvec) -> list[SearchHit]:
        """Result records for ranked ``(doc_id, score)`` pairs, each with its best passage."""
        if not ranked:
            return []
        ids = [d for d, _ in ranked]
        marks = ",".join("?" * len(ids))
        rows = {
            r["id"]: r
            for r in self.store.query(
                f"select id, source, source_key, kind, title, authority, url, refs, response_date, request_date, "
                f"outcome, exemption_codes, request_text from documents where id in ({marks})",
                ids,
            )
        }
        passages = self.best_passages(ids, terms, qvec)
        import json

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
                )
            )
        return hits

    def passage_similarities(self, qvec, k: int = 5000) -> dict[int, float]:
        """Cosine of the query with indexed passages, by ``vectors.id`` (top ``k``, best first)."""
        if qvec is None or self._index is None or not self._index.count:
            return {}
        # Ranking and presenting both ask for one query's passages: search once
        # (at least 5,000 deep) and hand out prefixes of that list.
        key = qvec.tobytes()
        cached = self._sims
        if cached is None or cached[0] != key or cached[1] < k:
            depth = max(k, 5000)
            scores, ids = self._index.search(qvec, min(depth, self._index.count))
            cached = self._sims = (key, depth, {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0})
        sims = cached[2]
        if k >= len(sims):
            return sims
        return dict(itertools.islice(sims.items(), k))

    def best_passages(self, doc_ids: list[int], terms: list[str], qvec) -> dict[int, tuple[str, str]]:
        """Per document, ``(text, role)`` of the passage that best matches the query."""
        marks = ",".join("?" * len(doc_ids))
        hidden = list(HIDDEN_ROLES)
        best: dict[int, tuple[float, str, str]] = {}
        sims = self.passage_similarities(qvec)
        if sims:
            for doc_id, text, role, vid in self.store.conn.execute(
                f"""select p.document_id, p.text, p.role, v.id from passages p join vectors v on v.content_hash = p.content_hash
                    where p.document_id in ({marks}) and coalesce(p.role, '') not in (?, ?, ?)""",
                [*doc_ids, *hidden],
            ):
                s = sims.get(vid)
                if s is None:
                    continue
                s -= WEAK_ROLES.get(role or "other", 0.0)
                if doc_id not in best or s > best[doc_id][0]:
                    best[doc_id] = (s, text, role)
        if terms:
            missing = [d for d in doc_ids if d not in best]
            if missing:
                m2 = ",".join("?" * len(missing))
                for doc_id, text, role, s in self.store.conn.execute(
                    f"""select p.document_id, p.text, p.role, -bm25(passages_fts) from passages_fts
                        join passages p on p.id = passages_fts.rowid
                        where passages_fts match ? and p.document_id in ({m2}) and coalesce(p.role, '') not in (?, ?, ?)""",
                    [fts_query(terms), *missing, *hidden],
                ):
                    s *= 0.5 if (role or "other") in WEAK_ROLES else 1.0
                    if doc_id not in best or s > best[doc_id][0]:
                        best[doc_id] = (s, text, role)
        return {d: (t, r) for d, (_, t, r) in best.items()}


@dataclass
class DenseScores:
    """Dense scores of every document for one query, as arrays.

    Attributes:
        ids: Sorted document ids.
        z: Their fused dense scores (z-units, as :func:`_z` gives).
        best_cosine: The best whole-query cosine with a document's views.
    """

    ids: "object"
    z: "object"
    best_cosine: float

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
        if not len(want) or not len(self.ids):
            return {}
        pos = np.clip(np.searchsorted(self.ids, want), 0, len(self.ids) - 1)
        hit = self.ids[pos] == want
        return {int(d): float(v) for d, v in zip(want[hit], self.z[pos[hit]])}


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


def _padded_sd(total: float, squares: float, count: int, n_total: int) -> float:
    """Standard deviation of ``count`` scores padded with zeros to ``n_total`` (1.0 when flat)."""
    n = max(n_total, count)
    if not count:
        return 1.0
    mean = total / n
    return math.sqrt(max(squares / n - mean * mean, 0.0)) or 1.0


def _sd(values, n_total: int) -> float:
    """The standard deviation :func:`_z` divides by, for an array of scores."""
    return _padded_sd(float(values.sum()), float((values * values).sum()), len(values), n_total)


def _z(scores: dict[int, float], n_total: int) -> dict[int, float]:
    """z-scores of ``scores`` as if the other ``n_total - len(scores)`` documents scored 0, shifted so 0 stays 0.

    Padding with zeros keeps one document's keyword score comparable across
    queries that match few or many documents; with the shift that keeps an
    absent document at 0, ``(v - mean) / sd - (0 - mean) / sd`` is ``v / sd``.
    """
    if not scores:
        return {}
    sd = _padded_sd(sum(scores.values()), sum(v * v for v in scores.values()), len(scores), n_total)
    return {d: v / sd for d, v in scores.items()}


def _add(a: dict[int, float], b: dict[int, float], wa: float, wb: float) -> dict[int, float]:
    """Weighted sum of two score maps (a missing document contributes its list's zero)."""
    out = {d: wa * v for d, v in a.items()}
    for d, v in b.items():
        out[d] = out.get(d, 0.0) + wb * v
    return out


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


def search(
    store: Store,
    query: str,
    filters: Filters | None = None,
    *,
    limit: int = 10,
    keyword_only: bool = False,
    embedder=None,
) -> SearchResult:
    """Rank documents for one query (see :class:`Searcher` to answer many)."""
    return Searcher(store, keyword_only=keyword_only, embedder=embedder).search(query, filters, limit=limit)
