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

#: Page parsers a crawler (or a generic source's config) may name.
PAGE_PARSERS = ("alaveteli_html", "council_html", "govuk_json", "mps_page")


def page_parser(name: str) -> Parser:
    """The ``parse`` function of the page parser called ``name`` (one of :data:`PAGE_PARSERS`).

    Raises:
        KeyError: No such page parser.
    """
    if name == "alaveteli_html":
        from ingest.parsers.alaveteli_html import parse
    elif name == "council_html":
        from ingest.parsers.council_html import parse
    elif name == "govuk_json":
        from ingest.parsers.govuk_json import parse
    elif name == "mps_page":
        from ingest.parsers.mps_page import parse
    else:
        raise KeyError(name)
    return parse
