"""Disclosure-log pages published by councils and other bodies (generic HTML).

There is no common markup, so the parser reads what such pages share: a title
(``h1``, else ``<title>``), labelled metadata ("Reference", "Date received",
"Date of response") in a definition list, a table or plain paragraphs, and the
main content (``main``, ``article``, ``#content``...) with the site's header,
navigation and footer dropped. When the page has "Request" and "Response"
headings, the request becomes an ``outgoing`` message and the response an
``incoming`` one; otherwise the content is one ``incoming`` message.
"""

from __future__ import annotations

import re

from foi_search.core.domain import Attachment, Document, Message

from . import ParseError
from .authorities import find_authority, normalise_authority
from .common import file_stem, parse_date, url_slug

MAX_HTML_BYTES = 8 * 1024 * 1024
#: A disclosure page's own text is never this long; beyond it is a pasted data dump.
MAX_PAGE_TEXT = 300_000

_FIELDS = {
    "reference": re.compile(r"(?i)^(?:(?:our|foi|eir|request|case|log)\s+)?ref(?:erence)?(?:\s+(?:no|number|id))?\.?$|"
                            r"^(?:request|case|foi)\s+(?:no|number|id)\.?$"),
    "received": re.compile(r"(?i)^(?:date\s+(?:request\s+)?received|received(?:\s+date|\s+on)?|date\s+of\s+request|"
                           r"request\s+date|date\s+requested|date\s+submitted)$"),
    "responded": re.compile(r"(?i)^(?:date\s+of\s+(?:response|reply|disclosure|release|publication)|response\s+date|"
                            r"date\s+(?:responded|replied|closed|released|published|sent)|responded(?:\s+on)?|"
                            r"published(?:\s+on)?|closed|release\s+date|disclosure\s+date)$"),
    "outcome": re.compile(r"(?i)^(?:outcome|decision|status|result|response\s+type)$"),
    "exemptions": re.compile(r"(?i)^(?:exemptions?(?:\s+applied|\s+used)?|exceptions?(?:\s+applied)?)$"),
    "subject": re.compile(r"(?i)^(?:subject|title|topic|category|service|department|directorate)$"),
    "authority": re.compile(r"(?i)^(?:public\s+)?(?:authority|organisation|organization|body)$"),
}
_REQUEST_HEADING = re.compile(
    r"(?i)^(?:the\s+|your\s+)?(?:request|information\s+requested|what\s+was\s+(?:requested|asked)|"
    r"request\s+(?:details|text|summary)|details\s+of\s+(?:the\s+)?request|you\s+asked(?:\s+for)?|question[s]?)\s*:?$"
)
_RESPONSE_HEADING = re.compile(
    r"(?i)^(?:(?:our|the)\s+)?(?:response|reply|answer|decision|disclosure|outcome|information\s+(?:released|"
    r"disclosed|provided))(?:\s+(?:details|text|summary))?\s*:?$"
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "dt", "th", "strong", "b")


def looks_like(text_head: str) -> bool:
    """Whether an HTML page mentions FOI / EIR at all (anything else is not our material)."""
    return bool(re.search(r"(?i)freedom\s+of\s+information|\bFOI\b|\bFOIA\b|environmental\s+information\s+"
                          r"regulations|\bEIR\b|disclosure\s+log", text_head))


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read one disclosure-log page.

    Raises:
        ParseError: No readable content.
    """
    from bs4 import BeautifulSoup

    from ingest.parsers.pagetext import cap_text, drop_chrome, soup_text

    soup = BeautifulSoup(data[:MAX_HTML_BYTES], "lxml")
    canonical = _canonical(soup) or url
    page_title = " ".join(soup.title.get_text(" ").split()) if soup.title else ""
    site_authority = _meta_authority(soup) or _title_authority(page_title) or _chrome_authority(soup)
    drop_chrome(soup)
    main = next((m for m in _main_candidates(soup) if len(m.get_text(strip=True)) > 80), None) or soup.body or soup
    h1 = main.find("h1") or soup.find("h1")
    title = " ".join(h1.get_text(" ").split()) if h1 else re.split(r"\s+[|–-]\s+", page_title)[0]
    fields = _fields(main)
    attachments = _attachments(main, canonical)
    request_text, response_text = _sections(main)
    text = cap_text(soup_text(main), MAX_PAGE_TEXT)
    if not request_text:
        from .letters import extract_request

        request_text = extract_request(text)
    if len(text) < 40:
        raise ParseError("page has no readable content")
    response_text = cap_text(response_text, MAX_PAGE_TEXT) if response_text else text
    messages = []
    if request_text:
        messages.append(Message(direction="outgoing", text=request_text))
    response_date = parse_date(fields.get("responded"))
    messages.append(Message(direction="incoming", text=response_text, sent_at=response_date))
    authority = (normalise_authority(fields.get("authority")) or site_authority
                 or _not_ico(find_authority(text)))
    key = file_stem(path) or url_slug(canonical)
    if not key:
        raise ParseError("page has no file name or URL to key it by")
    refs = [fields["reference"]] if fields.get("reference") else []
    meta = {k: fields[k] for k in ("outcome", "exemptions", "subject") if fields.get(k)}
    return [
        Document(
            source="html",
            source_key=key,
            title=title or key,
            authority=authority,
            url=canonical,
            path=path,
            references=refs,
            law="EIR" if re.search(r"Environmental Information Regulations", text) and not re.search(
                r"Freedom of Information Act", text) else "FOIA",
            request_date=parse_date(fields.get("received")),
            response_date=response_date,
            messages=messages,
            attachments=attachments,
            meta=meta,
        )
    ]


def _main_candidates(soup):
    """Elements that usually hold a page's content, most specific first."""
    for found in (soup.find("main"), soup.find(attrs={"role": "main"}), soup.find("article"),
                  soup.find(id=re.compile(r"^(?:main-?content|maincontent|content|main)$")),
                  soup.find(class_=re.compile(r"^(?:main-content|content|page-content)$"))):
        if found is not None:
            yield found


