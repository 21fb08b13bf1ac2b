"""What callers use of a store, and how one is opened from a path or a URL.

Two engines sit behind :class:`StoreLike`: one SQLite file
(:class:`foi_search.store.sqlite.Store`, the default) and a PostgreSQL
database with pgvector (:class:`foi_search.store.postgres.PostgresStore`) for a
team sharing one server. Ranking, fusion and the no-close-precedent decision
are the same code for both: the few reads whose SQL differs (keyword search,
vector-to-passage joins) are methods here.

Plain SQL that both engines understand goes through ``store.conn.execute``
and ``store.query`` with ``?`` placeholders; the PostgreSQL connection
translates them.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Iterator, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from foi_search.core.domain import Document
    from foi_search.core.filters import Filters

#: How a PostgreSQL target is written (``--db``, ``FOI_SEARCH_DB``, ``migrate --to``).
URL_PREFIXES = ("postgresql://", "postgres://")


def is_postgres_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(URL_PREFIXES)


def open_store(target: str | os.PathLike, *, create: bool = True) -> "StoreLike":
    """Open the store at ``target``: a ``postgresql://`` URL, else a SQLite file path.

    psycopg is imported only here, for a URL, so the CLI's start-up stays light.

    Raises:
        FoiSearchError: The file or server cannot be opened (one line, with a hint).
    """
    if is_postgres_url(str(target)):
        from foi_search.store.postgres import PostgresStore

        return PostgresStore(str(target))
    from foi_search.store.sqlite import Store

    return Store(target, create=create)


class StoreLike(Protocol):
    """The store interface: what the services, search and index layers call."""

    #: ``sqlite`` or ``postgresql``.
    backend: str
    #: The SQLite file, or the URL (without password) of the database.
    path: Any

    # generic SQL (``?`` placeholders) and transactions
    @property
    def conn(self) -> Any: ...
    @property
    def db(self) -> Any: ...
    def query(self, sql: str, params: Any = None) -> Iterator[dict]: ...
    def transaction(self) -> AbstractContextManager[None]: ...
    def lock(self, key: str) -> None: ...
    def close(self) -> None: ...

    # documents
    def save_document(self, doc: "Document") -> tuple[int, str]: ...
    def load_document(self, doc_id: int) -> "Document": ...
    def delete_document(self, source: str, source_key: str) -> bool: ...
    def find_document_id(self, key: str) -> int | None: ...
    def iter_document_ids(self, where: str = "1=1", params: list | None = None) -> Iterator[int]: ...
    def authority_id(self, name: str | None) -> int | None: ...
    def fingerprint(self) -> str: ...
    def data_version(self) -> object: ...
    def stats(self) -> dict[str, Any]: ...

    # runs, errors, fetched pages (crawl state uses ``conn``/``db``)
    def start_run(self, command: str) -> int: ...
    def finish_run(self, run_id: int, succeeded: int, failed: int, skipped: int, summary: dict | None = None) -> None: ...
    def record_error(self, run_id: int | None, target: str, stage: str, reason: str, status: int | None = None) -> None: ...
    def get_raw_page(self, url: str) -> dict | None: ...
    def save_raw_page(self, url: str, *, status: int, body: bytes, headers: dict[str, str] | None = None,
                      source: str | None = None) -> bool: ...
    def touch_raw_page(self, url: str) -> None: ...

    # reads whose SQL differs between engines
    def keyword_scores(self, terms: list[str], filters: "Filters", depth: int,
                       weights: tuple[float, ...]) -> dict[int, float]: ...
    def doc_frequency(self, term: str) -> int: ...
    def title_request_hits(self, term: str, doc_ids: list[int]) -> list[int]: ...
    def vector_documents(self, vector_ids: list[int], hidden_roles: list[str]) -> list[tuple[int, int]]: ...
    def vector_passages(self, doc_ids: list[int], hidden_roles: list[str]) -> list[tuple[int, str, str, int]]: ...
    def keyword_passages(self, terms: list[str], doc_ids: list[int],
                         hidden_roles: list[str]) -> list[tuple[int, str, str, float]]: ...
    def exemption_passage_scores(self, terms: list[str], code: str) -> list[tuple[int, float]]: ...
    def replace_doc_views(self, doc_ids: list[int], rows: list[tuple]) -> None: ...
    def doc_view_rows(self, model: str) -> list[tuple[int, str, object]]: ...
