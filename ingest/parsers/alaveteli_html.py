"""Saved WhatDoTheyKnow / Alaveteli request pages (HTML).

Two markups are read:

* the 2019 page (and today's): ``<div class="incoming correspondence"
  id="incoming-123">`` / ``id="outgoing-456"``, a ``.correspondence__header``
  with the author and a ``<time datetime>``, the body in
  ``.correspondence_text`` and attachments in ``ul.list-of-attachments``;
* variants that name the blocks ``#incoming_message_123`` /
  ``#outgoing_message_456`` inside a ``div.correspondence``.

The page's ``og:url`` (or canonical link) gives the request URL and
``source_key`` (the slug after ``/request/``), so copies of the same page saved
under different names become one document.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin

from foi_search.core.domain import Attachment, Document, Message

from . import ParseError
from .authorities import normalise_authority, salutation_authority
from .common import url_slug

DEFAULT_BASE_URL = "https://www.whatdotheyknow.com"
_BLOCK_ID = re.compile(r"^(incoming|outgoing)(?:[-_]message)?[-_](\d+)$")
_REQUEST_PATH = re.compile(r"/request/([^/?#]+)")
_TITLE_SUFFIX = re.compile(
    r"\s+-\s+an?\s+(?:Freedom of Information|Environmental Information Regulations?|FOI|EIR)?\s*request"
    r"\s+to\s+(.+)$",
    re.I,
)
_SITE_SUFFIX = re.compile(r"\s+-\s+(?:WhatDoTheyKnow|Alaveteli|AsktheEU|[\w.-]+\.(?:org|com|uk|info|eu))$", re.I)
_LAWS = (
    (re.compile(r"Environmental Information Regulations", re.I), "EIR"),
    (re.compile(r"Freedom of Information \(Scotland\)", re.I), "FOISA"),
    (re.compile(r"Freedom of Information", re.I), "FOIA"),
)
#: Pages bigger than this are cut before parsing (a saved page is ~50-100 KB).
MAX_HTML_BYTES = 8 * 1024 * 1024


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of an HTML file look like an Alaveteli request page."""
    h = head.lower()
    return (b"correspondence" in h and (b'id="incoming-' in h or b'id="outgoing-' in h
                                        or b"incoming_message_" in h or b"outgoing_message_" in h)) or (
        b"whatdotheyknow" in h and b"/request/" in h and b"correspondence" in h
    ) or b"alaveteli" in h and b"correspondence" in h


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read one saved request page.

    Args:
        data: The HTML bytes.
        path: Where it was read from.
        url: The URL it was fetched from, when known.

    Raises:
        ParseError: No correspondence blocks on the page.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data[:MAX_HTML_BYTES], "lxml")
    page_url = _page_url(soup) or url
    base = _base(page_url) or DEFAULT_BASE_URL
    blocks = _blocks(soup)
    if not blocks:
        raise ParseError("no Alaveteli correspondence blocks (div#incoming-N / #outgoing-N) on the page")
    messages: list[Message] = []
    attachments: list[Attachment] = []
    for direction, msg_id, el in blocks:
        text, atts = _block_content(el, base)
        messages.append(Message(direction=direction, text=text, sent_at=_block_date(el), message_id=msg_id))
        attachments.extend(atts)
    title, title_authority = _title(soup)
    authority = _authority(soup) or title_authority
    if not authority:
        first_out = next((m.text for m in messages if m.direction == "outgoing"), "")
        authority = salutation_authority(first_out)
    slug = _slug(page_url)
    if not slug:
        slug = _slug_from_links(soup)
    source_key = slug or (path and re.sub(r"\.[^.]+$", "", path.rsplit("/", 1)[-1])) or None
    if not source_key:
        raise ParseError("cannot tell which request this page is (no og:url, canonical link or path)")
    canonical = f"{base}/request/{slug}" if slug else page_url
    request_date = next((m.sent_at for m in messages if m.direction == "outgoing" and m.sent_at), None)
    meta = {}
    status = soup.select_one("#request_status, .request-status-message")
    if status:
        meta["display_status"] = " ".join(status.get_text(" ").split()).rstrip(" .")
    return [
        Document(
            source="wdtk",
            source_key=source_key,
            title=title or slug or source_key,
            authority=authority,
            url=canonical,
            path=path,
            law=_law(soup),
            request_date=request_date[:10] if request_date else None,
            messages=messages,
            attachments=attachments,
            meta=meta,
        )
    ]


def _page_url(soup) -> str | None:
    og = soup.find("meta", attrs={"property": "og:url"})
    if og and og.get("content"):
        return og["content"].strip()
    link = soup.find("link", rel="canonical")
    if link and link.get("href"):
        return link["href"].strip()
    return None


