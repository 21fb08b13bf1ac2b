"""ICO decision notices: the listing on ico.org.uk and each notice's PDF.

Assumption (documented because the live listing is filled in by JavaScript
from a search service): the crawler reads server-rendered listing pages at
``/action-weve-taken/decision-notices/`` (the no-script listing, or a mirror
given with ``--base-url``), whose entries link to a notice page
``/action-weve-taken/decision-notices/<year>/<id>/`` or straight to its PDF
under ``/media/action-weve-taken/decision-notices/...``, with the date, the
reference (``IC-123456-A1B2``, or ``FS50123456`` / ``FER0123456`` for older
notices) and the public authority. Pagination is ``?page=N`` or a "next" link.
"""

from __future__ import annotations

import re

from .decisions import DecisionListSource


class IcoSource(DecisionListSource):
    """ICO decision notices (FOIA and EIR)."""

    name = "ico"
    default_base_url = "https://ico.org.uk"
    start_path = "/action-weve-taken/decision-notices/"
    item_pattern = re.compile(r"/action-weve-taken/decision-notices/\d{4}/[\w-]+/?$", re.I)
    file_pattern = re.compile(r"/media/action-weve-taken/decision-notices/.+\.pdf$", re.I)
    reference = re.compile(r"\b(?:IC-\d{4,7}-[A-Z0-9]{4}|FS5\d{7}|FER0\d{6})\b", re.I)
    doc_source = "ico"
    doc_kind = "ico_decision"

    def key(self, url: str, pdf_url: str | None, ref: str | None) -> str:
        return ref.upper() if ref else super().key(url, pdf_url, ref)
