"""The passage index: the one owner of the store's vector state.

A :class:`PassageIndex` owns, for one store,

* the ``vectors`` table (one row per embedded unit: chunk *k* of a unique
  passage text, by content hash; its id is the FAISS id),
* the FAISS file and its manifest in the index folder (:mod:`index.vector_index`),
* the document summary vectors (``doc_views`` and their memory-mapped copy,
  :mod:`index.docviews`),
* for a PostgreSQL store, the same held in the database with pgvector
  (:class:`PgPassageIndex`),
* whether all of that is in step with the store (:meth:`PassageIndex.status`)
  and a key that changes when a reader should reload (:meth:`PassageIndex.reload_key`).

Writers (``foi_search.services.indexing``) use the ``sync``/``reconcile``/
``mark_indexed`` steps; readers (``foi_search.search.resources``) only open.
Like llm's ``Collection``: callers never touch the table or the files directly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from foi_search.core.config import index_dir_for
from foi_search.core.errors import FoiSearchError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from foi_search.store import Store
    from index.vector_index import VectorIndex

#: Loaded FAISS indexes, by (folder, manifest mtime): a batch or a long-lived
#: process loads each version once.
_LOADED: dict[tuple[str, float], "VectorIndex"] = {}


@dataclass
class IndexStatus:
    """Whether the index on disk is in step with the store.

    Attributes:
        index_dir: The index folder.
        exists: Whether an index (manifest) is there.
        vectors: Vectors it holds.
        stale: The store changed since the index was last brought up to date
            (or the embedding policy did): run ``foi-search index``.
        index_type: ``flat``, ``ivf-sq8``...
        built_at: When it was last written.
    """

    index_dir: str
    exists: bool
    vectors: int
    stale: bool
    index_type: str = ""
    built_at: str = ""


class PassageIndex:
    """The vectors of one store's passages and documents.

    Args:
        store: The open store.
        folder: The index folder (default: beside the database).
    """

    def __new__(cls, store: "Store", folder: str | Path | None = None):
        # A PostgreSQL store keeps its vectors in the database (pgvector): the
        # same interface, another owner of the state (PgPassageIndex below).
        if cls is PassageIndex and getattr(store, "backend", "sqlite") == "postgresql":
            cls = PgPassageIndex
        return super().__new__(cls)

    def __init__(self, store: "Store", folder: str | Path | None = None):
        self.store = store
        self.folder = Path(folder) if folder else index_dir_for(store.path)

    # -- state -------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        """The manifest file; its presence means an index exists."""
        return self.folder / "manifest.json"

    def exists(self) -> bool:
        """Whether an index has been written."""
        return self.manifest_path.exists()

    def fingerprint(self) -> str:
        """What the manifest records about the store and the embedding policy when the index is current."""
        from index.selection import policy_signature

        return f"{policy_signature()}|{self.store.fingerprint()}"

    def status(self) -> IndexStatus:
        """Compare the manifest with the store, without loading FAISS or the model.

        Cheap enough for every query (a few aggregate queries and one small JSON read).
        """
        from index.vector_index import VectorIndex

        try:
            m = VectorIndex.read_manifest(self.folder)
        except FoiSearchError:
            return IndexStatus(str(self.folder), exists=False, vectors=0, stale=True)
        return IndexStatus(str(self.folder), True, m.count, m.store_state != self.fingerprint(), m.index_type, m.built_at)

    def reload_key(self) -> tuple | None:
        """The manifest's identity on disk: a long-lived reader reloads when it changes (None: no index)."""
        try:
            st = self.manifest_path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    # -- reading -----------------------------------------------------------------

    def open_vectors(self) -> "VectorIndex":
        """The index on disk, to extend (a writer's copy, not the one readers share)."""
        from index.model import DIMENSION, MODEL_NAME
        from index.vector_index import VectorIndex

        return VectorIndex.load(self.folder, model=MODEL_NAME, dimension=DIMENSION)

    def new_vectors(self) -> "VectorIndex":
        """An empty index for this store's model."""
        from index.model import DIMENSION, MODEL_NAME
        from index.vector_index import VectorIndex

        return VectorIndex(MODEL_NAME, DIMENSION)

    def load(self) -> "VectorIndex":
        """The FAISS index on disk, loaded once per version per process."""
        from index.model import DIMENSION, MODEL_NAME
        from index.vector_index import VectorIndex

        key = (str(self.folder.resolve()), self.manifest_path.stat().st_mtime)
        if key not in _LOADED:
            # A rebuilt index replaces the one cached for the same folder: a
            # long-lived process (``foi-search serve``) would otherwise keep
            # every version in memory. Readers holding the old one keep it.
            for old in [k for k in _LOADED if k[0] == key[0]]:
                del _LOADED[old]
            _LOADED[key] = VectorIndex.load(self.folder, model=MODEL_NAME, dimension=DIMENSION)
        return _LOADED[key]

    def views(self):
        """The up-to-date document views (memory-mapped copy when current, else from SQLite)."""
        from index.docviews import load_doc_views
        from index.model import DIMENSION, MODEL_NAME

        return load_doc_views(self.store, MODEL_NAME, DIMENSION, cache_dir=self.folder)

    def views_pending(self) -> int:
        """Documents whose views are missing or out of date."""
        from index.docviews import pending_count
        from index.model import MODEL_NAME

        return pending_count(self.store, MODEL_NAME)

    def unit_texts(self, rows: list[tuple[int, str, int]]) -> list[tuple[int, str]]:
        """``(vector id, text to embed)`` for rows ``(id, content_hash, chunk)``; gone passages dropped."""
        hashes = sorted({h for _, h, _ in rows})
        texts: dict[str, str] = {}
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            marks = ",".join("?" * len(part))
            for h, t in self.store.conn.execute(
                f"select content_hash, text from passages where content_hash in ({marks}) group by content_hash", part
            ):
                texts[h] = t
        return _chunk_texts(rows, texts)

    # -- writing (the indexing service) ---------------------------------------------

    def wanted_units(self) -> set[tuple[str, int]]:
        """``(content_hash, chunk)`` of every unit the selection policy picks, over the whole store."""
        from index.selection import PassageRow, select_units

        cur = self.store.conn.execute(
            """select p.document_id, d.kind, p.seq, p.role, p.exemption, p.content_hash, p.text
               from passages p join documents d on d.id = p.document_id
               where p.text is not null and p.content_hash is not null
               order by p.document_id, p.seq, p.id"""
        )
        return {(u.content_hash, u.chunk) for u in select_units(PassageRow(*r) for r in cur)}

    def sync(self, wanted: set[tuple[str, int]]) -> list[int]:
        """Give every wanted unit a row in ``vectors``; returns ids of rows no longer wanted."""
        have = {(h, c): i for i, h, c in self.store.conn.execute("select id, content_hash, chunk from vectors")}
        missing = sorted(wanted - have.keys())
        if missing:
            with self.store.transaction():
                # "on conflict do nothing": the same statement on SQLite and PostgreSQL.
                self.store.conn.executemany(
                    "insert into vectors (content_hash, chunk, indexed) values (?, ?, 0) on conflict do nothing", missing
                )
        return sorted(i for key, i in have.items() if key not in wanted)

    def reconcile(self, index: "VectorIndex | None") -> None:
        """Make ``vectors.indexed`` say exactly which ids are in the index file."""
        in_index = {int(i) for i in index.ids()} if index is not None and index.count else set()
        wrong = [
            (0 if flag else 1, i)
            for i, flag in self.store.conn.execute("select id, indexed from vectors")
            if bool(flag) != (i in in_index)
        ]
        if wrong:
            with self.store.transaction():
                self.store.conn.executemany("update vectors set indexed = ? where id = ?", wrong)

    def clear(self) -> None:
        """Forget every vector row (after an empty index was saved over the old file)."""
        with self.store.transaction():
            self.store.conn.execute("delete from vectors")

    def drop(self, ids: list[int]) -> None:
        """Delete rows of units no longer wanted (after they left the index file)."""
        with self.store.transaction():
            self.store.conn.executemany("delete from vectors where id = ?", [(i,) for i in ids])

    def pending(self) -> int:
        """Units with a row but no vector in the index file yet."""
        return self.store.conn.execute("select count(*) from vectors where indexed = 0").fetchone()[0]

    def pending_rows(self, after: int, limit: int) -> list[tuple[int, str, int]]:
        """The next ``limit`` rows ``(id, content_hash, chunk)`` without a vector, by id after ``after``."""
        return self.store.conn.execute(
            "select id, content_hash, chunk from vectors where indexed = 0 and id > ? order by id limit ?",
            [after, limit],
        ).fetchall()

    def begin_bulk(self, pending: int) -> None:
        """About to add ``pending`` vectors (FAISS: nothing to prepare)."""

    def end_bulk(self) -> None:
        """Done adding vectors."""

    def commit(self, index: "VectorIndex", ids: list[int]) -> None:
        """Save the index file, then mark ``ids`` as in it (the order that makes a kill safe)."""
        index.save(self.folder)
        if ids:
            with self.store.transaction():
                self.store.conn.executemany("update vectors set indexed = 1 where id = ?", [(i,) for i in ids])

    def build_views(self, embedder, progress=None) -> int:
        """Embed the views of documents that lack current ones (none when ``embedder`` is None); returns how many."""
        from index.docviews import build_doc_views

        return build_doc_views(self.store, embedder, progress=progress) if embedder is not None else 0

    def save_views_copy(self) -> None:
        """Write the memory-mapped copy of the views beside the index (skipped when current)."""
        from index.docviews import save_views_cache
        from index.model import DIMENSION, MODEL_NAME

        save_views_cache(self.store, MODEL_NAME, DIMENSION, self.folder)


