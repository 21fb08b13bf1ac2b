"""The no-close-precedent decision in filtered situations, on the invented fixture documents."""

from __future__ import annotations

import pytest
from search_helpers import FakeEmbedder, fill_store

from foi_search.core.filters import Filters
from foi_search.search import fusion
from foi_search.search.searcher import Searcher

NO_ANSWER = "supermarket trolleys gritting salt"
FILTERS = [
    Filters(),
    Filters(exemption="s40(2)"),
    Filters(exemption="s43"),
    Filters(kinds=["tribunal_decision"]),
    Filters(outcomes=["refused"]),
    Filters(outcomes=["disclosed_full", "disclosed_partial"]),
]


@pytest.fixture
def filled(store):
    fill_store(store)
    return store


@pytest.fixture
def hybrid(filled):
    from foi_search.services.indexing import build_index

    emb = FakeEmbedder()
    build_index(filled, embedder=emb)
    return Searcher(filled, embedder=emb, notify=lambda m: None)


def test_rulings_without_views_are_judged_by_their_passages(hybrid):
    ranking = hybrid.rank("waste collection contract prices commercial interests", Filters(kinds=["tribunal_decision"]))
    ev = ranking.evidence
    # Rulings have no summary views; before, their set's closeness was 0 and every such query was "no close precedent".
    assert ev.best_view is None
    assert ev.best_cosine > 0 and ev.best_cosine == pytest.approx(ev.best_passage)
    # Their coverage is read in their text (a ruling has no request).
    assert ev.cover > 0


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f)[:60])
def test_no_answer_stays_flagged_under_every_filter(hybrid, filled, filters):
    assert hybrid.rank(NO_ANSWER, filters).no_close_precedent
    assert Searcher(filled, keyword_only=True).rank(NO_ANSWER, filters).no_close_precedent


def test_filtered_query_near_the_threshold_asks_the_whole_store(hybrid):
    query = "names of staff disciplined social media"
    filtered = hybrid.rank(query, Filters(exemption="s40(2)"))
    whole = hybrid.rank(query, Filters())
    base = filtered.base_threshold
    assert fusion.FILTERED_RELATIVE * base <= filtered.confidence < base  # in the band (fixture words chosen so)
    assert filtered.evidence.store_confidence == pytest.approx(whole.confidence)
    assert filtered.no_close_precedent == (whole.confidence < base)
    # The unfiltered ranking never consults anything else.
    assert whole.evidence.store_confidence is None and whole.threshold == base


def _ranking(conf, *, filtered=True, store=None, n_set=500):
    ev = fusion.Evidence(best_cosine=conf, n_set=n_set, n_store=1000, filtered=filtered, store_confidence=store)
    return fusion.Ranking([(1, 1.0)], ev.confidence(), "hybrid", [], None, ev)


def test_filtered_set_judged_against_what_it_can_offer():
    t = fusion.NO_PRECEDENT_BELOW
    just_below = t * (fusion.FILTERED_RELATIVE + 1) / 2
    # The store is sure about the query: the filtered best needs only a share of the threshold.
    assert not _ranking(just_below, store=t + 0.1).no_close_precedent
    # The store itself has nothing close: the threshold stays, so no-answer queries stay flagged.
    assert _ranking(just_below, store=t - 0.1).no_close_precedent
    # Unfiltered rankings keep the threshold; far below it nothing helps.
    assert _ranking(just_below, filtered=False).no_close_precedent
    assert _ranking(t * fusion.FILTERED_RELATIVE - 0.05, store=t + 0.3).no_close_precedent
    # Only the band between the two asks for the store's confidence.
    assert _ranking(just_below).needs_store_check
    assert not _ranking(t + 0.01).needs_store_check and not _ranking(just_below, filtered=False).needs_store_check


def test_agreement_counts_less_in_small_sets():
    def conf(n, filtered=True):
        return fusion.Evidence(best_cosine=0.5, agree=1.0, n_set=n, filtered=filtered).confidence()

    # In a filtered set of ten or fewer the two top tens are the whole set: agreeing says nothing.
    assert conf(5) == pytest.approx(0.5) and conf(10) == pytest.approx(0.5)
    assert conf(20) < conf(200) < conf(20000) <= 0.5 + fusion.W_AGREE
    # The whole store keeps the calibrated formula, however small.
    assert conf(9, filtered=False) == pytest.approx(0.5 + fusion.W_AGREE)
