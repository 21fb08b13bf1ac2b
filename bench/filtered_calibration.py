"""The no-close-precedent decision under filters, measured on a judged query set.

Filtered situations are derived from the judgements, not written by hand:

* every answerable query is asked again restricted to the outcome, to each
  exemption and to the kind of its best judged document (the filtered set
  still holds that document, so the answer must not be "no close precedent");
* every no-answer query is asked again under each common outcome and
  exemption filter of the store (nothing relevant in any set: it must stay
  flagged).

Usage::

    python bench/filtered_calibration.py --db /tmp/x.db --queries Q.jsonl --qrels QRELS.tsv [--json OUT]

Prints the flag rates, unfiltered and filtered, and one line per situation.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter


def filters_of(spec: dict):
    """Filters from a query's ``filters`` field (``kind``, ``outcome``, ``exemption``, ``source``...)."""
    from foi_search.core.filters import Filters

    as_list = lambda v: v if isinstance(v, list) else [v]  # noqa: E731
    return Filters(
        authority=spec.get("authority"), source=spec.get("source"), since=spec.get("since"), until=spec.get("until"),
        law=spec.get("law"), outcomes=as_list(spec.get("outcome") or []), exemption=spec.get("exemption"),
        kinds=as_list(spec.get("kind") or []),
    )


def situations(store, queries, qrels):
    """``(qid, answerable, Filters, label)`` for every query, unfiltered first."""
    from foi_search.core.filters import Filters

    keys = {}
    for r in store.query("select source, source_key, outcome, exemption_codes, kind from documents"):
        # Judgements name documents by source key, or by "source:source_key" across sources.
        keys[r["source_key"]] = keys[f"{r['source']}:{r['source_key']}"] = r
    docs = list({id(r): r for r in keys.values()}.values())
    common_out = [o for o, _ in Counter(r["outcome"] for r in docs).most_common(3)]
    common_ex = [c for c, _ in Counter(c for r in docs for c in (r["exemption_codes"] or "").split()).most_common(4)]
    for q in queries:
        rel = {k: g for k, g in qrels.get(q["qid"], {}).items() if g > 0 and k in keys}
        answerable = bool(rel) and not q.get("no_relevant")
        yield q, answerable, Filters(), "none"
        if q.get("filters"):
            yield q, answerable, filters_of(q["filters"]), "given " + json.dumps(q["filters"], sort_keys=True)
        if answerable:
            best = keys[max(rel, key=lambda k: (rel[k], k))]
            yield q, True, Filters(outcomes=[best["outcome"]]), f"outcome={best['outcome']}"
            for code in (best["exemption_codes"] or "").split()[:2]:
                yield q, True, Filters(exemption=code), f"exemption={code}"
            if len({r["kind"] for r in docs}) > 1:
                yield q, True, Filters(kinds=[best["kind"]]), f"kind={best['kind']}"
            # The topic is known, but the filter leaves none of the judged
            # documents: "nothing close within your filter" (unjudged documents
            # in the set may still be relevant, so this side is noisy).
            outs = {keys[k]["outcome"] for k in rel}
            codes = {c for k in rel for c in (keys[k]["exemption_codes"] or "").split()}
            for o in [o for o in common_out if o not in outs][:1]:
                yield q, False, Filters(outcomes=[o]), f"outcome={o} (excl)"
            for c in [c for c in common_ex if c not in codes][:1]:
                yield q, False, Filters(exemption=c), f"exemption={c} (excl)"
        else:
            for o in common_out:
                yield q, False, Filters(outcomes=[o]), f"outcome={o}"
            for c in common_ex:
                yield q, False, Filters(exemption=c), f"exemption={c}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--qrels", required=True)
    ap.add_argument("--keyword-only", action="store_true")
    ap.add_argument("--split", help="only queries whose 'split' field has this value")
    ap.add_argument("--json", help="write every situation's evidence here")
    args = ap.parse_args(argv)

    from foi_search.search.searcher import Searcher
    from foi_search.services.evaluate.retrieval import load_qrels, load_queries
    from foi_search.store import Store

    store = Store(args.db, create=False)
    queries = load_queries(args.queries)
    if args.split:
        queries = [q for q in queries if q.get("split") == args.split]
    qrels = load_qrels(args.qrels)
    searcher = Searcher(store, keyword_only=args.keyword_only, notify=lambda m: None)
    rows = []
    for q, answerable, filters, label in situations(store, queries, qrels):
        ranking = searcher.rank(q["text"], filters)
        ev = ranking.evidence
        rows.append(
            {
                "qid": q["qid"], "answerable": answerable, "filter": label, "flagged": ranking.no_close_precedent,
                "confidence": round(ranking.confidence, 4), "threshold": round(ranking.threshold, 4),
                "evidence": None if ev is None else {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(ev).items()},
            }
        )
    def cls(r):
        return "answerable" if r["answerable"] else ("excluded" if r["filter"].endswith("(excl)") else "no-answer")

    for filtered in (False, True):
        for c in ("answerable", "no-answer", "excluded"):
            sub = [r for r in rows if (r["filter"] != "none") == filtered and cls(r) == c]
            if sub:
                rate = sum(r["flagged"] for r in sub) / len(sub)
                print(f"{'filtered' if filtered else 'unfiltered':>10} {c:>10}: {rate:6.1%} flagged of {len(sub)}")
    for r in rows:
        if r["filter"] != "none" and r["flagged"] == r["answerable"]:
            ev = r["evidence"] or {}
            print(f"  wrong: {r['qid']} {r['filter']:<24} answerable={r['answerable']} conf={r['confidence']} "
                  f"thr={r['threshold']} n_set={ev.get('n_set')}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
