"""Indexing service and ``foi-search index``: incremental, resumable, guarded by the manifest.

Real SQLite and real FAISS throughout; the embedder is :class:`HashEmbedder`,
a small deterministic implementation of the Embedder interface (vectors seeded
from a hash of the text), so these tests need no model.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from foi_search.cli import cli
from foi_search.core.domain import Document, Passage
from foi_search.services.indexing import build_index
from index.collection import index_status
from foi_search.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "index"


class HashEmbedder:
    """Unit vectors seeded from each text's hash; records every text it embeds."""

    def __init__(self, model_name: str | None = None, dimension: int | None = None):
        from index.model import DIMENSION, MODEL_NAME

        self.model_name = model_name or MODEL_NAME
        self.dimension = dimension or DIMENSION
        self.backend = "hash"
        self.seen: list[str] = []

    def embed(self, texts):
        import numpy as np

        self.seen.extend(texts)
        out = np.zeros((len(texts), self.dimension), dtype="float32")
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).normal(size=self.dimension)
            out[i] = v / np.linalg.norm(v)
        return out


def load_docs() -> list[Document]:
    docs = []
    for d in json.loads((FIXTURES / "documents.json").read_text()):
        passages = [Passage(p["text"], p["role"], p.get("exemption"), i) for i, p in enumerate(d.pop("passages"))]
        docs.append(Document(**d, passages=passages))
    return docs


def new_document(key: str, texts: list[str], kind: str = "response") -> Document:
    return Document(
        source="testsrc",
        source_key=key,
        kind=kind,
        title=key,
        authority="Northdale District Council",
        passages=[Passage(t, "other", None, i) for i, t in enumerate(texts)],
    )


@pytest.fixture
def filled(store):
    for d in load_docs():
        store.save_document(d)
    return store


def indexed_ids(index_dir) -> list[int]:
    from index.vector_index import VectorIndex

    return sorted(int(i) for i in VectorIndex.load(index_dir).ids())


def vector_rows(store) -> list[tuple]:
    return store.conn.execute("select id, content_hash, chunk, indexed from vectors order by id").fetchall()


# -- incremental ------------------------------------------------------------------


def test_first_run_embeds_wanted_passages_second_run_none(filled, tmp_path):
    emb = HashEmbedder()
    r1 = build_index(filled, embedder=emb, doc_views=False)
    # 12 passages: 2 complaint-rights boilerplate and "Kind regards" are skipped.
    assert r1.embedded == 9 and r1.total_vectors == 9 and r1.wanted == 9
    assert not any("internal review" in t for t in emb.seen)
    assert "Kind regards" not in emb.seen
    assert Path(r1.index_dir) == tmp_path / "foi.index"
    emb2 = HashEmbedder()
    r2 = build_index(filled, embedder=emb2, doc_views=False)
    assert r2.embedded == 0 and r2.total_vectors == 9 and emb2.seen == []
    assert all(row[3] == 1 for row in vector_rows(filled))
    assert indexed_ids(r2.index_dir) == [row[0] for row in vector_rows(filled)]


def test_second_run_does_not_load_a_model(filled, monkeypatch):
    build_index(filled, embedder=HashEmbedder(), doc_views=False)

    def no_model(*a, **kw):
        raise AssertionError("nothing to embed, so no model should load")

    monkeypatch.setattr("index.embedder.load_embedder", no_model)
    assert build_index(filled, doc_views=False).embedded == 0


def test_new_document_embeds_only_its_new_passages(filled):
    build_index(filled, embedder=HashEmbedder(), doc_views=False)
    shared = "The names of junior staff are personal data and disclosing them would be unfair, so section 40(2) applies to that part of the request."
    fresh = "The council holds no record of the number of streetlights repaired after storm damage in the winter of 2022."
    filled.save_document(new_document("streetlights", [shared, fresh]))
    emb = HashEmbedder()
    r = build_index(filled, embedder=emb, doc_views=False)
    assert emb.seen == [fresh]
    assert r.embedded == 1 and r.total_vectors == 10


def test_identical_boilerplate_is_embedded_once(store):
    boiler = "We aim to respond to every request promptly and in any case within twenty working days of receipt."
    for i in range(5):
        store.save_document(new_document(f"doc{i}", [boiler, f"Request number {i} asked about the cost of bin lorry number {i} repairs."]))
    emb = HashEmbedder()
    r = build_index(store, embedder=emb, doc_views=False)
    assert emb.seen.count(boiler) == 1
    assert r.total_vectors == 6


