"""ICO decision-notice metadata (``decision-notices.csv``): one row per notice, no notice text.

Columns: ``decision_file`` (``fs_50520644.pdf``, ``fer0123456.pdf``, or several
refs joined), dates (``start_date`` the request, ``ico_date`` the complaint,
``review_date`` / ``review_reply_date`` the internal review), 0/1 flags (steps
to comply, fresh response, valid refusal, section 54...) and a ``flags`` list.
Each row becomes an ``ico_decision`` document keyed by its notice reference(s),
with a one-paragraph summary built from the fields so it can be searched.
"""

from __future__ import annotations

import re

from foi_search.core.domain import Document, Message

from . import ParseError
from .common import parse_date, read_csv_rows

_REF = re.compile(r"(?i)(?<![a-z0-9])(?:(fs|fer)[_\- ]?(\d{6,8})(?!\d)|(ic)-(\d{4,7}-[a-z0-9]{4}))(?![a-z0-9])")
_FLAG_SENTENCES = {
    "steps_to_comply": "The Commissioner requires the public authority to take steps to comply.",
    "does_not_require": "The Commissioner does not require the public authority to take any steps.",
    "substantive_response": "The public authority must issue a substantive response.",
    "issue_response": "The public authority must issue a response to the request.",
    "fresh_response": "The public authority must issue a fresh response.",
    "valid_refusal": "The public authority must issue a valid refusal notice.",
    "section_54": "Failure to comply may be certified to the court as contempt (section 54).",
    "likely_invalid_ir_date": "The internal review dates in the notice are probably unreliable.",
}
_DATE_COLS = ("start_date", "ico_date", "review_date", "review_reply_date", "review_data_either")


def looks_like(header: list[str]) -> bool:
    """Whether a CSV header is the ICO decision-notice metadata."""
    return "decision_file" in header or ("notice_ref" in {h.lower() for h in header})


def notice_refs(text: str) -> list[str]:
    """ICO notice references in ``text``, normalised: ``fs_50520644`` -> ``FS50520644``."""
    out = []
    for m in _REF.finditer(text):
        ref = m.group(1).upper() + m.group(2) if m.group(1) else "IC-" + m.group(4).upper()
        if ref not in out:
            out.append(ref)
    return out


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read every row.

    Raises:
        ParseError: Not the decision-notice CSV shape.
    """
    header, rows = read_csv_rows(data)
    file_col = "decision_file" if "decision_file" in header else next(
        (h for h in header if h.lower() == "notice_ref"), None)
    if not file_col:
        raise ParseError("CSV has no 'decision_file' column")
    docs = []
    seen: set[str] = set()
    for row in rows:
        raw = row.get(file_col, "").strip()
        refs = notice_refs(raw)
        if not refs:
            continue
        key = _key(raw, refs)
        if key in seen:
            continue  # the same notice listed twice
        seen.add(key)
        flags = sorted({f.strip() for f in row.get("flags", "").split(",") if f.strip()}
                       | {c for c in _FLAG_SENTENCES if row.get(c, "").strip() == "1"})
        dates = {c: parse_date(row.get(c)) for c in _DATE_COLS if parse_date(row.get(c))}
        summary = _summary(refs, dates, flags)
        meta = {"decision_file": raw, "flags": flags, **dates}
        if row.get("date_diff", "").strip().isdigit():
            meta["days_request_to_complaint"] = int(row["date_diff"])
        docs.append(
            Document(
                source="ico",
                source_key=key,
                kind="ico_decision",
                title=f"ICO decision notice {' / '.join(refs)}",
                url=url,
                path=path,
                references=refs,
                law="EIR" if all(r.startswith("FER") for r in refs) else "FOIA" if all(
                    r.startswith("FS") for r in refs) else "unclear",
                request_date=dates.get("start_date"),
                messages=[Message(direction="incoming", text=summary)],
                meta=meta,
            )
        )
    return docs


def _key(raw: str, refs: list[str]) -> str:
    stem = re.sub(r"(?i)\.pdf$", "", raw.strip())
    rest = _REF.sub("", stem)
    # Keep qualifiers such as "-2" or "-annex" that tell two files of one notice apart.
    suffix = re.sub(r"[^a-z0-9]+", "-", rest.lower()).strip("-")
    suffix = re.sub(r"^(?:and-)+|(?:-and)+$", "", suffix)
    suffix = "-".join(p for p in suffix.split("-") if p and p != "and")
    return "+".join(refs) + (f"-{suffix}" if suffix else "")


def _summary(refs: list[str], dates: dict[str, str], flags: list[str]) -> str:
    kind = "Environmental Information Regulations" if all(r.startswith("FER") for r in refs) else "Freedom of Information"
    parts = [f"Information Commissioner's decision notice {', '.join(refs)} ({kind})."]
    if dates.get("start_date"):
        parts.append(f"The request was made on {dates['start_date']}.")
    if dates.get("review_date"):
        parts.append(f"An internal review was requested on {dates['review_date']}.")
    if dates.get("review_reply_date"):
        parts.append(f"The internal review reply was sent on {dates['review_reply_date']}.")
    if dates.get("ico_date"):
        parts.append(f"The complaint reached the Commissioner on {dates['ico_date']}.")
    parts.extend(_FLAG_SENTENCES[f] for f in flags if f in _FLAG_SENTENCES)
    return " ".join(parts)
