"""Office files written at test time: Word 97 ``.doc``, Outlook ``.msg``, ODT, XLSX/ODS, ZIP.

No converter is needed: a small OLE compound-file writer ([MS-CFB], version 3,
with a mini stream for small streams) lays out the streams a Word 97 document or
an Outlook message needs. Texts are invented.
"""

from __future__ import annotations

import io
import struct
import zipfile

_END, _FREE, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file holding ``streams`` (``"storage/name"`` paths make storages)."""
    # Directory tree: index 0 is the root storage.
    entries = [{"name": "Root Entry", "type": 5, "children": [], "data": b""}]
    index = {"": 0}
    for path in streams:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            key = "/".join(parts[:depth])
            if key not in index:
                index[key] = len(entries)
                entries.append({"name": parts[depth - 1], "type": 1, "children": [], "data": b""})
                entries[index["/".join(parts[: depth - 1])]]["children"].append(index[key])
        index[path] = len(entries)
        entries.append({"name": parts[-1], "type": 2, "children": [], "data": streams[path]})
        entries[index["/".join(parts[:-1])]]["children"].append(index[path])

    sectors: list[bytes] = []
    fat: list[int] = []

    def put(data: bytes) -> int:
        n = max(1, -(-len(data) // _SECTOR))
        first = len(sectors)
        padded = data.ljust(n * _SECTOR, b"\0")
        for i in range(n):
            sectors.append(padded[i * _SECTOR : (i + 1) * _SECTOR])
            fat.append(first + i + 1 if i < n - 1 else _END)
        return first

    mini = bytearray()
    minifat: list[int] = []
    for e in entries[1:]:
        if e["type"] != 2:
            e["start"], e["size"] = 0, 0
            continue
        data = e["data"]
        e["size"] = len(data)
        if len(data) >= _CUTOFF:
            e["start"] = put(data)
        elif not data:
            e["start"] = _END
        else:
            n = -(-len(data) // _MINI)
            first = len(minifat)
            mini += data.ljust(n * _MINI, b"\0")
            minifat += [first + i + 1 if i < n - 1 else _END for i in range(n)]
            e["start"] = first
    root = entries[0]
    root["start"], root["size"] = (put(bytes(mini)), len(mini)) if mini else (_END, 0)
    minifat_start = put(b"".join(struct.pack("<I", x) for x in minifat)) if minifat else _END
    minifat_sectors = -(-len(minifat) * 4 // _SECTOR) if minifat else 0

    def sort_key(i: int):
        name = entries[i]["name"]
        return (len(name), name.upper())

    for e in entries:
        kids = sorted(e["children"], key=sort_key)
        e["child"] = kids[0] if kids else _NOSTREAM
        for a, b in zip(kids, kids[1:] + [None]):
            entries[a]["right"] = b if b is not None else _NOSTREAM
    directory = bytearray()
    for e in entries:
        name = e["name"].encode("utf-16-le") + b"\0\0"
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ", name, len(name), e["type"], 1, _NOSTREAM, e.get("right", _NOSTREAM),
            e["child"], b"\0" * 16, 0, 0, 0, e["start"], e["size"],
        )
    while len(directory) % _SECTOR:
        directory += struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM,
                                 b"\0" * 16, 0, 0, 0, 0, 0)
    dir_start = put(bytes(directory))
    # FAT sectors cover themselves too.
    n_fat = 1
    while (len(sectors) + n_fat) * 4 > n_fat * _SECTOR:
        n_fat += 1
    fat_start = len(sectors)
    fat += [_FATSECT] * n_fat
    fat += [_FREE] * (n_fat * _SECTOR // 4 - len(fat))
    fat_bytes = b"".join(struct.pack("<I", x) for x in fat)
    for i in range(n_fat):
        sectors.append(fat_bytes[i * _SECTOR : (i + 1) * _SECTOR])
    difat = [fat_start + i for i in range(n_fat)] + [_FREE] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, n_fat, dir_start, 0, _CUTOFF, minifat_start, minifat_sectors, _END, 0,
    ) + b"".join(struct.pack("<I", x) for x in difat)
    return header + b"".join(sectors)


def word97(paragraphs: list[str]) -> bytes:
    """A Word 97 ``.doc`` whose body is ``paragraphs`` (one piece, 8-bit text)."""
    text = "\r".join(paragraphs) + "\r"
    body = text.encode("cp1252")
    fib_len = 1024
    # FIB: FibBase, 14 16-bit values, 22 32-bit values (ccpText 4th), 93 fc/lcb pairs (Word 97 has 93).
    fib = bytearray(fib_len)
    struct.pack_into("<HH", fib, 0, 0xA5EC, 0x00C1)
    struct.pack_into("<H", fib, 0x0A, 0x0200)  # fWhichTblStm: the table is 1Table
    struct.pack_into("<H", fib, 32, 14)
    lw = 32 + 2 + 28
    struct.pack_into("<H", fib, lw, 22)
    struct.pack_into("<I", fib, lw + 2 + 12, len(text))
    rg = lw + 2 + 88
    struct.pack_into("<H", fib, rg, 93)
    # Piece table: one piece, CPs [0, len], compressed text at byte fib_len (fc = 2 * offset | 0x40000000).
    plc = struct.pack("<II", 0, len(text)) + struct.pack("<HIH", 0, (fib_len * 2) | 0x40000000, 0)
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    struct.pack_into("<II", fib, rg + 2 + 33 * 8, 0, len(clx))
    word = bytes(fib) + body
    return compound_file({"WordDocument": word.ljust(4096, b"\0"), "1Table": clx})


def outlook_msg(subject: str, sender: str, to: str, body: str, attachments: dict[str, bytes] | None = None) -> bytes:
    """An Outlook ``.msg`` with a subject, sender, recipient line, plain body and attachments."""

    def s(text: str) -> bytes:
        return text.encode("utf-16-le")

    def props(n_header: int, tags: list[int]) -> bytes:
        out = b"\0" * n_header
        for tag in tags:
            out += struct.pack("<IIQ", tag, 0x6, 0)  # variable-length: the value is in its own stream
        return out

    streams = {
        "__substg1.0_0037001F": s(subject),
        "__substg1.0_0C1A001F": s(sender),
        "__substg1.0_0E04001F": s(to),
        "__substg1.0_1000001F": s(body),
        "__substg1.0_001A001F": s("IPM.Note"),
        "__nameid_version1.0/__substg1.0_00020102": b"",
        "__nameid_version1.0/__substg1.0_00030102": b"",
        "__nameid_version1.0/__substg1.0_00040102": b"",
    }
    tags = [0x0037001F, 0x0C1A001F, 0x0E04001F, 0x1000001F, 0x001A001F]
    n_att = 0
    for i, (name, data) in enumerate((attachments or {}).items()):
        base = f"__attach_version1.0_#{i:08X}"
        streams[f"{base}/__substg1.0_37010102"] = data
        streams[f"{base}/__substg1.0_3707001F"] = s(name)
        streams[f"{base}/__substg1.0_3704001F"] = s(name)
        streams[f"{base}/__properties_version1.0"] = props(8, [0x37010102, 0x3707001F, 0x3704001F]) + struct.pack(
            "<IIQ", 0x37050003, 0x6, 1)
        n_att += 1
    header = struct.pack("<QIIII", 0, 0, 0, 0, n_att) + struct.pack("<II", 0, n_att) + b"\0" * 4
    streams["__properties_version1.0"] = header[:32].ljust(32, b"\0") + props(0, tags)[0:]
    return compound_file(streams)


def odt(paragraphs: list[str]) -> bytes:
    """An OpenDocument text file."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    content = f'<?xml version="1.0"?><office:document-content {ns}><office:body><office:text>{body}' \
              f"</office:text></office:body></office:document-content>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
    return buf.getvalue()


def ods(rows: list[list[str]]) -> bytes:
    """An OpenDocument spreadsheet with one sheet of text cells."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    trs = "".join(
        "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>' for c in row
        ) + "</table:table-row>" for row in rows
    )
    content = f'<?xml version="1.0"?><office:document-content {ns}><office:body><office:spreadsheet>' \
              f'<table:table table:name="Log">{trs}</table:table></office:spreadsheet></office:body>' \
              f"</office:document-content>"
    manifest = ('<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return buf.getvalue()


def xlsx(rows: list[list[str]]) -> bytes:
    """An XLSX workbook with one sheet (written with openpyxl)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "FOI log"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    """A zip archive of ``members``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()
