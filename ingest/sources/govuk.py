"""gov.uk FOI releases: the search API for the list, the content API per item.

- List: ``/api/search.json?filter_content_store_document_type=foi_release
  &filter_organisations=<slug>&order=-public_timestamp&count=N&start=M``
  (``--since`` adds ``filter_public_timestamp=from:<date>``). Each result's
  ``link`` is the page path and ``public_timestamp`` its change marker.
- Item: ``/api/content<link>``, the JSON read by the gov.uk parser (shape in
  ``../shared/corpus/govuk-foi-release/``); ``details.attachments[].url``
  (on ``assets.publishing.service.gov.uk``) are fetched by the crawl service.
"""

from __future__ import annotations

import json
from typing import Iterator
from urllib.parse import urlencode, urljoin

from foi_search.core.domain import Attachment, Document, Message

from ..parsers import ParseError
from ..parsers import page_parser
from .base import CrawlContext, ListedItem, Source
from .html import html_text
from .http import Response

#: Hosts gov.uk serves attachments from, followed when crawling the real site.
ASSET_HOSTS = {"assets.publishing.service.gov.uk", "assets.digital.cabinet-office.gov.uk"}
PAGE_SIZE = 50


class GovukSource(Source):
    """FOI releases published on gov.uk, optionally by one organisation.

    Args:
        base_url: Site root; default https://www.gov.uk.
        authority: Organisation slug (``ministry-of-defence``); all when omitted.
        page_size: Results per search request.
    """

    name = "govuk"
    default_base_url = "https://www.gov.uk"

    def __init__(self, base_url: str | None = None, *, page_size: int = PAGE_SIZE, **kw):
        super().__init__(base_url, **kw)
        self.page_size = page_size
        self.parser = page_parser("govuk_json")

    def hosts(self) -> set[str]:
        hosts = super().hosts()
        if hosts & {"www.gov.uk", "gov.uk"}:
            hosts |= ASSET_HOSTS
        return hosts

    def search_url(self, start: int) -> str:
        """The search API URL for one page of results."""
        params = [
            ("filter_content_store_document_type", "foi_release"),
            ("order", "-public_timestamp"),
            ("count", str(self.page_size)),
            ("start", str(start)),
            ("fields", "title"),
            ("fields", "link"),
            ("fields", "public_timestamp"),
        ]
        if self.authority:
            params.insert(1, ("filter_organisations", self.authority))
        if self.since:
            params.append(("filter_public_timestamp", f"from:{self.since}"))
        return f"{self.base_url}/api/search.json?{urlencode(params)}"

    def listing(self, ctx: CrawlContext) -> Iterator[ListedItem]:
        start = 0
        while True:
            url = self.search_url(start)
            resp = ctx.fetch(url, stage="listing")
            if resp is None:
                return
            try:
                data = json.loads(resp.body.decode("utf-8-sig"))
                results = data["results"]
                total = int(data.get("total", 0))
            except (UnicodeDecodeError, ValueError, KeyError, TypeError) as e:
                ctx.fail(url, "listing", f"search API answer is not the expected JSON: {e}", category="parse")
                return
            for r in results:
                link = r.get("link") if isinstance(r, dict) else None
                if not link or not link.startswith("/"):
                    continue
                stamp = r.get("public_timestamp")
                if ctx.before_since(stamp):
                    ctx.skipped_since += 1
                    return  # newest first: the rest is older
                yield ListedItem(
                    url=f"{self.base_url}{link}",
                    fetch_url=f"{self.base_url}/api/content{link}",
                    version=stamp,
                    date=stamp[:10] if stamp else None,
                    title=r.get("title"),
                )
            start += len(results)
            if not results or start >= total:
                return

    def documents(self, ctx: CrawlContext, item: ListedItem, resp: Response) -> list[Document]:
        if self.parser is not None:
            docs = self.parser(resp.body, url=item.url)
        else:
            docs = [_fallback_document(resp.body, item)]
        real = self.default_base_url + "/"
        for doc in docs:
            for att in doc.attachments:
                if not att.url:
                    continue
                att.url = urljoin(item.url, att.url)
                if self.base_url != self.default_base_url and att.url.startswith(real):
                    # Site paths resolved against www.gov.uk live on the mirror being crawled.
                    att.url = self.base_url + "/" + att.url[len(real):]
        return docs


def _fallback_document(data: bytes, item: ListedItem) -> Document:
    """A plain reading of a content API item, used until the gov.uk parser is available."""
    from bs4 import BeautifulSoup

    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ParseError(f"content API answer is not JSON: {e}") from e
    if not isinstance(obj, dict) or "base_path" not in obj:
        raise ParseError("not a gov.uk content item (no base_path)")
    details = obj.get("details") or {}
    body = html_text(BeautifulSoup(details.get("body") or "", "lxml"))
    orgs = (obj.get("links") or {}).get("organisations") or []
    atts = [
        Attachment(
            name=a.get("filename") or a.get("title") or a.get("url", ""),
            url=a.get("url"),
            content_type=a.get("content_type"),
            size=a.get("file_size"),
        )
        for a in details.get("attachments") or []
        if isinstance(a, dict) and a.get("url")
    ]
    text = "\n\n".join(x for x in (obj.get("description") or "", body) if x)
    return Document(
        source="govuk",
        source_key=obj["base_path"],
        title=obj.get("title") or "",
        authority=orgs[0].get("title") if orgs and isinstance(orgs[0], dict) else None,
        url=item.url,
        response_date=(obj.get("first_published_at") or "")[:10] or None,
        messages=[Message(direction="incoming", text=text)] if text else [],
        attachments=atts,
        meta={"content_id": obj.get("content_id"), "document_type": obj.get("document_type")},
    )
