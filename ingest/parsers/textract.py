"""Plain text out of the files authorities publish (PDF, DOCX, XLSX, CSV, ODS, HTML, text).

One entry point, :func:`extract_text`, picks the reader from the file name, the
content type and the first bytes (in that order of trust: bytes win when they
disagree, since servers mislabel files). The readers' libraries are imported
inside the functions so importing this module costs nothing.

Every failure is a :class:`ingest.parsers.ParseError` with a one-line reason, so
crawlers and parsers can record it and move on.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile

from ingest.parsers.limits import MAX_HTML_DEPTH, check_file
from ingest.parsers import ParseError

#: Longest text kept from one file; beyond this the rest is dropped (a 50 MB
#: spreadsheet dump is not a response letter, and the store keeps text whole).
MAX_TEXT_CHARS = 2_000_000

#: A PDF whose pages yield fewer visible characters than this is a scan.
_MIN_PDF_CHARS = 20

_WS_RUN = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_SPLIT_ORDINAL = re.compile(r"(\d)\n(st|nd|rd|th)\b")
_BLANK_RUNS = re.compile(r"\n[ \t\r\f\v]*(?:\n[ \t\r\f\v]*){2,}")
_TRAILING_WS = re.compile(r"[ \t\r\f\v]+\n")


def extract_text(data: bytes, *, name: str = "", content_type: str | None = None) -> str:
    """Return the text of one file.

    Args:
        data: The file's bytes.
        name: File name or URL (its suffix is a hint).
        content_type: HTTP Content-Type, when known (a hint).

    Returns:
        The text, blank-line runs collapsed, at most :data:`MAX_TEXT_CHARS` long.

    Raises:
        ParseError: Empty, corrupt, scanned (PDF without a text layer), or an
            unsupported binary format.
    """
    if not data or not data.strip():
        raise ParseError("file is empty")
    # The same bounds as a file given to ingest: crawled files and e-mail attachments reach here directly.
    check_file(data, "." + _suffix(name) if _suffix(name) else "")
    kind = sniff_kind(data, name=name, content_type=content_type)
    reader = _READERS.get(kind)
    if reader is None:
        raise ParseError(f"unsupported file type ({kind})")
    return tidy(reader(data))


def sniff_kind(data: bytes, *, name: str = "", content_type: str | None = None) -> str:
    """Name the format of ``data``: pdf, docx, xlsx, ods, odt, zip, doc, msg, ole, csv, html, text or binary.

    Args:
        data: The file's bytes (the first few KB are enough except for zips).
        name: File name or URL.
        content_type: HTTP Content-Type.
    """
    head = data[:2048].lstrip()
    suffix = _suffix(name)
    ctype = (content_type or "").split(";")[0].strip().lower()
    if head.startswith(b"%PDF") or (b"%PDF-" in data[:1024]):
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return _zip_kind(data, suffix)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _ole_kind(data)
    if suffix == "pdf" or ctype == "application/pdf":
        return "badpdf"
    if suffix in ("docx", "xlsx", "ods", "odt"):
        return "badzip"
    low = head[:512].lower()
    if suffix in ("html", "htm", "xhtml") or "html" in ctype or low.startswith((b"<!doctype html", b"<html")) or (
        b"<html" in low or b"<body" in low
    ):
        return "html"
    if suffix == "csv" or ctype in ("text/csv", "application/csv"):
        return "csv"
    if _looks_binary(data[:4096]):
        return "binary"
    return "text"


def decode_text(data: bytes) -> str:
    """Decode bytes of text: UTF-8 (with or without BOM), else Windows-1252.

    Raises:
        ParseError: The bytes are binary, not text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if _looks_binary(data[:4096]):
        raise ParseError("binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps them all.
        return data.decode("latin-1")


def html_to_text(html: str | bytes, *, drop: tuple[str, ...] = ()) -> str:
    """Visible text of an HTML page or fragment, one block per line.

    Args:
        html: Markup, as text or bytes (bytes: the page's declared charset is used).
        drop: Extra CSS selectors to remove before reading (site chrome).
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    return soup_text(soup, drop=drop)


#: Elements that start a new paragraph / a new line when rendered as text.
_PARA_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 blockquote ul ol dl table pre section article header footer aside nav main "
    "address figure form fieldset hr".split()
)
_LINE_TAGS = frozenset("div li tr dt dd br caption figcaption summary details option legend".split())
_CELL_TAGS = frozenset(("td", "th"))
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "head", "title", "iframe", "object"))


def soup_text(node, *, drop: tuple[str, ...] = ()) -> str:
    """Visible text of a BeautifulSoup node, laid out as paragraphs and lines.

    Paragraph-level elements (``p``, headings, lists, tables) are separated by a
    blank line, ``div``/``li``/``tr``/``br`` by a line break, table cells by a
    tab; whitespace inside text runs collapses as a browser would (except in
    ``pre``). Scripts, styles and anything matching ``drop`` are left out.
    """
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    for sel in drop:
        for tag in node.select(sel):
            tag.decompose()
    out: list[str] = []
    size = 0

    def push(sep: str) -> None:
        # Adjacent blocks share one separator: "</li><li>" is one line break, not two.
        if not sep:
            return
        tail = "".join(out[-3:])
        if sep == "\t" or not tail.endswith(sep):
            out.append(sep if not tail.endswith("\n") or sep == "\t" else sep[len(tail) - len(tail.rstrip("\n")):])

    def walk(root, pre: bool) -> None:
        # An explicit stack, not recursion: hostile pages nest elements 100k deep.
        nonlocal size
        stack = [(iter(root.children), pre, None)]
        while stack:
            children, in_pre, closing = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if closing:
                    push(closing)
                continue
            if size > MAX_TEXT_CHARS:
                return
            if isinstance(child, NavigableString):
                if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                    continue
                s = str(child)
                if not in_pre:
                    s = _WS_RUN.sub(" ", s)
                out.append(s)
                size += len(s)
            elif isinstance(child, Tag):
                name = child.name
                if name in _SKIP_TAGS:
                    continue
                if name == "br":
                    out.append("\n")
                    continue
                sep = "\n\n" if name in _PARA_TAGS else "\n" if name in _LINE_TAGS else "\t" if name in _CELL_TAGS else ""
                if len(stack) > MAX_HTML_DEPTH:
                    sep = ""  # past any real page's depth: read the text, drop the layout
                push(sep)
                stack.append((iter(child.children), in_pre or name == "pre", sep if sep != "\t" else None))

    if isinstance(node, NavigableString):
        return tidy(str(node))
    walk(node, False)
    text = "".join(out)
    lines = [line.strip(" ") for line in text.split("\n")]
    # Cells joined by tabs start with one; keep the tabs between cells only.
    lines = [re.sub(r"^\t+|\t+$", "", re.sub(r" *\t[ \t]*", "\t", line)) for line in lines]
    return tidy("\n".join(lines))


_CHROME_TAGS = frozenset(("header", "nav", "footer", "aside", "form", "script", "style", "noscript", "template", "svg",
                          "iframe", "button"))
_CHROME_ROLES = frozenset(("banner", "navigation", "contentinfo", "search", "complementary"))
_CHROME_WORDS = re.compile(
    r"(?i)cookie|breadcrumb|skip-?link|skip-to|social|share|sidebar|site-header|site-footer|govuk-header|"
    r"govuk-footer|visually-hidden|sr-only|banner|masthead|navbar|menu|feedback|back-to-top"
)


def drop_chrome(soup) -> None:
    """Remove a page's site chrome in place: header, navigation, footer, cookie banner, skip links.

    One pass over the tags (CSS selectors would walk a large page once per selector).
    """
    marked = []
    for tag in soup.find_all(True):
        # Read the flag from the instance: a missing attribute on a Tag makes
        # bs4 search the whole subtree for a child of that name (quadratic).
        if vars(tag).get("_decomposed") or tag.attrs is None:
            continue
        if tag.name in _CHROME_TAGS or tag.get("role") in _CHROME_ROLES:
            marked.append(tag)
            continue
        words = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
        if words.strip() and tag.name not in ("html", "body", "main", "article") and _CHROME_WORDS.search(words):
            marked.append(tag)
    for tag in marked:
        if not vars(tag).get("_decomposed"):
            tag.decompose()


def tidy(text: str) -> str:
    """Normalise line ends, strip trailing spaces, collapse runs of blank lines, cap length."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _TRAILING_WS.sub("\n", text)
    text = _BLANK_RUNS.sub("\n\n", text).strip()
    return cap_text(text, MAX_TEXT_CHARS)


def cap_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a line end, marked ``[text truncated]``."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit("\n", 1)[0] + "\n[text truncated]"


# -- readers ------------------------------------------------------------------


def _read_pdf(data: bytes) -> str:
    start = data.find(b"%PDF")
    if start > 0:
        data = data[start:]
    try:
        pages = _pdf_pages_pdfium(data)
    except ImportError:
        pages = _pdf_pages_pypdf(data)
    except ParseError:
        # pdfium refuses some damaged files that pypdf's lenient reader can still open.
        pages = _pdf_pages_pypdf(data)
    if not pages:
        raise ParseError("PDF has no pages")
    text = "\n\n".join(pages)
    if sum(1 for c in text if not c.isspace()) < _MIN_PDF_CHARS:
        raise ParseError("PDF has no text layer: a scanned document, it needs OCR")
    return text


def _pdf_pages_pdfium(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = _one_line(e)
        if "password" in msg.lower():
            raise ParseError("PDF is encrypted with a password") from e
        raise ParseError(f"corrupt PDF: {msg}") from e
    pages: list[str] = []
    total = 0
    try:
        for i in range(len(pdf)):
            try:
                page = pdf[i]
                pages.append(_pdfium_page_text(page))
                page.close()
            except pdfium.PdfiumError:
                pages.append("")  # one bad page should not lose the letter
            total += len(pages[-1])
            if total > MAX_TEXT_CHARS:
                break
    finally:
        pdf.close()
    return pages


def _pdfium_page_text(page) -> str:
    """A page's text with paragraph breaks restored from the gaps between lines.

    pdfium returns one line per text line; a blank line is put back where the
    vertical gap to the previous line is larger than a line's height, so
    paragraphs stay apart as they are on the page.
    """
    tp = page.get_textpage()
    try:
        text = tp.get_text_range()
        if not text.strip():
            return ""
        lines: list[tuple[str, float | None, float | None]] = []
        pos = 0
        for m in re.finditer(r"[^\r\n]*(?:\r\n|\n|\r|$)", text):
            raw = m.group(0)
            if not raw:
                break
            line = raw.rstrip("\r\n")
            bottom = top = None
            seen = 0
            for k, ch in enumerate(line):
                if ch.isspace():
                    continue
                _l, b, _r, t = tp.get_charbox(pos + k)
                if t > b:
                    bottom = b if bottom is None else min(bottom, b)
                    top = t if top is None else max(top, t)
                    seen += 1
                    if seen >= 4:
                        break
            lines.append((line, bottom, top))
            pos += len(raw)
    finally:
        tp.close()
    heights = sorted(t - b for _s, b, t in lines if b is not None and t is not None)
    line_h = heights[len(heights) // 2] if heights else 0
    out: list[str] = []
    prev_bottom = None
    for line, bottom, top in lines:
        if prev_bottom is not None and top is not None and line_h > 0 and prev_bottom - top > 0.9 * line_h:
            out.append("")
        out.append(line.rstrip())
        if bottom is not None:
            prev_bottom = bottom
    # Superscript ordinals ("15th") come out as a line of their own.
    return _SPLIT_ORDINAL.sub(r"\1\2", "\n".join(out))


def _pdf_pages_pypdf(data: bytes) -> list[str]:
    import pypdf
    from pypdf.errors import PdfReadError, PyPdfError

    # pypdf logs every malformed object it tolerates; those are not our errors.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ParseError("PDF is encrypted with a password")
            except ParseError:
                raise
            except Exception as e:  # missing crypto backend, unsupported algorithm
                raise ParseError(f"PDF is encrypted and cannot be opened: {_one_line(e)}") from e
        pages = []
        total = 0
        for page in reader.pages:
            try:
                t = page.extract_text() or ""
            except Exception:  # one bad page should not lose the letter
                t = ""
            pages.append(t)
            total += len(t)
            if total > MAX_TEXT_CHARS:
                break
    except ParseError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, AssertionError, ZeroDivisionError) as e:
        # PyPdfError covers LimitReachedError: pypdf's own bound on a stream that inflates too far.
        raise ParseError(f"corrupt PDF: {_one_line(e)}") from e
    return pages


def _read_docx(data: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:
        raise ParseError(f"corrupt DOCX: {_one_line(e)}") from e
    out: list[str] = []
    body = document.element.body
    # Walk the body in order so tables stay where they were in the letter.
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append(Paragraph(child, document).text)
        elif tag == "tbl":
            out.append(_docx_table(Table(child, document)))
    # Letterheads often sit in the page header; they name the authority.
    try:
        header = "\n".join(p.text for p in document.sections[0].header.paragraphs if p.text.strip())
    except Exception:  # no sections, or a header part python-docx cannot read
        header = ""
    if header:
        out.insert(0, header)
    return "\n".join(out)


def _docx_table(table) -> str:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            t = " ".join(cell.text.split())
            # Merged cells repeat across the span; keep one copy.
            if not cells or cells[-1] != t:
                cells.append(t)
        if any(cells):
            rows.append("\t".join(cells))
    return "\n".join(rows) + "\n"


def _read_xlsx(data: bytes) -> str:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:
        raise ParseError(f"corrupt XLSX: {_one_line(e)}") from e
    out: list[str] = []
    size = 0
    try:
        for ws in wb.worksheets:
            out.append(f"## Sheet: {ws.title}")
            for row in ws.iter_rows(values_only=True):
                cells = ["" if v is None else _cell(v) for v in row]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    line = "\t".join(cells)
                    out.append(line)
                    size += len(line)
            out.append("")
            if size > MAX_TEXT_CHARS:
                break
    except Exception as e:
        raise ParseError(f"corrupt XLSX: {_one_line(e)}") from e
    finally:
        wb.close()
    return "\n".join(out)


def _cell(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        s = v.isoformat()
        return s[:10] if s.endswith("T00:00:00") else s
    return " ".join(str(v).split())


def _read_csv(data: bytes) -> str:
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    out = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            cells = [" ".join(c.split()) for c in row]
            if any(cells):
                out.append("\t".join(cells))
    except csv.Error as e:
        raise ParseError(f"malformed CSV: {_one_line(e)}") from e
    return "\n".join(out)


_ODF_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _odf_content(data: bytes):
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("content.xml")
        return etree.fromstring(xml, etree.XMLParser(resolve_entities=False))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError) as e:
        raise ParseError(f"corrupt OpenDocument file: {_one_line(e)}") from e


def _odf_text(el) -> str:
    # itertext() skips the spacing elements ODF uses instead of literal spaces.
    parts = []
    for node in el.iter():
        tag = node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""
        if tag == "s":
            parts.append(" " * int(node.get(f"{{{_ODF_NS['text']}}}c", "1")))
        elif tag == "tab":
            parts.append("\t")
        elif tag == "line-break":
            parts.append("\n")
        if node.text and tag not in ("s", "tab", "line-break"):
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return "".join(parts)


def _read_ods(data: bytes) -> str:
    root = _odf_content(data)
    t = _ODF_NS["table"]
    out: list[str] = []
    for table in root.iter(f"{{{t}}}table"):
        out.append(f"## Sheet: {table.get(f'{{{t}}}name', '')}")
        for row in table.iter(f"{{{t}}}table-row"):
            cells: list[str] = []
            for cell in row:
                if not isinstance(cell.tag, str) or not cell.tag.endswith(("}table-cell", "}covered-table-cell")):
                    continue
                value = " ".join(
                    " ".join(_odf_text(p).split()) for p in cell.iter(f"{{{_ODF_NS['text']}}}p")
                ).strip()
                # Empty cells are stored once with a repeat count (often 16k); cap it.
                repeat = min(int(cell.get(f"{{{t}}}number-columns-repeated", "1") or 1), 64)
                cells.extend([value] * (repeat if value else min(repeat, 1)))
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                out.append("\t".join(cells))
        out.append("")
    return "\n".join(out)


def _read_odt(data: bytes) -> str:
    root = _odf_content(data)
    tx = _ODF_NS["text"]
    out = []
    for el in root.iter(f"{{{tx}}}p", f"{{{tx}}}h"):
        out.append(_odf_text(el))
    return "\n".join(out)


def _read_doc(data: bytes) -> str:
    from ingest.parsers.word97 import doc_text

    return doc_text(data)


def _read_msg(data: bytes) -> str:
    from .parsers.outlook_msg import to_eml

    import email
    import email.policy

    msg = email.message_from_bytes(to_eml(data), policy=email.policy.default)
    parts = [f"Subject: {msg.get('Subject', '')}"]
    body = msg.get_body(preferencelist=("plain",))
    if body is not None:
        parts.append(body.get_content())
    for att in msg.iter_attachments():
        try:
            parts.append(f"## Attachment: {att.get_filename()}\n" + extract_text(att.get_payload(decode=True) or b"",
                                                                              name=att.get_filename() or ""))
        except ParseError:
            continue
    return "\n\n".join(parts)


def _read_zip(data: bytes) -> str:
    """Text of an archive's readable members, each under its name (nested archives are not opened)."""
    from .limits import check_zip

    check_zip(data)
    out: list[str] = []
    size = 0
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.is_dir() or _suffix(info.filename) == "zip":
                continue
            try:
                text = extract_text(z.read(info), name=info.filename)
            except (ParseError, zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
                continue
            out.append(f"## {info.filename}\n{text}")
            size += len(text)
            if size > MAX_TEXT_CHARS:
                break
    if not out:
        raise ParseError("zip archive with no member foi-search can read")
    return "\n\n".join(out)


def _read_html(data: bytes) -> str:
    return html_to_text(data)


def _read_text(data: bytes) -> str:
    return decode_text(data)


def _fail_binary(kind: str):
    reasons = {
        "binary": "binary data, not a document format foi-search reads",
        "ole": "legacy Office 97-2003 file that is damaged or neither a Word document nor an Outlook message "
               "(.xls, .ppt): save it as DOCX/XLSX",
        "badpdf": "named as a PDF but is not one (no %PDF header)",
        "badzip": "named as an Office/OpenDocument file but is not a zip",
    }

    def reader(data: bytes) -> str:
        raise ParseError(reasons[kind])

    return reader


_READERS = {
    "pdf": _read_pdf,
    "docx": _read_docx,
    "xlsx": _read_xlsx,
    "ods": _read_ods,
    "odt": _read_odt,
    "csv": _read_csv,
    "html": _read_html,
    "text": _read_text,
    "doc": _read_doc,
    "msg": _read_msg,
    "zip": _read_zip,
    **{k: _fail_binary(k) for k in ("binary", "ole", "badpdf", "badzip")},
}


# -- helpers ------------------------------------------------------------------


def _suffix(name: str) -> str:
    base = name.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _zip_kind(data: bytes, suffix: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            mimetype = z.read("mimetype").decode("ascii", "replace").strip() if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, KeyError):
        return {"docx": "badzip", "xlsx": "badzip", "ods": "badzip", "odt": "badzip"}.get(suffix, "badzip")
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if mimetype.endswith("opendocument.spreadsheet"):
        return "ods"
    if mimetype.endswith("opendocument.text"):
        return "odt"
    return "zip"


def _ole_kind(data: bytes) -> str:
    from ingest.parsers.word97 import ole_streams

    streams = ole_streams(data) or set()
    if "WordDocument" in streams:
        return "doc"
    if any(name.startswith("__substg1.0_") for name in streams):
        return "msg"
    return "ole"


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    # A few stray NULs occur in text extracted from PDFs; binary files are full of them.
    if head.count(b"\x00") / len(head) > 0.01:
        return True
    control = sum(1 for b in head if b < 32 and b not in (0, 9, 10, 12, 13, 27))
    return control / len(head) > 0.05


def _one_line(e: BaseException) -> str:
    msg = " ".join(str(e).split()) or type(e).__name__
    return msg[:200]