def index_status(store: "Store", index_dir: str | Path | None = None) -> IndexStatus:
    """Shorthand for ``PassageIndex(store, index_dir).status()``."""
    return PassageIndex(store, index_dir).status()


# -- PostgreSQL: pgvector inside the database instead of a FAISS file ------------------------
#
# :class:`PgPassageIndex` is what :class:`PassageIndex` gives for a PostgreSQL
# store: the same steps (``sync``, ``reconcile``, ``commit``, ``load``,
# ``views``...) so ``foi-search index`` and search run unchanged.
# :class:`PgVectorIndex` stands where :class:`index.vector_index.VectorIndex`
# does: its vectors are ``vectors.embedding`` (HNSW, cosine), its manifest a
# row of ``index_manifest``. Adding vectors writes them in one transaction per
# batch, so there is no separate file to keep in step; ``indexed`` flags are
# still reconciled with the rows that hold an embedding, as for FAISS.

#: Passages one vector search returns at most.
MAX_RESULTS = 2000
#: Adding at least this many vectors, and more than are indexed already, drops
#: the HNSW index and builds it afterwards in one go.
BULK_REINDEX_MIN = 10_000
#: Bytes of HNSW graph per 384-d vector (1,536 of vector, the rest neighbour lists), and the most asked for.
_GRAPH_BYTES_PER_VECTOR, _BUILD_MEM_MAX_MB = 2_000, 4_096


