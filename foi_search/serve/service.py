"""The warm search service behind ``foi-search serve``: one store and one Searcher on one worker thread.

SQLite connections belong to the thread that opened them and a Searcher keeps
per-query caches, so the store and the searcher live on one worker thread and
requests are answered one at a time, in arrival order. Index rebuilds are
picked up without a restart (:meth:`SearchService._refresh`).
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from foi_search.core.errors import FoiSearchError
from foi_search.serve.params import Query

class SearchService:
    """One store and one warm Searcher, used by one worker thread.

    Opening it loads everything a query needs (the index, the model, the
    document vectors) and answers a warm-up query, so the first request is as
    fast as the rest; an index behind the database or built with another
    model fails here with the CLI's message, and a missing index gives keyword
    search with the CLI's note.

    Args:
        db: The database file (must exist).
        keyword_only: Never load the model or the index.
        index_dir: The vector index folder (default: beside the DB).
        embedder: An embedder to use instead of the packaged model (tests).
        notify: Called with one-line notes (default: stderr).

    Raises:
        FoiSearchError: The database or the index cannot be used.
    """

    def __init__(
        self,
        db: str | Path,
        *,
        keyword_only: bool = False,
        index_dir: str | Path | None = None,
        embedder=None,
        notify: Callable[[str], None] | None = None,
    ):
        from foi_search.store.base import is_postgres_url

        self.db = db if is_postgres_url(db) else Path(db)
        self.keyword_only = keyword_only
        self._index_dir = index_dir
        self._embedder = embedder
        self._notify = notify or (lambda m: print(m, file=sys.stderr, flush=True))
        self.note: str | None = None
        self.reloads = 0
        self.store = None
        self.searcher = None
        self._vectors = 0
        self._seen: tuple = ()
        self._loaded_key: object = None
        # One thread owns the connection and the searcher (see the module notes).
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="foi-search-serve")
        try:
            self._call(self._open)
        except BaseException:
            self.close()
            raise

    # -- running things on the worker ----------------------------------------------

    def _call(self, fn: Callable, *args: Any) -> Any:
        return self._worker.submit(fn, *args).result()

    def close(self) -> None:
        """Close the store and stop the worker (waits for a request in progress)."""
        if self._worker is None:
            return
        if self.store is not None:
            self._worker.submit(self.store.close)
        self._worker.shutdown(wait=True)
        self._worker = None

    # -- loading and reloading ---------------------------------------------------

    def _open(self) -> None:
        from foi_search.core.config import index_dir_for
        from foi_search.store.base import open_store

        self.store = open_store(self.db, create=False)
        self.index_dir = Path(self._index_dir) if self._index_dir else index_dir_for(self.store.path)
        self._seen = self._observe()
        self.searcher, self._vectors = self._load(keyword_only=self.keyword_only)
        self._loaded_key = self._seen[0]

    def _manifest_key(self) -> tuple | None:
        from index.collection import PassageIndex

        return PassageIndex(self.store, self.index_dir).reload_key()

    def _observe(self) -> tuple:
        """What tells a reload is due: the manifest's identity and the DB's data version."""
        # data_version changes when another connection commits (an ingest, an
        # index run), never for this connection's own writes.
        return (self._manifest_key(), self.store.data_version())

    def _load(self, *, keyword_only: bool) -> tuple[Any, int]:
        """A Searcher with everything loaded and one warm-up query answered, and its index's size."""
        from foi_search.search.searcher import Searcher

        s = Searcher(self.store, keyword_only=keyword_only, embedder=self._embedder, index_dir=self.index_dir,
                     notify=self._say)
        vectors = 0
        if s.mode == "hybrid":  # loads the index, the model and the document vectors, or raises
            from index.collection import index_status

            vectors = index_status(self.store, self.index_dir).vectors
        s.search("warm up", limit=1)  # first ONNX run, SQLite pages: the first request pays nothing
        return s, vectors

    def _say(self, message: str) -> None:
        self.note = message
        self._notify(message)

    def _refresh(self) -> None:
        """Load a fresh Searcher when the index or the database changed on disk.

        * ``--keyword-only``: after another process's commit (an ingest), a
          fresh keyword Searcher, so document counts and word statistics
          (cached per Searcher) are current.
        * Otherwise, when the manifest changed (a rebuild, or an index
          appearing or disappearing): a fresh Searcher, but only once
          ``index_status`` says the index on disk matches the database. While
          ``foi-search index`` is still running (it saves partial indexes as
          it goes), the loaded Searcher keeps answering; a note says why.
        * An ingest without a re-index leaves a hybrid Searcher as it is (new
          documents rank by keyword until ``foi-search index``); ``/health``
          reports ``index_stale``.
        """
        seen = self._observe()
        if seen == self._seen:
            return
        key_changed = seen[0] != self._seen[0]
        self._seen = seen
        current = self.searcher.mode
        if self.keyword_only or seen[0] is None:
            if current == "hybrid" or (not self.keyword_only and key_changed):
                self._replace(seen[0], keyword_only=self.keyword_only)  # index removed: keyword, with the note
            else:
                self._replace(seen[0], keyword_only=True, quiet=True)
            return
        if current == "hybrid" and seen[0] == self._loaded_key:
            return  # only the database changed; the loaded index still answers
        from index.collection import index_status

        if index_status(self.store, self.index_dir).stale:
            if key_changed:
                self._say(f"The index in {self.index_dir} changed but is behind the database (still being built?); "
                          f"answering in {current} mode until it is complete.")
            if current == "keyword":
                self._replace(self._loaded_key, keyword_only=True, quiet=True)
            return
        self._replace(seen[0], keyword_only=False)

    def _replace(self, key: object, *, keyword_only: bool, quiet: bool = False) -> None:
        try:
            if quiet:
                from foi_search.search.searcher import Searcher

                new, vectors = Searcher(self.store, keyword_only=True, index_dir=self.index_dir, notify=self._say), 0
            else:
                new, vectors = self._load(keyword_only=keyword_only)
        except Exception as e:  # noqa: BLE001: a half-written or broken index must not stop the server
            # Keep answering with what is loaded; say why the new index is not used.
            self._say(f"Kept the loaded index: {e if isinstance(e, FoiSearchError) else f'{type(e).__name__}: {e}'}")
            return
        if not quiet:
            self.reloads += 1
            self._say(f"Reloaded the search index: now {new.mode} mode.")
        self.searcher, self._vectors, self._loaded_key = new, vectors, key

    # -- answering ---------------------------------------------------------------

    def health(self) -> dict:
        """``GET /health``: what is loaded (refreshing it first)."""
        return self._call(self._health)

    def _health(self) -> dict:
        self._refresh()
        mode = self.searcher.mode
        stale = None
        if mode == "hybrid":
            from index.collection import index_status

            stale = index_status(self.store, self.index_dir).stale
        return {
            "db": str(self.store.path),
            "mode": mode,
            "keyword_only": self.keyword_only,
            "documents": self.store.conn.execute("select count(*) from documents").fetchone()[0],
            "index_dir": str(self.index_dir),
            "index_vectors": self._vectors,
            "index_stale": stale,
            "reloads": self.reloads,
            "note": self.note,
        }

    def answer(self, query: Query) -> dict:
        """The JSON answer to a ranking request (the CLI's ``--json`` shape)."""
        return self._call(self._answer, query)

    def _answer(self, q: Query) -> dict:
        self._refresh()
        if q.endpoint == "/search":
            return self.searcher.search(q.text, q.filters, limit=q.limit, qid=q.qid).to_json()
        if q.endpoint == "/precedents":
            from foi_search.search.precedents import precedent_report

            return precedent_report(
                self.store, q.text, q.filters, limit=q.limit, reasoning_per_exemption=q.reasoning,
                searcher=self.searcher,
            ).to_json()
        from foi_search.search.precedents import exists_check

        return exists_check(self.store, q.text, q.filters, limit=q.limit, searcher=self.searcher).to_json()
