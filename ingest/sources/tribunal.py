"""First-tier Tribunal (Information Rights) decisions: the listing and each decision's PDF.

The decisions database at informationrights.decisions.tribunals.gov.uk lists
decisions on server-rendered search pages (``/Public/search.aspx``; pages by
``?page=N`` or a "next" link), each row carrying the EA reference
(``EA/2019/0243``), the date, the parties and a link to a details page
(``/Public/Details.aspx?id=N`` style) or straight to the PDF at
``/DBFiles/Decision/i<N>/<name>.pdf`` (the URL shape in
``../shared/corpus/tribunal/decisions.csv``). ``i<N>`` is the stable key.
"""

from __future__ import annotations

import re

from .decisions import DecisionListSource

_DB_ID = re.compile(r"/DBFiles/Decision/(i\d+)/", re.I)


class TribunalSource(DecisionListSource):
    """Information Rights tribunal decisions."""

    name = "tribunal"
    default_base_url = "https://informationrights.decisions.tribunals.gov.uk"
    start_path = "/Public/search.aspx"
    item_pattern = re.compile(r"/Public/(?:Details|Decision)\w*\.aspx\?(?:[^#]*&)?id=\d+|/decisions?/[\w-]+/?$", re.I)
    file_pattern = re.compile(r"/DBFiles/Decision/i\d+/.+\.pdf$", re.I)
    reference = re.compile(r"\bEA/\d{4}/\d{4}\b")
    doc_source = "tribunal"
    doc_kind = "tribunal_decision"

    def key(self, url: str, pdf_url: str | None, ref: str | None) -> str:
        for u in (pdf_url, url):
            m = _DB_ID.search(u or "")
            if m:
                return m.group(1).lower()
        return ref or super().key(url, pdf_url, ref)
