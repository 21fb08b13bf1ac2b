"""Police disclosure-log responses on the "foi-ai" platform (Metropolitan Police and others).

The page text (saved as ``.txt``, or the ``.html`` itself) carries the site's
chrome: a quick-exit link and cookie banner at the top, "Back to top" and footer
links at the bottom. Between them::

    Freedom of information request reference no: 01.FOI.22.023320
    Date of response: 14 March 2024            (not on every page)
    I note you seek access to the following information:
    <the request, often numbered questions>
    I have today decided to disclose ... / This response serves as a Refusal Notice ...
    <exemptions, reasons, disclosure, complaint rights>

The request becomes an ``outgoing`` message, everything from the decision on an
``incoming`` one; the reference is the ``source_key``.
"""

from __future__ import annotations

import re
from collections import Counter

from foi_search.core.domain import Document, Message

from . import ParseError
from .authorities import all_forces, normalise_authority
from .common import parse_date, request_title

MPS = "Metropolitan Police Service"

_REFERENCE = re.compile(
    r"(?im)^[ \t]*Freedom of information request reference(?:\s+(?:no|number))?\.?\s*:?\s*"
    r"([A-Z0-9][A-Z0-9./\-]*[A-Z0-9])"
)
_RESPONSE_DATE = re.compile(r"(?im)^[ \t]*Date(?: of response)?\s*:\s*(.+)$")
_REQUEST_START = re.compile(
    r"(?im)^[ \t]*(?:I note (?:that )?you (?:seek|have sought|are seeking) access to the following information"
    r"|You (?:asked|requested)(?: for)?(?: the following)?(?: information)?|Your request(?: was| read)?)\s*:?[ \t]*$"
)
_REQUEST_START_INLINE = re.compile(
    r"(?i)I note (?:that )?you (?:seek|have sought|are seeking) access to the following information\s*:?"
)
#: Lines that open the decision, ending the quoted request.
_DECISION_START = re.compile(
    r"(?i)^[ \t]*(?:I have (?:today )?decided|I have (?:now )?(?:located|considered|completed)|Having (?:located|"
    r"considered|completed)|This (?:letter|response) (?:serves|is)|This is a Refusal Notice|I can (?:neither )?"
    r"confirm|The MPS (?:can|is|has|does|holds|will|neither)|Reason(?:s)? for decision|Decision\b|DECISION|"
    r"Searches (?:were|have been)|Following (?:a|an|extensive|thorough) |In response to your request|"
    r"We (?:can|have|are|do|neither)|Please find|Response\s*$|Our response)"
)
_TOP_CHROME = re.compile(
    r"(?i)cookie|leave this site|escape key|skip to (?:main )?content|technical problem|something went wrong|"
    r"try again|this site is a beta|your feedback|accept (?:all|additional)|reject (?:all|additional)|"
    r"customise|javascript|^menu$|^search$|^close$|^sign in$|^home$"
)
_BOTTOM_CHROME = {
    "back to top", "contact us", "accessibility", "cookie settings", "cookies", "privacy notice", "privacy",
    "terms and conditions", "terms of use", "site map", "sitemap", "follow us", "social media", "feedback",
    "modern slavery statement", "freedom of information", "legal", "copyright", "about us", "careers",
    "report", "jobs", "news", "help", "accessibility statement", "language", "share",
}


