"""Named, ordered schema migrations, applied when a store is opened.

Each migration runs once, inside a transaction, and is recorded in
``_migrations``. Append new ones at the end; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils


def _m001_core(db: sqlite_utils.Database) -> None:
    db["authorities"].create(
        {"id": int, "name": str, "slug": str, "kind": str}, pk="id", not_null={"name"}, if_not_exists=True
    )
    db["authorities"].create_index(["name"], unique=True, if_not_exists=True)
    db["documents"].create(
        {
            "id": int,
            "source": str,
            "source_key": str,
            "kind": str,
            "title": str,
            "authority_id": int,
            "authority": str,
            "url": str,
            "path": str,
            "refs": str,  # JSON list, as written
            "refs_norm": str,  # space-joined normalised refs, for exact lookup
            "law": str,
            "request_date": str,
            "response_date": str,
            "outcome": str,
            "ncnd": int,
            "public_interest_test": int,
            "s16_advice": int,
            "exemption_codes": str,  # space-joined applied codes, for filters
            "request_text": str,
            "body": str,
            "meta": str,  # JSON
            "content_hash": str,
            "ingested_at": str,
        },
        pk="id",
        if_not_exists=True,
        not_null={"source", "source_key"},
        foreign_keys=[("authority_id", "authorities", "id")],
    )
    db["documents"].create_index(["source", "source_key"], unique=True, if_not_exists=True)
    db["documents"].create_index(["outcome"], if_not_exists=True)
    db["documents"].create_index(["response_date"], if_not_exists=True)
    db["messages"].create(
        {
            "id": int,
            "document_id": int,
            "seq": int,
            "direction": str,
            "kind": str,
            "sent_at": str,
            "message_id": str,
            "text": str,
        },
        pk="id",
        if_not_exists=True,
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["questions"].create(
        {"id": int, "document_id": int, "seq": int, "text": str},
        pk="id",
        if_not_exists=True,
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["exemptions"].create(
        {
            "id": int,
            "document_id": int,
            "code": str,
            "detail": str,
            "status": str,
            "reasoning": str,
        },
        pk="id",
        if_not_exists=True,
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["passages"].create(
        {
            "id": int,
            "document_id": int,
            "seq": int,
            "role": str,
            "exemption": str,
            "text": str,
            "content_hash": str,
        },
        pk="id",
        if_not_exists=True,
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["attachments"].create(
        {
            "id": int,
            "document_id": int,
            "name": str,
            "url": str,
            "content_type": str,
            "text": str,
            "size": int,
        },
        pk="id",
        if_not_exists=True,
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["redactions"].create(
        {"id": int, "document_id": int, "kind": str, "count": int},
        pk="id",
        if_not_exists=True,
        foreign_keys=[("document_id", "documents", "id")],
    )
    for table in ("messages", "questions", "exemptions", "passages", "attachments", "redactions"):
        db[table].create_index(["document_id"], if_not_exists=True)
    db["exemptions"].create_index(["code", "status"], if_not_exists=True)
    db["passages"].create_index(["content_hash"], if_not_exists=True)
    db["passages"].create_index(["exemption"], if_not_exists=True)


def _m002_fetching(db: sqlite_utils.Database) -> None:
    db["raw_pages"].create(
        {
            "id": int,
            "url": str,
            "source": str,
            "status": int,
            "content_type": str,
            "headers": str,  # JSON
            "etag": str,
            "last_modified": str,
            "sha256": str,
            "body": bytes,
            "fetched_at": str,
            "checked_at": str,
        },
        pk="id",
        if_not_exists=True,
        not_null={"url"},
    )
    db["raw_pages"].create_index(["url"], unique=True, if_not_exists=True)
    db["ingest_runs"].create(
        {
            "id": int,
            "command": str,
            "started_at": str,
            "finished_at": str,
            "succeeded": int,
            "failed": int,
            "skipped": int,
            "summary": str,  # JSON
        },
        pk="id",
        if_not_exists=True,
    )
    db["ingest_errors"].create(
        {
            "id": int,
            "run_id": int,
            "target": str,  # path or URL
            "stage": str,  # fetch / parse / store
            "status": int,
            "reason": str,
            "at": str,
        },
        pk="id",
        if_not_exists=True,
        foreign_keys=[("run_id", "ingest_runs", "id")],
    )
    db["ingest_errors"].create_index(["run_id"], if_not_exists=True)


def _m003_search(db: sqlite_utils.Database) -> None:
    # sqlite-utils' FTS tables and triggers are the layout Datasette detects,
    # so its search box works on the same file.
    # Every step is idempotent: FTS setup commits as it goes, so a run killed
    # half-way through re-runs the whole migration on the next open.
    if not db["documents"].detect_fts():
        db["documents"].enable_fts(
            ["title", "authority", "request_text", "body"],
            fts_version="FTS5",
            tokenize="porter",
            create_triggers=True,
        )
    if not db["passages"].detect_fts():
        db["passages"].enable_fts(
            ["text"], fts_version="FTS5", tokenize="porter", create_triggers=True
        )


def _m004_vectors(db: sqlite_utils.Database) -> None:
    # One row per unique passage text: FAISS ids are these rowids, so identical
    # boilerplate is embedded once however many responses repeat it.
    db["vectors"].create(
        {"id": int, "content_hash": str, "indexed": int},
        pk="id",
        not_null={"content_hash"},
        if_not_exists=True,
    )
    db["vectors"].create_index(["content_hash"], unique=True, if_not_exists=True)
    db["vectors"].create_index(["indexed"], if_not_exists=True)


def _m005_crawl_state(db: sqlite_utils.Database) -> None:
    # What a crawler did with each listed item, so re-runs skip unchanged ones
    # and an interrupted crawl resumes where it stopped.
    db["crawl_items"].create(
        {
            "id": int,
            "crawler": str,  # crawler name + base URL, e.g. "alaveteli https://www.whatdotheyknow.com"
            "url": str,
            "listed_version": str,  # what the listing said about the item (update time...)
            "sha256": str,  # hash of the body the documents were read from
            "doc_keys": str,  # JSON list of source_keys read from it
            "status": str,  # ok / partial / failed
            "processed_at": str,
        },
        pk="id",
        not_null={"crawler", "url"},
        if_not_exists=True,
    )
    db["crawl_items"].create_index(["crawler", "url"], unique=True, if_not_exists=True)
    # One row per crawl scope (crawler + authority...): when its current pass
    # started and when a pass last reached the end of the listing.
    db["crawl_scopes"].create(
        {
            "id": int,
            "scope": str,
            "cycle_started_at": str,
            "in_progress": int,
            "completed_at": str,
        },
        pk="id",
        not_null={"scope"},
        if_not_exists=True,
    )
    db["crawl_scopes"].create_index(["scope"], unique=True, if_not_exists=True)


def _m006_doc_views(db: sqlite_utils.Database) -> None:
    # Whole-document vectors (title, request, both) for ranking documents;
    # passage vectors stay in FAISS. Keyed by the document's content hash so
    # a changed document is re-embedded and a model change is detected.
    db["doc_views"].create(
        {"document_id": int, "view": str, "model": str, "doc_hash": str, "vector": bytes},
        pk=("document_id", "view"),
        if_not_exists=True,
    )


def _m007_vector_chunks(db: sqlite_utils.Database) -> None:
    # A passage longer than the model reads is embedded as several chunks: one
    # vectors row (one FAISS id) per (passage text, chunk number).
    if "chunk" not in db["vectors"].columns_dict:
        db["vectors"].add_column("chunk", int, not_null_default=0)
    db.execute("drop index if exists idx_vectors_content_hash")
    db["vectors"].create_index(["content_hash", "chunk"], unique=True, if_not_exists=True)


def _m008_ingested_at_index(db: sqlite_utils.Database) -> None:
    # The index's staleness check reads max(ingested_at) on every query; without
    # an index that scans every document row (~50 ms on the whole corpus).
    db["documents"].create_index(["ingested_at"], if_not_exists=True)


def _m009_doc_views_policy(db: sqlite_utils.Database) -> None:
    # Which texts a document's views were made from (index.docviews.POLICY):
    # rows from another policy are out of date and re-embedded by the next index run.
    if "policy" not in db["doc_views"].columns_dict:
        db["doc_views"].add_column("policy", str, not_null_default="")


def _m010_search_indexes(db: sqlite_utils.Database) -> None:
    # Search maps the passages FAISS returns to their documents by content hash
    # on every query; with the role and document in the index it never reads
    # the passage rows (long texts spill into overflow pages): warm search on
    # the whole corpus 132 -> 72 ms p50.
    db["passages"].create_index(["content_hash", "document_id", "role"], if_not_exists=True)
    # --kind filters (and precedents' Tribunal lookup) without a table scan.
    db["documents"].create_index(["kind"], if_not_exists=True)


def _m011_question_answers(db: sqlite_utils.Database) -> None:
    # How each question of a request was answered (status, grounds, evidence);
    # seq 0 with no question row is the whole request. The document outcome is
    # derived from these rows.
    db["question_answers"].create(
        {"id": int, "document_id": int, "seq": int, "status": str, "grounds": str, "evidence": str},
        pk="id",
        if_not_exists=True,
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["question_answers"].create_index(["document_id"], if_not_exists=True)
    db["question_answers"].create_index(["status"], if_not_exists=True)


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_core", _m001_core),
    ("002_fetching", _m002_fetching),
    ("003_search", _m003_search),
    ("004_vectors", _m004_vectors),
    ("005_crawl_state", _m005_crawl_state),
    ("006_doc_views", _m006_doc_views),
    ("007_vector_chunks", _m007_vector_chunks),
    ("008_ingested_at_index", _m008_ingested_at_index),
    ("009_doc_views_policy", _m009_doc_views_policy),
    ("010_search_indexes", _m010_search_indexes),
    ("011_question_answers", _m011_question_answers),
]


def applied(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations already applied to ``db``."""
    if "_migrations" not in db.table_names():
        return []
    return [r["name"] for r in db["_migrations"].rows_where(order_by="id")]