def _base(url: str | None) -> str | None:
    m = re.match(r"^(https?://[^/]+)", url or "")
    return m.group(1) if m else None


def _slug(url: str | None) -> str | None:
    m = _REQUEST_PATH.search(url or "")
    if not m:
        return None
    slug = unquote(m.group(1)).strip()
    return slug if slug and not slug.isdigit() else None


def _slug_from_links(soup) -> str | None:
    # Every page links its own thread from the "Link to this" boxes.
    for inp in soup.select("input.cplink__field, a.link_to_this, a.correspondence__header__date"):
        value = inp.get("value") or inp.get("href") or ""
        slug = _slug(value)
        if slug:
            return slug
    return None


def _blocks(soup) -> list[tuple[str, str, object]]:
    found = []
    seen: set[int] = set()  # ids: bs4 hashes a Tag by rendering it
    for el in soup.find_all(id=_BLOCK_ID):
        m = _BLOCK_ID.match(el.get("id", ""))
        # Skip inner elements of a block already taken (an id on a nested div).
        if any(id(p) in seen for p in el.parents):
            continue
        seen.add(id(el))
        found.append((m.group(1), m.group(2), el))
    if found:
        return found
    # Markup without ids: classed blocks only.
    for el in soup.select("div.correspondence"):
        classes = el.get("class") or []
        direction = "incoming" if "incoming" in classes else "outgoing" if "outgoing" in classes else None
        if direction:
            found.append((direction, None, el))
    return found


def _block_content(el, base: str) -> tuple[str, list[Attachment]]:
    from ingest.parsers.pagetext import soup_text

    attachments = []
    for li in el.select("li.attachment, .attachment"):
        name_el = li.select_one(".attachment__name")
        link = li.find("a", href=True)
        name = " ".join(name_el.get_text(" ").split()) if name_el else ""
        href = link["href"] if link else None
        if not name and href:
            name = unquote(href.split("?", 1)[0].rsplit("/", 1)[-1])
        if not name:
            continue
        size = None
        meta = li.select_one(".attachment__meta")
        if meta:
            m = re.search(r"(\d+(?:\.\d+)?)\s*([KMG])B?\b", meta.get_text(" "))
            if m:
                size = int(float(m.group(1)) * {"K": 1024, "M": 1024**2, "G": 1024**3}[m.group(2)])
        attachments.append(Attachment(name=name, url=urljoin(base + "/", href) if href else None, size=size))
    body = el.select_one(".correspondence_text") or el
    for junk in body.select(
        ".attachments, .list-of-attachments, .correspondence__header, .correspondence__footer, "
        ".event_actions, .js-delivery-log-ajax-error, .correspondence__suggestion, .hidden_attachment, "
        ".cplink__field, .unfold_link, .delivery-status"
    ):
        junk.decompose()
    text = soup_text(body)
    return text, attachments


def _block_date(el) -> str | None:
    t = el.find("time")
    if t and t.get("datetime"):
        return t["datetime"].strip()
    date_el = el.select_one(".correspondence__header__date, .event_date")
    if date_el:
        from .common import parse_date

        return parse_date(date_el.get_text(" "))
    return None


def _title(soup) -> tuple[str | None, str | None]:
    og = soup.find("meta", attrs={"property": "og:title"})
    raw = og.get("content") if og and og.get("content") else (soup.title.get_text() if soup.title else "")
    raw = " ".join((raw or "").split())
    authority = None
    if not og:
        raw = _SITE_SUFFIX.sub("", raw)
    m = _TITLE_SUFFIX.search(raw)
    if m:
        authority = normalise_authority(m.group(1))
        raw = raw[: m.start()]
    # The page's own heading is the best title when the meta title is missing.
    h1 = soup.select_one(".request-header h1, h1.request-header__title, #request_header h1")
    if not raw and h1:
        raw = " ".join(h1.get_text(" ").split())
    return (raw or None), authority


def _authority(soup) -> str | None:
    for sel in (
        ".request-header__subtitle a[href*='/body/']",
        "#request_header a[href*='/body/']",
        "p.subtitle a[href*='/body/']",
    ):
        a = soup.select_one(sel)
        if a:
            name = normalise_authority(a.get_text(" "))
            if name:
                return name
    return None


def _law(soup) -> str:
    sub = soup.select_one(".request-header__subtitle, #request_header, p.subtitle")
    text = sub.get_text(" ") if sub else ""
    for rx, law in _LAWS:
        if rx.search(text):
            return law
    return "unclear"