def test_changed_document_replaces_its_vectors(filled):
    build_index(filled, embedder=HashEmbedder(), doc_views=False)
    doc = next(d for d in load_docs() if d.source_key == "school-meals")
    old = doc.passages[0].text
    doc.passages[0].text = "How many pupils were eligible for free school meals in each primary school last year?"
    filled.save_document(doc)
    emb = HashEmbedder()
    r = build_index(filled, embedder=emb, doc_views=False)
    assert emb.seen == [doc.passages[0].text]
    assert r.removed == 1 and r.total_vectors == 9
    hashes = {row[1] for row in vector_rows(filled)}
    from foi_search.core.text import text_hash

    assert text_hash(old) not in hashes and text_hash(doc.passages[0].text) in hashes
    assert indexed_ids(r.index_dir) == [row[0] for row in vector_rows(filled)]


def test_deleted_document_vectors_are_removed(filled):
    build_index(filled, embedder=HashEmbedder(), doc_views=False)
    filled.delete_document("testsrc", "school-meals")
    r = build_index(filled, embedder=HashEmbedder(), doc_views=False)
    assert r.removed == 3 and r.total_vectors == 6 and r.embedded == 0


# -- resumable --------------------------------------------------------------------


def test_resume_after_interrupted_build(store):
    texts = [f"Passage {i} about the maintenance budget of park number {i} and its {i * 3} benches." for i in range(23)]
    store.save_document(new_document("many", texts))
    calls = []

    def killer(stage, done, total):
        calls.append(done)
        if len(calls) == 4:
            raise KeyboardInterrupt  # as if the process were killed here

    emb1 = HashEmbedder()
    with pytest.raises(KeyboardInterrupt):
        build_index(store, embedder=emb1, batch_size=3, save_every=2, progress=killer, doc_views=False)
    index_dir = store.path.with_name("foi.index")
    saved = indexed_ids(index_dir)
    assert 0 < len(saved) < 23  # some batches were committed, not all
    flagged = [row[0] for row in vector_rows(store) if row[3] == 1]
    assert flagged == saved

    emb2 = HashEmbedder()
    r = build_index(store, embedder=emb2, batch_size=3, save_every=2, doc_views=False)
    ids = indexed_ids(index_dir)
    assert len(ids) == len(set(ids)) == 23 == r.total_vectors
    assert all(row[3] == 1 for row in vector_rows(store))
    assert not set(emb2.seen) & {t for t in emb1.seen[: len(saved)]}  # committed work is not redone
    assert set(emb1.seen[: len(saved)]) | set(emb2.seen) == set(texts)


def test_flags_are_reconciled_with_the_index_file(filled):
    r = build_index(filled, embedder=HashEmbedder(), doc_views=False)
    # A crash between saving the index and flagging rows leaves flags wrong both ways.
    filled.conn.execute("update vectors set indexed = 0 where id % 2 = 0")
    filled.conn.execute("update vectors set indexed = 1")
    from index.vector_index import VectorIndex

    idx = VectorIndex.load(r.index_dir)
    import numpy as np

    idx.remove(np.array(indexed_ids(r.index_dir)[:2]))
    idx.save(r.index_dir)
    emb = HashEmbedder()
    r2 = build_index(filled, embedder=emb, doc_views=False)
    assert r2.embedded == 2 and r2.total_vectors == 9
    assert len(set(indexed_ids(r.index_dir))) == 9


# -- manifest and damaged files ---------------------------------------------------


def test_manifest_refuses_another_model(filled):
    from index.vector_index import IndexMismatch, VectorIndex

    r = build_index(filled, embedder=HashEmbedder(), doc_views=False)
    mpath = Path(r.index_dir) / "manifest.json"
    m = json.loads(mpath.read_text())
    m["model"] = "some-other/model"
    mpath.write_text(json.dumps(m))
    with pytest.raises(IndexMismatch) as e:
        build_index(filled, embedder=HashEmbedder(), doc_views=False)
    assert "some-other/model" in str(e.value) and "foi-search index --rebuild" in str(e.value)
    with pytest.raises(IndexMismatch):
        VectorIndex.load(r.index_dir, model="sentence-transformers/all-MiniLM-L6-v2")
    r2 = build_index(filled, embedder=HashEmbedder(), rebuild=True, doc_views=False)
    assert r2.rebuilt and r2.total_vectors == 9 and r2.embedded == 9
    assert VectorIndex.read_manifest(r.index_dir).model == "sentence-transformers/all-MiniLM-L6-v2"


def test_manifest_refuses_another_dimension(filled):
    from index.vector_index import IndexMismatch, VectorIndex

    r = build_index(filled, embedder=HashEmbedder(), doc_views=False)
    with pytest.raises(IndexMismatch) as e:
        VectorIndex.load(r.index_dir, dimension=768)
    assert "dimension 384, not 768" in str(e.value) and "--rebuild" in str(e.value)


def test_embedder_of_another_model_is_refused(filled):
    from index.vector_index import IndexMismatch

    with pytest.raises(IndexMismatch):
        build_index(filled, embedder=HashEmbedder(model_name="other/model"), doc_views=False)