def pending(conn: sqlite3.Connection) -> bool:
    """Whether any migration is still to apply, read with plain SQL (no sqlite-utils)."""
    if not conn.execute("select 1 from sqlite_master where type = 'table' and name = '_migrations'").fetchone():
        return True
    done = {r[0] for r in conn.execute("select name from _migrations")}
    return any(name not in done for name, _ in MIGRATIONS)


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations in order.

    Returns:
        Names of the migrations applied by this call.
    """
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"id": int, "name": str, "applied_at": str}, pk="id")
    done = set(applied(db))
    ran = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        # DDL is idempotent (if_not_exists), so a migration interrupted before
        # it is recorded simply runs again.
        fn(db)
        db["_migrations"].insert({"name": name, "applied_at": datetime.now(timezone.utc).isoformat()})
        ran.append(name)
    return ran


# -- setup safe against concurrent writers --------------------------------------

#: Full-text indexes and their columns (as 003_search made them), checked on open.
FTS_TABLES = {"documents": ["title", "authority", "request_text", "body"], "passages": ["text"]}
_FTS_TRIGGER_SUFFIXES = ("_ai", "_ad", "_au")


def migrate_locked(conn: sqlite3.Connection, path, get_db: Callable[[], "sqlite_utils.Database"]) -> list[str]:
    """Set WAL mode and apply pending migrations, one process at a time.

    Two ``ingest`` runs opening a fresh database at once would both see every
    migration pending and race on the DDL ("table documents_fts already
    exists", "duplicate column name"). An exclusive lock on a file beside the
    database serialises them; pending migrations are read again once the lock
    is held, so the second process finds them applied and does nothing.

    Args:
        conn: The open connection.
        path: The database file (the lock is ``.<name>.lock`` beside it).
        get_db: Gives the sqlite-utils view of ``conn`` (made only when needed).

    Returns:
        Names of the migrations this call applied.
    """
    if not pending(conn) and _journal_mode(conn) == "wal":
        return []
    with _file_lock(_lock_path(path)):
        if _journal_mode(conn) != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        if not pending(conn):
            return []
        return migrate(get_db())


def _lock_path(path) -> str:
    # Hidden, so ingesting the folder that holds the database does not read it as input.
    from pathlib import Path

    p = Path(path)
    return str(p.with_name(f".{p.name}.lock"))


def _journal_mode(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()


class _file_lock:
    """An exclusive advisory lock on ``path`` (no-op where the platform or folder does not allow one)."""

    def __init__(self, path: str):
        self.path = path
        self.fh = None

    def __enter__(self) -> "_file_lock":
        try:
            import fcntl
        except ImportError:  # Windows: SQLite's own locking and busy timeout remain
            return self
        try:
            self.fh = open(self.path, "a+b")
        except OSError:  # read-only folder: nothing can migrate there anyway
            return self
        fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        if self.fh is not None:
            import fcntl

            fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
            self.fh.close()


def fts_intact(conn: sqlite3.Connection) -> bool:
    """Whether every full-text table exists with its three sync triggers."""
    names = {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'trigger')")}
    return all(
        f"{t}_fts" in names and all(t + s in names for s in _FTS_TRIGGER_SUFFIXES) for t in FTS_TABLES
    )


def repair_fts(conn: sqlite3.Connection, get_db: Callable[[], "sqlite_utils.Database"], path) -> list[str]:
    """Rebuild a full-text index whose table or triggers are missing.

    sqlite-utils creates the FTS table, fills it and adds the triggers in
    separate commits; a process killed between them leaves keyword search
    without triggers, so new documents would never be found. Checked on every
    open (one read of ``sqlite_master``) once the search migration is applied.

    Returns:
        Tables whose index was rebuilt.
    """
    done = {r[0] for r in conn.execute("select name from _migrations")} if _has_migrations(conn) else set()
    if "003_search" not in done or fts_intact(conn):
        return []
    fixed = []
    with _file_lock(_lock_path(path)):
        db = get_db()
        for table, columns in FTS_TABLES.items():
            names = {r[0] for r in conn.execute("select name from sqlite_master")}
            if f"{table}_fts" in names and all(table + s in names for s in _FTS_TRIGGER_SUFFIXES):
                continue
            for s in _FTS_TRIGGER_SUFFIXES:
                conn.execute(f"drop trigger if exists [{table}{s}]")
            conn.execute(f"drop table if exists [{table}_fts]")
            db[table].enable_fts(columns, fts_version="FTS5", tokenize="porter", create_triggers=True)
            fixed.append(table)
    return fixed


def _has_migrations(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("select 1 from sqlite_master where type = 'table' and name = '_migrations'").fetchone())
