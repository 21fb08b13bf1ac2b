"""The large-store path of a PostgreSQL search, forced on a real store, against the in-memory one.

    .venv/bin/python bench/views_in_database.py --db postgresql://…/corpus \\
        --set eval/corpus/queries.jsonl:eval/corpus/qrels.tsv \\
        --set eval/corpus_b/queries.jsonl:eval/corpus_b/qrels.tsv

From 20,000 documents with views a PostgreSQL store searches them in the
database and estimates the score spreads from a sample
(:mod:`index.view_search`). The judged sets live on smaller stores, where that
path is never taken; this runs each set both ways on the same store (the
threshold set to 0, then out of reach) with the packaged model, and prints
nDCG@10, Recall@100 and the answerable queries flagged "no close precedent".
The store needs ``foi-search index`` (it builds the views' HNSW index).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="A PostgreSQL store URL.")
    ap.add_argument("--set", action="append", required=True, metavar="QUERIES:QRELS")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import index.view_search as view_search
    from foi_search.search.searcher import Searcher
    from foi_search.services.evaluate.retrieval import evaluate_retrieval
    from foi_search.store.base import open_store

    store = open_store(args.db)
    for path, threshold in (("in memory", 10**12), ("in the database", 0)):
        view_search.MIN_DOCUMENTS = threshold
        searcher = Searcher(store, notify=lambda m: None)
        kind = type(searcher.dense.res.views).__name__ if searcher.dense is not None else "keyword only"
        print(f"views {path} ({kind})")
        for spec in args.set:
            queries, qrels = spec.split(":")
            r = evaluate_retrieval(store, queries, qrels, searcher=searcher)
            flagged = round(r.answerable_flagged * r.n_answerable)
            print(f"  {queries}: nDCG@10 {r.overall['ndcg@10']:.3f}  R@100 {r.overall['recall@100']:.3f}  "
                  f"flagged {flagged} of {r.n_answerable}")
    store.close()


if __name__ == "__main__":
    main()