@pytest.mark.parametrize("damage", ["garbage", "truncate", "delete", "manifest"])
def test_damaged_index_is_a_clear_error(filled, damage):
    from index.vector_index import IndexCorrupt, VectorIndex

    r = build_index(filled, embedder=HashEmbedder(), doc_views=False)
    folder = Path(r.index_dir)
    ifile = folder / VectorIndex.read_manifest(folder).file
    if damage == "garbage":
        ifile.write_bytes(b"this is not a faiss index" * 10)
    elif damage == "truncate":
        ifile.write_bytes(ifile.read_bytes()[:200])
    elif damage == "delete":
        ifile.unlink()
    else:
        (folder / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt) as e:
        VectorIndex.load(folder)
    assert "foi-search index --rebuild" in str(e.value)
    assert ("missing" if damage == "delete" else "unreadable") in str(e.value)
    with pytest.raises(IndexCorrupt):
        build_index(filled, embedder=HashEmbedder(), doc_views=False)
    assert build_index(filled, embedder=HashEmbedder(), rebuild=True, doc_views=False).total_vectors == 9


def test_index_status_tracks_the_store(filled):
    assert not index_status(filled).exists
    build_index(filled, embedder=HashEmbedder(), doc_views=False)
    st = index_status(filled)
    assert st.exists and not st.stale and st.vectors == 9 and st.index_type == "flat"
    filled.save_document(new_document("later", ["A later request about library opening hours on bank holidays."]))
    assert index_status(filled).stale
    build_index(filled, embedder=HashEmbedder(), doc_views=False)
    assert not index_status(filled).stale


# -- what gets a vector -----------------------------------------------------------


def _tribunal(key: str) -> Document:
    grounds = ["s40(2)", "s43", "s35"]
    passages = [Passage("The appellant asked the department for all briefing papers prepared for the minister about the merger of two regional agencies in 2015.", "request", None, 0)]
    passages.append(Passage("For the reasons below the appeal is dismissed and the decision notice stands.", "decision", None, 1))
    for i in range(30):
        code = grounds[i % 3]
        body = " ".join(f"In paragraph {i} point {j} the tribunal weighed the arguments on {code} with care." for j in range(6))
        passages.append(Passage(body, "ruling", code, i + 2))
    return Document(source="tribunal", source_key=key, kind="tribunal_decision", title=key, passages=passages)


def test_long_decisions_get_a_word_budget_spread_over_grounds(store):
    from index.selection import DOC_WORD_BUDGET

    store.save_document(_tribunal("EA-2015-0001"))
    emb = HashEmbedder()
    r = build_index(store, embedder=emb, doc_views=False)
    words = sum(len(t.split()) for t in emb.seen)
    assert words <= DOC_WORD_BUDGET["tribunal_decision"] + 200
    assert r.total_vectors < 32
    assert emb.seen[0].startswith("The appellant asked") or any(t.startswith("The appellant asked") for t in emb.seen)
    rulings = [t for t in emb.seen if "tribunal weighed" in t]
    assert {c for c in ("s40(2)", "s43", "s35") if any(c in t for t in rulings)} == {"s40(2)", "s43", "s35"}
    # The keyword index still holds every paragraph.
    hit = store.conn.execute("select count(*) from passages_fts where passages_fts match 'paragraph AND 29'").fetchone()[0]
    assert hit == 1


def test_long_passages_are_chunked(store):
    from index.chunking import MAX_WORDS

    long_text = " ".join(f"Sentence {i} explains one more detail of the grounds for refusing the request." for i in range(60))
    store.save_document(new_document("long", [long_text]))
    emb = HashEmbedder()
    r = build_index(store, embedder=emb, doc_views=False)
    assert r.total_vectors == len(emb.seen) > 1
    assert all(len(t.split()) <= MAX_WORDS for t in emb.seen)
    assert " ".join(emb.seen).split() == long_text.split()
    chunks = [row[2] for row in vector_rows(store)]
    assert chunks == list(range(len(emb.seen)))


