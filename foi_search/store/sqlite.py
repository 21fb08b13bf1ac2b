"""The SQLite store: one file holds documents, their parts, fetched pages and runs.

Every write of a document happens in one transaction that replaces the previous
version of the same ``(source, source_key)``, so a run killed at any moment
leaves either the old or the new version, never half of one, and re-ingesting
the same input adds nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from foi_search.core.domain import (
    SOURCE_UPDATED_AT,
    Attachment,
    Document,
    ExemptionCitation,
    Message,
    Passage,
    QuestionAnswer,
)
from foi_search.core.clock import now
from foi_search.core.errors import FoiSearchError
from foi_search.core.text import slug as text_slug
from foi_search.core.text import text_hash
from foi_search.store.migrations import migrate_locked, repair_fts
from foi_search.store.raw_pages import RawPages
from foi_search.store.sqlite_reads import SqliteReads

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

_CHILD_TABLES = ("messages", "questions", "exemptions", "passages", "attachments", "redactions", "question_answers")


def normalise_reference(ref: str) -> str:
    """Reference as a lookup key: ``"FOI / 1598527"`` -> ``"foi1598527"``."""
    return "".join(ch for ch in ref.lower() if ch.isalnum())


class Store(RawPages, SqliteReads):
    """A foi-search database file.

    Args:
        path: The SQLite file; created (with its folder) when missing.
        create: When False, a missing file is an error rather than created.

    Raises:
        FoiSearchError: The file cannot be created or opened.
    """

    def __init__(self, path: str | os.PathLike, *, create: bool = True):
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise FoiSearchError(
                    f"No database at {self.path}.",
                    "Run 'foi-search ingest PATH' or 'foi-search demo' first, or pass --db.",
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise FoiSearchError(
                    f"Cannot create the folder for {self.path}: {e.strerror}.",
                    "Pass --db with a writable path.",
                ) from e
        self._db: "sqlite_utils.Database | None" = None
        try:
            conn = sqlite3.connect(str(self.path), timeout=30)
            self._conn = conn
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            # sqlite-utils (which imports numpy, ~0.2 s) is only loaded when a
            # migration is due or a caller asks for ``store.db``. Setup takes a
            # lock so concurrent writers on a fresh file do not race.
            migrate_locked(conn, self.path, lambda: self.db)
            repair_fts(conn, lambda: self.db, self.path)
        except sqlite3.DatabaseError as e:
            raise FoiSearchError(
                f"Cannot open {self.path} as a foi-search database: {e}.",
                "Check the path and permissions, or pass --db with another file.",
            ) from e

    @property
    def db(self) -> "sqlite_utils.Database":
        """A sqlite-utils view of the same connection, made on first use."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self._conn)
        return self._db

    def query(self, sql: str, params: Any = None) -> Iterator[dict]:
        """Rows of ``sql`` as dicts (what ``sqlite_utils.Database.query`` gives)."""
        cur = self._conn.execute(sql, params if params is not None else [])
        keys = [d[0] for d in cur.description]
        for row in cur:
            yield dict(zip(keys, row))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of writes: all of it is committed, or none.

        sqlite-utils runs the connection in autocommit mode, so transactions
        are opened explicitly. Nested use joins the outer transaction.
        """
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @property
    def conn(self) -> sqlite3.Connection:
        """The underlying connection."""
        return self._conn

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- authorities -------------------------------------------------------

    def refresh_keyword_stats(self) -> int:
        """Nothing to do: FTS5 keeps its own word counts (PostgreSQL stores them at index time).

        Returns:
            0 (no stems counted).
        """
        return 0

    def fingerprint(self) -> str:
        """A cheap value that changes whenever a document is added, updated or deleted.

        The vector index records it when it is brought up to date, so a reader
        can tell the index is behind without loading it.
        """
        # Three separate queries: together SQLite would scan the table instead of
        # using the rowid and the ingested_at index.
        n, top = self.conn.execute("select count(*), max(id) from documents").fetchone()
        last = self.conn.execute("select max(ingested_at) from documents").fetchone()[0]
        passages = self.conn.execute("select count(*) from passages").fetchone()[0]
        return f"{n}:{top}:{last}:{passages}"

    def authority_id(self, name: str | None) -> int | None:
        """Id of an authority by name, created when new."""
        if not name:
            return None
        row = self.conn.execute("select id from authorities where name = ?", [name]).fetchone()
        if row:
            return row[0]
        slug = text_slug(name)
        return self._insert("authorities", [{"name": name, "slug": slug}])

    # -- documents -----------------------------------------------------------

    def save_document(self, doc: Document) -> tuple[int, str]:
        """Insert or replace a document and all its parts, atomically.

        Args:
            doc: The document; ``source`` + ``source_key`` identify it.

        Returns:
            ``(document_id, status)`` with status ``added``, ``updated``, or
            ``unchanged`` when an identical version was already stored, or a
            later one by the source's own timestamp
            (:data:`~foi_search.core.domain.SOURCE_UPDATED_AT`): then nothing
            is written, so re-ingesting two saved copies changes nothing.
        """
        # The local path is left out of the hash: two saved copies of the same
        # page (same source_key) are the same document, not an update.
        payload = json.dumps({**asdict(doc), "path": None}, sort_keys=True, default=str)
        content_hash = hashlib.sha256(payload.encode()).hexdigest()
        with self.transaction():
            old = self.conn.execute(
                "select id, content_hash, meta from documents where source = ? and source_key = ?",
                [doc.source, doc.source_key],
            ).fetchone()
            if old and old[1] == content_hash:
                return old[0], "unchanged"
            mine = doc.meta.get(SOURCE_UPDATED_AT)
            theirs = json.loads(old[2] or "{}").get(SOURCE_UPDATED_AT) if old and mine else None
            if theirs and str(mine) < str(theirs):
                return old[0], "unchanged"
            if old:
                self._delete_parts(old[0])
            request_text = "\n\n".join(
                m.text for m in doc.messages if m.kind == "request" or (m.direction == "outgoing" and m is doc.messages[0])
            ) or "\n".join(doc.questions)
            row = {
                "source": doc.source,
                "source_key": doc.source_key,
                "kind": doc.kind,
                "title": doc.title,
                "authority_id": self.authority_id(doc.authority),
                "authority": doc.authority,
                "url": doc.url,
                "path": doc.path,
                "refs": json.dumps(doc.references),
                "refs_norm": " ".join(normalise_reference(r) for r in doc.references),
                "law": doc.law,
                "request_date": doc.request_date,
                "response_date": doc.response_date,
                "outcome": doc.outcome,
                "ncnd": int(doc.ncnd),
                "public_interest_test": int(doc.public_interest_test),
                "s16_advice": int(doc.s16_advice),
                # Codes a filter on an exemption finds: applied, or ruled on by a Tribunal.
                "exemption_codes": " ".join(doc.applied_exemptions + doc.ruled_exemptions),
                "request_text": request_text,
                "body": doc.text,
                "meta": json.dumps(doc.meta, default=str),
                "content_hash": content_hash,
                "ingested_at": now(),
            }
            if old:
                sets = ", ".join(f"{k} = ?" for k in row)
                self.conn.execute(f"update documents set {sets} where id = ?", [*row.values(), old[0]])
                doc_id = old[0]
            else:
                doc_id = self._insert("documents", [row])
            self._insert_parts(doc_id, doc)
        return doc_id, ("updated" if old else "added")

    def _insert(self, table: str, rows: list[dict]) -> int | None:
        """Insert rows inside the caller's transaction; returns the last rowid.

        sqlite-utils' own insert commits as it goes, which would break the
        one-transaction-per-document guarantee, so writes use plain SQL.
        """
        last = None
        for row in rows:
            cols = ", ".join(row)
            marks = ", ".join("?" * len(row))
            last = self.conn.execute(f"insert into {table} ({cols}) values ({marks})", list(row.values())).lastrowid
        return last

    def _delete_parts(self, doc_id: int) -> None:
        for table in _CHILD_TABLES:
            self.conn.execute(f"delete from {table} where document_id = ?", [doc_id])

    def _insert_parts(self, doc_id: int, doc: Document) -> None:
        self._insert(
            "messages",
            [
                {
                    "document_id": doc_id,
                    "seq": i,
                    "direction": m.direction,
                    "kind": m.kind,
                    "sent_at": m.sent_at,
                    "message_id": m.message_id,
                    "text": m.text,
                }
                for i, m in enumerate(doc.messages)
            ],
        )
        self._insert(
            "questions",
            [{"document_id": doc_id, "seq": i, "text": q} for i, q in enumerate(doc.questions)],
        )
        self._insert(
            "question_answers",
            [{
                "document_id": doc_id,
                "seq": a.seq,
                "status": a.status,
                "grounds": json.dumps(a.grounds),
                "evidence": json.dumps(a.evidence),
            }
            for a in doc.answers
        ],
        )
        self._insert(
            "exemptions",
            [{
                "document_id": doc_id,
                "code": c.code,
                "detail": c.detail,
                "status": c.status,
                "reasoning": c.reasoning,
            }
            for c in doc.exemptions
        ],
        )
        self._insert(
            "passages",
            [{
                "document_id": doc_id,
                "seq": p.seq if p.seq else i,
                "role": p.role,
                "exemption": p.exemption,
                "text": p.text,
                "content_hash": text_hash(p.text),
            }
            for i, p in enumerate(doc.passages)
        ],
        )
        self._insert(
            "attachments",
            [{
                "document_id": doc_id,
                "name": a.name,
                "url": a.url,
                "content_type": a.content_type,
                "text": a.text,
                "size": a.size,
            }
            for a in doc.attachments
        ],
        )
        self._insert(
            "redactions",
            [{"document_id": doc_id, "kind": k, "count": n} for k, n in doc.redactions.items()],
        )

    def delete_document(self, source: str, source_key: str) -> bool:
        """Remove a document and its parts. Returns whether it existed."""
        with self.transaction():
            row = self.conn.execute(
                "select id from documents where source = ? and source_key = ?", [source, source_key]
            ).fetchone()
            if not row:
                return False
            self._delete_parts(row[0])
            self.conn.execute("delete from documents where id = ?", [row[0]])
        return True

    def find_document_id(self, key: str) -> int | None:
        """Resolve a document by id, source_key, URL or reference as written."""
        if key.isdigit():
            row = self.conn.execute("select id from documents where id = ?", [int(key)]).fetchone()
            if row:
                return row[0]
        for sql, arg in (
            ("select id from documents where source_key = ? order by id limit 1", key),
            ("select id from documents where url = ? order by id limit 1", key),
            (
                "select id from documents where (' ' || refs_norm || ' ') like ? order by id limit 1",
                f"% {normalise_reference(key)} %",
            ),
        ):
            row = self.conn.execute(sql, [arg]).fetchone()
            if row:
                return row[0]
        return None

    def load_document(self, doc_id: int) -> Document:
        """Rebuild a :class:`Document` from the store."""
        r = next(self.query("select * from documents where id = ?", [doc_id]), None)
        if r is None:
            raise FoiSearchError(f"No document with id {doc_id}.")

        def rows(table: str) -> Iterator[dict]:
            return self.query(
                f"select * from {table} where document_id = ? order by id", [doc_id]
            )

        return Document(
            source=r["source"],
            source_key=r["source_key"],
            kind=r["kind"],
            title=r["title"] or "",
            authority=r["authority"],
            url=r["url"],
            path=r["path"],
            references=json.loads(r["refs"] or "[]"),
            law=r["law"],
            request_date=r["request_date"],
            response_date=r["response_date"],
            outcome=r["outcome"],
            ncnd=bool(r["ncnd"]),
            public_interest_test=bool(r["public_interest_test"]),
            s16_advice=bool(r["s16_advice"]),
            questions=[q["text"] for q in rows("questions")],
            messages=[
                Message(
                    direction=m["direction"],
                    text=m["text"],
                    sent_at=m["sent_at"],
                    kind=m["kind"],
                    message_id=m["message_id"],
                )
                for m in rows("messages")
            ],
            exemptions=[
                ExemptionCitation(e["code"], e["detail"], e["status"], e["reasoning"])
                for e in rows("exemptions")
            ],
            passages=[
                Passage(p["text"], p["role"], p["exemption"], p["seq"]) for p in rows("passages")
            ],
            attachments=[
                Attachment(a["name"], a["url"], a["content_type"], a["text"], a["size"])
                for a in rows("attachments")
            ],
            redactions={x["kind"]: x["count"] for x in rows("redactions")},
            meta=json.loads(r["meta"] or "{}"),
            answers=[
                QuestionAnswer(a["seq"], a["status"], json.loads(a["grounds"] or "[]"), json.loads(a["evidence"] or "[]"))
                for a in rows("question_answers")
            ],
        )

    def iter_document_ids(self, where: str = "1=1", params: list | None = None) -> Iterator[int]:
        """Document ids matching a SQL condition, in id order."""
        for (i,) in self.conn.execute(f"select id from documents where {where} order by id", params or []):
            yield i

    # -- runs and errors -----------------------------------------------------

    def start_run(self, command: str) -> int:
        """Record the start of an ingest or crawl run; returns its id."""
        with self.transaction():
            return self._insert(
                "ingest_runs",
                [{"command": command, "started_at": now(), "succeeded": 0, "failed": 0, "skipped": 0}],
            )

    def finish_run(self, run_id: int, succeeded: int, failed: int, skipped: int, summary: dict | None = None) -> None:
        """Record the end of a run and its counts."""
        with self.transaction():
            self.conn.execute(
                "update ingest_runs set finished_at = ?, succeeded = ?, failed = ?, skipped = ?, summary = ? where id = ?",
                [now(), succeeded, failed, skipped, json.dumps(summary or {}), run_id],
            )

    def record_error(self, run_id: int | None, target: str, stage: str, reason: str, status: int | None = None) -> None:
        """Record why one input failed; the run goes on."""
        with self.transaction():
            self._insert(
                "ingest_errors",
                [{
                    "run_id": run_id,
                    "target": str(target),
                    "stage": stage,
                    "status": status,
                    "reason": reason[:2000],
                    "at": now(),
                }],
            )

    # -- overview ------------------------------------------------------------

    def size_bytes(self) -> int:
        """Bytes the store takes on disk."""
        return self.path.stat().st_size if self.path.exists() else 0

    def stats(self) -> dict[str, Any]:
        """Counts per table, source and outcome, and the DB size."""
        count = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "db": str(self.path),
            "size_bytes": self.size_bytes(),
            "documents": count("select count(*) from documents"),
            "passages": count("select count(*) from passages"),
            "unique_passages": count("select count(distinct content_hash) from passages"),
            "authorities": count("select count(*) from authorities"),
            "raw_pages": count("select count(*) from raw_pages"),
            "ingest_errors": count("select count(*) from ingest_errors"),
            "by_source": dict(self.conn.execute("select source, count(*) from documents group by source order by 2 desc").fetchall()),
            "by_outcome": dict(self.conn.execute("select outcome, count(*) from documents group by outcome order by 2 desc").fetchall()),
            "by_exemption": dict(
                self.conn.execute(
                    "select code, count(distinct document_id) from exemptions where status = 'applied' group by code order by 2 desc"
                ).fetchall()
            ),
        }
