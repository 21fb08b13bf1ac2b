"""Queries that ask for a kind of document in their own words ("how did the Tribunal rule…")."""

from __future__ import annotations

import pytest
from search_helpers import FakeEmbedder, fill_store

from foi_search.core.filters import Filters
from foi_search.search.querytext import wanted_kinds
from foi_search.search.searcher import Searcher


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("How did the Tribunal rule on waste contract prices?", ["tribunal_decision"]),
        ("Tribunal decisions on staff names withheld as personal data", ["tribunal_decision"]),
        ("did the tribunal order release of the report", ["tribunal_decision"]),
        ("rulings of the Tribunal on vexatious requests", ["tribunal_decision"]),
        ("Did the Tribunal accept that naming the researchers would put them at risk?", ["tribunal_decision"]),
        ("did the Tribunal agree that court records are exempt", ["tribunal_decision"]),
        ("how the Tribunal treated the cost limit for aggregated requests", ["tribunal_decision"]),
        ("tribunal hearings held at the town hall", []),
        # A tribunal named without a ruling asked for: an ordinary request.
        ("legal costs when parents challenged decisions about school places at tribunal", []),
        ("employment tribunal claims against the council by year", []),
        ("waste contract prices", []),
    ],
)
def test_wanted_kinds(text, kinds):
    assert wanted_kinds(text) == kinds


@pytest.fixture(params=["keyword", "hybrid"])
def searcher(request, store):
    fill_store(store)
    if request.param == "keyword":
        return Searcher(store, keyword_only=True)
    from foi_search.services.indexing import build_index

    emb = FakeEmbedder()
    build_index(store, embedder=emb)
    return Searcher(store, embedder=emb, notify=lambda m: None)


def test_asking_how_the_tribunal_ruled_ranks_its_decisions_first(searcher):
    plain = searcher.search("waste collection contract pricing commercial interests", limit=5)
    assert plain.results[0].source_key == "waste_contract_northshire"
    asked = searcher.search("How did the Tribunal rule on waste collection contract pricing?", limit=5)
    assert asked.results[0].source_key == "EA-2019-0101"
    # The earlier request is still listed, after the ruling.
    assert "waste_contract_northshire" in [h.source_key for h in asked.results]
    # A kind filter, when given, decides instead.
    only = searcher.search("How did the Tribunal rule on waste collection contract pricing?", Filters(kinds=["response"]))
    assert {h.kind for h in only.results} == {"response"}


def test_among_rulings_their_text_decides_not_their_parties_names(store):
    import dataclasses

    from search_helpers import load_fixture_documents

    from foi_search.core.domain import Message, Passage

    docs = load_fixture_documents()
    base = next(d for d in docs if d.source_key == "EA-2021-0420")

    def ruling(key, title, text):
        return dataclasses.replace(
            base, source_key=key, title=title, references=[key], url=None,
            messages=[Message(direction="incoming", sent_at="2023-05-02", text=text)],
            passages=[Passage(text=text, role="ruling", exemption="s40(2)", seq=0)],
        )

    fill_store(store, docs + [
        ruling("EA-2023-0011", "Tom Parking v Information Commissioner",
               "Names of hospital consultants on a rota are personal data; disclosure would be unfair."),
        ruling("EA-2023-0012", "Harbour Residents Group v Information Commissioner",
               "Names of the enforcement officers who issued parking tickets are personal data of junior staff."),
    ])
    searcher = Searcher(store, keyword_only=True)
    found = searcher.search("names of officers issuing parking tickets", Filters(kinds=["tribunal_decision"]))
    assert found.results[0].source_key == "EA-2023-0012"
    # Among requests, titles still count (they say what was asked).
    assert searcher.search("parking tickets by street", Filters(kinds=["response"])).results[0].source_key == (
        "parking_pcns_westford"
    )


@pytest.mark.parametrize(
    "text, refs",
    [
        ("decision notice FER0535294 and its appeal", ["fer0535294"]),
        ("appeal EA/2014/0132 against FS50520644", ["ea20140132", "fs50520644"]),
        ("log entry 4104896", ["4104896"]),
        # Years, counts and short codes are words, not references.
        ("potholes repaired since 2015 on the A38, about 400 of them", []),
    ],
)
def test_reference_tokens(text, refs):
    from foi_search.search.querytext import reference_tokens

    assert reference_tokens(text) == refs


