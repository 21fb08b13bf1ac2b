"""Service: score search against hand-judged queries (TREC-style qrels).

Measures are the standard ones, implemented here (they are short):
nDCG@10 with gains ``2**grade - 1``, Recall@10, Recall@100 and MRR, averaged
over the queries that have judgments, overall and per query ``kind``.
Queries marked ``no_relevant`` have no judgments (trec_eval would silently drop
them); they are scored separately as the share answered "no close
precedent", alongside the share of answerable queries wrongly flagged so.

A query line may carry ``filters`` (the CLI's filter options, e.g.
``{"source": "tribunal", "exemption": "s43", "outcome": ["refused"]}``),
applied exactly as ``search`` applies them, and a ``split`` (``tune`` /
``holdout``) reported separately. Judged document ids are source keys, or
``source:source_key`` where keys of different sources could collide (a
whole-corpus set); a qrels file that uses the qualified form anywhere is
matched on it throughout.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from foi_search.core.errors import FoiSearchError
from foi_search.store import Store

MEASURES = ("ndcg@10", "recall@10", "recall@100", "mrr")


def ndcg_at(ranked: list[str], qrels: dict[str, int], k: int = 10) -> float:
    """nDCG@k with exponential gains; 0 when nothing is judged relevant."""
    dcg = sum((2 ** qrels.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], qrels: dict[str, int], k: int) -> float:
    """Share of the relevant documents found in the top ``k``."""
    rel = {d for d, g in qrels.items() if g > 0}
    return len(rel & set(ranked[:k])) / len(rel) if rel else 0.0


def reciprocal_rank(ranked: list[str], qrels: dict[str, int]) -> float:
    """1 / rank of the first relevant document (0 if none is ranked)."""
    for i, d in enumerate(ranked):
        if qrels.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


@dataclass
class QueryScore:
    """One query's outcome."""

    qid: str
    kind: str
    no_relevant: bool
    flagged: bool
    confidence: float
    measures: dict[str, float] = field(default_factory=dict)
    top: list[str] = field(default_factory=list)
    split: str | None = None
    filtered: bool = False


@dataclass
class RetrievalScores:
    """Scores over a query set.

    Attributes:
        overall: Mean of each measure over answerable queries.
        by_kind: The same per query kind.
        by_split: The same per ``split`` (empty when no query names one).
        no_relevant_flagged: Share of ``no_relevant`` queries answered "no close precedent".
        answerable_flagged: Share of answerable queries wrongly answered so.
        n_queries, n_answerable, n_no_relevant: Counts.
        mode: ``hybrid`` or ``keyword``.
        seconds: Wall time of the run.
        queries: Per-query details.
    """

    overall: dict[str, float]
    by_kind: dict[str, dict[str, float]]
    no_relevant_flagged: float | None
    answerable_flagged: float
    n_queries: int
    n_answerable: int
    n_no_relevant: int
    mode: str
    seconds: float
    queries: list[QueryScore] = field(default_factory=list)
    by_split: dict[str, dict[str, float]] = field(default_factory=dict)
    ignored_filters: bool = False

    def describe(self) -> str:
        """The scores as a small text table.

        One row overall, per query kind and per split, each with the number of
        answerable queries and how many of them were wrongly answered "no close
        precedent" (``flagged``); then the no-answer queries flagged.
        """
        head = f"{'':18}" + "".join(f"{m:>12}" for m in MEASURES) + f"{'queries':>9}{'flagged':>9}"
        mode = self.mode + (", filters ignored" if self.ignored_filters else "")
        lines = [f"Retrieval ({mode}), {self.n_queries} queries, {self.seconds:.1f} s", head]

        def row(name: str, vals: dict[str, float], subset: list[QueryScore]) -> str:
            flagged = sum(q.flagged for q in subset)
            return (
                f"{name[:18]:18}" + "".join(f"{vals.get(m, 0):12.4f}" for m in MEASURES) + f"{len(subset):9d}{flagged:9d}"
            )

        answerable = [q for q in self.queries if not q.no_relevant]
        lines.append(row("all", self.overall, answerable))
        for kind, vals in sorted(self.by_kind.items()):
            lines.append(row(kind, vals, [q for q in answerable if q.kind == kind]))
        for split, vals in sorted(self.by_split.items()):
            lines.append(row(f"split {split}", vals, [q for q in answerable if q.split == split]))
        with_filters = [q for q in answerable if q.filtered]
        if with_filters:
            for name, subset in (("with filters", with_filters), ("no filters", [q for q in answerable if not q.filtered])):
                vals = {m: _mean([q.measures[m] for q in subset]) for m in MEASURES}
                lines.append(row(name, vals, subset))
        n_flagged = sum(q.flagged for q in answerable)
        lines.append(f"Answerable queries answered \"no close precedent\": {n_flagged} of {self.n_answerable}.")
        if self.no_relevant_flagged is not None:
            n_nr = sum(q.flagged for q in self.queries if q.no_relevant)
            lines.append(
                f"No close precedent: {self.no_relevant_flagged:.0%} of {self.n_no_relevant} no-answer queries flagged "
                f"({n_nr} of {self.n_no_relevant}), {self.answerable_flagged:.1%} of {self.n_answerable} answerable "
                "queries wrongly flagged."
            )
        return "\n".join(lines)


def load_queries(path: str | Path) -> list[dict]:
    """Queries as JSON lines with ``qid``, ``text`` and optional ``kind``, ``no_relevant``, ``split``, ``filters``.

    ``filters`` are checked here, so a bad value names its line before any
    query runs.
    """
    from foi_search.core.jsonl import read_jsonl

    out = []
    for n, q in read_jsonl(path, what="queries"):
        if not isinstance(q, dict) or "qid" not in q or "text" not in q:
            raise FoiSearchError(f"{path}:{n}: a query needs 'qid' and 'text'.")
        try:
            query_filters(q)
        except FoiSearchError as e:
            raise FoiSearchError(f"{path}:{n}: {e}") from e
        out.append(q)
    return out


