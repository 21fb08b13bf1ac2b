"""FOI case logs published as CSV (Devon County Council's log and others like it).

Columns are recognised by their headers, not their position: a case
reference, the request text, an outcome/status category, dates received and
closed, the regime. One row becomes one ``log_entry`` document whose request is
an ``outgoing`` message; the log's outcome category is kept as written in
``meta["log_outcome"]`` (extraction maps it onto the closed outcome set).

Columns that name people (disclosure officer, senior manager, requester,
e-mail, phone) are never read into the document, not even into ``meta``.
"""

from __future__ import annotations

import re

from foi_search.core.domain import Document, Message

from . import ParseError
from .authorities import normalise_authority
from .common import clip, file_stem, parse_date, read_csv_rows, request_title

#: Logs whose publisher the file name or folder gives away: (pattern, authority, source name).
KNOWN_LOGS = [(re.compile(r"(?i)\bdevon\b"), "Devon County Council", "devon")]

_COLUMNS = {
    "reference": re.compile(r"(?i)^(?:(?:our|foi|eir|case|request|log)\s*)?(?:ref(?:erence)?|id|no\.?|number)"
                            r"(?:\s*(?:no\.?|number|id))?$|^case$|^identifier$"),
    "request": re.compile(r"(?i)^(?:(?:full\s+)?request(?:\s+(?:text|details|description|summary))?|"
                          r"(?:request\s+)?description|details(?:\s+of\s+request)?|information\s+requested|"
                          r"summary(?:\s+of\s+request)?|question[s]?|request\s+wording)$"),
    "title": re.compile(r"(?i)^(?:case\s+label|title|subject|topic|request\s+title|short\s+description|keywords?)$"),
    "outcome": re.compile(r"(?i)^(?:status|outcome|decision|result|response(?:\s+type)?|disclosure\s+status|"
                          r"closure\s+reason|final\s+outcome)$"),
    "received": re.compile(r"(?i)^(?:(?:date\s+)?received(?:\s+date)?|date\s+(?:of\s+)?request|request\s+date|"
                           r"date\s+opened|opened|date\s+submitted)$"),
    "closed": re.compile(r"(?i)^(?:date\s+(?:closed|responded|completed|of\s+response|sent|answered)|"
                         r"(?:response|closed|completion|completed)\s+date|closed|responded)$"),
    "logged": re.compile(r"(?i)^date\s+logged$|^logged$"),
    "law": re.compile(r"(?i)^(?:scheme|legislation|regime|request\s+type|type|act)$"),
    "exemptions": re.compile(r"(?i)^(?:exemptions?(?:\s+(?:applied|used|cited))?|exceptions?)$"),
    "service": re.compile(r"(?i)^(?:service|department|directorate|service\s+area|team)$"),
    "authority": re.compile(r"(?i)^(?:public\s+)?(?:authority|organisation|organization|body|council)$"),
}
#: Headers of columns that hold people's names or contact details: never stored.
PERSONAL_COLUMNS = re.compile(
    r"(?i)officer|manager|handler|owner|assigned|allocated|staff|requester|requestor|applicant|\bname\b|"
    r"e-?mail|phone|telephone|address|contact|author|responsible|\blead\b|director\b|signed|approver|approved\s+by|"
    r"user|person|caseworker|case\s+worker|by$"
)
_LAW = (
    (re.compile(r"(?i)\bboth\b"), "both"),
    (re.compile(r"(?i)environmental|\beir\b"), "EIR"),
    (re.compile(r"(?i)scotland|foisa"), "FOISA"),
    (re.compile(r"(?i)freedom\s+of\s+information|\bfoi"), "FOIA"),
)


def columns(header: list[str]) -> dict[str, str]:
    """Map roles (reference, request, outcome...) to the header that holds each; personal columns excluded."""
    found: dict[str, str] = {}
    for h in header:
        if not h or PERSONAL_COLUMNS.search(h):
            continue
        for role, rx in _COLUMNS.items():
            if role not in found and rx.match(h.strip()):
                found[role] = h
                break
    return found


