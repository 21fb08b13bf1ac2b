"""Alaveteli sites (WhatDoTheyKnow, FYI.org.nz, RightToKnow.org.au): an authority's requests.

Walks ``/body/<slug>`` (newest activity first, ``?page=N`` via the "Next" link),
where each request is a ``div.request_listing`` whose ``.head a`` links to
``/request/<url_title>`` (often with ``#incoming-N``, the latest message: a
good change marker). Each thread page ``/request/<url_title>`` is read with
the Alaveteli HTML parser; when that parser is missing or cannot read the page,
``/request/<url_title>.json`` is fetched and read with the JSON one.
Attachments (``/request/<id>/response/<id>/attach/<n>/<file>``) are fetched
by the crawl service.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urlsplit

from foi_search.core.domain import Document
from foi_search.core.errors import FoiSearchError

from ..parsers import ParseError
from ..parsers import page_parser
from .base import CrawlContext, ListedItem, Source
from .html import attachment_links, links, next_page_link, soup_of
from .http import Response

_REQUEST = re.compile(r"^/request/([A-Za-z0-9_\-]+)/?$")
_ATTACH = re.compile(r"/request/\d+/response/\d+/attach/")
#: Thread formats: ``auto`` (HTML when its parser exists, else JSON), ``html``, ``json``.
THREAD_FORMATS = ("auto", "html", "json")


class AlaveteliSource(Source):
    """Requests made to one authority on an Alaveteli site.

    Args:
        base_url: Site root; default WhatDoTheyKnow.
        authority: The body's URL slug (``/body/<slug>``), required.
        thread_format: See :data:`THREAD_FORMATS`.
    """

    name = "alaveteli"
    default_base_url = "https://www.whatdotheyknow.com"

    def __init__(self, base_url: str | None = None, *, authority: str | None = None, thread_format: str = "auto", **kw):
        super().__init__(base_url, authority=authority, **kw)
        if not authority:
            raise FoiSearchError(
                "The alaveteli source needs the authority's slug.",
                "Pass --authority SLUG, the part after /body/ in the authority's page URL (e.g. mhclg).",
            )
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", authority):
            raise FoiSearchError(f"{authority!r} is not an Alaveteli body slug.", "Use the part after /body/, e.g. mhclg.")
        if thread_format not in THREAD_FORMATS:
            raise FoiSearchError(f"Unknown thread format {thread_format!r}.", f"Use one of {', '.join(THREAD_FORMATS)}.")
        self.html_parser = page_parser("alaveteli_html") if thread_format != "json" else None
        if thread_format == "html" and self.html_parser is None:
            raise FoiSearchError("No Alaveteli HTML parser is installed.", "Use --thread-format json.")

    def listing(self, ctx: CrawlContext) -> Iterator[ListedItem]:
        url: str | None = f"{self.base_url}/body/{self.authority}"
        seen_pages: set[str] = set()
        seen: set[str] = set()
        while url and url not in seen_pages:
            seen_pages.add(url)
            resp = ctx.fetch(url, stage="listing")
            if resp is None:
                return
            soup = soup_of(resp)
            older = False
            for item in self._items(soup, resp.final_url):
                slug = item.url.rsplit("/", 1)[-1]
                if slug in seen:
                    continue
                seen.add(slug)
                if ctx.before_since(item.date):
                    # The body page runs by latest activity: the rest is older.
                    ctx.skipped_since += 1
                    older = True
                    continue
                yield item
            if older:
                return
            nxt = next_page_link(soup, resp.final_url)
            url = nxt if nxt and ctx.allowed(nxt) else None

    def _items(self, soup, page_url: str) -> Iterator[ListedItem]:
        entries = soup.select("div.request_listing")
        if entries:
            for entry in entries:
                a = entry.select_one(".head a[href]") or entry.find("a", href=True)
                if a is None:
                    continue
                item = self._item(a, entry, page_url)
                if item:
                    yield item
            return
        # A listing without the usual wrappers: any link to a thread will do.
        for url, _, a in links(soup, page_url):
            item = self._item(a, a.parent, page_url)
            if item:
                yield item

    def _item(self, a, entry, page_url: str) -> ListedItem | None:
        href = a["href"]
        full = re.sub(r"#.*$", "", href)
        m = _REQUEST.match(urlsplit(full).path)
        if not m or urlsplit(full).netloc not in ("", urlsplit(page_url).netloc):
            return None
        slug = m.group(1)
        stamp = entry.find("time", attrs={"datetime": True}) if entry is not None else None
        when = stamp["datetime"].strip() if stamp is not None else None
        fragment = href.split("#", 1)[1] if "#" in href else ""
        version = " ".join(x for x in (fragment, when) if x) or None
        thread = f"{self.base_url}/request/{slug}"
        return ListedItem(
            url=thread,
            fetch_url=thread if self.html_parser else thread + ".json",
            version=version,
            date=when[:10] if when else None,
            title=" ".join(a.get_text(" ").split()) or None,
        )

    def documents(self, ctx: CrawlContext, item: ListedItem, resp: Response) -> list[Document]:
        from ..parsers import alaveteli_json

        if resp.final_url.endswith(".json") or resp.content_type == "application/json":
            return alaveteli_json.parse(resp.body, url=item.url)
        try:
            if self.html_parser is None:
                raise ParseError("no Alaveteli HTML parser")
            docs = self.html_parser(resp.body, url=item.url)
        except ParseError as html_error:
            twin = ctx.fetch(item.url + ".json", stage="item")
            if twin is None:
                raise ParseError(f"HTML page unreadable ({html_error}) and its JSON twin could not be fetched") from None
            return alaveteli_json.parse(twin.body, url=item.url)
        if len(docs) == 1 and not docs[0].attachments:
            docs[0].attachments = attachment_links(soup_of(resp), resp.final_url, _ATTACH)
        return docs
