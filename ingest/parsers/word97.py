"""Text of Word 97-2003 ``.doc`` files, read from the piece table (no external converter).

A ``.doc`` is an OLE compound file. Its ``WordDocument`` stream starts with the
File Information Block (FIB), which points into the table stream (``0Table`` or
``1Table``) at the piece table (the ``Clx``): a list of character positions and,
for each piece, where its characters sit in ``WordDocument`` and whether they
are 8-bit (Windows-1252) or UTF-16. Reading the pieces in order up to the main
text's length (``ccpText``) gives the document's body text; Word's control
characters (cell and paragraph marks, field codes) are then mapped to text.
Formatting, headers, footnotes and embedded objects are not read.

Layout per [MS-DOC] 2.5 (FIB) and 2.9.38 (Clx).
"""

from __future__ import annotations

import io
import struct

from ingest.parsers import ParseError

_MAX_PIECES = 100_000


def ole_streams(data: bytes) -> set[str] | None:
    """Top-level stream names of an OLE file, or None when it is not one."""
    try:
        import olefile
    except ImportError:
        return None
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return {"/".join(e) for e in ole.listdir(streams=True, storages=False)}
    except (OSError, ValueError, IndexError, struct.error, RecursionError):
        return None


def doc_text(data: bytes) -> str:
    """The main text of a Word 97 document.

    Raises:
        ParseError: Not a Word 97 file, encrypted, or a broken piece table.
    """
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("WordDocument"):
                raise ParseError("OLE file without a WordDocument stream (not a Word document)")
            word = ole.openstream("WordDocument").read()
            flags = _u16(word, 0x0A)
            if _u16(word, 0) != 0xA5EC:
                raise ParseError("Word document with an unknown header")
            if flags & 0x0100:
                raise ParseError("Word document is encrypted with a password")
            table_name = "1Table" if flags & 0x0200 else "0Table"
            if not ole.exists(table_name):
                raise ParseError(f"Word document without its {table_name} stream")
            table = ole.openstream(table_name).read()
    except ParseError:
        raise
    except (OSError, ValueError, IndexError, struct.error) as e:
        raise ParseError(f"corrupt Word document: {' '.join(str(e).split())[:200]}") from e
    fc_clx, lcb_clx, ccp_text = _fib(word)
    clx = table[fc_clx : fc_clx + lcb_clx]
    return _clean(_pieces_text(word, clx, ccp_text))


def _u16(b: bytes, off: int) -> int:
    if off + 2 > len(b):
        raise ParseError("Word document header is cut short")
    return struct.unpack_from("<H", b, off)[0]


def _u32(b: bytes, off: int) -> int:
    if off + 4 > len(b):
        raise ParseError("Word document header is cut short")
    return struct.unpack_from("<I", b, off)[0]


def _fib(word: bytes) -> tuple[int, int, int]:
    """``(fcClx, lcbClx, ccpText)`` from the FIB, walking its variable-length parts."""
    pos = 32  # FibBase
    csw = _u16(word, pos)
    pos += 2 + 2 * csw  # fibRgW
    cslw = _u16(word, pos)
    lw = pos + 2  # fibRgLw: ccpText is its fourth 32-bit value
    ccp_text = _u32(word, lw + 12)
    pos = lw + 4 * cslw
    cb_fc_lcb = _u16(word, pos)
    pos += 2
    if cb_fc_lcb < 34:
        raise ParseError("Word document older than Word 97 (no piece table)")
    fc_clx = _u32(word, pos + 33 * 8)
    lcb_clx = _u32(word, pos + 33 * 8 + 4)
    return fc_clx, lcb_clx, ccp_text


def _pieces_text(word: bytes, clx: bytes, ccp_text: int) -> str:
    pos = 0
    # Skip the Prc blocks (property modifiers) that may precede the piece table.
    while pos < len(clx) and clx[pos] == 0x01:
        pos += 3 + _u16(clx, pos + 1)
    if pos >= len(clx) or clx[pos] != 0x02:
        raise ParseError("Word document's piece table not found")
    lcb = _u32(clx, pos + 1)
    plc = clx[pos + 5 : pos + 5 + lcb]
    n = (len(plc) - 4) // 12
    if n <= 0 or n > _MAX_PIECES:
        raise ParseError("Word document's piece table is empty or too large")
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    out: list[str] = []
    total = 0
    for i in range(n):
        start, end = cps[i], min(cps[i + 1], ccp_text) if ccp_text else cps[i + 1]
        if end <= start:
            continue
        fc_raw = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)[0]
        count = end - start
        if fc_raw & 0x40000000:  # fCompressed: 8-bit characters at fc / 2
            off = (fc_raw & 0x3FFFFFFF) // 2
            chunk = word[off : off + count].decode("cp1252", errors="replace")
        else:
            off = fc_raw & 0x3FFFFFFF
            chunk = word[off : off + 2 * count].decode("utf-16-le", errors="replace")
        out.append(chunk)
        total += count
        if ccp_text and total >= ccp_text:
            break
    return "".join(out)


def _clean(text: str) -> str:
    # Field codes: keep the result (between 0x14 and 0x15), drop the instruction (0x13..0x14).
    out: list[str] = []
    in_code = []
    for ch in text:
        if ch == "\x13":
            in_code.append(True)
            continue
        if ch == "\x14" and in_code:
            in_code[-1] = False
            continue
        if ch == "\x15" and in_code:
            in_code.pop()
            continue
        if in_code and in_code[-1]:
            continue
        out.append(ch)
    s = "".join(out)
    # Paragraph and cell marks, page and column breaks, non-breaking characters.
    table = {"\r": "\n", "\x07": "\t", "\x0b": "\n", "\x0c": "\n", "\x0e": "\n", "\x1e": "-", "\x1f": "", "\xa0": " ",
             "\x01": "", "\x08": ""}
    s = s.translate(str.maketrans(table))
    # A row of cells ends in a cell mark then a row mark: drop the trailing tab.
    return "\n".join(line.rstrip("\t") for line in s.split("\n"))
