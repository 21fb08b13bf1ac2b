"""Choose the parser for a file from its name and first bytes."""

from __future__ import annotations

from pathlib import Path

from .parsers import Parser


def detect(path: Path, head: bytes) -> tuple[str, Parser] | None:
    """Return ``(format_name, parse_function)`` for a file, or None to skip it.

    Args:
        path: The file's path (its suffix and folder names are hints).
        head: Its first few KB.
    """
    suffix = path.suffix.lower()
    if suffix == ".json":
        if b'"events"' in head and b'"url_title"' in head:
            from .parsers import alaveteli_json

            return "alaveteli-json", alaveteli_json.parse
    return None
