"""Score stored extraction against a hand-judged gold file.

The gold file is JSON lines, one object per document, keyed by ``doc_id``
(matched to the stored ``source_key``), with the fields described in
``../shared/eval/README.md``: ``law``, ``outcome``, ``exemptions`` (canonical
codes applied), ``ncnd``, ``public_interest_test``, ``s16_advice``,
``references``. Scores are computed on the records ``foi-search export
--jsonl`` prints (:func:`foi_search.store.records.document_record`), so anyone can
reproduce them from the export.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from foi_search.core.errors import FoiSearchError
from foi_search.store.records import document_record
from foi_search.store import Store, normalise_reference


@dataclass
class DocError:
    """Where one document's extraction differs from the gold labels."""

    doc_id: str
    fields: dict[str, dict]


@dataclass
class ExtractionScores:
    """Per-field scores of extraction on a gold set.

    Attributes:
        gold_path: The gold file.
        n_gold: Documents in the gold file.
        n_scored: Gold documents found in the store (scored).
        missing: Gold doc_ids not found in the store.
        exemption_precision: Micro precision over (document, applied code).
        exemption_recall: Micro recall over the same pairs.
        exemption_f1: Micro F1.
        exemption_tp / exemption_fp / exemption_fn: The pair counts.
        exemption_errors: Code -> {"fp": n, "fn": n}, the worst codes first.
        outcome_accuracy: Share of documents whose final outcome matches.
        outcome_confusion: gold outcome -> predicted outcome -> count.
        law_accuracy, ncnd_accuracy, pit_accuracy, s16_accuracy: Shares correct.
        references_accuracy: Share whose normalised reference sets are equal.
        references_precision / references_recall: Micro, over normalised references.
        errors: Per-document differences, for error analysis.
    """

    gold_path: str
    n_gold: int = 0
    n_scored: int = 0
    missing: list[str] = field(default_factory=list)
    exemption_precision: float = 0.0
    exemption_recall: float = 0.0
    exemption_f1: float = 0.0
    exemption_tp: int = 0
    exemption_fp: int = 0
    exemption_fn: int = 0
    exemption_errors: dict[str, dict[str, int]] = field(default_factory=dict)
    outcome_accuracy: float = 0.0
    outcome_confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    law_accuracy: float = 0.0
    ncnd_accuracy: float = 0.0
    pit_accuracy: float = 0.0
    s16_accuracy: float = 0.0
    references_accuracy: float = 0.0
    references_precision: float = 0.0
    references_recall: float = 0.0
    authority_accuracy: float | None = None
    n_authority: int = 0
    date_accuracy: float | None = None
    n_dates: int = 0
    answers_accuracy: float | None = None
    n_answers: int = 0
    by_source: dict[str, dict] = field(default_factory=dict)
    errors: list[DocError] = field(default_factory=list)

    def describe(self) -> str:
        """The scores as text: one line per field, then the confusion table."""
        lines = [
            f"Gold: {self.gold_path} ({self.n_gold} documents, {self.n_scored} found in the store"
            + (f", {len(self.missing)} missing" if self.missing else "") + ")",
            f"Exemptions (applied, micro): P {self.exemption_precision:.3f}  R {self.exemption_recall:.3f}  "
            f"F1 {self.exemption_f1:.3f}  (tp {self.exemption_tp}, fp {self.exemption_fp}, fn {self.exemption_fn})",
            f"Outcome accuracy:     {self.outcome_accuracy:.3f}",
            f"Law accuracy:         {self.law_accuracy:.3f}",
            f"NCND accuracy:        {self.ncnd_accuracy:.3f}",
            f"PIT accuracy:         {self.pit_accuracy:.3f}",
            f"s16 advice accuracy:  {self.s16_accuracy:.3f}",
            f"References exact set: {self.references_accuracy:.3f}  "
            f"(micro P {self.references_precision:.3f}, R {self.references_recall:.3f})",
        ]
        if self.authority_accuracy is not None:
            lines.append(f"Authority accuracy:   {self.authority_accuracy:.3f}  ({self.n_authority} with a gold authority)")
        if self.date_accuracy is not None:
            lines.append(f"Response date:        {self.date_accuracy:.3f}  ({self.n_dates} with a gold date)")
        if self.answers_accuracy is not None:
            lines.append(f"Per-question status:  {self.answers_accuracy:.3f}  ({self.n_answers} labelled questions)")
        if len(self.by_source) > 1:
            for src, row in self.by_source.items():
                lines.append(
                    f"  source {src:<14} n {row['n']:>3}  outcome {row['outcome_accuracy']:.3f}  "
                    f"exemption F1 {row['exemption_f1']:.3f}"
                    + (f"  authority {row['authority_accuracy']:.3f}" if row.get("authority_accuracy") is not None else "")
                )
        if self.exemption_errors:
            worst = ", ".join(
                f"{code} fp {e['fp']} fn {e['fn']}" for code, e in list(self.exemption_errors.items())[:8]
            )
            lines.append(f"Exemption errors by code: {worst}")
        labels = sorted(set(self.outcome_confusion) | {p for row in self.outcome_confusion.values() for p in row})
        if labels:
            short = {l: l.replace("disclosed_", "disc_").replace("no_substantive_response", "no_subst")[:10] for l in labels}
            lines.append("Outcome confusion (rows gold, columns predicted):")
            lines.append(" " * 12 + " ".join(f"{short[l]:>10}" for l in labels))
            for g in labels:
                row = self.outcome_confusion.get(g, {})
                lines.append(f"{short[g]:>11} " + " ".join(f"{row.get(p, 0):>10}" for p in labels))
        if self.missing:
            lines.append("Missing from the store: " + ", ".join(self.missing[:10]) + (" ..." if len(self.missing) > 10 else ""))
        return "\n".join(lines)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def load_gold(path: str | Path) -> list[dict]:
    """Read a gold JSONL file.

    Raises:
        FoiSearchError: Missing, unreadable, or not JSON lines with ``doc_id``.
    """
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise FoiSearchError(f"Cannot read the gold file {p}: {e.strerror or e}.", "Pass --gold with a JSONL file.") from e
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise FoiSearchError(f"{p} line {n} is not JSON: {e.msg}.") from e
        if not isinstance(row, dict) or "doc_id" not in row:
            raise FoiSearchError(f"{p} line {n} has no doc_id.")
        rows.append(row)
    return rows


