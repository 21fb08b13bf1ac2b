"""Service: copy a SQLite store into a PostgreSQL database, vectors included, without re-embedding.

Tables are copied in id order, in batches; each batch and the progress row
that records it (``_copy_progress``: source file, table, last id copied) are
committed together, so a run killed at any moment resumes after the last
committed batch and never copies a row twice. Ids are kept, so the passage
vectors (FAISS ids = ``vectors.id``) and document views still point at the
right rows; the FAISS file's vectors go into ``vectors.embedding``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from foi_search.core.errors import FoiSearchError

#: Copied in this order (parents before children); ``doc_views`` has no id and
#: is walked by SQLite rowid.
TABLES = (
    "authorities", "documents", "messages", "questions", "exemptions", "passages", "attachments", "redactions",
    "question_answers",
    "raw_pages", "ingest_runs", "ingest_errors", "crawl_items", "crawl_scopes", "vectors", "doc_views",
)
#: Columns made by PostgreSQL itself (generated), or filled from the FAISS file.
_SKIP_COLUMNS = {"tsv", "embedding"}


@dataclass
class MigrateReport:
    """What a migration did.

    Attributes:
        source: The SQLite file.
        target: The PostgreSQL URL (without password).
        copied: Rows copied by this run, per table.
        vectors: Passage vectors carried over from the FAISS file by this run.
        resumed: Whether an earlier, interrupted run had copied part already.
        seconds: Wall time.
    """

    source: str
    target: str
    copied: dict[str, int] = field(default_factory=dict)
    vectors: int = 0
    resumed: bool = False
    seconds: float = 0.0

    def describe(self) -> str:
        total = sum(self.copied.values())
        parts = ", ".join(f"{t} {n}" for t, n in self.copied.items() if n)
        head = "Resumed an interrupted copy. " if self.resumed else ""
        return (
            f"{head}Copied {total} rows from {self.source} to {self.target} in {self.seconds:.1f} s"
            + (f" ({parts})" if parts else "")
            + f"; {self.vectors} passage vectors carried over without re-embedding."
        )


def migrate_to_postgres(
    source,
    target,
    *,
    batch: int = 1000,
    progress: Callable[[str, int], None] | None = None,
) -> MigrateReport:
    """Copy every table of the SQLite store ``source`` into the PostgreSQL store ``target``.

    Args:
        source: An open SQLite :class:`~foi_search.store.sqlite.Store`.
        target: An open :class:`~foi_search.store.postgres.PostgresStore`.
        batch: Rows per committed batch (the resume granularity).
        progress: Called with ``(table, rows copied so far)`` after each batch.

    Raises:
        FoiSearchError: The target holds other data (not an earlier copy of this source).
    """
    start = time.perf_counter()
    key = str(Path(source.path).resolve())
    report = MigrateReport(key, target.path)
    done = {
        r[0]: r[1] for r in target.conn.execute("select tbl, last_id from _copy_progress where source = ?", [key])
    }
    report.resumed = bool(done)
    if not done and target.conn.execute("select exists (select 1 from documents)").fetchone()[0]:
        raise FoiSearchError(
            f"{target.path} already holds documents, not from an earlier copy of {key}.",
            "Migrate into an empty database.",
        )
    vectors = _faiss_vectors(source)
    from index.collection import PassageIndex

    # Many vectors load faster without the HNSW index, built once at the end.
    pg_index = PassageIndex(target)
    pg_index.begin_bulk(len(vectors))
    for table in TABLES:
        report.copied[table] = _copy_table(source, target, key, table, done.get(table, 0), batch, vectors, report,
                                           progress)
    pg_index.end_bulk()
    _reset_sequences(target)
    _copy_manifest(source, target)
    report.seconds = round(time.perf_counter() - start, 2)
    return report


def _columns(source, target, table: str) -> list[str]:
    src = [r[1] for r in source.conn.execute(f"pragma table_info({table})")]
    dst = {r[0] for r in target.conn.execute(
        "select column_name from information_schema.columns where table_name = ? and table_schema = current_schema()",
        [table],
    )}
    return [c for c in src if c in dst and c not in _SKIP_COLUMNS]


def _copy_table(source, target, key, table, after, batch, vectors, report, progress) -> int:
    if not source.conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [table]
    ).fetchone():
        return 0
    cols = _columns(source, target, table)
    cursor_col = "rowid" if table == "doc_views" else "id"
    extra = ["embedding"] if table == "vectors" else []
    # PostgreSQL holds current views only (its migration 009): a stale or orphaned one is not copied.
    current = (
        " and exists (select 1 from documents d where d.id = doc_views.document_id and d.content_hash = doc_views.doc_hash)"
        if table == "doc_views" else ""
    )
    copied = 0
    while True:
        rows = source.conn.execute(
            f"select {cursor_col}, {', '.join(cols)} from {table} where {cursor_col} > ?{current} "
            f"order by {cursor_col} limit ?",
            [after, batch],
        ).fetchall()
        if not rows:
            return copied
        out = []
        for r in rows:
            vals = list(r[1:])
            if table == "doc_views":
                vals = _view_row(cols, vals)
            if table == "vectors":
                vec = vectors.get(r[0])
                vals[cols.index("indexed")] = 1 if vec is not None else 0
                vals.append(vec)
                report.vectors += vec is not None
            out.append(vals)
        after = rows[-1][0]
        marks = ", ".join("?" * (len(cols) + len(extra)))
        with target.transaction():
            target.conn.executemany(
                f"insert into {table} ({', '.join(cols + extra)}) values ({marks})", out
            )
            target.conn.execute(
                """insert into _copy_progress (source, tbl, last_id, copied) values (?, ?, ?, ?)
                   on conflict (source, tbl) do update set last_id = excluded.last_id,
                   copied = _copy_progress.copied + excluded.copied""",
                [key, table, after, len(rows)],
            )
        copied += len(rows)
        if progress:
            progress(table, copied)


def _view_row(cols: list[str], vals: list) -> list:
    import numpy as np

    i = cols.index("vector")
    blob = vals[i]
    vals[i] = np.frombuffer(blob, dtype="float32") if blob is not None else None
    return vals


def _faiss_vectors(source) -> dict[int, object]:
    """Vectors of the SQLite store's FAISS index by id (empty without one).

    A flat index gives its vectors back exactly; an IVF one gives what it can
    reconstruct (its 8-bit codes for ``ivf-sq8``), and ids it cannot are left
    without a vector, for ``foi-search index`` to embed.
    """
    from index.collection import PassageIndex

    pidx = PassageIndex(source)
    if not pidx.exists():
        return {}
    index = pidx.open_vectors()
    if not index.count:
        return {}
    if index.index_type == "flat":
        ids, vecs = index.vectors()
        return {int(i): v for i, v in zip(ids, vecs)}
    import numpy as np

    out = {}
    ids = index.ids()
    for start in range(0, len(ids), 10_000):
        part = ids[start : start + 10_000]
        try:
            vecs = index._index.reconstruct_batch(np.asarray(part, dtype="int64"))
        except RuntimeError:
            continue
        out.update({int(i): v for i, v in zip(part, vecs)})
    return out


def _reset_sequences(target) -> None:
    """Move each id sequence past the copied ids, so new rows get fresh ones."""
    for table in TABLES:
        if table == "doc_views":
            continue
        target.conn.execute(
            f"select setval(pg_get_serial_sequence('{table}', 'id'), coalesce((select max(id) from {table}), 0) + 1, "
            "false)"
        )


def _copy_manifest(source, target) -> None:
    """Record the index manifest, so search knows the vectors and whether they are current."""
    from dataclasses import asdict

    from index.collection import PassageIndex

    src = PassageIndex(source)
    if not src.exists():
        return
    from index.vector_index import VectorIndex

    m = VectorIndex.read_manifest(src.folder)
    dst = PassageIndex(target)
    index = dst.new_vectors()
    index.manifest.backend = m.backend
    index.manifest.chunk_words = m.chunk_words
    # The source's state, verbatim: a copy of a current index is current (the
    # fingerprint counts the same rows), a stale one stays stale.
    index.manifest.store_state = m.store_state
    index.manifest.count = index.count
    index.manifest.built_at = m.built_at
    target.write_manifest(asdict(index.manifest))
