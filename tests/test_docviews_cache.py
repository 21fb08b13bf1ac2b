"""Document views: rulings get none, and the memory-mapped copy beside the index is used only while current."""

from __future__ import annotations

import json

import numpy as np
from search_helpers import FakeEmbedder, fill_store

from index.docviews import NO_VIEW_KINDS, load_doc_views, pending_count
from foi_search.services.indexing import build_index
from foi_search.search.searcher import Searcher


def _built(store):
    fill_store(store)
    emb = FakeEmbedder()
    report = build_index(store, embedder=emb)
    return emb, report


def test_rulings_get_no_views(store):
    _built(store)
    kinds = dict(store.conn.execute("select d.kind, count(v.document_id) from documents d "
                                    "left join doc_views v on v.document_id = d.id group by d.kind"))
    for kind, n in kinds.items():
        if kind in NO_VIEW_KINDS:
            assert n == 0, kind
        else:
            assert n > 0, kind
    assert pending_count(store, FakeEmbedder().model_name) == 0


def test_cache_matches_sqlite_and_is_memory_mapped(store):
    emb, report = _built(store)
    folder = report.index_dir
    from pathlib import Path

    assert (Path(folder) / "docviews.npy").exists()
    cached = load_doc_views(store, emb.model_name, emb.dimension, cache_dir=folder)
    plain = load_doc_views(store, emb.model_name, emb.dimension)
    assert isinstance(cached.matrix, np.memmap)
    assert np.array_equal(cached.doc_ids, plain.doc_ids)
    assert np.allclose(np.asarray(cached.matrix), plain.matrix)
    q = emb.embed(["parking fines"])
    assert np.allclose(cached.scores(q), plain.scores(q), atol=1e-6)


def test_stale_or_damaged_cache_is_ignored(store, tmp_path):
    emb, report = _built(store)
    from pathlib import Path

    folder = Path(report.index_dir)
    # A store change moves the fingerprint: the copy no longer counts.
    with store.transaction():
        store.conn.execute("delete from doc_views where rowid = (select max(rowid) from doc_views)")
    stale = load_doc_views(store, emb.model_name, emb.dimension, cache_dir=folder)
    assert not isinstance(stale.matrix, np.memmap)
    assert len(stale.doc_ids) == len(load_doc_views(store, emb.model_name, emb.dimension).doc_ids)
    # The next index run rewrites it.
    build_index(store, embedder=emb)
    assert isinstance(load_doc_views(store, emb.model_name, emb.dimension, cache_dir=folder).matrix, np.memmap)
    # A truncated matrix file is not trusted.
    (folder / "docviews.npy").write_bytes(b"\x93NUMPY broken")
    damaged = load_doc_views(store, emb.model_name, emb.dimension, cache_dir=folder)
    assert not isinstance(damaged.matrix, np.memmap)
    # Nor is a meta file that is not JSON.
    (folder / "docviews.json").write_text("{not json")
    assert len(load_doc_views(store, emb.model_name, emb.dimension, cache_dir=folder).doc_ids) == len(damaged.doc_ids)


def test_search_same_with_and_without_cache(store):
    emb, report = _built(store)
    from pathlib import Path

    with_cache = Searcher(store, embedder=emb, notify=lambda m: None).search("parking fines by street")
    for name in ("docviews.json", "docviews.npy", "docviews_ids.npy"):
        (Path(report.index_dir) / name).unlink()
    without = Searcher(store, embedder=emb, notify=lambda m: None).search("parking fines by street")
    assert [h.doc_id for h in with_cache.results] == [h.doc_id for h in without.results]
    assert json.dumps(with_cache.to_json()) == json.dumps(without.to_json())
