"""Retrieval eval with per-query filters, splits and ``source:source_key`` judgments."""

from __future__ import annotations

import json

import pytest
from search_helpers import fill_store

from foi_search.core.errors import FoiSearchError
from foi_search.services.evaluate.retrieval import evaluate_retrieval, load_queries


def _write(tmp_path, queries: list[dict], qrels: str):
    q = tmp_path / "queries.jsonl"
    q.write_text("".join(json.dumps(x) + "\n" for x in queries))
    r = tmp_path / "qrels.tsv"
    r.write_text(qrels)
    return q, r


def test_filters_apply_and_can_be_ignored(tmp_path, store):
    fill_store(store)
    q, r = _write(
        tmp_path,
        [
            {"qid": "a", "kind": "officer_query", "text": "staff disciplined over social media",
             "filters": {"authority": "westford"}, "split": "tune"},
            {"qid": "b", "kind": "tribunal_ruling", "text": "waste collection contract prices",
             "filters": {"kind": "tribunal_decision"}, "split": "holdout"},
        ],
        "a 0 wdtk:social_media_discipline_westford 2\nb 0 tribunal:EA-2019-0101 2\n",
    )
    s = evaluate_retrieval(store, q, r, keyword_only=True)
    by = {x.qid: x for x in s.queries}
    # With the filter only the Westford thread and the Tribunal decision can come back.
    assert by["a"].top == ["wdtk:social_media_discipline_westford"]
    assert by["b"].top == ["tribunal:EA-2019-0101"]
    assert s.overall["mrr"] == 1.0
    assert set(s.by_split) == {"tune", "holdout"} and set(s.by_kind) == {"officer_query", "tribunal_ruling"}
    text = s.describe()
    assert "split holdout" in text and "flagged" in text and "answered \"no close precedent\"" in text
    assert "with filters" in text

    loose = evaluate_retrieval(store, q, r, keyword_only=True, ignore_filters=True)
    top = next(x for x in loose.queries if x.qid == "a").top
    assert {"wdtk:social_media_discipline_eastmere", "wdtk:social_media_discipline_kingsbridge"} <= set(top)
    assert "filters ignored" in loose.describe()


def test_plain_keys_still_match(tmp_path, store):
    fill_store(store)
    q, r = _write(tmp_path, [{"qid": "a", "text": "HMO licence register"}], "a 0 hmo_register_northshire 2\n")
    s = evaluate_retrieval(store, q, r, keyword_only=True)
    assert s.queries[0].top[0] == "hmo_register_northshire" and s.overall["mrr"] == 1.0


@pytest.mark.parametrize(
    "filters, words",
    [({"exemption": "s99"}, "not a known exemption"), ({"colour": "red"}, "unknown filter colour"),
     ({"outcome": "won"}, "is not one of"), ("s40", "must be an object")],
)
def test_bad_filters_name_their_line(tmp_path, filters, words):
    q, _ = _write(tmp_path, [{"qid": "ok", "text": "x"}, {"qid": "a", "text": "x", "filters": filters}], "")
    with pytest.raises(FoiSearchError) as e:
        load_queries(q)
    assert ":2:" in str(e.value) and words in str(e.value)
