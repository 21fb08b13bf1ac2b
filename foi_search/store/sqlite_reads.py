"""The SQLite store's engine-specific reads: keyword (FTS5 BM25), vectors and document views.

The search code calls these methods and never writes SQL of its own, so the
same ranking runs on PostgreSQL (``foi_search/store/postgres.py`` implements
them with tsvector and pgvector). :class:`foi_search.store.sqlite.Store`
mixes them in; they use only ``self.conn``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from foi_search.core.filters import Filters


def fts_query(terms: list[str]) -> str:
    """An FTS5 query matching any of ``terms``, each quoted as a string."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


class SqliteReads:
    """Reads that differ between engines (mixed into :class:`foi_search.store.sqlite.Store`)."""

    #: Which engine this is (``sqlite`` or ``postgresql``).
    backend = "sqlite"

    def data_version(self) -> object:
        """A value that changes when another connection commits (what a long-lived reader polls)."""
        return self.conn.execute("pragma data_version").fetchone()[0]

    def lock(self, key: str) -> None:
        """Serialise writers on ``key`` until the transaction ends (SQLite's write lock already does)."""

    def keyword_scores(
        self, terms: list[str], filters: "Filters", depth: int, weights: tuple[float, ...], *, title_words: bool = False
    ) -> dict[int, float]:
        """Keyword scores (higher is better) of the ``depth`` best documents matching any of ``terms``.

        FTS5 BM25 with ``weights`` per column (title, authority, request_text, body).
        ``title_words`` (the terms are titles' words, as feedback's are) changes
        nothing here: FTS5 scores every match.
        """
        w = ", ".join(str(x) for x in weights)
        # Join the documents only to filter: unfiltered, the join costs ~10 ms a query on the whole corpus.
        join, (where, params) = "", ("1", [])
        if not filters.is_empty():
            join, (where, params) = "join documents d on d.id = documents_fts.rowid", filters.sql("d")
        sql = (
            f"select documents_fts.rowid, -bm25(documents_fts, {w}) from documents_fts {join} "
            f"where documents_fts match ? and {where} order by bm25(documents_fts, {w}) limit ?"
        )
        return {r[0]: r[1] for r in self.conn.execute(sql, [fts_query(terms), *params, depth])}

    def doc_frequency(self, term: str) -> int:
        """Documents whose keyword entry contains ``term``."""
        return self.conn.execute(
            "select count(*) from documents_fts where documents_fts match ?", [fts_query([term])]
        ).fetchone()[0]

    def documents_without_request(self, doc_ids: list[int]) -> list[int]:
        """Those of ``doc_ids`` with no request text (rulings: what they are about is in their body)."""
        if not doc_ids:
            return []
        marks = ",".join("?" * len(doc_ids))
        return [
            r[0]
            for r in self.conn.execute(
                f"select id from documents where id in ({marks}) and coalesce(request_text, '') = ''", list(doc_ids)
            )
        ]

    def title_request_hits(self, terms: list[str], doc_ids: list[int], *, body: bool = False) -> dict[str, list[int]]:
        """Per term, those of ``doc_ids`` whose title or request (or, with ``body``, title or body) contains it."""
        out: dict[str, list[int]] = {t: [] for t in terms}
        if not doc_ids:
            return out
        marks = ",".join("?" * len(doc_ids))
        for t in out:
            q = ("{title body}" if body else "{title request_text}") + " : " + fts_query([t])
            out[t] = [
                d
                for (d,) in self.conn.execute(
                    f"select rowid from documents_fts where documents_fts match ? and rowid in ({marks})", [q, *doc_ids]
                )
            ]
        return out

    def vector_documents(self, vector_ids: list[int], hidden_roles: list[str]) -> list[tuple[int, int]]:
        """``(vector id, document id)`` of passages with those vectors, roles in ``hidden_roles`` left out."""
        return self.conn.execute(
            f"""select v.id, p.document_id from vectors v join passages p on p.content_hash = v.content_hash
                where v.id in ({",".join("?" * len(vector_ids))})
                and coalesce(p.role, '') not in ({",".join("?" * len(hidden_roles))})""",
            [*vector_ids, *hidden_roles],
        ).fetchall()

    def vector_passages(self, doc_ids: list[int], hidden_roles: list[str]) -> list[tuple[int, str, str, int]]:
        """``(document id, text, role, vector id)`` of the indexed passages of ``doc_ids``."""
        return self.conn.execute(
            f"""select p.document_id, p.text, p.role, v.id from passages p join vectors v on v.content_hash = p.content_hash
                where p.document_id in ({",".join("?" * len(doc_ids))})
                and coalesce(p.role, '') not in ({",".join("?" * len(hidden_roles))})""",
            [*doc_ids, *hidden_roles],
        ).fetchall()

    def keyword_passages(
        self, terms: list[str], doc_ids: list[int], hidden_roles: list[str]
    ) -> list[tuple[int, str, str, float]]:
        """``(document id, text, role, score)`` of passages of ``doc_ids`` matching any of ``terms``."""
        return self.conn.execute(
            f"""select p.document_id, p.text, p.role, -bm25(passages_fts) from passages_fts
                join passages p on p.id = passages_fts.rowid
                where passages_fts match ? and p.document_id in ({",".join("?" * len(doc_ids))})
                and coalesce(p.role, '') not in ({",".join("?" * len(hidden_roles))})""",
            [fts_query(terms), *doc_ids, *hidden_roles],
        ).fetchall()

    def exemption_passage_scores(self, terms: list[str], code: str) -> list[tuple[int, float]]:
        """``(passage id, keyword score)`` of passages about exemption ``code`` matching any of ``terms``."""
        return self.conn.execute(
            """select p.id, -bm25(passages_fts) from passages_fts join passages p on p.id = passages_fts.rowid
               where passages_fts match ? and p.exemption = ?""",
            [fts_query(terms), code],
        ).fetchall()

    def best_paragraph_scores(self, terms: list[str], doc_ids: list[int]) -> dict[int, float]:
        """Per document of ``doc_ids``, the keyword score (FTS5 BM25 over passages) of its best passage matching ``terms``."""
        if not terms or not doc_ids:
            return {}
        best: dict[int, float] = {}
        for doc_id, score in self.conn.execute(
            f"""select p.document_id, -bm25(passages_fts) from passages_fts join passages p on p.id = passages_fts.rowid
                where passages_fts match ? and p.document_id in ({",".join("?" * len(doc_ids))})""",
            [fts_query(terms), *doc_ids],
        ):
            if score > best.get(doc_id, float("-inf")):
                best[doc_id] = score
        return best

    # -- document views (written and read by index.docviews) -----------------------------

    def replace_doc_views(self, doc_ids: list[int], rows: list[tuple]) -> None:
        """Replace the views of ``doc_ids`` by ``rows`` ``(document_id, view, model, doc_hash, vector, policy)``.

        Vectors are float32 arrays; called inside the caller's transaction.
        """
        import numpy as np

        self.conn.executemany("delete from doc_views where document_id = ?", [(d,) for d in doc_ids])
        self.conn.executemany(
            "insert into doc_views (document_id, view, model, doc_hash, vector, policy) values (?, ?, ?, ?, ?, ?)",
            [(d, v, m, h, np.asarray(vec, dtype="float32").tobytes(), p) for d, v, m, h, vec, p in rows],
        )

    def doc_view_rows(self, model: str, doc_ids: list[int] | None = None) -> list[tuple[int, str, object]]:
        """``(document_id, view, float32 vector)`` of current views for ``model`` (of ``doc_ids`` when given), by document id."""
        import json

        import numpy as np

        only = "" if doc_ids is None else " and v.document_id in (select value from json_each(?))"
        rows = self.conn.execute(
            f"""select v.document_id, v.view, v.vector from doc_views v join documents d
               on d.id = v.document_id and d.content_hash = v.doc_hash where v.model = ?{only} order by v.document_id""",
            [model] if doc_ids is None else [model, json.dumps([int(i) for i in doc_ids])],
        ).fetchall()
        return [(d, v, np.frombuffer(blob, dtype="float32")) for d, v, blob in rows]
