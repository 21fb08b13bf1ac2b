"""Choose the parser for a file from its name, its folder and its first bytes.

:func:`detect` returns ``(format_name, parse_function)`` or None for files that
are not FOI material (crawl seeds, README files, spreadsheets of keywords).
Returning None means "skipped", not "failed": a file that looks like one of
our formats but will not parse is routed to its parser, which raises
:class:`ingest.parsers.ParseError` with the reason.

The tribunal parser needs the metadata CSV that sits beside the decisions; it
is read once per CSV file (cached by path, size and mtime) and bound to the
parser here, so the parsers themselves stay pure functions of their inputs.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .parsers import Parser

_TEXT_SUFFIXES = {".txt", ".text", ""}
_LETTER_SUFFIXES = {".pdf", ".docx", ".odt", ".doc", ".rtf"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
_SHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Format name of archives; the pipeline opens them and reads each member as a file.
ARCHIVE = "zip"
_FOI_WORDS = re.compile(
    rb"(?i)freedom\s+of\s+information|\bFOI\b|\bFOIA\b|environmental\s+information\s+regulations|\bEIR\b|"
    rb"information\s+request|request\s+for\s+information|disclosure\s+log"
)
_TRIBUNAL_HEAD = re.compile(
    rb"(?i)(?:first[- ]tier\s+tribunal|information\s+tribunal|information\s+rights)[\s\S]{0,3000}"
    rb"(?:appellant|appeal\s+(?:no|number|reference))"
)
_URL_LINE = re.compile(rb"^\s*(?:https?://\S+)?\s*$")
_TRIBUNAL_CSV_NAMES = ("decisions.csv",)

# {csv path: (size, mtime, table)}; one entry per metadata file seen in this process.
_TRIBUNAL_META_CACHE: dict[str, tuple[int, float, dict]] = {}


def detect(path: Path, head: bytes) -> tuple[str, Parser] | None:
    """Return ``(format_name, parse_function)`` for a file, or None to skip it.

    Args:
        path: The file's path (its suffix and folder names are hints).
        head: Its first few KB (64 KB from the pipeline).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    stripped = head.lstrip()
    if suffix == ".json" or (suffix == "" and stripped[:1] in (b"{", b"[")):
        return _detect_json(head)
    if suffix in _HTML_SUFFIXES or (suffix in _TEXT_SUFFIXES and stripped[:15].lower().startswith((b"<!doctype", b"<html"))):
        return _detect_html(head)
    if suffix == ".eml" or (suffix == "" and _looks_email(head)):
        from .parsers import email_eml

        return "email", email_eml.parse
    if suffix == ".csv":
        return _detect_csv(path, head)
    if suffix in _SHEET_SUFFIXES:
        from .parsers import sheet_log

        return "foi-log-sheet", sheet_log.parse
    if suffix == ".msg" and head[:8] == _OLE_MAGIC:
        from .parsers import outlook_msg

        return "outlook-msg", outlook_msg.parse
    if suffix == ".zip" and head[:4] == b"PK\x03\x04":
        return ARCHIVE, _archive_placeholder
    if suffix in _LETTER_SUFFIXES or (suffix == "" and stripped.startswith(b"%PDF")):
        if _in_tribunal_folder(path):
            if _has_text_copy(path):
                return None  # the same decision is read from its text copy (one document, not two versions)
            return "tribunal", _tribunal_parser(path)
        from .parsers import letters

        return "letter", letters.parse
    if suffix in _TEXT_SUFFIXES:
        return _detect_text(path, head)
    return None


def _archive_placeholder(data: bytes, *, path: str | None = None, url: str | None = None):
    from .parsers import ParseError

    raise ParseError("archives are opened by the ingest pipeline, member by member")


def _detect_json(head: bytes) -> tuple[str, Parser] | None:
    if b'"url_title"' in head and (b'"events"' in head or b'"info_request_events"' in head):
        from .parsers import alaveteli_json

        return "alaveteli-json", alaveteli_json.parse
    from .parsers import govuk_json

    if govuk_json.looks_like(head):
        # Only FOI releases are documents; publication schemes and guidance are skipped here.
        if re.search(rb'"document_type"\s*:\s*"(?:%s)"' % b"|".join(t.encode() for t in govuk_json.FOI_TYPES), head):
            return "govuk-json", govuk_json.parse
        return None
    # Other JSON (police body lists, crawl seeds, manifests) is not FOI material.
    return None


def _detect_html(head: bytes) -> tuple[str, Parser] | None:
    from .parsers import alaveteli_html, council_html, mps_page

    if alaveteli_html.looks_like(head):
        return "alaveteli-html", alaveteli_html.parse
    text = head.decode("utf-8", errors="replace")
    if _looks_mps(_visible(text)):
        return "mps-page", mps_page.parse
    if council_html.looks_like(_visible(text)):
        return "council-html", council_html.parse
    return None


def _visible(html: str) -> str:
    # Cheap tag strip for sniffing only; parsers do the real reading.
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "\n", html))


def _detect_csv(path: Path, head: bytes) -> tuple[str, Parser] | None:
    from .parsers import foi_log_csv, ico_csv, tribunal

    header = _csv_header(head)
    if tribunal.looks_like_metadata(header):
        return None  # read through the tribunal parser, not a document itself
    if ico_csv.looks_like(header):
        return "ico-csv", ico_csv.parse
    if foi_log_csv.looks_like(header):
        return "foi-log-csv", foi_log_csv.parse
    return None


