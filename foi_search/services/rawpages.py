"""Service: drop the bodies of fetched pages once their documents are stored (``foi-search purge-raw``).

``raw_pages`` keeps every fetched body so parsing can be re-run, but a page is
stored as fetched: a requester's name or address on it is not redacted there
(redaction happens on the parsed documents). Purging keeps each page's URL,
status, hash and times (so a crawl still knows what it has seen and its
resume and change checks work) and removes the body and the validators that
would let a 304 stand in for it; the next crawl fetches such a page in full.
"""

from __future__ import annotations

from dataclasses import dataclass

from foi_search.store import Store


@dataclass
class PurgeReport:
    """What ``purge-raw`` did.

    Attributes:
        pages: Pages whose body was removed.
        bytes: Bytes of body removed.
    """

    pages: int
    bytes: int


def purge_raw(store: Store, *, source: str | None = None) -> PurgeReport:
    """Remove stored page bodies (all, or one source's), keeping the rows.

    Args:
        store: The open store.
        source: Only pages saved by this source (``alaveteli``...); None for all.

    Returns:
        Counts of pages and bytes removed.
    """
    where = "body is not null" + (" and source = ?" if source else "")
    params = [source] if source else []
    with store.transaction():
        pages, size = store.conn.execute(
            f"select count(*), coalesce(sum(length(body)), 0) from raw_pages where {where}", params
        ).fetchone()
        store.conn.execute(
            f"update raw_pages set body = null, etag = null, last_modified = null where {where}", params
        )
    # The freed pages are reused by later writes; VACUUM is left to the user (it rewrites the file).
    return PurgeReport(pages=pages, bytes=size)
