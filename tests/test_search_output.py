"""What search, precedents and exists show: the nearest when nothing is close, citations, batches."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from search_helpers import fill_store, load_fixture_documents

from foi_search.core.domain import Message, Passage
from foi_search.cli import cli
from foi_search.search.searcher import Searcher

# Words found in one fixture title, drowned by words found nowhere: ranked, but not close.
FAR_QUERY = "allotment qqxzv wwkpl zzmrt vvbnq"


@pytest.fixture
def filled(store):
    docs = load_fixture_documents()
    # A log row with no reference and no link, as some authorities publish them.
    ask = "What rent does the council charge for an allotment plot, site by site, this year and last?"
    logrow = dataclasses.replace(
        docs[6], source="foilog", source_key="LOG-2023-0042", references=[], url=None,
        title="Allotment plot rents by site", outcome="disclosed_full",
        messages=[Message(direction="outgoing", kind="request", sent_at="2023-03-02", text=ask)],
        passages=[Passage(text=ask, role="request", seq=0)],
    )
    fill_store(store, docs + [logrow])
    return store


def _run(db, *args, input=None):
    return CliRunner().invoke(cli, ["--db", str(db), *args], input=input)


def test_search_never_hides_the_nearest(filled, db_path):
    r = _run(db_path, "search", "--keyword-only", FAR_QUERY)
    assert r.exit_code == 1
    lines = r.output.splitlines()
    assert lines[0].startswith("No close precedent found")
    assert "Nearest (not close):" in lines
    assert "Allotment waiting list" in r.output
    r = _run(db_path, "search", "--keyword-only", "--markdown", FAR_QUERY)
    assert r.exit_code == 1 and "### Nearest (not close)" in r.output and "Allotment" in r.output
    # Nothing matched at all: the plain line alone.
    r = _run(db_path, "search", "--keyword-only", "qqxzv wwkpl")
    assert r.exit_code == 1 and "Nearest" not in r.output and "No close precedent" in r.output


def test_precedents_and_exists_never_hide_the_nearest(filled, db_path):
    r = _run(db_path, "precedents", "--keyword-only", FAR_QUERY)
    assert r.exit_code == 1
    assert r.output.startswith("No close precedent found") and "NEAREST (NOT CLOSE)" in r.output
    assert "Allotment waiting list" in r.output and "Kingsbridge District Council, KDC 4410" in r.output
    r = _run(db_path, "precedents", "--keyword-only", "--markdown", FAR_QUERY)
    assert "## Nearest (not close)" in r.output
    r = _run(db_path, "exists", "--keyword-only", "parking qqxzv wwkpl zzmrt vvbnq")
    assert r.exit_code == 1 and "Nearest (not close):" in r.output and "Parking tickets issued by street" in r.output


def test_text_and_markdown_results_are_citable(filled, db_path):
    r = _run(db_path, "search", "--keyword-only", "allotment plot rents waiting list")
    assert r.exit_code == 0, r.output
    # Authority, reference, date, outcome and link of a result with a reference...
    assert "Kingsbridge District Council · KDC 4410 · " in r.output and " · not_held · " in r.output
    assert "https://example.org/request/allotments_kingsbridge" in r.output
    # ...and the source key (what `show` takes) of one without reference or link.
    assert "· LOG-2023-0042 ·" in r.output and "foi-search show LOG-2023-0042" in r.output
    r = _run(db_path, "show", "LOG-2023-0042")
    assert r.exit_code == 0 and "Allotment plot rents by site" in r.output
    r = _run(db_path, "search", "--keyword-only", "--markdown", "allotment plot rents waiting list")
    assert "[Allotment waiting list](https://example.org/request/allotments_kingsbridge)" in r.output
    assert "KDC 4410" in r.output and "LOG-2023-0042" in r.output


def test_search_collapses_batches_with_count_and_members(filled, db_path):
    searcher = Searcher(filled, keyword_only=True)
    query = "staff disciplined for misuse of social media, job roles"
    result = searcher.search(query, limit=5)
    top = result.results[0]
    assert top.count == 3
    assert {m["source_key"] for m in top.members} == {
        "social_media_discipline_eastmere", "social_media_discipline_westford", "social_media_discipline_kingsbridge",
    }
    assert top.members[0]["source_key"] == top.source_key
    assert sum(h.title == top.title for h in result.results) == 1
    # Evaluation ranks documents: nothing collapsed.
    flat = searcher.search(query, limit=5, collapse=False)
    assert sum(h.title == top.title for h in flat.results) == 3 and all(h.count == 1 for h in flat.results)
    r = _run(db_path, "search", "--keyword-only", "--json", query)
    res = json.loads(r.stdout)["results"][0]
    # Old fields kept, new ones added.
    assert {"source_key", "title", "authority", "url", "date", "outcome", "exemptions", "score", "passage"} <= set(res)
    assert res["count"] == 3 and {"source_key", "authority", "reference", "date", "outcome", "url"} <= set(res["members"][0])
    r = _run(db_path, "search", "--keyword-only", query)
    assert "Staff disciplined over social media use (sent to 3 authorities)" in r.output
    assert r.output.count("Staff disciplined over social media use") == 1


def test_exists_collapses_batches(filled, db_path):
    r = _run(db_path, "exists", "--keyword-only", "--json", "allotment waiting list plot rents")
    results = json.loads(r.stdout)["results"]
    assert all(x["count"] == len(x["members"]) for x in results)


def test_results_say_how_each_question_ended_where_it_was_not_simply_answered(store):
    from search_helpers import fill_store

    from foi_search.cli.render import answers_line, render_search
    from foi_search.search.searcher import Searcher

    assert answers_line([{"question": 1, "status": "answered", "grounds": []},
                         {"question": 2, "status": "refused", "grounds": ["s40(2)"]},
                         {"question": 3, "status": "not_held", "grounds": []}]) == "Q2 refused under s40(2); Q3 not held"
    assert answers_line([{"question": 0, "status": "refused", "grounds": ["s12"]}]) == "refused under s12"
    assert answers_line([{"question": 0, "status": "answered", "grounds": []}]) == ""
    from search_helpers import load_fixture_documents

    from foi_search.core.domain import QuestionAnswer

    docs = load_fixture_documents()
    for d in docs:
        if d.source_key == "social_media_discipline_eastmere":
            d.answers = [QuestionAnswer(1, "answered"), QuestionAnswer(2, "refused", ["s40(2)"])]
    fill_store(store, docs)
    # Uncollapsed: the three near-identical requests of that batch are listed one by one.
    result = Searcher(store, keyword_only=True).search("staff disciplined for misuse of social media", limit=5, collapse=False)
    hit = next(h for h in result.results if h.source_key == "social_media_discipline_eastmere")
    assert hit.to_json()["answers"] == [{"question": 1, "status": "answered", "grounds": []},
                                        {"question": 2, "status": "refused", "grounds": ["s40(2)"]}]
    # The line shows under the result's citation, in text and markdown.
    assert "Q2 refused under s40(2)" in render_search(result)
    assert "Q2 refused under s40(2)" in render_search(result, markdown=True)