def _csv_header(head: bytes) -> list[str]:
    import csv
    import io

    from .parsers.common import decode_csv_text

    text = decode_csv_text(head[:16384])
    first = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first + "\n", delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        row = next(csv.reader(io.StringIO(first), dialect), [])
    except csv.Error:
        return []
    return [h.strip() for h in row]


def _detect_text(path: Path, head: bytes) -> tuple[str, Parser] | None:
    from .parsers import letters, mps_page

    if b"\x00" in head[:4096] and head[:4096].count(b"\x00") > 40:
        return None  # binary data without a known suffix
    if _in_tribunal_folder(path) or _TRIBUNAL_HEAD.search(head[:6000]):
        return "tribunal", _tribunal_parser(path)
    text = head.decode("utf-8", errors="replace")
    if _looks_mps(text):
        return "mps-page", mps_page.parse
    lines = [ln for ln in head.splitlines()[:50] if ln.strip()]
    if lines and all(_URL_LINE.match(ln) for ln in lines):
        return None  # a list of links (crawl seeds)
    if _looks_email(head):
        from .parsers import email_eml

        return "email", email_eml.parse
    if _FOI_WORDS.search(head):
        return "letter", letters.parse
    return None


#: What marks a police disclosure page beyond its "Freedom of information request reference" line,
#: which council letters use too: a force's reference style ("01.FOI.22.023320", "01/FOI/22/023320")
#: or the Metropolitan Police named.
_MPS_MARK = re.compile(r"\b\d{2}[./]FOI[./]\d{2}[./]\d{3,7}\b|\bMPS\b|\bMetropolitan Police\b|New Scotland Yard")


def _looks_mps(text: str) -> bool:
    from .parsers import mps_page

    return mps_page.looks_like(text) and bool(_MPS_MARK.search(text[:20000]))


def _looks_email(head: bytes) -> bool:
    from .parsers import email_eml

    return email_eml.looks_like(head) and bool(re.match(rb"(?i)\s*(?:[\w-]+:[^\n]*\n)+", head[:2000]))


def _in_tribunal_folder(path: Path) -> bool:
    return any("tribunal" in part.lower() for part in path.parts[:-1]) or _tribunal_csv(path) is not None


def _has_text_copy(pdf: Path) -> bool:
    """Whether a tribunal PDF's text was also saved as ``<id>.txt`` beside it or in a sibling folder.

    Decision collections keep the PDFs and their extracted text side by side;
    both carry the same decision id (the document's key), so reading both
    would store one decision twice in two versions that replace each other on
    every ingest. The non-empty text copy is the one read.
    """
    stem = pdf.stem
    for folder in [pdf.parent, *(d for d in pdf.parent.parent.iterdir() if d.is_dir())] if pdf.parent.parent.is_dir() else [pdf.parent]:
        candidate = folder / f"{stem}.txt"
        try:
            if candidate.is_file() and candidate.stat().st_size > 0:
                return True
        except OSError:
            continue
    return False


def _tribunal_csv(path: Path) -> Path | None:
    for folder in (path.parent, path.parent.parent):
        for name in _TRIBUNAL_CSV_NAMES:
            candidate = folder / name
            if candidate.is_file() and _is_tribunal_csv(candidate):
                return candidate
    return None


@functools.lru_cache(maxsize=64)
def _is_tribunal_csv(candidate: Path) -> bool:
    from .parsers import tribunal

    try:
        with open(candidate, "rb") as fh:
            return tribunal.looks_like_metadata(_csv_header(fh.read(16384)))
    except OSError:
        return False


def _tribunal_parser(path: Path) -> Parser:
    from .parsers import tribunal

    csv_path = _tribunal_csv(path)
    table = _tribunal_metadata(csv_path) if csv_path else None
    return functools.partial(tribunal.parse, metadata=table)


def _tribunal_metadata(csv_path: Path) -> dict | None:
    from .parsers import ParseError, tribunal

    try:
        st = csv_path.stat()
    except OSError:
        return None
    key = str(csv_path.resolve())
    cached = _TRIBUNAL_META_CACHE.get(key)
    if cached and cached[0] == st.st_size and cached[1] == st.st_mtime:
        return cached[2]
    try:
        table = tribunal.load_tribunal_metadata(csv_path.read_bytes())
    except (OSError, ParseError):
        table = {}
    _TRIBUNAL_META_CACHE[key] = (st.st_size, st.st_mtime, table)
    return table


def skip_reason(path: Path, head: bytes) -> str:
    """Why :func:`detect` skipped a file, in one line (recorded so every file is accounted for).

    Args:
        path: The file.
        head: Its first few KB.
    """
    suffix = Path(path).suffix.lower()
    stripped = head.lstrip()
    if suffix == ".json" or stripped[:1] in (b"{", b"["):
        return "not FOI material: JSON that is not a WhatDoTheyKnow request or a GOV.UK FOI release"
    if suffix in _HTML_SUFFIXES or stripped[:15].lower().startswith((b"<!doctype", b"<html")):
        return "not FOI material: HTML page with no FOI request or response on it"
    if suffix == ".csv":
        if _csv_header(head) and _tribunal_csv(Path(path)) == Path(path):
            return "metadata read with the tribunal decisions beside it"
        return "not FOI material: CSV without reference and request columns (not an FOI log)"
    if suffix in _TEXT_SUFFIXES:
        if b"\x00" in head[:4096]:
            return "not FOI material: binary data without a known suffix"
        return "not FOI material: text without FOI wording (a list of links, notes)"
    return f"not FOI material: no reader for {suffix or 'files without a suffix'}"
