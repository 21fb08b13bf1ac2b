"""Precedent reports and the "already released?" check on invented fixture documents."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from search_helpers import FakeEmbedder, fill_store

from foi_search.cli import cli
from foi_search.core.filters import Filters
from foi_search.search.precedents import exists_check, precedent_report
from foi_search.search.searcher import Searcher

REQUEST = "How many staff were disciplined for misuse of social media each year, and what were their job roles?"


@pytest.fixture
def filled(store):
    fill_store(store)
    return store


@pytest.fixture(params=["keyword", "hybrid"])
def searcher(request, filled):
    if request.param == "keyword":
        return Searcher(filled, keyword_only=True)
    from foi_search.services.indexing import build_index

    emb = FakeEmbedder()
    build_index(filled, embedder=emb)
    return Searcher(filled, embedder=emb, notify=lambda m: None)


def test_batch_requests_collapse_into_one_entry(filled, searcher):
    report = precedent_report(filled, REQUEST, searcher=searcher)
    assert not report.no_close_precedent
    top = report.similar[0]
    assert top.count == 3
    assert {m.authority for m in top.members} == {
        "Eastmere Council", "Westford Borough Council", "Kingsbridge District Council"
    }
    assert sorted(top.outcomes.values()) == ["disclosed_partial", "refused", "refused"]
    keys = [m.source_key for e in report.similar for m in e.members]
    assert len(keys) == len(set(keys))


def test_outcome_and_exemption_distribution(filled, searcher):
    report = precedent_report(filled, REQUEST, searcher=searcher, limit=1)
    assert report.outcomes == {"refused": 2, "disclosed_partial": 1}
    assert report.exemptions == {"s40(2)": 3}


def test_reasoning_near_duplicates_merged_with_usage(filled, searcher):
    report = precedent_report(filled, REQUEST, searcher=searcher)
    section = next(s for s in report.sections if s.code == "s40(2)")
    assert section.name.startswith("s40(2)")
    texts = [g.text for g in section.reasoning]
    assert len(texts) == 2  # Eastmere's and Westford's near-identical wording shown once
    merged = next(g for g in section.reasoning if g.responses == 2)
    assert merged.authorities == 2
    assert (merged.first_seen, merged.last_seen) == ("2024-01-30", "2024-02-02")
    assert {c.reference for c in merged.citations} == {"EM-2201", "WB/77/24"}
    assert all(c.url and c.authority and c.date for g in section.reasoning for c in g.citations)


def test_tribunal_decisions_on_the_exemption(filled, searcher):
    report = precedent_report(filled, REQUEST, searcher=searcher)
    section = next(s for s in report.sections if s.code == "s40(2)")
    assert [t.citation.source_key for t in section.tribunal] == ["EA-2021-0420"]
    t = section.tribunal[0]
    assert t.appeal_outcome == "Allowed in part"
    assert t.citation.reference == "EA/2021/0420" and t.citation.url.endswith("EA-2021-0420")


def test_report_for_commercial_request(filled, searcher):
    report = precedent_report(filled, "unit prices in the waste collection contract", searcher=searcher)
    assert report.similar[0].citation.source_key == "waste_contract_northshire"
    section = report.sections[0]
    assert section.code == "s43"
    assert {g.role for g in section.reasoning} == {"exemption_reasoning", "public_interest"}
    assert [t.citation.source_key for t in section.tribunal] == ["EA-2019-0101"]
    assert section.tribunal[0].appeal_outcome == "Dismissed"
    # tribunal decisions are rulings, not earlier requests
    assert all(e.citation.source_key != "EA-2019-0101" for e in report.similar)


def test_report_respects_filters(filled, searcher):
    report = precedent_report(filled, REQUEST, Filters(authority="eastmere"), searcher=searcher)
    assert [m.source_key for e in report.similar for m in e.members] == ["social_media_discipline_eastmere"]


def test_exists_lists_only_releases_with_attachments(filled, searcher):
    found = exists_check(filled, "Has anyone already obtained the HMO licence register?", searcher=searcher)
    assert found.search.results
    assert all(h.outcome in ("disclosed_full", "disclosed_partial") for h in found.search.results)
    top = found.search.results[0]
    assert top.source_key == "hmo_register_northshire"
    obj = found.to_json()
    assert obj["results"][0]["attachments"] == [
        {"name": "hmo_public_register_march_2023.xlsx", "url": "https://example.org/files/hmo_register.xlsx"}
    ]


def test_exists_ignores_refusals(filled, searcher):
    found = exists_check(filled, "Has the waste contract schedule of rates been released?", searcher=searcher)
    assert "waste_contract_northshire" not in [h.source_key for h in found.search.results]


def test_cli_precedents_from_text_file_and_stdin(filled, db_path, tmp_path):
    db = str(db_path)
    r = CliRunner().invoke(cli, ["--db", db, "precedents", "--keyword-only", REQUEST])
    assert r.exit_code == 0, r.output
    assert "sent to 3 authorities" in r.output
    assert "used in 2 responses by 2 authorities, first seen 2024-01-30, last seen 2024-02-02" in r.output
    assert "Parker v Information Commissioner" in r.output and "Allowed in part" in r.output
    f = tmp_path / "req.txt"
    f.write_text(REQUEST)
    r = CliRunner().invoke(cli, ["--db", db, "precedents", "--keyword-only", "--json", "--file", str(f)])
    assert r.exit_code == 0
    obj = json.loads(r.stdout)
    assert {"query", "no_close_precedent", "similar", "outcomes", "exemptions", "sections"} <= set(obj)
    assert obj["similar"][0]["count"] == 3
    r = CliRunner().invoke(cli, ["--db", db, "precedents", "--keyword-only", "--markdown", "-"], input=REQUEST)
    assert r.exit_code == 0 and r.output.startswith("## Similar earlier requests")
    r = CliRunner().invoke(cli, ["--db", db, "precedents", "--keyword-only", "zzzqqq xxyyzz"])
    assert r.exit_code == 1 and "No close precedent" in r.output


def test_cli_exists(filled, db_path):
    r = CliRunner().invoke(cli, ["--db", str(db_path), "exists", "--keyword-only", "parking penalty charge notices by month"])
    assert r.exit_code == 0, r.output
    assert "pcn_monthly_2022.csv" in r.output and "https://example.org/request/parking_pcns_westford" in r.output
    r = CliRunner().invoke(cli, ["--db", str(db_path), "exists", "--keyword-only", "--json", "parking penalty charge notices"])
    res = json.loads(r.stdout)["results"][0]
    assert res["attachments"][0]["name"] == "pcn_monthly_2022.csv"


def _ruling(base, key, title, ruling_text, code="s40(2)"):
    import dataclasses

    from foi_search.core.domain import ExemptionCitation, Message, Passage

    return dataclasses.replace(
        base, source_key=key, title=title, references=[key.replace("-", "/")], url=f"https://example.org/tribunal/{key}",
        messages=[Message(direction="incoming", sent_at="2023-05-02", text=ruling_text)],
        passages=[Passage(text=ruling_text, role="ruling", exemption=code, seq=0)],
        exemptions=[ExemptionCitation(code=code, detail=code, status="applied")],
        meta={"appeal_outcome": "Dismissed", "sections_considered": [code]},
    )


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_tribunal_rulings_ranked_by_what_they_decided_not_party_names(store, mode):
    from search_helpers import load_fixture_documents

    from foi_search.search.tribunal import TribunalRanker
    from foi_search.search.querytext import query_terms

    docs = load_fixture_documents()
    base = next(d for d in docs if d.kind == "tribunal_decision" and d.source_key == "EA-2021-0420")
    extra = [
        # A party called Parking, ruling on something else entirely.
        _ruling(base, "EA-2023-0011", "Tom Parking v Information Commissioner",
                "The names of hospital consultants on a rota are personal data; disclosure would be unfair. Dismissed."),
        _ruling(base, "EA-2023-0012", "Harbour Residents Group v Information Commissioner",
                "The names of the civil enforcement officers who issued parking tickets on each street are personal "
                "data of junior staff; their identities add nothing to scrutiny of enforcement. Dismissed."),
        # Decided the same kind of information, but on another exemption: never listed for s40(2).
        _ruling(base, "EA-2023-0013", "Quayside Traders v Information Commissioner",
                "Officers who issued parking tickets: the enforcement contract prices are commercially sensitive.", "s43"),
    ]
    fill_store(store, docs + extra)
    query = "names of the officers who issued parking tickets on each street"
    sims = {}
    if mode == "hybrid":
        from foi_search.services.indexing import build_index

        emb = FakeEmbedder()
        build_index(store, embedder=emb)
        searcher = Searcher(store, embedder=emb, notify=lambda m: None)
        sims = searcher.passage_similarities(searcher.rank(query, Filters()).query_vector)
    refs = TribunalRanker(store, query_terms(query), sims).for_code("s40(2)", 3)
    keys = [t.citation.source_key for t in refs]
    assert keys[0] == "EA-2023-0012"
    assert "EA-2023-0013" not in keys
    assert "parking tickets" in refs[0].passage and refs[0].appeal_outcome == "Dismissed"
