"""Pool judging candidates for eval/corpus/queries.jsonl from several rankers.

Usage (from the repository root, after ``foi-search ingest`` and ``index``)::

    .venv/bin/python eval/corpus/pool.py --db /work/corpus.db --out /tmp/pool [--keyword-only]
        [--extra eval/corpus/pool_extra.tsv]

Per query, the top ``--depth`` documents of each ranker (keyword-only and
hybrid, each with and without the query's filters) are merged, plus the
matches of hand-written FTS5 expressions (``qid<TAB>expression`` lines in
``--extra``), and written to ``OUT/<qid>.txt`` with what a judge needs to
grade each one (title, authority, outcome, codes, the request's opening) and
which rankers found it. Ids are ``source:source_key``, as in qrels.tsv.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from foi_search.services.evaluate.retrieval import load_queries, query_filters  # noqa: E402
from foi_search.core.filters import Filters  # noqa: E402
from foi_search.search.searcher import Searcher  # noqa: E402
from foi_search.store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--queries", default=str(ROOT / "eval" / "corpus" / "queries.jsonl"))
    ap.add_argument("--extra", default=str(ROOT / "eval" / "corpus" / "pool_extra.tsv"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--keyword-only", action="store_true", help="Skip the hybrid rankers (no index yet).")
    args = ap.parse_args()
    store = Store(args.db)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rankers = {"kw": Searcher(store, keyword_only=True)}
    if not args.keyword_only:
        rankers["hy"] = Searcher(store)
    extra: dict[str, list[str]] = {}
    if Path(args.extra).exists():
        for line in Path(args.extra).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                qid, expr = line.split("\t", 1)
                extra.setdefault(qid, []).append(expr)
    for q in load_queries(args.queries):
        found: dict[int, list[str]] = {}
        filt = query_filters(q)
        for name, s in rankers.items():
            for tag, f in ((name + "+f", filt), (name, Filters())):
                if tag.endswith("+f") and filt.is_empty():
                    continue
                res = s.search(q["text"], f, limit=args.depth)
                for rank, h in enumerate(res.results, 1):
                    found.setdefault(h.doc_id, []).append(f"{tag}{rank}")
        for expr in extra.get(q["qid"], []):
            rows = store.db.execute(
                "select rowid from documents_fts where documents_fts match ? order by bm25(documents_fts, 5, 0, 1, 0.1) limit ?",
                [expr, args.depth * 2],
            ).fetchall()
            for rank, (rid,) in enumerate(rows, 1):
                found.setdefault(rid, []).append(f"fts{rank}")
        lines = [f"{q['qid']} [{q['kind']}] {q['text']}", f"filters: {q.get('filters') or {}}", ""]
        for doc_id, tags in sorted(found.items(), key=lambda kv: -len(kv[1])):
            cur = store.db.execute(
                "select source, source_key, kind, title, authority, outcome, exemption_codes, request_date, "
                "response_date, substr(coalesce(nullif(request_text, ''), body, ''), 1, 300) as req from documents where id = ?",
                [doc_id],
            )
            r = dict(zip([c[0] for c in cur.description], cur.fetchone()))
            req = " ".join((r["req"] or "").split())
            lines.append(
                f"{r['source']}:{r['source_key']} | {r['authority']} | {r['title']} | {r['outcome']} "
                f"{r['exemption_codes'] or ''} | {r['response_date'] or r['request_date'] or ''} | {' '.join(tags)}\n    {req}"
            )
        (out / f"{q['qid']}.txt").write_text("\n".join(lines) + "\n")
        print(q["qid"], len(found), file=sys.stderr)


if __name__ == "__main__":
    main()
