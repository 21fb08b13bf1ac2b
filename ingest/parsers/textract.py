"""Plain text out of the files authorities publish (PDF, DOCX, XLSX, CSV, ODS, HTML, text).

One entry point, :func:`extract_text`, picks the reader from the file name, the
content type and the first bytes (in that order of trust: bytes win when they
disagree, since servers mislabel files). The readers' libraries are imported
inside the functions so importing this module costs nothing.

Every failure is a :class:`ingest.parsers.ParseError` with a one-line reason, so
crawlers and parsers can record it and move on.
"""

from __future__ import annotations

import io
import zipfile

from ingest.parsers import ParseError
from ingest.parsers.limits import check_file
from ingest.parsers.office import read_csv, read_docx, read_odt, read_ods, read_pdf, read_xlsx
from ingest.parsers.pagetext import MAX_TEXT_CHARS, _looks_binary, decode_text, html_to_text, tidy

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


# -- readers of containers and text (the office formats: ingest.parsers.office) -------


def _read_doc(data: bytes) -> str:
    from ingest.parsers.word97 import doc_text

    return doc_text(data)


def _read_msg(data: bytes) -> str:
    from ingest.parsers.msg_file import to_eml

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
    "pdf": read_pdf,
    "docx": read_docx,
    "xlsx": read_xlsx,
    "ods": read_ods,
    "odt": read_odt,
    "csv": read_csv,
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
