"""What every source shares: listed items, the crawl context, link and parser helpers.

A source knows one kind of website: where its listing starts, how to walk it
(newest first), which links are items, and how to turn an item's page into
:class:`~foi_search.core.domain.Document` objects. It never talks HTTP itself: it
asks the :class:`CrawlContext`, which fetches politely, caches, counts and
records failures, so a source is short and easy to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urljoin, urlsplit

from foi_search.core.domain import Attachment, Document, Message
from foi_search.core.errors import FoiSearchError

from .http import Fetcher, FetchError, Response, host_of, normalise_url

#: Extensions of files worth fetching for their text.
DOC_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "csv", "ods", "odt", "rtf", "txt")
#: Extensions never fetched as attachments: no text in them.
SKIP_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "bmp", "svg", "webp", "ico", "mp3", "mp4", "wav", "avi", "mov", "zip", "exe")

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_XML_TYPES = ("application/atom+xml", "application/rss+xml", "application/xml", "text/xml")
_FILE_TYPES = (
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.text",
    "application/rtf",
    "text/csv",
    "text/plain",
)
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


def extract_text(data: bytes, *, name: str = "", content_type: str | None = None) -> str:
    """Text of a published file (PDF, DOCX, XLSX, CSV, HTML...).

    Raises:
        ingest.parsers.ParseError: Unreadable, scanned, unsupported.
    """
    from ingest.parsers.textract import extract_text as _extract

    return _extract(data, name=name, content_type=content_type)


def html_text(node: Any) -> str:
    """Visible text of a BeautifulSoup node, one block per line."""
    from ingest.parsers.textract import soup_text

    return soup_text(node)


# -- content ------------------------------------------------------------------------


def body_kind(resp: Response) -> str:
    """What a response holds: ``html``, ``json``, ``xml``, ``file`` or ``other``.

    The declared type is trusted unless the first bytes clearly say otherwise
    (servers label PDFs ``application/octet-stream`` and JSON ``text/plain``).
    """
    ctype = resp.content_type
    head = resp.body[:512].lstrip().lower()
    if head.startswith(b"%pdf") or resp.body[:4] == b"PK\x03\x04":
        return "file"
    if ctype in _HTML_TYPES or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if ctype == "application/json" or ctype.endswith("+json") or (
        ctype in ("", "text/plain", "application/octet-stream") and head[:1] in (b"{", b"[")
    ):
        return "json"
    if ctype in _XML_TYPES or head.startswith(b"<?xml") or head.startswith(b"<feed"):
        return "xml"
    if ctype in _FILE_TYPES or url_extension(resp.final_url) in DOC_EXTENSIONS:
        return "file"
    return "other"


def soup_of(resp: Response) -> Any:
    """The response parsed as HTML (BeautifulSoup with lxml; the charset is sniffed)."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(resp.body, "lxml")


def url_extension(url: str) -> str:
    """Lower-case extension of the URL's last path segment, or ``""``."""
    path = urlsplit(url).path.rsplit("/", 1)[-1]
    return path.rsplit(".", 1)[-1].lower() if "." in path else ""


def file_name(url: str) -> str:
    """The last path segment of a URL, unescaped."""
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or url


def links(soup: Any, page_url: str) -> Iterator[tuple[str, str, Any]]:
    """``(absolute_url, link_text, tag)`` for every ``<a href>`` (fragments dropped, http(s) only)."""
    for a in soup.find_all("a", href=True):
        href = a["href"].strip()
        if not href or href.startswith(("mailto:", "tel:", "javascript:", "#")):
            continue
        try:
            url = normalise_url(urljoin(page_url, href))
        except FetchError:
            continue
        yield url, " ".join(a.get_text(" ").split()), a


def next_page_link(soup: Any, page_url: str) -> str | None:
    """The listing's "next page" link, if any (``rel=next``, ``.next_page``, ``.next a``)."""
    for sel in ('link[rel~="next"][href]', 'a[rel~="next"][href]', "a.next_page[href]", "li.next a[href]",
                ".pagination__next a[href]", "a.pagination__link--next[href]"):
        tag = soup.select_one(sel)
        if tag is not None:
            try:
                return normalise_url(urljoin(page_url, tag["href"]))
            except FetchError:
                return None
    return None


def is_attachment_url(url: str) -> bool:
    """Whether a link looks like a published file worth reading."""
    return url_extension(url) in DOC_EXTENSIONS


def attachment_links(node: Any, page_url: str, pattern: re.Pattern | None = None) -> list[Attachment]:
    """Attachments linked from an HTML node, in order, each once.

    Args:
        node: Where to look (the page or its content part).
        page_url: For relative links.
        pattern: Also count as attachments the links whose URL matches this
            (file links without an extension, such as Alaveteli's).
    """
    out: list[Attachment] = []
    seen: set[str] = set()
    for url, text, _ in links(node, page_url):
        if url in seen or url_extension(url) in SKIP_EXTENSIONS:
            continue
        if is_attachment_url(url) or (pattern is not None and pattern.search(url)):
            seen.add(url)
            out.append(Attachment(name=file_name(url) if "." in file_name(url) else (text or file_name(url)), url=url))
    return out


def time_datetime(node: Any) -> str | None:
    """The ``datetime`` attribute of the first ``<time>`` in a node, if any."""
    t = node.find("time", attrs={"datetime": True}) if node is not None else None
    return t["datetime"].strip() if t is not None else None


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
