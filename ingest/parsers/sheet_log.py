"""FOI disclosure logs kept as spreadsheets (``.xlsx``, ``.xls``, ``.ods``).

Each sheet is looked at; the first row of the first ten that reads as an FOI
log header (a reference, a request and an outcome or date column, as for CSV
logs) starts the table, and its rows become ``log_entry`` documents exactly as
:mod:`ingest.parsers.foi_log_csv` makes them. A workbook with no such sheet (a
data annex) yields nothing: it is not a log.

Reading is done by python-calamine (Rust, no macros or formulas run).
"""

from __future__ import annotations

import io
from datetime import date, datetime, time

from foi_search.core.domain import Document

from . import ParseError
from . import foi_log_csv
from .common import MAX_CSV_ROWS

_HEADER_ROWS = 10


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Log entries of the first sheet laid out as an FOI log; ``[]`` when no sheet is.

    Raises:
        ParseError: The workbook cannot be read, or is over the row limit.
    """
    try:
        from python_calamine import CalamineWorkbook
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise ParseError("spreadsheet reader (python-calamine) is not installed") from e
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
    except Exception as e:  # calamine raises its own error types for every kind of damage
        raise ParseError(f"corrupt spreadsheet: {' '.join(str(e).split())[:200]}") from e
    for name in names:
        try:
            table = wb.get_sheet_by_name(name).to_python(skip_empty_area=True, nrows=MAX_CSV_ROWS + _HEADER_ROWS + 1)
        except Exception as e:
            raise ParseError(f"corrupt sheet {name!r}: {' '.join(str(e).split())[:200]}") from e
        rows = [[cell_text(c) for c in row] for row in table]
        for i, row in enumerate(rows[:_HEADER_ROWS]):
            header = [h.strip() for h in row]
            if foi_log_csv.looks_like(header):
                body = rows[i + 1 :]
                if len(body) > MAX_CSV_ROWS:
                    raise ParseError(f"sheet {name!r} has over {MAX_CSV_ROWS} rows, the limit for one file")
                records = [
                    {h: (r[j].strip() if j < len(r) else "") for j, h in enumerate(header) if h}
                    for r in body if any(c.strip() for c in r)
                ]
                return foi_log_csv.parse_rows(header, records, path=path, url=url)
    return []


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: whole numbers without ``.0``, dates as ISO, blanks as ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(timespec="minutes")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return " ".join(str(value).split())
