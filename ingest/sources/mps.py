"""Police disclosure logs on the "foi-ai" platform (the Metropolitan Police and other forces).

URL shapes (met.police.uk; other forces on the platform use the same, with
their own force segment, e.g. ``/foi-ai/af/`` on cleveland.police.uk):

- the log: ``/foi-ai/accessing-information/published-items/`` (paginated with
  ``?page=N`` / a "next" link); ``--base-url`` may point straight at a force's
  log URL (from ``../shared/corpus/police-bodies``);
- listing pages per year and month: ``/foi-ai/<force>/disclosure-<year>/`` and
  ``/foi-ai/<force>/disclosure-<year>/<month>/``;
- response pages: ``/foi-ai/<force>/disclosure-<year>/<month>/<slug>/``;
- attachments: ``/SysSiteAssets/foi-media/...`` (PDF, XLSX, DOCX).

The walk is breadth-first over the log and the year/month pages it links to,
newest first as the site lists them; the year and month in each URL decide
``--since`` without fetching older months.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Iterator
from urllib.parse import parse_qsl, urlsplit

from foi_search.core.domain import Document, Message

from ..parsers import ParseError, page_parser
from ..parsers.common import month_number
from .base import CrawlContext, ListedItem, Source, file_document
from .html import attachment_links, body_kind, html_text, links, next_page_link, soup_of
from .http import Response

DEFAULT_LOG_PATH = "/foi-ai/accessing-information/published-items/"
_ITEM = re.compile(r"^/foi-ai/([\w\-]+)/disclosure-(\d{4})/([a-z]+)/([^/?#]+)/?$", re.I)
_PERIOD = re.compile(r"^/foi-ai/([\w\-]+)/disclosure-(\d{4})/(?:([a-z]+)/?)?$", re.I)
_ASSETS = re.compile(r"/SysSiteAssets/", re.I)
_REFERENCE = re.compile(r"\b\d{2}\.FOI\.\d{2}\.\d{5,7}\b|\bFOI[\s/-]?\d{3,}[\w/-]*", re.I)


class MpsSource(Source):
    """A force's published FOI responses on the foi-ai platform.

    Args:
        base_url: Site root (the log path is added) or the log URL itself.
        authority: Optional force segment (``metropolitan-police``) to keep
            only that force's items.
    """

    name = "mps"
    default_base_url = "https://www.met.police.uk"

    def __init__(self, base_url: str | None = None, **kw):
        super().__init__(base_url, **kw)
        if urlsplit(self.start).path in ("", "/"):
            self.start = self.base_url + DEFAULT_LOG_PATH
        self.parser = page_parser("mps_page")

    def scope(self) -> str:
        return " ".join(x for x in (self.crawler_id, urlsplit(self.start).path, self.authority) if x)

    def listing(self, ctx: CrawlContext) -> Iterator[ListedItem]:
        queue = deque([self.start])
        queued = {self.start}
        seen_items: set[str] = set()
        while queue:
            page = queue.popleft()
            resp = ctx.fetch(page, stage="listing")
            if resp is None:
                continue
            soup = soup_of(resp)
            nxt = next_page_link(soup, resp.final_url)
            follow = [nxt] if nxt else []
            for url, text, _ in links(soup, resp.final_url):
                path = urlsplit(url).path
                item = _ITEM.match(path)
                if item:
                    if url in seen_items or not ctx.allowed(url):
                        continue
                    seen_items.add(url)
                    force, year, month = item.group(1), item.group(2), month_number(item.group(3))
                    if self.authority and force != self.authority:
                        continue
                    period = f"{year}-{month:02d}" if month else year
                    if ctx.before_since(period):
                        ctx.skipped_since += 1
                        continue
                    yield ListedItem(url=url, date=period, title=text or None, meta={"force": force})
                    continue
                period = _PERIOD.match(path)
                if period:
                    month = month_number(period.group(3) or "")
                    if ctx.before_since(f"{period.group(2)}-{month:02d}" if month else period.group(2)):
                        continue
                    follow.append(url)
                elif _same_log(url, self.start):
                    follow.append(url)  # the log's own pages (?page=N)
            for url in follow:
                if url not in queued and ctx.allowed(url):
                    queued.add(url)
                    queue.append(url)

    def documents(self, ctx: CrawlContext, item: ListedItem, resp: Response) -> list[Document]:
        if body_kind(resp) == "file":
            force = item.meta.get("force", "")
            return [file_document("mps" if force in ("", "metropolitan-police") else "police", item, resp)]
        soup = soup_of(resp)
        if self.parser is not None:
            docs = self.parser(resp.body, url=item.url)
        else:
            docs = [_fallback_document(soup, item)]
        atts = attachment_links(soup, resp.final_url, _ASSETS)
        for doc in docs:
            known = {a.url for a in doc.attachments}
            doc.attachments.extend(a for a in atts if a.url not in known)
        return docs


def _same_log(url: str, start: str) -> bool:
    """A pagination link of the log page itself (same path, a page parameter)."""
    u, s = urlsplit(url), urlsplit(start)
    if u.netloc != s.netloc or u.path.rstrip("/") != s.path.rstrip("/"):
        return False
    page = dict(parse_qsl(u.query)).get("page")
    return page is not None and page != "1"  # page 1 is the log itself


def _fallback_document(soup, item: ListedItem) -> Document:
    """A plain reading of a response page, used until the foi-ai parser is available."""
    h1 = soup.find("h1")
    main = soup.select_one("main, [role=main], article") or soup.body or soup
    for tag in main.select("header, nav, footer, form"):
        tag.decompose()
    text = html_text(main)
    if not text:
        raise ParseError("response page has no text")
    ref = _REFERENCE.search(text)
    force = item.meta.get("force", "")
    return Document(
        source="mps" if force in ("", "metropolitan-police") else "police",
        source_key=ref.group(0) if ref else item.url.rstrip("/").rsplit("/", 1)[-1],
        title=" ".join(h1.get_text(" ").split()) if h1 else (item.title or ""),
        url=item.url,
        references=[ref.group(0)] if ref else [],
        messages=[Message(direction="incoming", text=text)],
    )
