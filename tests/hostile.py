"""Hostile and broken input files, made at test time (nothing stored in the repo).

Each maker writes one file into a folder and returns its path. ``scale`` sizes
the files: 1 is the reliability bench's size (the sizes an attacker used:
100k-deep HTML, a 45 MB line); the pytest form passes a small scale together
with lowered limits, so the same code paths are taken in a fraction of the time.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path

_FOI = "Freedom of Information request reference FOI 1234. "


def nested_html(folder: Path, scale: float = 1.0) -> Path:
    """HTML nested ``100k * scale`` elements deep, with FOI wording so a parser takes it."""
    depth = max(300, int(100_000 * scale))
    p = folder / "nested.html"
    p.write_text(f"<html><body><p>{_FOI}Council response.</p>" + "<div>" * depth + "deep" + "</div>" * depth
                 + "</body></html>")
    return p


def nested_tables(folder: Path, scale: float = 1.0) -> Path:
    """``50k * scale`` tables nested in one another."""
    depth = max(300, int(50_000 * scale))
    p = folder / "tables.html"
    p.write_text(f"<html><body><p>{_FOI}Council response.</p>" + "<table><tr><td>" * depth + "x"
                 + "</td></tr></table>" * depth + "</body></html>")
    return p


def long_line(folder: Path, scale: float = 1.0) -> Path:
    """A text letter whose second line is ``45 MB * scale`` long."""
    p = folder / "longline.txt"
    p.write_bytes((_FOI + "\n").encode() + b"word " * max(100_000, int(45_000_000 * scale / 5)) + b"\n")
    return p


def _zip_with(members: dict[str, bytes | tuple[int, bytes]]) -> bytes:
    """A zip whose members are bytes, or ``(size, fill)``: ``size`` bytes of ``fill`` streamed in."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            if isinstance(body, bytes):
                z.writestr(name, body)
                continue
            size, fill = body
            with z.open(name, "w", force_zip64=True) as fh:
                block = fill * (1024 * 1024 // len(fill))
                left = size
                while left > 0:
                    fh.write(block[: min(left, len(block))])
                    left -= len(block)
    return buf.getvalue()


_DOCX_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               b'<Default Extension="xml" ContentType="application/xml"/>'
               b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
               b'wordprocessingml.document.main+xml"/></Types>')


def docx_bomb(folder: Path, scale: float = 1.0) -> Path:
    """A DOCX whose document part inflates to ``1.5 GB * scale`` (of spaces, so ~1000x smaller on disk)."""
    p = folder / "bomb.docx"
    p.write_bytes(_zip_with({"[Content_Types].xml": _DOCX_TYPES,
                             "word/document.xml": (max(2_000_000, int(1_500_000_000 * scale)), b" ")}))
    return p


def odt_bomb(folder: Path, scale: float = 1.0) -> Path:
    """An ODT whose content.xml inflates to ``1 GB * scale``."""
    p = folder / "bomb.odt"
    p.write_bytes(_zip_with({"mimetype": b"application/vnd.oasis.opendocument.text",
                             "content.xml": (max(2_000_000, int(1_000_000_000 * scale)), b" ")}))
    return p


def zip_bomb(folder: Path, scale: float = 1.0) -> Path:
    """A .zip archive holding a zip holding a large member."""
    inner = _zip_with({"letter.txt": (max(2_000_000, int(1_000_000_000 * scale)), b"a")})
    p = folder / "archive.zip"
    p.write_bytes(_zip_with({"inner.zip": inner}))
    return p