def load_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """TREC qrels ``qid 0 doc_id grade`` as ``{qid: {doc_id: grade}}``."""
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise FoiSearchError(f"Cannot read {path}: {e.strerror}.") from e
    for n, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise FoiSearchError(f"{path}:{n}: expected 'qid 0 doc_id grade'.")
        try:
            qrels[parts[0]][parts[2]] = int(parts[3])
        except ValueError as e:
            raise FoiSearchError(f"{path}:{n}: the grade is not a number.") from e
    return dict(qrels)


def query_filters(query: dict):
    """The :class:`foi_search.core.filters.Filters` a query line asks for (empty when it has none).

    ``filters`` holds the read commands' filters by option name
    (:data:`foi_search.core.filters.FILTER_NAMES`); ``outcome`` and ``kind``
    take one value or a list, like the repeatable options.

    Raises:
        FoiSearchError: ``filters`` is not an object, names an unknown key or a value the CLI would refuse.
    """
    from foi_search.core.filters import FILTER_NAMES, FILTER_SPECS, filters_from_values

    spec = query.get("filters") or {}
    if not isinstance(spec, dict):
        raise FoiSearchError("'filters' must be an object.")
    unknown = sorted(set(spec) - set(FILTER_NAMES))
    if unknown:
        raise FoiSearchError(f"unknown filter {', '.join(unknown)} (one of {', '.join(FILTER_NAMES)}).")
    repeatable = {f.name for f in FILTER_SPECS if f.repeatable}
    return filters_from_values(
        {k: ([v] if isinstance(v, str) else list(v or [])) if k in repeatable else v for k, v in spec.items()}
    )


def doc_label(hit, qualified: bool) -> str:
    """The id a qrels file uses for a ranked document: ``source:source_key`` or the bare key."""
    return f"{hit.source}:{hit.source_key}" if qualified else hit.source_key


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def evaluate_retrieval(
    store: Store,
    queries_path: str | Path,
    qrels_path: str | Path,
    *,
    keyword_only: bool = False,
    embedder=None,
    searcher=None,
    depth: int = 100,
    ignore_filters: bool = False,
) -> RetrievalScores:
    """Run every query and score the ranking against the judgments.

    Args:
        store: The store holding the judged documents (qrels doc ids are source keys).
        queries_path: JSON lines of queries.
        qrels_path: TREC qrels.
        keyword_only: Skip dense search.
        embedder: Embedder for dense search (default: the packaged model).
        searcher: A ready :class:`foi_search.search.searcher.Searcher` (overrides the two above).
        depth: Documents ranked per query (Recall@100 needs 100).
        ignore_filters: Run every query without its ``filters`` (what the filters are worth).
    """
    from foi_search.search.searcher import Searcher

    queries = load_queries(queries_path)
    qrels = load_qrels(qrels_path)
    qualified = any(":" in d for rel in qrels.values() for d in rel)
    searcher = searcher or Searcher(store, keyword_only=keyword_only, embedder=embedder)
    start = time.perf_counter()
    scored: list[QueryScore] = []
    for q in queries:
        filters = None if ignore_filters else query_filters(q)
        result = searcher.search(q["text"], filters, limit=depth, qid=q["qid"], collapse=False)
        ranked = [doc_label(h, qualified) for h in result.results]
        rel = qrels.get(q["qid"], {})
        no_rel = bool(q.get("no_relevant")) or not any(g > 0 for g in rel.values())
        measures = {}
        if not no_rel:
            measures = {
                "ndcg@10": ndcg_at(ranked, rel, 10),
                "recall@10": recall_at(ranked, rel, 10),
                "recall@100": recall_at(ranked, rel, 100),
                "mrr": reciprocal_rank(ranked, rel),
            }
        scored.append(
            QueryScore(
                q["qid"],
                q.get("kind", "all"),
                no_rel,
                result.no_close_precedent,
                result.confidence,
                measures,
                ranked[:10],
                q.get("split"),
                bool(q.get("filters")) and not ignore_filters,
            )
        )
    answerable = [s for s in scored if not s.no_relevant]
    no_rel = [s for s in scored if s.no_relevant]
    overall = {m: round(_mean([s.measures[m] for s in answerable]), 4) for m in MEASURES}
    by_kind: dict[str, dict[str, float]] = {}
    for kind in sorted({s.kind for s in answerable}):
        sub = [s for s in answerable if s.kind == kind]
        by_kind[kind] = {m: round(_mean([s.measures[m] for s in sub]), 4) for m in MEASURES}
    by_split: dict[str, dict[str, float]] = {}
    for split in sorted({s.split for s in answerable if s.split}):
        sub = [s for s in answerable if s.split == split]
        by_split[split] = {m: round(_mean([s.measures[m] for s in sub]), 4) for m in MEASURES}
    return RetrievalScores(
        overall=overall,
        by_kind=by_kind,
        no_relevant_flagged=round(_mean([float(s.flagged) for s in no_rel]), 4) if no_rel else None,
        answerable_flagged=round(_mean([float(s.flagged) for s in answerable]), 4),
        n_queries=len(scored),
        n_answerable=len(answerable),
        n_no_relevant=len(no_rel),
        mode=searcher.mode,
        seconds=round(time.perf_counter() - start, 2),
        queries=scored,
        by_split=by_split,
        ignored_filters=ignore_filters,
    )
