"""Bounds on what one input file may cost, checked before a parser is trusted with it.

An officer's archive and a crawled site may hold hostile or broken files: a
DOCX that inflates to gigabytes, HTML nested a hundred thousand deep, a 45 MB
line, JSON nested past Python's recursion limit. The checks here are cheap
(they read sizes and brackets, not content) and fail with a
:class:`ingest.parsers.ParseError` naming the limit, so the file is recorded
and the run goes on. What they cannot see coming (a PDF whose page tree loops,
a parser that is simply slow) is bounded by the worker's wall clock and memory
limits in :mod:`ingest.workers`.
"""

from __future__ import annotations

import io
import re
import zipfile

from ingest.parsers import ParseError

#: Largest file read at all.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Largest total a zip-based file (DOCX, XLSX, ODT, ODS, ZIP) may inflate to.
#: zipfile never returns more than a member's declared size, so the declared
#: sizes bound the real work.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
#: Most members in one zip-based file.
MAX_ZIP_MEMBERS = 5000
#: Deepest nesting of archives in archives (an archive inside an archive is read; one more level is not).
MAX_ARCHIVE_DEPTH = 2
#: Longest line in a text-like file (HTML, JSON, CSV, e-mail, text).
MAX_LINE_BYTES = 4 * 1024 * 1024
#: Deepest bracket nesting in a JSON file (real feeds stay under 20).
MAX_JSON_DEPTH = 200
#: Deepest element nesting whose layout is read from an HTML page; deeper text is read inline.
MAX_HTML_DEPTH = 256
#: Most documents one file (a log, an archive) may yield; a CSV log's rows are
#: bounded the same way while they are read (``ingest.parsers.common.MAX_CSV_ROWS``).
MAX_DOCS_PER_FILE = 50_000
#: Wall clock allowed for reading one file, in seconds.
FILE_TIMEOUT_S = 60.0
#: Address space allowed to the process reading one file, in bytes.
FILE_MEMORY_BYTES = 2 * 1024 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_BINARY_MAGIC = (b"%PDF", _ZIP_MAGIC, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


def check_file(data: bytes, suffix: str = "") -> None:
    """Refuse a file that is over one of the size, line or nesting limits.

    Args:
        data: The whole file.
        suffix: Its lower-case suffix with the dot (``.json``), a hint.

    Raises:
        ParseError: The first limit the file is over, with the numbers.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(f"file is {len(data)} bytes, over the {MAX_FILE_BYTES} byte limit")
    if data[:4] == _ZIP_MAGIC:
        check_zip(data)
        return
    if data.lstrip()[:8].startswith(_BINARY_MAGIC) or b"%PDF-" in data[:1024]:
        return
    check_lines(data)
    if suffix == ".json" or data.lstrip()[:1] in (b"{", b"["):
        check_json_depth(data)


def check_zip(data: bytes) -> None:
    """Refuse a zip whose members would inflate past :data:`MAX_UNZIPPED_BYTES`.

    Raises:
        ParseError: Too many members, too large once inflated, or not a zip.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise ParseError(f"corrupt zip container: {' '.join(str(e).split())[:200]}") from e
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ParseError(f"zip has {len(infos)} members, over the {MAX_ZIP_MEMBERS} member limit")
    total = sum(max(0, i.file_size) for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise ParseError(
            f"zip inflates to {total} bytes, over the {MAX_UNZIPPED_BYTES} byte limit (a decompression bomb?)"
        )


def check_lines(data: bytes) -> None:
    """Refuse text with a line longer than :data:`MAX_LINE_BYTES` (regexes over it would crawl).

    Raises:
        ParseError: The longest line's length.
    """
    if len(data) <= MAX_LINE_BYTES:
        return
    longest = 0
    start = 0
    n = len(data)
    while start < n:
        end = data.find(b"\n", start)
        if end < 0:
            end = n
        longest = max(longest, end - start)
        if longest > MAX_LINE_BYTES:
            raise ParseError(f"a line is over the {MAX_LINE_BYTES} byte limit")
        start = end + 1


def check_json_depth(data: bytes) -> None:
    """Refuse JSON nested deeper than :data:`MAX_JSON_DEPTH` (strings are skipped).

    Raises:
        ParseError: The limit it is over.
    """
    depth = 0
    for m in _BRACKETS.finditer(_STRINGS.sub(b'""', data)):
        if m.group(0) in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ParseError(f"JSON nested over {MAX_JSON_DEPTH} levels deep")
        else:
            depth -= 1
