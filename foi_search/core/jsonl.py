"""Reading JSON-lines files (queries, gold labels, batches): one reader, one error message."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, Iterator

from foi_search.core.errors import FoiSearchError


def read_jsonl(
    path: str | Path, *, what: str = "JSON lines", on_bad_line: Callable[[int, str], None] | None = None
) -> Iterator[tuple[int, object]]:
    """``(line number, value)`` for each non-blank line of ``path`` (``-`` reads standard input).

    Args:
        path: The file, or ``-`` for standard input.
        what: What the file holds, for the error message.
        on_bad_line: Called with ``(line number, reason)`` for a line that is not
            JSON, which is then skipped; without it such a line is an error.

    Raises:
        FoiSearchError: The file cannot be read, or a line is not JSON (without ``on_bad_line``).
    """
    try:
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise FoiSearchError(f"Cannot read {what} file {path}: {e.strerror}.", "Check the path.") from e
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as e:
            if on_bad_line is None:
                raise FoiSearchError(f"{path}:{n}: not JSON ({e.msg}).", f"Fix the {what} file.") from None
            on_bad_line(n, f"not JSON ({e.msg})")
