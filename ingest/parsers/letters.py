"""Response letters: PDF, DOCX, ODT or plain text, one letter (or data annex) per file.

A letter has a letterhead naming the authority, reference lines ("Our ref:",
"Reference No:", "FOI 1306/25" in a heading), a date, a salutation, often the
request quoted back ("You asked:", "Your request", "I note you seek access to
the following information:"), the decision and reasons, complaint rights and a
sign-off. The whole letter is one ``incoming`` message; a quoted request is
also kept as an ``outgoing`` message so the request can be searched on its own.

A data annex (tables only, no letter) still becomes a document: its text is
searchable and the authority comes from the letterhead or, for police files
named after the force ("Hertfordshire.pdf"), from the file name.
"""

from __future__ import annotations

import re

from foi_search.core.domain import Document, Message

from . import ParseError
from .authorities import letter_authority
from .common import clip, file_stem, parse_date, request_title

#: Labels of the authority's own reference ("Your ref" is the requester's and is left out).
_REF_LABELS = (
    r"Our\s+ref(?:erence)?(?:\s+(?:no|number))?\.?",
    r"My\s+ref(?:erence)?\.?",
    r"(?:FOI|FOIA|EIR|Request|Case|Freedom\s+of\s+Information)\s+ref(?:erence)?(?:\s+(?:no|number))?\.?",
    r"Ref(?:erence)?(?:\s+(?:no|number))?\.?",
    r"Request\s+(?:no|number|ID)\.?",
    r"Case\s+(?:no|number|ID)\.?",
)
_REF_LINE = re.compile(
    r"(?im)^[ \t]*(?:" + "|".join(_REF_LABELS) + r")[ \t]*[:\-–]?[ \t]*([A-Z0-9][A-Z0-9 ./\-_]{2,40}?)[ \t]*(?:$|[ \t]{2,})"
)
#: References written inline: "FOI 1306/25", "FOI 2025/1234", "01/FOI/25/006753/Z", "EIR-2024-0012".
_REF_INLINE = re.compile(
    r"\b((?:FOI|FOIA|EIR|FOIR|IR)[ \-/]?(?:\d{2,4}[/\-])?\d{2,7}(?:[/\-]\d{2,4})?"
    r"|\d{2}/(?:FOI|EIR)/\d{2}/\d{3,7}(?:/[A-Z])?"
    r"|\d{2}\.FOI\.\d{2}\.\d{3,7})\b"
)
# The letter's own date; "Date of request:" / "Date received:" lines date the request, not the reply.
_DATE_LINE = re.compile(
    r"(?im)^[ \t]*(?:Date(?: of (?:response|letter|reply|issue))?|Dated|Response date|Date sent)"
    r"(?![ \t]*(?:of |request|received|submitted|due|logged|acknowledged))[ \t]*[:\-–]?[ \t]*(.+)$"
)
_NOT_LETTER_DATE = re.compile(r"(?i)ref|tel|phone|receiv|request|submitted|due|deadline|logged")
_RECEIVED = re.compile(
    r"(?is)\b(?:received|dated|submitted|made)\b[^.]{0,80}?\bon\s+"
    r"(\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4})"
)
_ON_DATE_ASKED = re.compile(
    r"(?i)\bOn\s+(\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4}),?\s+you\s+"
    r"(?:asked|requested|wrote|made|submitted|sent)"
)
_REQUEST_HEAD = re.compile(
    r"(?im)^[ \t]*(?:you (?:asked|requested)(?: for)?(?: the following(?: information)?)?"
    r"|your (?:original )?request(?: was| read| for information)?(?: as follows)?"
    r"|request(?: details)?|information requested|the request|details of (?:your )?request)\s*[:.\-–]?[ \t]*$"
)
# Phrases that introduce a quoted request mid-sentence; PDF text wraps them across lines.
_REQUEST_HEAD_INLINE = re.compile(
    "(?i)(?:"
    + "|".join(
        p.replace(" ", r"\s+")
        for p in (
            r"I note (?:that )?you (?:seek|have sought|are seeking) access to the following information",
            r"(?:in which )?you requested details of the following",
            r"you (?:asked|requested)(?: for)?(?: the following(?: information)?)?",
            r"your request (?:was|read)(?: as follows)?",
            r"(?:the|your) information (?:you )?requested (?:was|is)",
        )
    )
    + r")\s*:[ \t]*\n?"
)
_REQUEST_END = re.compile(
    r"(?i)^[ \t]*(?:Response\b|Our response|Decision\b|Outcome\b|Answer\b|Reply\b|Locations? of interest|"
    r"Freedom of Information Act 2000\s*$|Environmental Information Regulations 2004\s*$|"
    r"I (?:can|am able to|have|confirm|am writing|write|must|would|attach|enclose)\b|"
    r"We (?:can|have|are|do|hold|confirm|enclose|attach)\b|"
    r"(?:The|This) (?:information|Freedom|Council|Force|Constabulary|request|letter|response)\b|"
    r"Your request for information has|Please (?:note|find|see)\b|Thank you\b|Having\b|"
    r"In (?:response|answer|relation)\b|Searches\b|Following\b|[A-Z][A-Za-z ]+ (?:Police|Constabulary|Council) "
    r"(?:can|does|do|has|have|holds?|is|confirms?)\b)"
)
_SUBJECT = re.compile(r"(?im)^[ \t]*(?:Re|Subject|Title)[ \t]*:[ \t]*(.{5,200})$")


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read one letter file (PDF, DOCX, ODT or text; the format is sniffed).

    Raises:
        ParseError: Unreadable file (corrupt, scanned PDF) or no text.
    """
    from ingest.parsers.textract import extract_text

    text = extract_text(data, name=path or url or "")
    return [parse_text(text, path=path, url=url)]


def parse_text(text: str, *, path: str | None = None, url: str | None = None) -> Document:
    """Build a letter document from its text.

    Raises:
        ParseError: The text is (nearly) empty.
    """
    if len(text.strip()) < 40:
        raise ParseError("letter has almost no text")
    stem = file_stem(path) or file_stem(url) or None
    authority = letter_authority(text, stem)
    references = find_references(text)
    response_date = _response_date(text)
    request = extract_request(text)
    m = _RECEIVED.search(text[:6000]) or _ON_DATE_ASKED.search(text[:6000])
    request_date = parse_date(m.group(1)) if m else None
    messages = []
    if request:
        messages.append(Message(direction="outgoing", text=request))
    messages.append(Message(direction="incoming", text=text, sent_at=response_date))
    is_letter = bool(re.search(r"(?im)^\s*Dear\b|Yours (?:sincerely|faithfully)", text))
    title = _title(text, request, authority, references, stem)
    key = stem or (references[0] if references else None)
    if not key:
        raise ParseError("letter has no file name or reference to key it by")
    meta = {} if is_letter else {"letter": False, "note": "data annex with no covering letter"}
    return Document(
        source="letter",
        source_key=key,
        title=title,
        authority=authority,
        url=url,
        path=path,
        references=references,
        law=_law(text),
        request_date=request_date,
        response_date=response_date,
        messages=messages,
        meta=meta,
    )


def find_references(text: str, *, head_chars: int = 4000) -> list[str]:
    """The authority's references as written, letterhead labels first, then inline FOI numbers."""
    head = text[:head_chars]
    refs: list[str] = []
    for m in _REF_LINE.finditer(head):
        value = _ref_tokens(m.group(1))
        if _plausible_ref(value):
            refs.append(value)
    for line in head.splitlines():
        if re.match(r"(?i)\s*your\s+ref", line):
            continue  # the requester's own reference
        refs.extend(m.group(1) for m in _REF_INLINE.finditer(line))
    out: list[str] = []
    keys: set[str] = set()
    for r in refs:
        k = re.sub(r"[^a-z0-9]", "", r.lower())
        # "FOI 1306/25" and "1306/25" are the same reference; keep the first spelling.
        if any(k in other or other in k for other in keys):
            continue
        keys.add(k)
        out.append(r)
    return out[:5]