def test_a_named_reference_finds_its_documents_first_and_is_close(searcher):
    r = searcher.search("what happened on appeal EA/2021/0420", limit=5)
    assert r.results[0].source_key == "EA-2021-0420"
    assert not r.no_close_precedent
    # Filters still decide: a reference outside the filtered set is not brought in.
    only = searcher.search("what happened on appeal EA/2021/0420", Filters(kinds=["response"]), limit=5)
    assert "EA-2021-0420" not in [h.source_key for h in only.results]


@pytest.mark.parametrize(
    "text, codes",
    [
        ("how did the Tribunal decide on section 35 policy papers", ["s35"]),
        ("viability assessments withheld under regulation 12(5)(e)", ["eir12(5)(e)"]),
        ("requests refused as vexatious after a long campaign", ["s14(1)"]),
        ("names of junior officials withheld as personal data", ["s40(2)"]),
        # A ground's words without withholding are the topic, not an exemption.
        ("personal data breaches and cyber incidents since 2020", []),
        ("health and safety inspections of school kitchens", []),
    ],
)
def test_named_exemptions(text, codes):
    from foi_search.search.querytext import named_exemptions

    assert named_exemptions(text) == codes


def test_a_named_ground_lifts_the_documents_that_turned_on_it(store):
    from foi_search.search.querytext import named_exemptions
    from foi_search.search.signals import KeywordSignal

    fill_store(store)
    kw = KeywordSignal(store)
    applied = kw.ids_with_exemptions(named_exemptions("staff names withheld as personal data"), None)
    keys = {r[0] for r in store.conn.execute(
        f"select source_key from documents where id in ({','.join('?' * len(applied))})", sorted(applied))}
    assert keys and all(
        "s40(2)" in (store.conn.execute("select exemption_codes from documents where source_key = ?", [k]).fetchone()[0] or "")
        for k in keys
    )


def test_a_rulings_best_paragraph_counts_when_rulings_are_in_contention(store, monkeypatch):
    """A long ruling is scored by its best paragraph too: whole-text BM25 dilutes the one paragraph about the query."""
    from foi_search.search import fusion
    from foi_search.search.signals import KeywordSignal

    fill_store(store)
    kw = KeywordSignal(store)
    everything = [r[0] for r in store.conn.execute("select id from documents")]
    best = kw.best_paragraphs(["waste", "contract", "pricing"], everything)
    kinds = {r[0] for r in store.conn.execute(
        f"select distinct kind from documents where id in ({','.join('?' * len(best))})", sorted(best))}
    # Only long rulings are re-scored by a paragraph, and only those among the candidates.
    assert best and kinds == {"tribunal_decision"}
    assert kw.best_paragraphs(["waste", "contract", "pricing"], []) == {}

    searcher = Searcher(store, keyword_only=True)
    query = "waste collection contract pricing commercial interests"  # a ruling is among the ten best
    ruling = store.conn.execute("select id from documents where source_key = 'EA-2019-0101'").fetchone()[0]
    with_paragraphs = dict(searcher.rank(query, Filters()).ranked)[ruling]
    monkeypatch.setattr(fusion, "W_PARAGRAPH", 0.0)
    without = dict(searcher.rank(query, Filters()).ranked)[ruling]
    assert with_paragraphs > without


def test_the_asked_for_kind_comes_first_whatever_the_scale_of_the_other_scores():
    from foi_search.search.fusion import W_WANTED_KIND, prefer_kinds

    # A request whose title holds a rare query word can score tens of z-units.
    fused = {1: 30.0, 2: 5.0, 3: 2.0, 4: 1.0}
    out = prefer_kinds(fused, {2, 3})
    assert out[2] == out[1] + W_WANTED_KIND and out[2] > out[3] > out[4]
    assert out[3] - out[2] == fused[3] - fused[2]  # their own order and spacing kept
    assert prefer_kinds(fused, {9}) == fused  # none of that kind among the candidates
