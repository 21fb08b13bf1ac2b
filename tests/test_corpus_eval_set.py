"""The team-made retrieval sets in eval/corpus, eval/corpus_b (whole corpus) and eval/sheffield_b (Sheffield
threads only): they parse, and every judged key is in ../shared.

The key check reads file names and CSV ids under ../shared/corpus directly (no
ingest), so it stays fast; it is skipped where ../shared is absent.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import need_shared

from foi_search.services.evaluate.retrieval import load_qrels, load_queries

EVAL = Path(__file__).resolve().parents[1] / "eval"
# Each set and the splits it must use: eval/corpus is split tune/holdout; eval/corpus_b is held out as a whole;
# eval/sheffield_b is split tune/holdout.
# eval/tribunal_t (Tribunal rulings only, for tuning the ranking of decisions) is a tune set as a whole.
SETS = {
    "corpus": {"tune", "holdout"},
    "corpus_b": {"holdout_b"},
    "sheffield_b": {"tune", "holdout"},
    "tribunal_t": {"tune"},
}
KINDS = {"new_request", "officer_query", "exists_check", "tribunal_ruling"}
# The Sheffield set has no Tribunal rulings and no filters (one authority, one source).
SET_KINDS = {"sheffield_b": {"new_request", "officer_query", "exists_check"}, "tribunal_t": {"tribunal_ruling"}}
MIN_FILTERED = {"sheffield_b": 0}
# The Tribunal tuning set is smaller and has no no-answer queries.
MIN_QUERIES = {"tribunal_t": 20}
MIN_NO_RELEVANT = {"tribunal_t": 0}


@pytest.mark.parametrize("name", sorted(SETS))
def test_queries_and_qrels_parse_and_agree(name):
    queries = load_queries(EVAL / name / "queries.jsonl")  # also validates each line's filters
    qrels = load_qrels(EVAL / name / "qrels.tsv")
    qids = [q["qid"] for q in queries]
    assert len(qids) == len(set(qids)) >= MIN_QUERIES.get(name, 30)
    assert set(qrels) <= set(qids), "judgments for a query that is not in queries.jsonl"
    assert {q["kind"] for q in queries} == SET_KINDS.get(name, KINDS)
    assert {q["split"] for q in queries} == SETS[name]
    for q in queries:
        positives = [g for g in qrels.get(q["qid"], {}).values() if g > 0]
        if q["no_relevant"]:
            assert not positives, f"{q['qid']} is marked no_relevant but has relevant judgments"
        else:
            assert 2 in positives, f"{q['qid']} has no grade-2 document"
    for rel in qrels.values():
        for doc, grade in rel.items():
            assert grade in (0, 1, 2)
            # Keys of different sources can collide (Tribunal ids and Devon references are both numbers).
            assert re.fullmatch(r"[a-z]+:\S+", doc), doc
    assert sum(bool(q.get("filters")) for q in queries) >= MIN_FILTERED.get(name, len(queries) // 3)
    assert sum(q["no_relevant"] for q in queries) >= MIN_NO_RELEVANT.get(name, 4)


def _corpus_keys(corpus: Path) -> dict[str, set[str]]:
    """Every key each source's parser can give, read straight from the files."""
    keys: dict[str, set[str]] = {s: set() for s in ("wdtk", "devon", "tribunal", "letter", "mps", "govuk")}
    keys["wdtk"] = {p.stem for p in (corpus / "wdtk-sheffield" / "threads").glob("*.json")}
    for page in (corpus / "wdtk-mhclg" / "pages").glob("*.html"):
        keys["wdtk"] |= set(re.findall(r"whatdotheyknow\.com/request/([\w-]+)", page.read_text(errors="replace")))
    for log in (corpus / "devon-foi-log").glob("*.csv"):
        rows = csv.DictReader(io.StringIO(log.read_text(encoding="cp1252", errors="replace")))
        keys["devon"] |= {r["Reference"].strip() for r in rows if r.get("Reference")}
    # Empty text files (scans) are not ingested, so they cannot be judged either.
    keys["tribunal"] = {p.stem for p in (corpus / "tribunal" / "text").glob("*.txt") if p.stat().st_size}
    for folder in ("nhs-letters", "police-letters"):
        keys["letter"] |= {p.stem for p in (corpus / folder).iterdir() if p.suffix in (".pdf", ".docx", ".txt")}
    keys["mps"] = {p.stem for p in (corpus / "mps-seed").glob("*.txt")}
    for item in (corpus / "govuk-foi-release").glob("*.json"):
        keys["govuk"] |= set(re.findall(r'"base_path":\s*"[^"]*/([^"/]+)"', item.read_text()))
    return keys


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_judged_key_is_in_the_shared_corpus(name):
    corpus = need_shared("corpus")
    keys = _corpus_keys(corpus)
    ico_csv = (corpus / "ico-decisions-metadata" / "decision-notices.csv").read_text(encoding="utf-8", errors="replace")
    ico_refs = set(re.findall(r"(fs|fer)_?(\d{6,8})", ico_csv.lower()))
    missing = Counter()
    for rel in load_qrels(EVAL / name / "qrels.tsv").values():
        for doc in rel:
            source, key = doc.split(":", 1)
            if source == "ico":
                found = all(
                    (m.group(1).lower(), m.group(2)) in ico_refs for m in re.finditer(r"(FS|FER)(\d{6,8})", key)
                )
            else:
                found = key in keys.get(source, set())
            if not found:
                missing[doc] += 1
    assert not missing, f"judged keys not in ../shared/corpus: {sorted(missing)[:10]}"


def test_sheffield_b_split_alternates_within_each_kind():
    """Within each kind, in qid order, the 1st, 3rd, ... query is tune and the others holdout."""
    queries = load_queries(EVAL / "sheffield_b" / "queries.jsonl")
    seen: Counter = Counter()
    for q in sorted(queries, key=lambda q: q["qid"]):
        seen[q["kind"]] += 1
        assert q["split"] == ("tune" if seen[q["kind"]] % 2 else "holdout"), q["qid"]


def test_sheffield_b_judges_sheffield_threads_only():
    for rel in load_qrels(EVAL / "sheffield_b" / "qrels.tsv").values():
        assert all(doc.startswith("wdtk:") for doc in rel)