def _canonical(soup) -> str | None:
    link = soup.find("link", rel="canonical")
    if link and link.get("href"):
        return link["href"].strip()
    og = soup.find("meta", attrs={"property": "og:url"})
    return og["content"].strip() if og and og.get("content") else None


def _meta_authority(soup) -> str | None:
    for attrs in ({"property": "og:site_name"}, {"name": "author"}, {"name": "publisher"}, {"name": "DC.publisher"}):
        m = soup.find("meta", attrs=attrs)
        if m and m.get("content"):
            name = normalise_authority(m["content"])
            if name:
                return name
    return None


def _not_ico(name: str | None) -> str | None:
    # Rights boilerplate names the ICO on every page; it is never the page's publisher here.
    return None if name and "Information Commissioner" in name else name


def _chrome_authority(soup) -> str | None:
    """The body named in the site header or footer (logo text, address line)."""
    from .authorities import find_authority

    for el in soup.find_all(["header", "footer"], limit=6):
        name = _not_ico(find_authority(el.get_text("\n")))
        if name:
            return name
    return None


def _title_authority(page_title: str) -> str | None:
    for part in reversed(re.split(r"\s+[|–-]\s+", page_title)):
        name = normalise_authority(part)
        if name:
            return name
    return None


def _fields(main) -> dict[str, str]:
    """Labelled values from ``dl``, two-column tables and "Label: value" paragraphs."""
    found: dict[str, str] = {}

    def offer(label: str, value: str) -> None:
        label = " ".join(label.split()).strip(" :")
        value = " ".join(value.split()).strip()
        if not label or not value or len(label) > 40:
            return
        for name, rx in _FIELDS.items():
            if name not in found and rx.match(label):
                found[name] = value[:300]
                return

    for dl in main.find_all("dl"):
        for dt in dl.find_all("dt"):
            dd = dt.find_next_sibling("dd")
            if dd:
                offer(dt.get_text(" "), dd.get_text(" "))
    for tr in main.find_all("tr"):
        cells = tr.find_all(["th", "td"], recursive=False)
        if len(cells) == 2:
            offer(cells[0].get_text(" "), cells[1].get_text(" "))
    # Labelled paragraphs sit near the top; a long page is not scanned to its end.
    for el in main.find_all(["p", "li", "div", "span"], limit=3000):
        if any(getattr(c, "name", None) in ("p", "div", "li") for c in el.children):
            continue
        t = " ".join(el.get_text(" ").split())
        m = re.match(r"^([A-Za-z][A-Za-z ]{2,38}?)\s*:\s*(.+)$", t)
        if m and len(t) < 300:
            offer(m.group(1), m.group(2))
    return found


def _sections(main) -> tuple[str | None, str | None]:
    """Text under a "Request" heading and under a "Response" heading, when the page has them."""
    from ingest.parsers.pagetext import tidy

    heads = [h for h in main.find_all(_HEADINGS) if len(h.get_text(strip=True)) < 60]
    # Real headings first: a "dt" labelled "Outcome" in the metadata list is not the response section.
    ranked = [h for h in heads if h.name.startswith("h")] + [h for h in heads if not h.name.startswith("h")]
    req_h = next((h for h in ranked if _REQUEST_HEADING.match(h.get_text(" ", strip=True))), None)
    resp_h = next((h for h in ranked if _RESPONSE_HEADING.match(h.get_text(" ", strip=True))), None)
    if req_h is None:
        return None, None

    def text_after(h, stop, *, to_end: bool = False) -> str:
        # A heading's section is its following siblings (or those of its parent block) up to the next heading.
        anchor = h
        if h.name in ("strong", "b", "dt", "th") and h.parent is not None and not h.find_next_sibling():
            anchor = h.parent
        parts = []
        for sib in anchor.find_next_siblings():
            if sib is stop or (stop is not None and stop in sib.descendants):
                break
            if not to_end and sib.name in ("h1", "h2", "h3", "h4", "h5") and sib is not h:
                break
            parts.append(sib.get_text("\n"))
        return tidy("\n".join(" ".join(p.split()) if "\n" not in p else
                              "\n".join(" ".join(x.split()) for x in p.split("\n")) for p in parts))

    request = text_after(req_h, resp_h)
    # The response runs to the end of the page: reasons, advice and rights all belong to it.
    response = text_after(resp_h, None, to_end=True) if resp_h is not None else None
    return (request or None), (response or None)


def _attachments(main, base: str | None) -> list[Attachment]:
    from urllib.parse import unquote, urljoin

    out = []
    seen = set()
    for a in main.find_all("a", href=True):
        href = a["href"]
        if not re.search(r"(?i)\.(pdf|docx?|xlsx?|csv|odt|ods|zip|txt)(?:$|\?)", href):
            continue
        full = urljoin(base, href) if base else href
        if full in seen:
            continue
        seen.add(full)
        name = " ".join(a.get_text(" ").split()) or unquote(href.split("?", 1)[0].rsplit("/", 1)[-1])
        out.append(Attachment(name=name, url=full))
    return out
