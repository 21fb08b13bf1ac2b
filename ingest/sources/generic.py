"""A disclosure log described by a small config file (councils, trusts, any simple HTML log).

The config is TOML (or JSON with the same keys)::

    name = "exampleshire"                      # Document.source of what is read (required)
    authority = "Exampleshire County Council"  # who published the log
    start_url = "https://www.exampleshire.gov.uk/foi/disclosure-log"   # required
    link_pattern = "/foi/disclosure-log/\\d{4}-\\d+$"   # regex on item URLs (path and query) (required)
    next_pattern = "[?&]page=\\d+"             # regex on listing pages to follow (optional)
    content_selector = "main .disclosure"      # CSS selector of the response text (optional)
    title_selector = "h1"                      # optional
    date_selector = "time, .published"         # optional; a <time datetime> or written date inside
    reference_pattern = "FOI[- ]?\\d+"         # optional; the reference becomes the source_key
    kind = "response"                          # or "log_entry" (optional)
    hosts = ["files.exampleshire.gov.uk"]      # extra hosts for attachments (optional)
    parser = "council_html"                    # a parser module to use instead (optional)

Without ``content_selector`` (and no ``parser``), pages are read by the council
page parser (``ingest.parsers.council_html``) when it is installed.

``--base-url`` replaces the scheme and host of ``start_url`` (to crawl a mirror
or a local copy). Links to PDF, DOCX, XLSX, CSV and ODS files inside the
content are fetched as attachments.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit, urlunsplit

from foi_search.core.domain import DOC_KINDS, Document, Message
from foi_search.core.errors import FoiSearchError

from ..parsers import PAGE_PARSERS, ParseError, page_parser
from ..parsers.common import parse_date
from .base import CrawlContext, ListedItem, Source, file_document
from .html import attachment_links, body_kind, file_name, html_text, links, next_page_link, soup_of, time_datetime
from .http import Response, host_of, normalise_url


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and check a generic source config.

    Raises:
        FoiSearchError: Unreadable, not TOML/JSON, a required key missing, a
            bad regular expression or selector.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise FoiSearchError(f"Cannot read the config {p}: {e.strerror}.", "Check the --config path.") from e
    try:
        if p.suffix.lower() == ".json":
            cfg = json.loads(raw.decode("utf-8-sig"))
        else:
            cfg = tomllib.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as e:
        raise FoiSearchError(f"{p} is not valid {'JSON' if p.suffix.lower() == '.json' else 'TOML'}: {e}.") from e
    if not isinstance(cfg, dict):
        raise FoiSearchError(f"{p} must hold a table of settings.")
    if "link_pattern" not in cfg and "item_pattern" in cfg:
        cfg["link_pattern"] = cfg["item_pattern"]
    missing = [k for k in ("name", "start_url", "link_pattern") if not cfg.get(k)]
    if missing:
        raise FoiSearchError(
            f"{p} lacks {', '.join(missing)}.", "A generic source needs name, start_url and link_pattern."
        )
    if not re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", str(cfg["name"])):
        raise FoiSearchError(f"name {cfg['name']!r} in {p} must be lower-case letters, digits, - or _.")
    for key in ("link_pattern", "next_pattern", "reference_pattern", "attachment_pattern"):
        if cfg.get(key):
            try:
                cfg[key] = re.compile(cfg[key])
            except re.error as e:
                raise FoiSearchError(f"{key} in {p} is not a valid regular expression: {e}.") from e
    if cfg.get("kind", "response") not in DOC_KINDS:
        raise FoiSearchError(f"kind in {p} must be one of {', '.join(DOC_KINDS)}.")
    for key in ("content_selector", "title_selector", "date_selector"):
        if cfg.get(key):
            _check_selector(cfg[key], key, p)
    return cfg


def _check_selector(selector: str, key: str, path: Path) -> None:
    from bs4 import BeautifulSoup

    try:
        BeautifulSoup("<p></p>", "lxml").select(selector)
    except Exception as e:  # soupsieve raises its own error types
        raise FoiSearchError(f"{key} {selector!r} in {path} is not a valid CSS selector: {e}.") from e


class GenericSource(Source):
    """A config-driven disclosure log.

    Args:
        base_url: Optional: replaces the scheme and host of ``start_url``.
        config: Path of the TOML/JSON config.
    """

    name = "generic"

    def __init__(self, base_url: str | None = None, *, config: str | Path | None = None, **kw):
        if not config:
            raise FoiSearchError("The generic source needs a config file.", "Pass --config FILE (see 'foi-search crawl --help').")
        self.cfg = load_config(config)
        start = str(self.cfg["start_url"])
        if base_url:
            b, s = urlsplit(base_url), urlsplit(start)
            start = urlunsplit((b.scheme, b.netloc, s.path, s.query, ""))
        super().__init__(start, **kw)
        self.doc_source = str(self.cfg["name"])
        if self.cfg.get("parser"):
            try:
                self.parser = page_parser(self.cfg["parser"])
            except KeyError:
                raise FoiSearchError(
                    f"No page parser named {self.cfg['parser']!r}.",
                    f"Use one of {', '.join(PAGE_PARSERS)}, or remove 'parser' to read pages with the selectors.",
                ) from None
        else:
            # Without a content selector, the council page parser knows the usual layouts.
            self.parser = None if self.cfg.get("content_selector") else page_parser("council_html")
        self.newest_first = bool(self.cfg.get("newest_first", True))

    @property
    def crawler_id(self) -> str:
        return f"{self.name}:{self.doc_source} {self.base_url}"

    def scope(self) -> str:
        return f"{self.crawler_id} {urlsplit(self.start).path}"

    def hosts(self) -> set[str]:
        return {host_of(self.base_url)} | {str(h).lower() for h in self.cfg.get("hosts") or []}

    def listing(self, ctx: CrawlContext) -> Iterator[ListedItem]:
        item_re: re.Pattern = self.cfg["link_pattern"]
        next_re: re.Pattern | None = self.cfg.get("next_pattern")
        queue = [self.start]
        queued = {self.start}
        seen: set[str] = set()
        while queue:
            page = queue.pop(0)
            resp = ctx.fetch(page, stage="listing")
            if resp is None:
                continue
            soup = soup_of(resp)
            follow = [next_page_link(soup, resp.final_url)]
            for url, text, a in links(soup, resp.final_url):
                parts = urlsplit(url)
                where = parts.path + ("?" + parts.query if parts.query else "")
                if item_re.search(where):
                    if url not in seen and ctx.allowed(url):
                        seen.add(url)
                        date = _listing_date(a)
                        if ctx.before_since(date):
                            ctx.skipped_since += 1
                            continue
                        yield ListedItem(url=url, date=date, title=text or None)
                elif next_re is not None and next_re.search(where):
                    follow.append(url)
            for url in follow:
                if url and url not in queued and ctx.allowed(url):
                    queued.add(url)
                    queue.append(url)

    def documents(self, ctx: CrawlContext, item: ListedItem, resp: Response) -> list[Document]:
        if body_kind(resp) == "file":
            return [file_document(self.doc_source, item, resp, kind=self.cfg.get("kind", "response"),
                                  authority=self.cfg.get("authority"))]
        if self.parser is not None:
            docs = self.parser(resp.body, url=item.url)
            for doc in docs:
                # The config names the source and its publisher; parsers only guess them.
                doc.source = self.doc_source
                doc.authority = self.cfg.get("authority") or doc.authority
                doc.kind = self.cfg.get("kind", doc.kind)
            return docs
        soup = soup_of(resp)
        cfg = self.cfg
        title_el = soup.select_one(cfg.get("title_selector") or "h1")
        title = " ".join(title_el.get_text(" ").split()) if title_el else (item.title or "")
        content = soup.select_one(cfg["content_selector"]) if cfg.get("content_selector") else None
        if content is None:
            if cfg.get("content_selector"):
                raise ParseError(f"no element matches content_selector {cfg['content_selector']!r}")
            content = soup.select_one("main, [role=main], article") or soup.body or soup
        atts = attachment_links(content, resp.final_url, cfg.get("attachment_pattern"))
        date = item.date
        if cfg.get("date_selector"):
            el = soup.select_one(cfg["date_selector"])
            if el is not None:
                stamp = el.get("datetime") or time_datetime(el)
                date = (stamp[:10] if stamp else None) or parse_date(el.get_text(" ")) or date
        text = html_text(content)
        if not text:
            raise ParseError("the content element has no text")
        ref = None
        if cfg.get("reference_pattern"):
            m = cfg["reference_pattern"].search(text) or cfg["reference_pattern"].search(title)
            ref = m.group(0) if m else None
        key = ref or file_name(item.url).rsplit(".", 1)[0]
        return [
            Document(
                source=self.doc_source,
                source_key=key,
                kind=cfg.get("kind", "response"),
                title=title,
                authority=cfg.get("authority"),
                url=normalise_url(item.url),
                references=[ref] if ref else [],
                response_date=date,
                messages=[Message(direction="incoming", text=text, sent_at=date)],
                attachments=atts,
            )
        ]


def _listing_date(a) -> str | None:
    """A date written next to an item link on the listing (same row or list item)."""
    node = a.parent
    for _ in range(3):
        if node is None or node.name in ("body", "html", "table", "ul", "ol"):
            return None
        if node.name in ("tr", "li", "article"):
            stamp = time_datetime(node)
            return stamp[:10] if stamp else parse_date(node.get_text(" "))
        node = node.parent
    return None