def test_views_reuse_vectors_of_texts_equal_up_to_case_and_spacing(store):
    """A log entry's request is both a passage and a summary view; titles repeat: each is embedded once."""
    from foi_search.core.domain import Message
    from foi_search.core.text import fold_text
    from index.vector_index import VectorIndex

    request = "Please send me the number of parking tickets issued on Elm Street in 2023.\n\nPlease break it down by month."
    for key in ("log-1", "log-2"):
        doc = new_document(key, [request + (" And by ward." if key == "log-2" else "")], kind="log_entry")
        doc.title = "Freedom of Information request" if key == "log-1" else "FREEDOM OF  INFORMATION REQUEST"
        doc.messages = [Message("outgoing", doc.passages[0].text, kind="request")]
        store.save_document(doc)
    emb = HashEmbedder()
    r = build_index(store, embedder=emb)
    assert r.doc_views == 2
    keys = [fold_text(t) for t in emb.seen]
    assert len(keys) == len(set(keys))  # nothing the model reads is embedded twice
    # 2 passages + 1 title + 2 title+request views; the request views are the passages' vectors.
    assert len(emb.seen) == 5
    from foi_search.core.config import index_dir_for

    _, vecs = VectorIndex.load(index_dir_for(store.path)).vectors()
    blobs = dict(store.conn.execute(
        "select d.source_key, v.vector from doc_views v join documents d on d.id = v.document_id where v.view = 'request'"
    ).fetchall())
    import numpy as np

    assert len(blobs) == 2
    for blob in blobs.values():
        v = np.frombuffer(blob, dtype="float32")
        assert np.isclose(vecs @ v, 1.0, atol=1e-5).sum() == 1


# -- the command ------------------------------------------------------------------


@pytest.fixture
def hash_backend(monkeypatch):
    made = []

    def fake_load(backend="auto", **kw):
        made.append(backend)
        return HashEmbedder()

    monkeypatch.setattr("index.embedder.load_embedder", fake_load)
    return made


def test_cli_index_text_and_json(filled, hash_backend):
    db = str(filled.path)
    r = CliRunner().invoke(cli, ["--db", db, "index"])
    assert r.exit_code == 0, r.output
    assert "Embedded 9 passages" in r.output and "9 vectors" in r.output and "foi.index" in r.output
    r = CliRunner().invoke(cli, ["--db", db, "index"])
    assert r.exit_code == 0 and "No new passages; 9 vectors in the index (flat)." in r.stdout
    r = CliRunner().invoke(cli, ["--db", db, "index", "--json", "--backend", "torch"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["embedded"] == 0 and out["total_vectors"] == 9 and out["index_dir"].endswith("foi.index")
    r = CliRunner().invoke(cli, ["--db", db, "index", "--rebuild", "--backend", "torch", "--json"])
    assert json.loads(r.stdout)["embedded"] == 9 and hash_backend[-1] == "torch"


def test_cli_index_errors_are_one_line(filled, hash_backend, tmp_path):
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "index"])
    assert r.exit_code == 2 and "No database" in r.output
    db = str(filled.path)
    CliRunner().invoke(cli, ["--db", db, "index"])
    (filled.path.with_name("foi.index") / "manifest.json").write_text('{"model": "x/y", "dimension": 384}')
    r = CliRunner().invoke(cli, ["--db", db, "index"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "built with x/y" in r.output and "foi-search index --rebuild" in r.output
    r = CliRunner().invoke(cli, ["--db", db, "index", "--backend", "tensorflow"])
    assert r.exit_code == 2


def test_unknown_backend_is_refused():
    from foi_search.core.errors import FoiSearchError
    from index.embedder import load_embedder

    with pytest.raises(FoiSearchError, match="Unknown embedding backend"):
        load_embedder("tensorflow")


def test_interrupted_cli_says_it_resumes(filled, monkeypatch):
    def boom(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr("index.embedder.load_embedder", boom)
    r = CliRunner().invoke(cli, ["--db", str(filled.path), "index"])
    assert r.exit_code == 130 and "resumes" in r.output


def test_reopened_store_keeps_index(filled, db_path):
    build_index(filled, embedder=HashEmbedder(), doc_views=False)
    filled.close()
    with Store(db_path) as s:
        assert build_index(s, embedder=HashEmbedder(), doc_views=False).embedded == 0


def test_index_turns_ivf_past_the_threshold_and_stays_incremental(store, monkeypatch):
    import index.vector_index as vi

    monkeypatch.setattr(vi, "IVF_THRESHOLD", 400)
    texts = [f"Item {i}: the council spent {i * 7} pounds on {['parks', 'roads', 'schools', 'libraries'][i % 4]} in ward {i}." for i in range(450)]
    store.save_document(new_document("big", texts))
    r = build_index(store, embedder=HashEmbedder(), doc_views=False)
    assert r.index_type == vi.IVF_KIND and r.total_vectors == 450
    m = vi.VectorIndex.read_manifest(r.index_dir)
    assert m.nlist >= 1 and m.nprobe >= 1 and m.recall is not None
    store.save_document(new_document("more", ["A new request about cemetery fees for non-residents in 2024."]))
    store.delete_document("testsrc", "big")
    store.save_document(new_document("big", texts[:440]))
    emb = HashEmbedder()
    r2 = build_index(store, embedder=emb, doc_views=False)
    assert r2.index_type == vi.IVF_KIND and r2.embedded == 1 and r2.removed == 10 and r2.total_vectors == 441
    assert indexed_ids(r.index_dir) == [row[0] for row in vector_rows(store)]