def _find(store: Store, doc_id: str) -> int | None:
    row = store.db.execute("select id from documents where source_key = ? order by id limit 1", [doc_id]).fetchone()
    return row[0] if row else None


def normalise_authority_name(name: str | None) -> str:
    """A comparable form of an authority's name: case, "&", "the" and punctuation folded."""
    s = (name or "").lower().replace("&", " and ").replace("’", "'")
    s = re.sub(r"[^a-z0-9' ]+", " ", s)
    s = re.sub(r"\bthe\b", " ", s)
    return " ".join(s.split())


def evaluate_extraction(store: Store, gold_path: str | Path) -> ExtractionScores:
    """Compare the stored records with the gold labels.

    Args:
        store: The database holding the ingested documents.
        gold_path: JSON lines with ``doc_id`` and the labelled fields.

    Returns:
        The scores; documents missing from the store are listed, not scored.
    """
    gold = load_gold(gold_path)

    def lookup(doc_id: str) -> dict | None:
        found = _find(store, doc_id)
        return None if found is None else document_record(store.load_document(found), found)

    return score_records(gold, lookup, str(gold_path))


def score_records(gold: list[dict], lookup, gold_path: str = "", *, by_source: bool = True) -> ExtractionScores:
    """Score predicted records against gold rows.

    Args:
        gold: Gold rows (see :func:`load_gold`).
        lookup: ``doc_id -> record`` (the export shape) or None when absent.
        gold_path: Named in the report.
        by_source: Also score each gold ``source`` on its own.

    Returns:
        The scores.
    """
    s = ExtractionScores(gold_path=gold_path, n_gold=len(gold))
    tp = fp = fn = 0
    per_code: dict[str, Counter] = {}
    confusion: dict[str, Counter] = {}
    correct = Counter()
    ref_tp = ref_fp = ref_fn = 0
    n_auth = n_ans = n_dates = 0
    records: dict[str, dict] = {}
    for g in gold:
        doc_id = g["doc_id"]
        rec = lookup(doc_id)
        if rec is None:
            s.missing.append(doc_id)
            continue
        records[doc_id] = rec
        s.n_scored += 1
        diffs: dict[str, dict] = {}
        gold_ex, pred_ex = set(g.get("exemptions") or []), set(rec["exemptions"])
        tp += len(gold_ex & pred_ex)
        fp += len(pred_ex - gold_ex)
        fn += len(gold_ex - pred_ex)
        for c in pred_ex - gold_ex:
            per_code.setdefault(c, Counter())["fp"] += 1
        for c in gold_ex - pred_ex:
            per_code.setdefault(c, Counter())["fn"] += 1
        if gold_ex != pred_ex:
            diffs["exemptions"] = {"gold": sorted(gold_ex), "predicted": sorted(pred_ex)}
        go, po = g.get("outcome"), rec["outcome"]
        confusion.setdefault(go, Counter())[po] += 1
        for name, gkey, pkey in (
            ("outcome", "outcome", "outcome"),
            ("law", "law", "law"),
            ("ncnd", "ncnd", "ncnd"),
            ("pit", "public_interest_test", "public_interest_test"),
            ("s16", "s16_advice", "s16_advice"),
        ):
            gv, pv = g.get(gkey), rec[pkey]
            if isinstance(gv, bool) or gkey in ("ncnd", "public_interest_test", "s16_advice"):
                gv = bool(gv)
            if gv == pv:
                correct[name] += 1
            else:
                diffs[name] = {"gold": gv, "predicted": pv}
        gref = {normalise_reference(r) for r in g.get("references") or []}
        pref = {normalise_reference(r) for r in rec["references"]}
        ref_tp += len(gref & pref)
        ref_fp += len(pref - gref)
        ref_fn += len(gref - pref)
        if gref == pref:
            correct["references"] += 1
        else:
            diffs["references"] = {"gold": sorted(gref), "predicted": sorted(pref)}
        if g.get("authority"):
            n_auth += 1
            if normalise_authority_name(g["authority"]) == normalise_authority_name(rec.get("authority")):
                correct["authority"] += 1
            else:
                diffs["authority"] = {"gold": g["authority"], "predicted": rec.get("authority")}
        if g.get("response_date"):
            n_dates += 1
            if (rec.get("response_date") or "")[:10] == g["response_date"][:10]:
                correct["date"] += 1
            else:
                diffs["response_date"] = {"gold": g["response_date"], "predicted": rec.get("response_date")}
        gold_answers = {a.get("seq"): a.get("status") for a in g.get("answers") or [] if isinstance(a, dict)}
        if gold_answers:
            pred_answers = {a.get("seq"): a.get("status") for a in rec.get("answers") or []}
            for seq, status in gold_answers.items():
                n_ans += 1
                if pred_answers.get(seq) == status:
                    correct["answers"] += 1
                else:
                    diffs.setdefault("answers", {"gold": {}, "predicted": {}})
                    diffs["answers"]["gold"][seq] = status
                    diffs["answers"]["predicted"][seq] = pred_answers.get(seq)
        if diffs:
            s.errors.append(DocError(doc_id, diffs))
    if n_auth:
        s.n_authority, s.authority_accuracy = n_auth, _ratio(correct["authority"], n_auth)
    if n_dates:
        s.n_dates, s.date_accuracy = n_dates, _ratio(correct["date"], n_dates)
    if n_ans:
        s.n_answers, s.answers_accuracy = n_ans, _ratio(correct["answers"], n_ans)
    if by_source:
        sources = sorted({g.get("source") or "unknown" for g in gold})
        if len(sources) > 1:
            for src in sources:
                sub = score_records(
                    [g for g in gold if (g.get("source") or "unknown") == src], records.get, gold_path, by_source=False
                )
                s.by_source[src] = {
                    "n": sub.n_scored,
                    "outcome_accuracy": sub.outcome_accuracy,
                    "exemption_f1": sub.exemption_f1,
                    "authority_accuracy": sub.authority_accuracy,
                }
    n = s.n_scored
    s.exemption_tp, s.exemption_fp, s.exemption_fn = tp, fp, fn
    s.exemption_precision = _ratio(tp, tp + fp) if (tp + fp) else (1.0 if not fn else 0.0)
    s.exemption_recall = _ratio(tp, tp + fn) if (tp + fn) else 1.0
    pr, rc = s.exemption_precision, s.exemption_recall
    s.exemption_f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
    s.exemption_errors = {
        c: {"fp": e["fp"], "fn": e["fn"]}
        for c, e in sorted(per_code.items(), key=lambda kv: -(kv[1]["fp"] + kv[1]["fn"]))
    }
    s.outcome_confusion = {g: dict(row) for g, row in sorted(confusion.items())}
    s.outcome_accuracy = _ratio(correct["outcome"], n)
    s.law_accuracy = _ratio(correct["law"], n)
    s.ncnd_accuracy = _ratio(correct["ncnd"], n)
    s.pit_accuracy = _ratio(correct["pit"], n)
    s.s16_accuracy = _ratio(correct["s16"], n)
    s.references_accuracy = _ratio(correct["references"], n)
    s.references_precision = _ratio(ref_tp, ref_tp + ref_fp) if ref_tp + ref_fp else 1.0
    s.references_recall = _ratio(ref_tp, ref_tp + ref_fn) if ref_tp + ref_fn else 1.0
    return s
