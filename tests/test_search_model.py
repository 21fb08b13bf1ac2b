"""End to end with the real packaged model on the handful of fixture documents."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from search_helpers import fill_store

from foi_search.cli import cli


@pytest.mark.model
def test_semantic_search_end_to_end(store, db_path):
    from foi_search.services.indexing import build_index
    from foi_search.search.resources import cached_embedder as _cached_embedder
    from foi_search.search.searcher import Searcher

    fill_store(store)
    build_index(store, embedder=_cached_embedder("auto"))
    notes = []
    s = Searcher(store, notify=notes.append)
    # No shared words with "HMO" or "multiple occupation": only the model bridges them.
    r = s.search("list of licensed shared houses and their landlords")
    assert r.mode == "hybrid"
    assert r.results[0].source_key == "hmo_register_northshire"
    assert not r.no_close_precedent
    from index.docviews import pending_count
    from index.model import MODEL_NAME

    assert pending_count(store, MODEL_NAME) == 0  # document views embedded once (by index or lazily)
    assert s.search("helicopter landing pads on hospital roofs").no_close_precedent

    # The CLI reuses the same process-wide model and the stored views.
    out = CliRunner().invoke(cli, ["--db", str(db_path), "search", "--json", "--limit", "2", "unit prices paid under the household waste collection contract"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["results"][0]["source_key"] == "waste_contract_northshire"