def looks_like(text_head: str) -> bool:
    """Whether text is a foi-ai disclosure page."""
    return bool(_REFERENCE.search(text_head)) or (
        "I note you seek access to the following information" in text_head
        and ("police" in text_head.lower() or "MPS" in text_head)
    )


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read one disclosure page (text or HTML).

    Raises:
        ParseError: Not text, or no reference and no request block.
    """
    from ingest.parsers.pagetext import decode_text

    head = data[:2048].lstrip().lower()
    is_html = head.startswith((b"<!doctype", b"<html")) or b"<body" in data[:65536].lower()
    title = None
    if is_html:
        title, text = _html_text(data)
    else:
        text = decode_text(data)
    return [parse_text(text, path=path, url=url, title=title)]


def _html_text(data: bytes) -> tuple[str | None, str]:
    from bs4 import BeautifulSoup

    from ingest.parsers.pagetext import drop_chrome, soup_text

    soup = BeautifulSoup(data[: 8 * 1024 * 1024], "lxml")
    h1 = soup.find("h1")
    title = " ".join(h1.get_text(" ").split()) if h1 else None
    drop_chrome(soup)
    main = soup.select_one("main, [role=main], article, #main-content, #content") or soup.body or soup
    # Block-level layout keeps each paragraph on its own line, as the saved text pages have it.
    text = soup_text(main)
    return title, text


def parse_text(text: str, *, path: str | None = None, url: str | None = None, title: str | None = None) -> Document:
    """Build the document from the page's text (chrome included or not).

    Raises:
        ParseError: Neither a reference line nor a request block.
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    ref_match = _REFERENCE.search(text)
    reference = ref_match.group(1).rstrip(".") if ref_match else None
    body_lines, title_lines = _strip_chrome(lines)
    if not reference and not any(_REQUEST_START.match(x) or _REQUEST_START_INLINE.search(x) for x in body_lines):
        raise ParseError("no 'Freedom of information request reference no' line or request block")
    response_date = None
    request_lines: list[str] = []
    response_lines: list[str] = []
    i = 0
    while i < len(body_lines):
        line = body_lines[i]
        if _REFERENCE.match(line):
            i += 1
            continue
        m = _RESPONSE_DATE.match(line)
        if m and response_date is None and parse_date(m.group(1)):
            response_date = parse_date(m.group(1))
            i += 1
            continue
        if not request_lines and (_REQUEST_START.match(line) or _REQUEST_START_INLINE.match(line)):
            rest = _REQUEST_START_INLINE.sub("", line).strip() if _REQUEST_START_INLINE.match(line) else ""
            i += 1
            j = i
            while j < len(body_lines) and not _DECISION_START.match(body_lines[j]):
                j += 1
            if j == len(body_lines):
                # No decision line: the request is the first paragraph block only.
                j = i
                while j < len(body_lines) and body_lines[j].strip():
                    j += 1
            request_lines = ([rest] if rest else []) + body_lines[i:j]
            i = j
            continue
        response_lines.append(line)
        i += 1
    request = "\n".join(request_lines).strip()
    response = "\n".join(response_lines).strip()
    if not response and not request:
        raise ParseError("page has a reference but no response text")
    authority = _authority(text, reference)
    if not title:
        title = title_lines[-1] if title_lines else None
    if not title:
        title = request_title(request) or (f"{authority} FOI response {reference}" if reference else "")
    source = "mps" if authority == MPS else "police"
    key = reference or (path and re.sub(r"\.[^.]+$", "", path.rsplit("/", 1)[-1]))
    if not key:
        raise ParseError("no reference and no file name to key the document by")
    messages = []
    if request:
        messages.append(Message(direction="outgoing", text=request))
    if response:
        messages.append(Message(direction="incoming", text=response, sent_at=response_date))
    return Document(
        source=source,
        source_key=key,
        title=title,
        authority=authority,
        url=url,
        path=path,
        references=[reference] if reference else [],
        law=_law(text),
        response_date=response_date,
        messages=messages,
    )


def _law(text: str) -> str:
    foia = bool(re.search(r"Freedom of Information Act|\bFOIA\b", text, re.I))
    eir = bool(re.search(r"Environmental Information Regulations", text, re.I))
    if eir and not foia:
        return "EIR"
    # The platform publishes FOIA responses; EIR is named when it applies.
    return "FOIA"


def _strip_chrome(lines: list[str]) -> tuple[list[str], list[str]]:
    """Lines of the page body, and any non-chrome lines above the reference (title candidates)."""
    start = 0
    title_lines: list[str] = []
    for idx, line in enumerate(lines[:80]):
        if _REFERENCE.match(line):
            start = idx
            title_lines = [x.strip() for x in lines[:idx] if x.strip() and not _TOP_CHROME.search(x)
                           and len(x.strip()) <= 200 and not _is_bottom_chrome(x)]
            break
    else:
        # No reference line: drop leading chrome lines only.
        while start < len(lines) and (not lines[start].strip() or _TOP_CHROME.search(lines[start])):
            start += 1
    end = len(lines)
    while end > start and (not lines[end - 1].strip() or _is_bottom_chrome(lines[end - 1])):
        end -= 1
    return lines[start:end], title_lines


def _is_bottom_chrome(line: str) -> bool:
    s = line.strip().lower().rstrip(".")
    return s in _BOTTOM_CHROME or s.startswith(("©", "copyright", "(c) ")) or bool(_TOP_CHROME.search(s) and len(s) < 60)


_ANY_FORCE = re.compile(r"\b((?:[A-Z][a-z]+[ \t]+){1,3})(Police(?:[ \t]+Service)?|Constabulary)\b")


def _authority(text: str, reference: str | None) -> str:
    forces = Counter(all_forces(text))
    if not forces:
        # Forces outside the known list still name themselves ("Northvale Police").
        for m in _ANY_FORCE.finditer(text):
            if re.match(r"(?i)(?:the|your|a|our|local|british|each|every|any)\s", m.group(0)):
                continue
            name = normalise_authority(m.group(0))
            if name:
                forces[name] += 1
    if re.search(r"\bMPS\b", text) or (reference or "").startswith("01."):
        forces[MPS] += 2
    if forces:
        return forces.most_common(1)[0][0]
    return MPS
