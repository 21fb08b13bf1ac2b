"""Small helpers the parsers share: dates, keys, JSON and CSV decoding, labelled values."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import PurePath
from typing import Any

from . import ParseError

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ]
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

#: ``14 March 2024``, ``13th October 2025``, ``Tuesday, 2 July 2024``.
DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\.?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I
)
#: ``March 14, 2024``.
MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
#: ``10/10/2025``, ``10.10.25``, ``10-10-2025`` (UK order: day first).
NUMERIC_DMY = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")
#: ``2024-03-14`` with an optional time.
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")


def month_number(name: str) -> int | None:
    """1-12 for an English month name or its usual abbreviation (any case), else None."""
    return _MONTHS.get(name.strip().lower().rstrip("."))


def parse_date(text: str | None) -> str | None:
    """The first date in ``text`` as an ISO ``YYYY-MM-DD``, or None.

    Understands ISO dates, ``14 March 2024``, ``13th Oct 2025``, ``March 14, 2024``
    and UK numeric dates (``10/10/2025``, day first).
    """
    if not text:
        return None
    best: tuple[int, str] | None = None
    for rx, order in ((ISO_DATE, "ymd"), (DAY_MONTH_YEAR, "dmy"), (MONTH_DAY_YEAR, "mdy"), (NUMERIC_DMY, "dmy")):
        m = rx.search(text)
        if not m:
            continue
        iso = _to_iso(m, order)
        if iso and (best is None or m.start() < best[0]):
            best = (m.start(), iso)
    return best[1] if best else None


def _to_iso(m: re.Match, order: str) -> str | None:
    a, b, c = m.group(1), m.group(2), m.group(3)
    try:
        if order == "ymd":
            y, mo, d = int(a), int(b), int(c)
        elif order == "mdy":
            mo, d, y = _MONTHS[a.lower().rstrip(".")], int(b), int(c)
        else:
            d = int(a)
            mo = int(b) if b.isdigit() else _MONTHS[b.lower().rstrip(".")]
            y = int(c)
            if y < 100:
                y += 2000 if y < 70 else 1900
        if not 1900 <= y <= 2100:
            return None
        return date(y, mo, d).isoformat()
    except (ValueError, KeyError):
        return None


def iso_or_none(value: Any) -> str | None:
    """An ISO timestamp string as given (trimmed), its date when it is only a date, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def file_stem(path: str | None) -> str | None:
    """The file name without its suffix, or None."""
    if not path:
        return None
    return PurePath(path).stem or None


def url_slug(url: str | None) -> str | None:
    """Last non-empty path segment of a URL (query and fragment dropped)."""
    if not url:
        return None
    base = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    seg = base.rsplit("/", 1)[-1]
    return seg or None


def load_json(data: bytes) -> Any:
    """Decode JSON bytes (UTF-8, BOM allowed).

    Raises:
        ParseError: Not UTF-8 or not valid JSON (truncated files included).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ParseError(f"JSON is not UTF-8 (byte {e.start})") from e
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        tail = text.rstrip()[-1:]
        why = "truncated JSON" if e.pos >= len(text.rstrip()) - 1 or tail not in ("}", "]") else "invalid JSON"
        raise ParseError(f"{why}: {e.msg} at line {e.lineno} column {e.colno}") from e
    except RecursionError as e:
        raise ParseError("JSON nested too deeply") from e


#: Most rows read from one CSV file (the largest real FOI log has a few thousand).
MAX_CSV_ROWS = 50_000


def decode_csv_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (BOM allowed), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv_rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file, cells stripped; the delimiter is sniffed.

    Raises:
        ParseError: Empty, binary, or malformed.
    """
    if b"\x00" in data[:4096]:
        raise ParseError("binary data, not CSV")
    # Stray carriage returns inside unquoted cells trip the csv module; lines end in "\n" from here on.
    text = decode_csv_text(data).replace("\r\n", "\n").replace("\r", "\n")
    first = text.split("\n", 1)[0]
    # Only the delimiter is sniffed; quoting stays standard (the sniffer guesses it wrong on long cells).
    delim = max((",", ";", "\t", "|"), key=first.count)
    dialect = csv.excel
    try:
        reader = csv.reader(io.StringIO(text), dialect, delimiter=delim if first.count(delim) else ",")
        header = next(reader, None)
        if not header:
            raise ParseError("CSV has no header row")
        header = [h.strip() for h in header]
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_CSV_ROWS:
                raise ParseError(f"CSV has over {MAX_CSV_ROWS} rows, the limit for one file")
            rows.append({h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h})
    except csv.Error as e:
        raise ParseError(f"malformed CSV: {e}") from e
    return header, rows


def clip(text: str, limit: int = 300) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "…"


_LABEL_VALUE = r"[ \t]*[:\-–][ \t]*(.+)"


def labelled_value(text: str, labels: tuple[str, ...], *, max_len: int = 120) -> str | None:
    """Value written after one of ``labels`` at the start of a line ("Our ref: 1234").

    Args:
        text: Text to search.
        labels: Label alternatives, regex-escaped or plain words.
        max_len: Longest value kept.
    """
    alt = "|".join(labels)
    m = re.search(rf"(?im)^[ \t]*(?:{alt}){_LABEL_VALUE}$", text)
    if not m:
        return None
    value = m.group(1).strip()
    return value[:max_len] if value else None


_ASKED_PREFIX = re.compile(
    r"(?i)^(?:On\s+[\w ,/]{5,30}?,?\s+)?(?:you|we)\s+(?:asked|requested|wrote|received)(?:\s+(?:us\s+)?for)?\s*:?\s*"
)
_ITEM_MARK = re.compile(r"^\s*(?:\(?\d{1,2}[.):]|\(?[a-z][.)]|[-•*–])\s+")


def request_title(request: str | None, limit: int = 140) -> str | None:
    """A title for a document made from its request: the first question, on one line.

    Numbered items win over an introductory line ("Please provide the following:").
    """
    if not request:
        return None
    lines = request.splitlines()

    def item_at(i: int) -> str:
        parts = [_ITEM_MARK.sub("", lines[i]).strip()]
        for nxt in lines[i + 1 : i + 6]:
            if not nxt.strip() or _ITEM_MARK.match(nxt):
                break
            parts.append(nxt.strip())
        joined = _ASKED_PREFIX.sub("", " ".join(parts))
        joined = joined[:1].upper() + joined[1:]
        # One sentence is enough for a title.
        m = re.search(r"(?<=[.?])\s+(?=[A-Z])", joined[30:])
        return joined[: 30 + m.start()] if m else joined

    for i, line in enumerate(lines):
        if _ITEM_MARK.match(line) and len(line.strip()) > 8:
            return clip(item_at(i), limit)
    for i, line in enumerate(lines):
        if len(line.strip()) > 15:
            return clip(item_at(i), limit)
    return None


def text_of(value: Any) -> str:
    """A JSON value as text: strings as they are, numbers written out, anything else ``""``.

    Feeds written by others put numbers, lists or nulls where a string is
    expected; reading every scalar through here keeps those from reaching
    string methods (``'float' object has no attribute 'strip'``) or
    :mod:`urllib.parse` (``Cannot mix str and non-str arguments``).
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def text_or_none(value: Any) -> str | None:
    """:func:`text_of`, with blank text as None."""
    return text_of(value).strip() or None
