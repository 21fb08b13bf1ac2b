"""Listings of published decisions with a PDF each: what ICO and Tribunal crawling share.

Assumed shape (server-rendered HTML; see :mod:`.ico` and :mod:`.tribunal` for
the URLs of each site):

- a listing page whose entries (``<tr>``, ``<li>``, ``<article>`` or a
  ``div`` named like a result) each hold one link to a decision, either a
  detail page (matched by :attr:`DecisionListSource.item_pattern`) or the PDF
  itself, plus the date (a ``<time datetime>`` or a written date), the case
  reference and, when given, the public authority (``Public authority: ...``);
- pagination by a "next" link (``rel=next`` or the usual classes) or
  ``?page=N`` links to the same listing path;
- a detail page with a title, metadata and a link to the decision PDF.

The decision's text comes from the PDF (through :mod:`ingest.parsers.textract`), or
from the detail page when no PDF is linked.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urlsplit

from foi_search.core.domain import Document, Message

from ..parsers import ParseError
from ..parsers.common import labelled_value, parse_date
from .base import CrawlContext, ListedItem, Source
from .html import body_kind, extract_text, file_name, html_text, links, next_page_link, soup_of, time_datetime, url_extension
from .http import Response

_ENTRY_CLASS = re.compile(r"result|item|decision|listing|card|notice|row", re.I)
_AUTHORITY_LABELS = ("Public [Aa]uthority", "Authority", "Respondent authority")


class DecisionListSource(Source):
    """A listing of decisions, each a detail page or PDF.

    Subclasses set the patterns and the document labels.
    """

    start_path = "/"
    #: Path (and query) of a decision's detail page.
    item_pattern: re.Pattern = re.compile(r"$^")
    #: Path of a decision PDF.
    file_pattern: re.Pattern = re.compile(r"\.pdf$", re.I)
    #: A case reference in text or URL.
    reference: re.Pattern = re.compile(r"$^")
    doc_source = "decisions"
    doc_kind = "response"

    def __init__(self, base_url: str | None = None, **kw):
        super().__init__(base_url, **kw)
        if urlsplit(self.start).path in ("", "/") and not urlsplit(self.start).query:
            self.start = self.base_url + self.start_path

    def scope(self) -> str:
        return f"{self.crawler_id} {urlsplit(self.start).path}"

    # -- listing ---------------------------------------------------------------------

    def listing(self, ctx: CrawlContext) -> Iterator[ListedItem]:
        queue = [self.start]
        queued = {self.start}
        seen: set[str] = set()
        while queue:
            page = queue.pop(0)
            resp = ctx.fetch(page, stage="listing")
            if resp is None:
                continue
            soup = soup_of(resp)
            older = False
            for url, text, a in links(soup, resp.final_url):
                parts = urlsplit(url)
                where = parts.path + ("?" + parts.query if parts.query else "")
                if not (self.item_pattern.search(where) or self.file_pattern.search(parts.path)):
                    continue
                if url in seen or not ctx.allowed(url):
                    continue
                seen.add(url)
                entry = _entry(a)
                entry_text = html_text(_copy(entry)) if entry is not None else text
                date = _iso(time_datetime(entry)) or parse_date(entry_text)
                if ctx.before_since(date):
                    ctx.skipped_since += 1
                    older = True
                    continue
                ref = self.reference.search(entry_text) or self.reference.search(url)
                fields = _fields(entry) if entry is not None else {}
                date = date or parse_date(_field(fields, "date", "promulgat", "decided") or "")
                meta = {"reference": ref.group(0) if ref else None,
                        "authority": labelled_value(entry_text, _AUTHORITY_LABELS) or _field(fields, "authority")}
                yield ListedItem(
                    url=url,
                    # Published decisions do not change; the listing's date
                    # and title stand for the version, so re-runs skip them.
                    version=f"{date} {text}" if date else None,
                    date=date,
                    title=text or None,
                    meta={k: v for k, v in meta.items() if v},
                )
            if older and self.newest_first:
                return
            for nxt in [next_page_link(soup, resp.final_url)] + [
                u for u, _, _ in links(soup, resp.final_url) if _page_of(u, self.start)
            ]:
                if nxt and nxt not in queued and ctx.allowed(nxt):
                    queued.add(nxt)
                    queue.append(nxt)

    # -- documents -------------------------------------------------------------------

    def documents(self, ctx: CrawlContext, item: ListedItem, resp: Response) -> list[Document]:
        kind = body_kind(resp)
        title, date, ref, authority = item.title, item.date, item.meta.get("reference"), item.meta.get("authority")
        pdf_url = None
        if kind == "file":
            pdf_url = resp.final_url
            text = extract_text(resp.body, name=file_name(resp.final_url), content_type=resp.content_type)
        elif kind == "html":
            soup = soup_of(resp)
            main = soup.select_one("main, [role=main], article, #content") or soup.body or soup
            h1 = main.find("h1") or soup.find("h1")
            title = " ".join(h1.get_text(" ").split()) if h1 else title
            page_text = html_text(_copy(main))
            date = _iso(time_datetime(main)) or date or parse_date(page_text)
            found = self.reference.search(page_text)
            ref = ref or (found.group(0) if found else None)
            fields = _fields(main)
            authority = labelled_value(page_text, _AUTHORITY_LABELS) or _field(fields, "authority") or authority
            date = date or parse_date(_field(fields, "date", "promulgat", "decided") or "")
            pdfs = [u for u, _, _ in links(main, resp.final_url)
                    if self.file_pattern.search(urlsplit(u).path) or url_extension(u) == "pdf"]
            pdfs = [u for u in pdfs if ctx.allowed(u)]
            if pdfs:
                pdf_url = pdfs[0]
                pdf = ctx.fetch(pdf_url, stage="attachment")
                if pdf is None:
                    raise ParseError(f"decision PDF {pdf_url} could not be fetched")
                text = extract_text(pdf.body, name=file_name(pdf.final_url), content_type=pdf.content_type)
            else:
                text = page_text
        else:
            raise ParseError(f"unexpected content type {resp.content_type or 'unknown'!r} for a decision")
        if not text.strip():
            raise ParseError("decision has no text")
        if not ref:
            found = self.reference.search(text[:5000])
            ref = found.group(0) if found else None
        return [
            Document(
                source=self.doc_source,
                source_key=self.key(item.url, pdf_url, ref),
                kind=self.doc_kind,
                title=title or ref or file_name(item.url),
                authority=authority,
                url=item.url,
                references=[ref] if ref else [],
                response_date=date,
                messages=[Message(direction="incoming", text=text, sent_at=date)],
                meta={k: v for k, v in {"pdf_url": pdf_url}.items() if v},
            )
        ]

    def key(self, url: str, pdf_url: str | None, ref: str | None) -> str:
        """The document's ``source_key``: the reference, else the URL's last segment."""
        return ref or file_name(pdf_url or url).rsplit(".", 1)[0]


def _entry(a):
    """The listing entry around a link: the nearest row, list item, article or result block."""
    node = a.parent
    for _ in range(6):
        if node is None or node.name in ("body", "html", "[document]"):
            return None
        if node.name in ("tr", "li", "article"):
            return node
        if node.name == "div" and _ENTRY_CLASS.search(" ".join(node.get("class") or [])):
            return node
        node = node.parent
    return None


def _copy(node):
    """A detached copy (html_text removes scripts in place)."""
    import copy

    return copy.copy(node)


def _iso(value: str | None) -> str | None:
    return value[:10] if value and re.match(r"\d{4}-\d{2}-\d{2}", value) else None


def _page_of(url: str, start: str) -> bool:
    u, s = urlsplit(url), urlsplit(start)
    return u.netloc == s.netloc and u.path.rstrip("/") == s.path.rstrip("/") and "page=" in u.query.lower()


def _fields(node) -> dict[str, str]:
    """Labelled values in a node: ``<th>``/``<td>`` and ``<dt>``/``<dd>`` pairs, and a
    table row's cells under their column headings."""
    def text(el) -> str:
        return " ".join(el.get_text(" ").split())

    out: dict[str, str] = {}
    if node.name == "tr":
        table = node.find_parent("table")
        heads = [text(th).lower() for th in table.select("thead th")] if table is not None else []
        for head, cell in zip(heads, node.find_all("td", recursive=False)):
            out.setdefault(head, text(cell))
    for th in node.find_all(["th", "dt"]):
        value = th.find_next_sibling(["td", "dd"])
        if value is not None:
            out.setdefault(text(th).lower(), text(value))
    return out


def _field(fields: dict[str, str], *words: str) -> str | None:
    """The first labelled value whose label contains one of ``words``."""
    for label, value in fields.items():
        if value and any(w in label for w in words):
            return value
    return None
