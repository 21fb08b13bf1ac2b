"""Crawl progress kept in the store, so re-runs are incremental and resumable.

Two tables (migration ``005_crawl_state``):

- ``crawl_items``: per crawler and item URL, what the listing said about the
  item, the hash of the body its documents were read from, their keys and
  whether that went well. A re-run skips items whose listing entry did not
  change, and does not re-parse a page answered 304 whose body was read fine.
- ``crawl_scopes``: per scope (site + authority), when the current pass
  started, whether it is still in progress and when a pass last completed. A
  pass that was interrupted (Ctrl-C, ``--max-pages``, a crash) is resumed: items
  already done in it are not fetched again. Only after a completed pass does a
  run stop early at a stretch of known, unchanged items.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any


def _now() -> str:
    # Microseconds: "done since this pass began" must hold for items handled
    # within the same second as the pass started.
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass
class Pass:
    """How this run relates to earlier ones.

    Attributes:
        mode: ``full`` (first pass), ``incremental`` (after a completed pass)
            or ``resume`` (continuing an interrupted pass).
        started_at: When the current pass began (kept across a resume).
        completed_before: A pass of this scope has completed before, so
            stopping at known items is safe.
    """

    mode: str
    started_at: str
    completed_before: bool


class CrawlState:
    """Progress of one crawler in one store.

    Args:
        store: An open :class:`foi_search.store.Store`.
        crawler: Crawler id (name + site), see :attr:`Source.crawler_id`.
    """

    def __init__(self, store: Any, crawler: str):
        self.store = store
        self.crawler = crawler

    # -- passes ----------------------------------------------------------------

    def begin(self, scope: str) -> Pass:
        """Start a run: a new pass, or the resumption of an interrupted one."""
        db = self.store.db
        with self.store.transaction():
            # Two crawlers starting the same scope at once (PostgreSQL) take turns.
            self.store.lock(f"crawl-scope\x1f{scope}")
            row = db.execute(
                "select id, cycle_started_at, in_progress, completed_at from crawl_scopes where scope = ?", [scope]
            ).fetchone()
            if row and row[2]:
                return Pass("resume", row[1], bool(row[3]))
            started = _now()
            if row:
                db.execute("update crawl_scopes set cycle_started_at = ?, in_progress = 1 where id = ?", [started, row[0]])
                return Pass("incremental" if row[3] else "full", started, bool(row[3]))
            db.execute(
                "insert into crawl_scopes (scope, cycle_started_at, in_progress) values (?, ?, 1)", [scope, started]
            )
            return Pass("full", started, False)

    def end(self, scope: str, *, finished: bool, complete: bool) -> None:
        """Close a run.

        Args:
            scope: The scope given to :meth:`begin`.
            finished: The walk ended by itself (not interrupted, not out of budget).
            complete: It covered the whole listing (no ``--since`` limit).
        """
        if not finished:
            return  # stays in progress: the next run resumes it
        with self.store.transaction():
            if complete:
                self.store.db.execute(
                    "update crawl_scopes set in_progress = 0, completed_at = ? where scope = ?", [_now(), scope]
                )
            else:
                self.store.db.execute("update crawl_scopes set in_progress = 0 where scope = ?", [scope])

    # -- items -----------------------------------------------------------------

    def item(self, url: str) -> dict | None:
        """What is known of an item, or None."""
        return next(
            self.store.db.query("select * from crawl_items where crawler = ? and url = ?", [self.crawler, url]), None
        )

    def mark(
        self,
        url: str,
        *,
        status: str,
        version: str | None = None,
        sha256: str | None = None,
        doc_keys: list[str] | None = None,
    ) -> None:
        """Record what happened to an item (``ok``, ``partial`` or ``failed``).

        A failure keeps the hash and keys of the last good read, so documents
        already stored stay associated with their page.
        """
        with self.store.transaction():
            self.store.lock(f"crawl-item\x1f{self.crawler}\x1f{url}")
            old = self.item(url)
            row = {
                "crawler": self.crawler,
                "url": url,
                "listed_version": version,
                "sha256": sha256 if sha256 is not None else (old or {}).get("sha256"),
                "doc_keys": json.dumps(doc_keys) if doc_keys is not None else (old or {}).get("doc_keys"),
                "status": status,
                "processed_at": _now(),
            }
            # Plain SQL: sqlite-utils' insert/update commit on their own,
            # which would end the transaction early.
            if old:
                sets = ", ".join(f"{k} = ?" for k in row)
                self.store.conn.execute(f"update crawl_items set {sets} where id = ?", [*row.values(), old["id"]])
            else:
                cols = ", ".join(row)
                marks = ", ".join("?" * len(row))
                self.store.conn.execute(f"insert into crawl_items ({cols}) values ({marks})", list(row.values()))
