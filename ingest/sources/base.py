"""What every source shares: listed items, the crawl context and the Source class (page helpers: :mod:`.html`).

A source knows one kind of website: where its listing starts, how to walk it
(newest first), which links are items, and how to turn an item's page into
:class:`~foi_search.core.domain.Document` objects. It never talks HTTP itself: it
asks the :class:`CrawlContext`, which fetches politely, caches, counts and
records failures, so a source is short and easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from foi_search.core.domain import Document, Message
from foi_search.core.errors import FoiSearchError

from .http import Fetcher, FetchError, Response, host_of, normalise_url
from .html import extract_text, file_name

class StopCrawl(Exception):
    """The page budget (``--max-pages``) is spent; the crawl stops and can resume later."""


@dataclass
class ListedItem:
    """One item found on a listing: a page to turn into documents.

    Attributes:
        url: The item's public URL (the key under which its progress is kept).
        fetch_url: What to fetch for it, when not ``url`` (a JSON twin).
        version: Whatever the listing says that changes when the item
            changes (an update time, the latest event id); None when the
            listing says nothing, and then the item is re-checked with a
            conditional GET.
        date: ISO date the listing gives, for ``--since``.
        title: Title on the listing.
        meta: Anything else the listing told us (reference, authority...).
    """

    url: str
    fetch_url: str | None = None
    version: str | None = None
    date: str | None = None
    title: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class CrawlContext:
    """What a source may do during a crawl.

    Args:
        fetcher: The polite fetcher (hosts, robots, cache, limits).
        since: ISO date; items older than this are left alone.
        max_pages: Fetches allowed this run (None: no limit).
        on_failure: Called with ``(url, stage, reason, status, category)``
            for every failure (the service records it in the store).
        on_fetch: Called with ``(url, stage, response_or_None)`` after each fetch.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        since: str | None = None,
        max_pages: int | None = None,
        on_failure: Callable[[str, str, str, int | None, str], None] | None = None,
        on_fetch: Callable[[str, str, Response | None], None] | None = None,
    ):
        self.fetcher = fetcher
        self.since = since
        self.max_pages = max_pages
        self.pages = 0
        self.fetched = 0
        self.not_modified = 0
        self.off_host = 0
        self.skipped_since = 0
        #: The error of the last fetch that failed (None after a success).
        self.last_error: FetchError | None = None
        self._on_failure = on_failure
        self._on_fetch = on_fetch

    def allowed(self, url: str) -> bool:
        """Whether a link is on the source's own hosts (counts the ones that are not)."""
        if self.fetcher.allowed(url):
            return True
        self.off_host += 1
        return False

    def fetch(self, url: str, *, stage: str) -> Response | None:
        """Fetch a page; a failure is recorded and None returned.

        Args:
            url: Absolute URL.
            stage: ``listing``, ``item`` or ``attachment`` (for the record).

        Raises:
            StopCrawl: The page budget is spent.
        """
        if not self.allowed(url):
            return None
        if self.max_pages is not None and self.pages >= self.max_pages:
            raise StopCrawl(f"page budget of {self.max_pages} spent")
        self.pages += 1
        self.last_error = None
        try:
            resp = self.fetcher.get(url)
            if resp.not_modified:
                self.not_modified += 1
            else:
                self.fetched += 1
        except FetchError as e:
            if e.kind in ("robots", "bad_url"):
                self.pages -= 1  # refused before any request: not a page fetched
            self.last_error = e
            self.fail(url, stage, str(e), e.status, e.category)
            resp = None
        if self._on_fetch:
            self._on_fetch(url, stage, resp)
        return resp

    def fail(self, url: str, stage: str, reason: str, status: int | None = None, category: str | None = None) -> None:
        """Record a failure (fetch, parse, extract); the crawl goes on."""
        if self._on_failure:
            self._on_failure(url, stage, reason, status, category or stage)

    def before_since(self, date: str | None) -> bool:
        """Whether an ISO date (or year-month) is before ``--since`` (unknown dates are not)."""
        return bool(self.since and date and date[: len(self.since)] < self.since[: len(date)])


class Source:
    """A kind of website that publishes FOI material.

    Subclasses set :attr:`name` and :attr:`default_base_url` and implement
    :meth:`listing` and :meth:`documents`.

    Args:
        base_url: Site root (or, for some sources, the listing URL itself);
            defaults to the real site.
        authority: Which authority's items (a slug), where the source needs one.
        since: ISO date: leave older items alone.
    """

    name = "source"
    default_base_url = ""
    #: Listings run newest first, so a run of unchanged items means the rest is known.
    newest_first = True

    def __init__(self, base_url: str | None = None, *, authority: str | None = None, since: str | None = None, **_: Any):
        raw = (base_url or self.default_base_url).strip()
        try:
            self.start = normalise_url(raw)
        except FetchError as e:
            raise FoiSearchError(f"--base-url {raw!r} is not an http(s) URL.", "Give e.g. https://example.org") from e
        parts = urlsplit(self.start)
        self.base_url = f"{parts.scheme}://{parts.netloc}"
        self.authority = authority
        self.since = since

    @property
    def crawler_id(self) -> str:
        """Name and site, the key under which item progress is kept."""
        return f"{self.name} {self.base_url}"

    def scope(self) -> str:
        """What one pass covers (site, authority...): the unit of resume and completion."""
        return " ".join(x for x in (self.crawler_id, self.authority) if x)

    def hosts(self) -> set[str]:
        """Hosts this source may fetch from."""
        return {host_of(self.base_url)}

    def listing(self, ctx: CrawlContext) -> Iterator[ListedItem]:
        """Items, newest first, fetching listing pages through ``ctx``."""
        raise NotImplementedError

    def documents(self, ctx: CrawlContext, item: ListedItem, resp: Response) -> list[Document]:
        """Documents read from an item's page (attachments are fetched by the caller).

        Raises:
            ingest.parsers.ParseError: The page cannot be read.
        """
        raise NotImplementedError


def file_document(doc_source: str, item: ListedItem, resp: Response, *, kind: str = "response",
                  authority: str | None = None) -> Document:
    """A document made of one published file (an item that is a PDF rather than a page).

    Raises:
        ingest.parsers.ParseError: The file's text cannot be read.
    """
    text = extract_text(resp.body, name=file_name(resp.final_url), content_type=resp.content_type)
    name = file_name(item.url)
    date = item.date if item.date and len(item.date) == 10 else None
    return Document(
        source=doc_source,
        source_key=name.rsplit(".", 1)[0] if "." in name else name,
        kind=kind,
        title=item.title or name,
        authority=authority,
        url=item.url,
        response_date=date,
        messages=[Message(direction="incoming", text=text, sent_at=date)],
        meta={"file_url": resp.final_url},
    )
