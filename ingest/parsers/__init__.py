"""Parsers: pure functions from the bytes of one file to documents.

Each parser module exposes ``parse(data: bytes, *, path: str | None = None,
url: str | None = None) -> list[Document]``. The documents it returns carry the
raw correspondence and metadata; :func:`ingest.extract.enrich` then reads the
outcome, exemptions and passages off them. A parser raises
:class:`ParseError` with a one-line reason when the input cannot be read.
"""

from __future__ import annotations

from typing import Callable

from foi_search.core.domain import Document


class ParseError(ValueError):
    """The input could not be read; the message says why, in one line."""


Parser = Callable[..., list[Document]]