def _build_memory_mb(vectors: int) -> int:
    """``maintenance_work_mem`` for an HNSW build over ``vectors``: the whole graph, within bounds.

    A graph that outgrows it is finished on disk many times slower (pgvector
    says so in a notice); 1M vectors want ~2 GB.
    """
    return max(512, min(_BUILD_MEM_MAX_MB, vectors * _GRAPH_BYTES_PER_VECTOR // 1_000_000 + 64))


class PgVectorIndex:
    """Cosine search over ``vectors.embedding``, with :class:`~index.vector_index.VectorIndex`'s interface.

    Args:
        store: The PostgreSQL store.
        manifest: Its manifest (model, dimension...).
    """

    index_type = "hnsw"

    def __init__(self, store, manifest):
        self.store = store
        self.manifest = manifest
        self.manifest.index_type = self.index_type
        self._count: int | None = None

    @property
    def count(self) -> int:
        """Vectors held (rows with an embedding); counted once, then kept by ``add`` and ``remove``."""
        if self._count is None:
            self._count = self.store.conn.execute(
                "select count(*) from vectors where embedding is not null"
            ).fetchone()[0]
        return self._count

    def add(self, ids: "np.ndarray", vectors: "np.ndarray", *, replace: bool = True) -> None:
        """Store the vectors of ``ids`` (their rows exist: :meth:`PgPassageIndex.sync` made them)."""
        import numpy as np

        vectors = np.asarray(vectors, dtype="float32")
        with self.store.transaction():
            self.store.conn.executemany(
                "update vectors set embedding = ? where id = ?",
                [(vec, int(i)) for i, vec in zip(ids, vectors)],
            )
        self._count = None

    def remove(self, ids: "np.ndarray") -> int:
        """Forget the vectors of ``ids``; returns how many there were."""
        ids = [int(i) for i in ids]
        if not ids:
            return 0
        with self.store.transaction():
            cur = self.store.conn.execute(
                "update vectors set embedding = null where id = any(?) and embedding is not null", [ids]
            )
        self._count = None
        return cur.rowcount

    def ids(self) -> "np.ndarray":
        """Ids of the rows that hold a vector."""
        import numpy as np

        rows = self.store.conn.execute("select id from vectors where embedding is not null").fetchall()
        return np.asarray([r[0] for r in rows], dtype="int64")

    def search(self, vectors: "np.ndarray", k: int) -> tuple["np.ndarray", "np.ndarray"]:
        """Top-``k`` cosine scores and ids per query vector (HNSW, approximate), as FAISS gives them."""
        import numpy as np

        q = np.asarray(vectors, dtype="float32")
        if q.ndim == 1:
            q = q[None, :]
        # Past MAX_RESULTS an HNSW scan costs more than the tail is worth (2,000
        # is as deep as ranking reads passages: dense_scores.PASSAGE_DEPTH); FAISS pads
        # with -1 past its count, and so does this.
        k = max(1, k)
        want = min(k, MAX_RESULTS)
        all_scores = np.full((len(q), k), -1.0, dtype="float32")
        all_ids = np.full((len(q), k), -1, dtype="int64")
        for n, vec in enumerate(q):
            rows = self.store.vector_search(
                "select id, 1 - (embedding <=> ?) as s from vectors where embedding is not null "
                "order by embedding <=> ? limit ?",
                [vec, vec, want],
                want,
            )
            # relaxed_order may return a few rows out of order: sort as FAISS would.
            rows.sort(key=lambda r: (-r[1], r[0]))
            for j, (i, s) in enumerate(rows):
                all_ids[n, j], all_scores[n, j] = i, s
        return all_scores, all_ids

    def passage_cosines(
        self, vector, doc_ids: list[int], hidden_roles: list[str], *, best_per_document: bool = False
    ) -> list[tuple]:
        """Cosines of ``vector`` with the indexed passages of ``doc_ids`` (roles ``hidden_roles`` left out), by the server.

        For the few documents a shallow passage search may not have reached
        (results shown, rulings among the candidates): ``(document id, vector
        id, cosine)`` rows, or with ``best_per_document`` ``(document id, best
        cosine)`` (rulings hold dozens of passages; the server keeps the best).
        """
        import numpy as np

        if not doc_ids:
            return []
        cols, group = ("p.document_id, max(1 - (v.embedding <=> ?))", " group by p.document_id") if best_per_document else (
            "distinct p.document_id, v.id, 1 - (v.embedding <=> ?)", "")
        return self.store.conn.execute(
            f"""select {cols} from passages p join vectors v on v.content_hash = p.content_hash
                where p.document_id = any(?) and v.embedding is not null and coalesce(p.role, '') <> all(?){group}""",
            [np.asarray(vector, dtype="float32"), [int(d) for d in doc_ids], list(hidden_roles)],
        ).fetchall()

    def to_ivf(self, kind: str = "", **_):
        """HNSW needs no conversion as it grows."""
        return self

    def memory_bytes(self) -> int:
        """Bytes of the HNSW index on the server."""
        return self.store.conn.execute("select pg_relation_size('idx_vectors_embedding')").fetchone()[0]

    def save(self, folder=None) -> None:
        """Record the manifest (the vectors are already committed)."""
        self._count = None
        self.manifest.count = self.count
        self.manifest.built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.store.write_manifest(asdict(self.manifest))

    save_manifest = save


class PgPassageIndex(PassageIndex):
    """:class:`PassageIndex` for a PostgreSQL store (see the module docstring)."""

    def __init__(self, store, folder=None):
        self.store = store
        self.folder = folder if folder is not None else f"{store.path}#vectors"

    # -- state -------------------------------------------------------------------

    def _manifest(self):
        from index.vector_index import Manifest

        data = self.store.read_manifest()
        return Manifest.from_json(data) if data else None

    def exists(self) -> bool:
        return self.store.manifest_version() is not None

    def status(self) -> IndexStatus:
        m = self._manifest()
        if m is None:
            return IndexStatus(str(self.folder), exists=False, vectors=0, stale=True)
        return IndexStatus(str(self.folder), True, m.count, m.store_state != self.fingerprint(), m.index_type,
                           m.built_at)

    def reload_key(self) -> tuple | None:
        v = self.store.manifest_version()
        return None if v is None else ("pg", v)

    # -- reading -----------------------------------------------------------------

    def open_vectors(self) -> PgVectorIndex:
        """The index as stored, refusing one made with another model."""
        from index.model import DIMENSION, MODEL_NAME
        from index.vector_index import IndexMismatch

        m = self._manifest()
        if m is None:
            raise FoiSearchError(f"No vector index in {self.store.path} yet.", "Run 'foi-search index'.")
        if m.model != MODEL_NAME or m.dimension != DIMENSION:
            raise IndexMismatch(
                f"The vectors in {self.store.path} were made with {m.model} ({m.dimension} dimensions).",
                "Run 'foi-search index --rebuild'.",
            )
        return PgVectorIndex(self.store, m)

    def new_vectors(self) -> PgVectorIndex:
        from index.model import DIMENSION, MODEL_NAME
        from index.vector_index import Manifest

        return PgVectorIndex(self.store, Manifest(model=MODEL_NAME, dimension=DIMENSION))

    load = open_vectors

    def views(self):
        """The views searched in the database on a large store (:mod:`index.view_search`), else read into memory."""
        import index.view_search as view_search
        from index.docviews import load_doc_views
        from index.model import DIMENSION, MODEL_NAME

        searched = view_search.stored_views(self.store, MODEL_NAME, DIMENSION, min_documents=view_search.MIN_DOCUMENTS)
        return searched if searched is not None else load_doc_views(self.store, MODEL_NAME, DIMENSION, cache_dir=None)

    def build_views(self, embedder, progress=None) -> int:
        """Embed the views of documents that lack current ones, then make sure their HNSW index exists.

        ``embedder`` is None when no view is pending (an index made by an
        earlier version is then built). As for passages: many new views are written without the index and it
        is built once after them.
        """
        from index.docviews import build_doc_views
        from index.view_search import INDEX_NAME

        conn = self.store.conn
        pending = self.views_pending()
        if pending >= BULK_REINDEX_MIN and pending >= conn.execute("select count(*) from doc_views").fetchone()[0] // 3:
            conn.execute(f"drop index if exists {INDEX_NAME}")
        done = build_doc_views(self.store, embedder, progress=progress) if embedder is not None else 0
        if conn.execute("select to_regclass(?)", [INDEX_NAME]).fetchone()[0] is None:
            n = conn.execute("select count(*) from doc_views").fetchone()[0]
            conn.execute(f"set maintenance_work_mem = '{_build_memory_mb(n)}MB'")
            conn.execute(f"create index if not exists {INDEX_NAME} on doc_views using hnsw (vector vector_cosine_ops)")
            conn.execute("analyze doc_views")
        return done

    def unit_texts(self, rows: list[tuple[int, str, int]]) -> list[tuple[int, str]]:
        hashes = sorted({h for _, h, _ in rows})
        texts = dict(
            self.store.conn.execute(
                "select distinct on (content_hash) content_hash, text from passages where content_hash = any(?) "
                "order by content_hash, id",
                [hashes],
            ).fetchall()
        )
        return _chunk_texts(rows, texts)

    # -- writing -------------------------------------------------------------------

    def commit(self, index, ids: list[int]) -> None:
        """Mark ``ids`` as indexed (their vectors were written by ``add``) and record the manifest."""
        if ids:
            with self.store.transaction():
                self.store.conn.execute("update vectors set indexed = 1 where id = any(?)", [list(ids)])
        index.save()

    def begin_bulk(self, pending: int) -> None:
        """Before adding many vectors, drop the HNSW index; :meth:`end_bulk` builds it in one go.

        pgvector builds a graph over loaded rows many times faster than it
        inserts them one by one; meanwhile searches stay correct (an exact scan).
        """
        if pending >= BULK_REINDEX_MIN and pending >= self.store.conn.execute(
            "select count(*) from vectors where embedding is not null"
        ).fetchone()[0]:
            self.store.conn.execute("drop index if exists idx_vectors_embedding")

    def end_bulk(self) -> None:
        """(Re)build the HNSW index if it is missing (after a bulk load, or a run killed during one)."""
        missing = self.store.conn.execute("select to_regclass('idx_vectors_embedding')").fetchone()[0] is None
        if missing:
            n = self.store.conn.execute("select count(*) from vectors where embedding is not null").fetchone()[0]
            self.store.conn.execute(f"set maintenance_work_mem = '{_build_memory_mb(n)}MB'")
        self.store.conn.execute(
            "create index if not exists idx_vectors_embedding on vectors using hnsw (embedding vector_cosine_ops)"
        )
        if missing:
            # After a bulk load the planner's statistics are stale until autovacuum comes round.
            self.store.conn.execute("analyze vectors")

    def save_views_copy(self) -> None:
        """Nothing to copy: the views are read from the database."""


def _chunk_texts(rows: list[tuple[int, str, int]], texts: dict[str, str]) -> list[tuple[int, str]]:
    """``(vector id, chunk text)`` for rows ``(id, content_hash, chunk)`` whose passage text is in ``texts``."""
    from index.chunking import chunk_text

    out = []
    for i, h, c in rows:
        t = texts.get(h)
        if t is None:
            continue
        pieces = chunk_text(t)
        if c < len(pieces):
            out.append((i, pieces[c]))
    return out