def _ref_tokens(value: str) -> str:
    """The reference at the start of a labelled value, without what follows it on the line.

    PDF text can join a reference and the next column with one space
    ("FOI 1306/25 www.cumbria.police.uk"): keep tokens with digits and short codes only.
    """
    kept = []
    for tok in value.split():
        if re.search(r"\d", tok) or re.fullmatch(r"[A-Z/\-_.]{1,6}", tok):
            kept.append(tok)
        else:
            break
    return " ".join(kept).strip(" .:-")


def _plausible_ref(value: str) -> bool:
    if not re.search(r"\d", value) or len(value) > 40:
        return False
    # A date or a phone number is not a reference.
    if parse_date(value) and len(re.sub(r"\D", "", value)) in (6, 8):
        return False
    return not re.fullmatch(r"[\d ]{11,}", value)


def _response_date(text: str) -> str | None:
    head = text[:3000]
    m = _DATE_LINE.search(head)
    if m:
        d = parse_date(m.group(1))
        if d:
            return d
    # Letters put their date alone on a line above the salutation.
    lines = head.splitlines()
    for line in lines[:40]:
        s = line.strip()
        if re.match(r"(?i)^dear\b", s):
            break
        if 6 <= len(s) <= 40:
            d = parse_date(s)
            if d and re.fullmatch(r"(?i)[\w ,./\-:]+", s) and not _NOT_LETTER_DATE.search(s):
                return d
    return None


def extract_request(text: str) -> str | None:
    """The request as the letter quotes it, or None."""
    head = text[:12000]
    # "You asked:" beats a "Your request" heading: the heading is often followed by
    # "We received your request on ... You asked:".
    starts = [m.end() for m in _REQUEST_HEAD_INLINE.finditer(head)]
    starts += [m.end() for m in _REQUEST_HEAD.finditer(head)]
    for start in starts:
        body: list[str] = []
        for nxt in head[start:].split("\n")[:80]:
            if body and any(b.strip() for b in body) and _REQUEST_END.match(nxt):
                break
            body.append(nxt)
        request = "\n".join(body).strip()
        if len(request) >= 15:
            return request
    return None


def _title(text: str, request: str | None, authority: str | None, refs: list[str], stem: str | None) -> str:
    title = request_title(request)
    if title:
        return title
    m = _SUBJECT.search(text[:3000])
    if m:
        return clip(m.group(1), 140)
    if authority:
        return f"{authority}: " + ("FOI response " + refs[0] if refs else "FOI response")
    return (stem or "letter").replace("_", " ")


def _law(text: str) -> str:
    foia = bool(re.search(r"Freedom of Information (?:Act|\(Scotland\))|\bFOIA?\b", text))
    eir = bool(re.search(r"Environmental Information Regulations|\bEIR\b", text))
    if re.search(r"Freedom of Information \(Scotland\) Act", text):
        return "FOISA"
    # Extraction decides "both" from the reasoning; boilerplate often names both regimes.
    return "FOIA" if foia else "EIR" if eir else "unclear"
