"""Reading fetched pages: what a body is, its soup and text, its links, attachments and dates.

Pure helpers over :class:`~ingest.sources.http.Response` bodies and BeautifulSoup
nodes, shared by every source.
"""

from __future__ import annotations

import re
from typing import Any, Iterator
from urllib.parse import unquote, urljoin, urlsplit

from foi_search.core.domain import Attachment

from .http import FetchError, Response, normalise_url

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


def extract_text(data: bytes, *, name: str = "", content_type: str | None = None) -> str:
    """Text of a published file (PDF, DOCX, XLSX, CSV, HTML...).

    Raises:
        ingest.parsers.ParseError: Unreadable, scanned, unsupported.
    """
    from ingest.parsers.textract import extract_text as _extract

    return _extract(data, name=name, content_type=content_type)


def html_text(node: Any) -> str:
    """Visible text of a BeautifulSoup node, one block per line."""
    from ingest.parsers.pagetext import soup_text

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
