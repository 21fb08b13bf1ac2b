"""The parts of ``index/``: chunking, the embedding policy, FAISS index types, the ONNX model cache."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from index.chunking import MAX_WORDS, chunk_text
from index.selection import DOC_WORD_BUDGET, PassageRow, Unit, select_units
from index.vector_index import IndexCorrupt, VectorIndex, choose_index_type, default_nlist

# -- chunking ------------------------------------------------------------------


def test_short_text_is_its_own_chunk():
    text = "A short  passage,\nwith odd   spacing."
    assert chunk_text(text) == [text]


def test_long_text_cut_at_sentences_under_the_limit():
    sentences = [f"Sentence number {i} gives one more reason for the decision." for i in range(70)]
    text = " ".join(sentences)
    chunks = chunk_text(text)
    assert len(chunks) == 4  # 700 words / 180 -> 4 even pieces
    assert all(len(c.split()) <= MAX_WORDS for c in chunks)
    assert all(c.endswith(".") for c in chunks)  # cut between sentences
    assert " ".join(chunks).split() == text.split()
    assert chunk_text(text) == chunks  # deterministic


def test_run_on_sentence_is_cut_between_words():
    text = " ".join(f"word{i}" for i in range(500))
    chunks = chunk_text(text)
    assert all(len(c.split()) <= MAX_WORDS for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_legal_abbreviations_do_not_end_sentences():
    text = ("The request was refused under s. 40 of the Act and para. 12 of the guidance. " * 40).strip()
    assert all(not c.startswith(("40", "12")) for c in chunk_text(text))


# -- the policy ----------------------------------------------------------------


def _row(doc, seq, text, role="other", exemption=None, kind="response"):
    return PassageRow(doc, kind, seq, role, exemption, f"h{doc}-{seq}", text)


def test_policy_skips_boilerplate_fragments_and_metadata_documents():
    words = "one two three four five six"
    rows = [
        _row(1, 0, words, "request"),
        _row(1, 1, words, "complaint_rights"),
        _row(1, 2, "Yours sincerely", "other"),
        _row(2, 0, words + " seven", "other", kind="ico_decision"),
        _row(3, 0, words, "exemption_reasoning", "s43", kind="log_entry"),
    ]
    assert list(select_units(rows)) == [Unit("h1-0", 0), Unit("h3-0", 0)]


def test_policy_budget_covers_each_ground_before_repeating_one():
    para = " ".join(["The tribunal considered this argument carefully."] * 6)  # 36 words
    rows = [_row(9, 0, "The appellant requested the minutes of every board meeting held in 2012 and 2013.", "request", kind="tribunal_decision")]
    rows += [_row(9, i + 1, f"{para} ground {code}", "ruling", code, kind="tribunal_decision")
             for i, code in enumerate(["s40(2)"] * 5 + ["s43"] * 5 + ["s36"] * 5)]
    units = list(select_units(rows))
    picked = [next(r for r in rows if r.content_hash == u.content_hash) for u in units]
    assert picked[0].role == "request"
    assert [p.exemption for p in picked[1:4]] == ["s40(2)", "s43", "s36"]
    words = sum(len(p.text.split()) for p in picked)
    assert DOC_WORD_BUDGET["tribunal_decision"] <= words <= DOC_WORD_BUDGET["tribunal_decision"] + 40
    assert len(units) < len(rows)


def test_policy_is_independent_of_row_order_within_a_document():
    rows = [_row(1, i, f"passage {i} has enough words to count here", "other") for i in range(5)]
    assert list(select_units(rows)) == list(select_units(list(reversed(rows))))


# -- FAISS ---------------------------------------------------------------------


def clustered(n: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors around topics and sub-topics, the shape real embeddings have."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(20, dim))
    subs = topics[rng.integers(0, 20, 200)] + 0.7 * rng.normal(size=(200, dim))
    x = subs[rng.integers(0, 200, n)] + 0.7 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype("float32")


def test_index_type_by_size():
    assert choose_index_type(1_000) == "flat"
    assert choose_index_type(5_000_000).startswith("ivf")
    assert default_nlist(1_000_000) == 2000
    assert default_nlist(400) == 10  # never fewer than 40 training points a list


@pytest.mark.parametrize("kind", ["ivf-sq8", "ivf-flat"])
def test_ivf_reaches_target_recall_and_round_trips(tmp_path, kind):
    x = clustered(6000)
    ids = np.arange(1000, 7000, dtype="int64")
    flat = VectorIndex.build("m", 64, ids, x, "flat")
    ivf = flat.to_ivf(kind)
    assert ivf.index_type == kind and ivf.count == 6000
    assert ivf.manifest.recall >= 0.95 and 1 <= ivf.manifest.nprobe <= ivf.manifest.nlist
    q = x[:50] + 0.05 * np.random.default_rng(1).normal(size=(50, 64)).astype("float32")
    _, exact = flat.search(q, 10)
    _, approx = ivf.search(q, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])
    assert recall >= 0.9
    ivf.save(tmp_path)
    back = VectorIndex.load(tmp_path, model="m", dimension=64)
    assert back.index_type == kind and back.manifest.nprobe == ivf.manifest.nprobe
    assert sorted(back.ids()) == list(range(1000, 7000))
    assert back.remove(np.array([1000, 1001])) == 2 and back.count == 5998
    back.add(np.array([99], dtype="int64"), x[:1])
    assert back.search(x[:1], 1)[1][0][0] in (99, 1000) and back.count == 5999
    sims = back.similarities(x[5], np.array([1005, 99, 1000]))
    assert abs(sims[0] - 1) < 0.01 and abs(sims[1] - float(x[0] @ x[5])) < 0.02 and np.isnan(sims[2])


def test_similarities_of_given_ids_on_flat():
    x = clustered(20)
    idx = VectorIndex.build("m", 64, np.arange(100, 120), x, "flat")
    sims = idx.similarities(x[3], np.array([103, 110, 999]))
    assert np.allclose(sims[:2], [1.0, x[10] @ x[3]], atol=1e-5) and np.isnan(sims[2])


def test_flat_add_replaces_an_existing_id():
    x = clustered(10)
    idx = VectorIndex.build("m", 64, np.arange(10), x, "flat")
    idx.add(np.array([3]), x[5:6])
    assert idx.count == 10
    scores, ids = idx.search(x[5], 2)
    assert set(ids[0]) == {3, 5}


def test_manifest_ignores_unknown_keys_and_rejects_unknown_types(tmp_path):
    idx = VectorIndex.build("m", 64, np.arange(5), clustered(5), "flat")
    idx.save(tmp_path)
    m = json.loads((tmp_path / "manifest.json").read_text())
    m["added_by_a_later_version"] = True
    (tmp_path / "manifest.json").write_text(json.dumps(m))
    assert VectorIndex.load(tmp_path).count == 5
    m["index_type"] = "hnsw-something"
    (tmp_path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexCorrupt):
        VectorIndex.load(tmp_path)


def test_save_leaves_one_index_file(tmp_path):
    idx = VectorIndex.build("m", 64, np.arange(5), clustered(5), "flat")
    for _ in range(3):
        idx.save(tmp_path)
    assert len(list(tmp_path.glob("*.faiss"))) == 1


# -- ONNX model cache ----------------------------------------------------------


def test_onnx_cache_exports_once_under_concurrency(tmp_path, monkeypatch):
    """Four threads ask at once: one export, into a folder that appears whole."""
    from index import onnx_embedder as oe

    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"hidden_size": 384}')
    (model / "tokenizer.json").write_text("{}")
    monkeypatch.setenv(oe.ENV_CACHE, str(tmp_path / "cache"))
    calls = []

    def slow_export(model_path, out_dir):
        calls.append(out_dir)
        (out_dir / oe.ONNX_FILE).write_bytes(b"onnx")
        time.sleep(0.3)
        (out_dir / oe.META_FILE).write_text("{}")

    monkeypatch.setattr(oe, "export_onnx", slow_export)
    results = []
    threads = [threading.Thread(target=lambda: results.append(oe.ensure_onnx_model(model))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(set(results)) == 1
    final = results[0]
    assert (final / oe.META_FILE).exists() and final.parent == tmp_path / "cache" / "onnx"
    assert [p.name for p in final.parent.iterdir() if not p.name.endswith(".lock")] == [final.name]


def test_onnx_cache_failed_export_leaves_nothing(tmp_path, monkeypatch):
    from foi_search.core.errors import FoiSearchError
    from index import onnx_embedder as oe

    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    monkeypatch.setenv(oe.ENV_CACHE, str(tmp_path / "cache"))

    def broken(model_path, out_dir):
        (out_dir / oe.ONNX_FILE).write_bytes(b"half")
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(oe, "export_onnx", broken)
    with pytest.raises(FoiSearchError, match="exporter crashed"):
        oe.ensure_onnx_model(model)
    left = [p for p in (tmp_path / "cache" / "onnx").iterdir() if not p.name.endswith(".lock")]
    assert left == []
    assert not oe.is_exported(model)


def test_onnx_cache_key_follows_the_model_files(tmp_path):
    from index.onnx_embedder import model_key

    a = tmp_path / "a"
    a.mkdir()
    (a / "config.json").write_text('{"x": 1}')
    k1 = model_key(a)
    (a / "config.json").write_text('{"x": 2}')
    assert model_key(a) != k1


def test_background_embedder_reports_load_errors_on_first_use(monkeypatch):
    from foi_search.core.errors import FoiSearchError
    from index import embedder as em

    monkeypatch.setattr(em, "onnx_available", lambda: False)
    lazy = em.load_embedder("onnx", background=True)
    assert lazy.model_name == em.MODEL_NAME and lazy.dimension == em.DIMENSION
    with pytest.raises(FoiSearchError, match="onnxruntime"):
        lazy.embed(["x"])