def pdf_page_loop(folder: Path, scale: float = 1.0) -> Path:
    """A PDF whose page tree contains itself."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
    ]
    stream = b"BT /F1 12 Tf 72 720 Td (Freedom of Information response) Tj ET"
    objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return _write_pdf(folder / "loop.pdf", objs)


def pdf_bomb(folder: Path, scale: float = 1.0) -> Path:
    """A PDF whose one content stream inflates to ``500 MB * scale``."""
    size = max(2_000_000, int(500_000_000 * scale))
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(b" " * 1_048_576) for _ in range(size // 1_048_576)) + comp.flush()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    return _write_pdf(folder / "streambomb.pdf", objs)


def _write_pdf(p: Path, objs: list[bytes]) -> Path:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    p.write_bytes(bytes(out))
    return p


def deep_json(folder: Path, scale: float = 1.0) -> Path:
    """An Alaveteli-shaped JSON thread with one value nested ``100k * scale`` deep."""
    depth = max(1000, int(100_000 * scale))
    p = folder / "deep.json"
    p.write_text('{"url_title": "deep", "events": [], "x": ' + "[" * depth + "]" * depth + "}")
    return p


def json_long_string(folder: Path, scale: float = 1.0) -> Path:
    """An Alaveteli-shaped JSON thread whose one message is ``20 MB * scale`` of text."""
    p = folder / "bigstring.json"
    text = "request " * max(50_000, int(20_000_000 * scale / 8))
    p.write_text(json.dumps({"url_title": "big", "events": [{"type": "outgoing", "content": [text]}]}))
    return p


def json_wrong_types(folder: Path, scale: float = 1.0) -> Path:
    """Alaveteli and GOV.UK shaped JSON with numbers, lists and nulls where strings belong."""
    p = folder / "wrongtypes.json"
    p.write_text(json.dumps({
        "url_title": 12345, "title": 3.5, "law_used": ["foi"], "created_at": 20240101, "display_status": 1.0,
        "public_body": {"name": 2.5},
        "events": [{"type": "outgoing", "content": ["Dear Council, please send the FOI list."], "created_at": 1.5,
                    "message_id": {"a": 1}}, {"type": 7}, "junk", None],
    }))
    q = folder / "govuk_wrongtypes.json"
    q.write_text(json.dumps({
        "document_type": "foi_release", "base_path": 77, "title": 4.0, "description": 1.25, "content_id": 9,
        "details": {"body": 5, "attachments": [{"url": 3, "title": 2.0, "file_size": True}, 1], "documents": "x"},
        "links": {"organisations": [{"title": 6.0}]}, "public_updated_at": 2024,
    }))
    return p


def million_row_csv(folder: Path, scale: float = 1.0) -> Path:
    """An FOI log with ``1M * scale`` rows."""
    rows = max(1000, int(1_000_000 * scale))
    p = folder / "log_big.csv"
    with p.open("w") as fh:
        fh.write("Reference,Request,Status\n")
        for i in range(rows):
            fh.write(f"FOI{i},Please send list {i},Information sent\n")
    return p


def doubled_quote_csv(folder: Path, scale: float = 1.0) -> Path:
    """An FOI log whose multi-line request cells quote with doubled quotes, one of them broken.

    Broken quoting once turned each line of a request into a "row" of its own.
    """
    p = folder / "log_quotes.csv"
    lines = ["Reference,Received,Request,Status,Date closed"]
    for i in range(40):
        request = (f'Please tell me:\n1.\tHow many ""blue badge"" permits were issued in {2000 + i}?\n'
                   f'2.\tHow many were refused, by reason?\n3.\tThe cost, per ""unit"".')
        lines.append(f'IR{1000 + i},01/02/2015,"{request}",All information sent,03/03/2015')
    text = "\n".join(lines) + "\n"
    # The quotes of one pair undoubled, as a careless export does.
    text = text.replace('""blue badge""', '"blue badge"', 5)
    p.write_text(text)
    return p


def binary_junk(folder: Path, scale: float = 1.0) -> Path:
    """Random-looking bytes named as a letter."""
    import random

    p = folder / "junk.pdf"
    p.write_bytes(bytes(random.Random(7).randrange(256) for _ in range(20_000)))
    return p


MAKERS = [nested_html, nested_tables, long_line, docx_bomb, odt_bomb, zip_bomb, pdf_page_loop, pdf_bomb,
          deep_json, json_long_string, json_wrong_types, million_row_csv, doubled_quote_csv, binary_junk]


def make_all(folder: Path, scale: float = 1.0) -> list[Path]:
    """Every hostile file in ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    return [maker(folder, scale) for maker in MAKERS]
