"""How well extraction carries across authorities: cross-set and leave-one-authority-out figures.

Usage::

    foi-search --db /tmp/x.db ingest ../shared/corpus/nhs-letters ../shared/corpus/wdtk-sheffield/threads \
        ../shared/corpus/mps-seed
    python bench/extraction_generalisation.py --db /tmp/x.db [--json]

The reader is general rules plus the packaged registry: nothing in it is
fitted to a dev set at run time, so "fit on dev, score dev_letters" is the
plain score on dev_letters, and leaving one trust out changes nothing that
is fitted. What this script adds is the spread: each authority of
``dev_letters`` scored on its own (24 trusts), the mean over authorities
(every trust counts once, however many letters it sent) and the worst ones,
so a rule that only holds for some authorities shows up. A learnt component
would be trained inside :func:`leave_one_out` on the other groups.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from foi_search.services.evaluate.extraction import load_gold, normalise_authority_name, score_records  # noqa: E402
from foi_search.store.records import document_record  # noqa: E402
from foi_search.store import Store  # noqa: E402


def _lookup(store: Store):
    def get(doc_id: str) -> dict | None:
        row = store.conn.execute("select id from documents where source_key = ? order by id limit 1", [doc_id]).fetchone()
        return None if row is None else document_record(store.load_document(row[0]), row[0])

    return get


def _summary(s) -> dict:
    return {
        "n": s.n_scored,
        "outcome": round(s.outcome_accuracy, 3),
        "exemption_f1": round(s.exemption_f1, 3),
        "exemption_p": round(s.exemption_precision, 3),
        "exemption_r": round(s.exemption_recall, 3),
        "authority": None if s.authority_accuracy is None else round(s.authority_accuracy, 3),
    }


def leave_one_out(gold: list[dict], lookup) -> dict:
    """Score each authority's documents on their own; nothing is refitted (the reader learns nothing)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for g in gold:
        # dev_letters file names encode the trust ("nhs41-hss-avon-and-wiltshire-..."): one group per trust,
        # whatever spelling of its name the labels use.
        m = re.match(r"^[a-z]+\d+-[a-z]+-(.+)$", g["doc_id"])
        groups[m.group(1) if m else normalise_authority_name(g.get("authority")) or g["doc_id"]].append(g)
    per = {name: _summary(score_records(rows, lookup, by_source=False)) for name, rows in sorted(groups.items())}
    outcome = [v["outcome"] for v in per.values() if v["n"]]
    authority = [v["authority"] for v in per.values() if v["n"] and v["authority"] is not None]
    return {
        "groups": len(per),
        "macro_outcome": round(sum(outcome) / len(outcome), 3) if outcome else None,
        "macro_authority": round(sum(authority) / len(authority), 3) if authority else None,
        "worst_outcome": sorted(per.items(), key=lambda kv: kv[1]["outcome"])[:5],
        "per_group": per,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    store = Store(args.db)
    lookup = _lookup(store)
    gold_dir = Path(args.shared) / "eval" / "extraction"
    dev, letters = load_gold(gold_dir / "dev.jsonl"), load_gold(gold_dir / "dev_letters.jsonl")
    out = {
        "dev (Sheffield + MPS)": _summary(score_records(dev, lookup, by_source=False)),
        "dev_letters (24 NHS trusts)": _summary(score_records(letters, lookup, by_source=False)),
        "leave_one_trust_out (dev_letters)": leave_one_out(letters, lookup),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    for name, s in list(out.items())[:2]:
        print(f"{name:<30} n {s['n']:>3}  outcome {s['outcome']:.3f}  exemptions F1 {s['exemption_f1']:.3f} "
              f"(P {s['exemption_p']:.3f} R {s['exemption_r']:.3f})  authority {s['authority']}")
    loo = out["leave_one_trust_out (dev_letters)"]
    print(f"leave one trust out: {loo['groups']} trusts, mean outcome {loo['macro_outcome']}, "
          f"mean authority {loo['macro_authority']}")
    print("  worst: " + ", ".join(f"{k} {v['outcome']:.2f} (n {v['n']})" for k, v in loo["worst_outcome"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
