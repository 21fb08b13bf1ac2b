"""Citations: where each piece of a report or result comes from (authority, reference, date, link)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from foi_search.store import Store


@dataclass
class Citation:
    """Where a piece of a report comes from."""

    authority: str | None
    reference: str | None
    date: str | None
    url: str | None
    source_key: str
    title: str

    def label(self) -> str:
        """One line: authority, reference, date."""
        bits = [self.authority or "?", self.reference or self.source_key, self.date or "undated"]
        return ", ".join(bits)


def citation_rows(store: Store, doc_ids: list[int]) -> dict[int, dict]:
    """The ``documents`` rows a citation (and a report line) is made from, by id."""
    if not doc_ids:
        return {}
    marks = ",".join("?" * len(doc_ids))
    return {
        r["id"]: r
        for r in store.query(
            f"select id, source_key, title, authority, url, refs, response_date, request_date, outcome, "
            f"exemption_codes, request_text, meta from documents where id in ({marks})",
            doc_ids,
        )
    }


def citation_of(row: dict) -> Citation:
    """A :class:`Citation` from a ``documents`` row."""
    refs = json.loads(row.get("refs") or "[]")
    return Citation(
        authority=row.get("authority"),
        reference=refs[0] if refs else None,
        date=row.get("response_date") or row.get("request_date"),
        url=row.get("url"),
        source_key=row["source_key"],
        title=row.get("title") or row["source_key"],
    )
