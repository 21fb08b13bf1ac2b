"""The passage index: the one owner of the store's vector state.

A :class:`PassageIndex` owns, for one store,

* the ``vectors`` table (one row per embedded unit: chunk *k* of a unique
  passage text, by content hash; its id is the FAISS id),
* the FAISS file and its manifest in the index folder (:mod:`index.vector_index`),
* the document summary vectors (``doc_views`` and their memory-mapped copy,
  :mod:`index.docviews`),
* whether all of that is in step with the store (:meth:`PassageIndex.status`)
  and a key that changes when a reader should reload (:meth:`PassageIndex.reload_key`).

Writers (``foi_search.services.indexing``) use the ``sync``/``reconcile``/
``mark_indexed`` steps; readers (``foi_search.search.resources``) only open.
Like llm's ``Collection``: callers never touch the table or the files directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from foi_search.core.config import index_dir_for
from foi_search.core.errors import FoiSearchError

if TYPE_CHECKING:  # pragma: no cover
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
        from index.chunking import chunk_text

        hashes = sorted({h for _, h, _ in rows})
        texts: dict[str, str] = {}
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            marks = ",".join("?" * len(part))
            for h, t in self.store.conn.execute(
                f"select content_hash, text from passages where content_hash in ({marks}) group by content_hash", part
            ):
                texts[h] = t
        out = []
        for i, h, c in rows:
            t = texts.get(h)
            if t is None:
                continue
            pieces = chunk_text(t)
            if c < len(pieces):
                out.append((i, pieces[c]))
        return out

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
                self.store.conn.executemany(
                    "insert or ignore into vectors (content_hash, chunk, indexed) values (?, ?, 0)", missing
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

    def commit(self, index: "VectorIndex", ids: list[int]) -> None:
        """Save the index file, then mark ``ids`` as in it (the order that makes a kill safe)."""
        index.save(self.folder)
        if ids:
            with self.store.transaction():
                self.store.conn.executemany("update vectors set indexed = 1 where id = ?", [(i,) for i in ids])

    def build_views(self, embedder, progress=None) -> int:
        """Embed the views of documents that lack current ones; returns how many."""
        from index.docviews import build_doc_views

        return build_doc_views(self.store, embedder, progress=progress)

    def save_views_copy(self) -> None:
        """Write the memory-mapped copy of the views beside the index (skipped when current)."""
        from index.docviews import save_views_cache
        from index.model import DIMENSION, MODEL_NAME

        save_views_cache(self.store, MODEL_NAME, DIMENSION, self.folder)


def index_status(store: "Store", index_dir: str | Path | None = None) -> IndexStatus:
    """Shorthand for ``PassageIndex(store, index_dir).status()``."""
    return PassageIndex(store, index_dir).status()