def looks_like(header: list[str]) -> bool:
    """Whether a CSV header is an FOI log: a reference, a request and an outcome or date column."""
    cols = columns(header)
    return "reference" in cols and "request" in cols and ("outcome" in cols or "received" in cols or "closed" in cols)


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read every row of a log.

    Raises:
        ParseError: Not a CSV, or no reference/request columns.
    """
    header, rows = read_csv_rows(data)
    return parse_rows(header, rows, path=path, url=url)


def parse_rows(header: list[str], rows: list[dict[str, str]], *, path: str | None = None,
               url: str | None = None) -> list[Document]:
    """Documents from a log's header and rows (cells as text), from a CSV or a spreadsheet.

    Raises:
        ParseError: No reference/request columns, or no rows with a reference.
    """
    cols = columns(header)
    if "reference" not in cols or "request" not in cols:
        raise ParseError("CSV has no recognisable reference and request columns: " + clip(", ".join(header), 120))
    default_authority, source = _publisher(path or url or "")
    docs: list[Document] = []
    seen: set[str] = set()
    extra_cols = [h for h in header if h and h not in cols.values() and not PERSONAL_COLUMNS.search(h)]
    for row in rows:
        ref = row.get(cols["reference"], "").strip()
        request = row.get(cols["request"], "").strip()
        if not ref or ref in seen:
            continue
        get = lambda role: row.get(cols[role], "").strip() if role in cols else ""  # noqa: E731
        if not _is_record(ref, request, [get(r) for r in ("received", "closed", "logged") if r in cols]):
            continue
        seen.add(ref)
        authority = normalise_authority(get("authority")) or default_authority
        label = get("title")
        title = label or request_title(request) or f"FOI request {ref}"
        received = parse_date(get("received"))
        closed = parse_date(get("closed"))
        meta = {"log_outcome": get("outcome") or None, "service": get("service") or None,
                "exemptions": get("exemptions") or None, "date_logged": parse_date(get("logged")),
                "case_label": label or None}
        for h in extra_cols:
            v = row.get(h, "").strip()
            if v:
                meta[_key(h)] = v[:500]
        messages = [Message(direction="outgoing", text=request, sent_at=received)] if request else []
        docs.append(
            Document(
                source=source,
                source_key=ref,
                kind="log_entry",
                title=clip(title, 200),
                authority=authority,
                url=url,
                path=path,
                references=[ref],
                law=_law(get("law")),
                request_date=received,
                response_date=closed,
                messages=messages,
                meta={k: v for k, v in meta.items() if v},
            )
        )
    if not docs:
        raise ParseError("FOI log has no rows with a reference")
    return docs


#: A case reference: short, a few tokens at most, with a digit ("2475897", "IR0123456", "FOI/2024/0012").
_REFERENCE_SHAPE = re.compile(r"^(?=[^\t\n]*\d)[^\t\n]{1,40}$")


def _is_record(ref: str, request: str, dates: list[str]) -> bool:
    """Whether a row is a case, not a piece of a multi-line cell whose quoting broke.

    A stray or doubled quote makes the csv module end a quoted cell early, so the
    rest of a long request text arrives as rows of its own, its lines in the
    reference column ("2.\tIf you have received..."). Such a fragment has no
    reference shape, or neither a request nor a date where the log keeps dates.
    """
    if not _REFERENCE_SHAPE.match(ref) or len(ref.split()) > 4:
        return False
    return bool(request) or not dates or any(parse_date(d) for d in dates)


def _publisher(where: str) -> tuple[str | None, str]:
    for rx, authority, source in KNOWN_LOGS:
        if rx.search(re.sub(r"[_\-/.]", " ", where)):
            return authority, source
    stem = file_stem(where) or "log"
    return None, "foi-log-" + re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")


def _law(value: str) -> str:
    for rx, law in _LAW:
        if rx.search(value):
            return law
    return "unclear"


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")
