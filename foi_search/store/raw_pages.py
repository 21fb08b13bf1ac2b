"""The raw page cache: every fetched body, kept so parsing can be re-run without the network.

Mixed into :class:`foi_search.store.sqlite.Store` (and so into the PostgreSQL
store); it owns the ``raw_pages`` table. Bodies are kept redacted by the crawl
(``ingest/crawl.py``) and can be dropped with ``foi-search purge-raw``.
"""

from __future__ import annotations

import hashlib
import json

from foi_search.core.clock import now


class RawPages:
    """Reads and writes of ``raw_pages`` (uses ``self.conn``, ``self.transaction`` and ``self._insert``)."""

    def get_raw_page(self, url: str) -> dict | None:
        """The cached response for a URL, or None."""
        return next(self.query("select * from raw_pages where url = ?", [url]), None)

    def save_raw_page(
        self,
        url: str,
        *,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        source: str | None = None,
    ) -> bool:
        """Store a fetched page; returns True when its body changed."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        sha = hashlib.sha256(body).hexdigest()
        old = self.get_raw_page(url)
        row = {
            "url": url,
            "source": source,
            "status": status,
            "content_type": headers.get("content-type"),
            "headers": json.dumps(headers),
            "etag": headers.get("etag"),
            "last_modified": headers.get("last-modified"),
            "sha256": sha,
            "body": body,
            "fetched_at": now(),
            "checked_at": now(),
        }
        with self.transaction():
            if old:
                self.conn.execute("delete from raw_pages where id = ?", [old["id"]])
            self._insert("raw_pages", [row])
        return not old or old["sha256"] != sha

    def rewrite_raw_pages(self, urls, rewrite) -> int:
        """Replace the stored bodies of ``urls`` by ``rewrite(body, content_type)``; returns pages changed.

        A rewrite returning None drops the body and its validators (a later
        fetch is then a full one, never a 304 standing in for a body that is
        gone). ``sha256`` keeps the hash of the body as fetched, so change
        detection still compares like with like.
        """
        changed = 0
        with self.transaction():
            for url in urls:
                row = self.conn.execute("select id, body, content_type from raw_pages where url = ?", [url]).fetchone()
                if row is None or row[1] is None:
                    continue
                new = rewrite(row[1], row[2])
                if new is None:
                    self.conn.execute("update raw_pages set body = null, etag = null, last_modified = null where id = ?", [row[0]])
                elif new != row[1]:
                    self.conn.execute("update raw_pages set body = ? where id = ?", [new, row[0]])
                else:
                    continue
                changed += 1
        return changed

    def touch_raw_page(self, url: str) -> None:
        """Mark a cached page as re-checked (a 304 answer)."""
        with self.transaction():
            self.conn.execute("update raw_pages set checked_at = ? where url = ?", [now(), url])
