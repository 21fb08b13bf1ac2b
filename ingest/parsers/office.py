"""Readers of the office formats authorities publish: PDF, DOCX, XLSX, CSV, ODS, ODT (bytes to text).

Each reader's library is imported inside it, so importing this module costs
nothing; every failure is a :class:`ingest.parsers.ParseError` with a one-line reason.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile

from ingest.parsers import ParseError
from ingest.parsers.pagetext import _MIN_PDF_CHARS, _SPLIT_ORDINAL, MAX_TEXT_CHARS, decode_text


def read_pdf(data: bytes) -> str:
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


def read_docx(data: bytes) -> str:
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


def read_xlsx(data: bytes) -> str:
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


def read_csv(data: bytes) -> str:
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


def read_ods(data: bytes) -> str:
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


def read_odt(data: bytes) -> str:
    root = _odf_content(data)
    tx = _ODF_NS["text"]
    out = []
    for el in root.iter(f"{{{tx}}}p", f"{{{tx}}}h"):
        out.append(_odf_text(el))
    return "\n".join(out)


def _one_line(e: BaseException) -> str:
    msg = " ".join(str(e).split()) or type(e).__name__
    return msg[:200]
