"""Structured records as exported by ``foi-search export --jsonl``."""

from __future__ import annotations

from typing import Iterator

from foi_search.core.domain import Document
from foi_search.core.filters import Filters
from foi_search.store import Store


def document_record(doc: Document, doc_id: int | None = None) -> dict:
    """The export shape of one document (stable keys, scored by ``eval``)."""
    applied = [c for c in doc.exemptions if c.status == "applied"]
    details: list[str] = []
    for c in applied:
        if c.detail and c.detail not in details:
            details.append(c.detail)
    return {
        "id": doc_id,
        "source": doc.source,
        "source_key": doc.source_key,
        "kind": doc.kind,
        "url": doc.url,
        "path": doc.path,
        "title": doc.title,
        "authority": doc.authority,
        "references": doc.references,
        "law": doc.law,
        "request_date": doc.request_date,
        "response_date": doc.response_date,
        "outcome": doc.outcome,
        "exemptions": doc.applied_exemptions,
        "exemptions_detail": details,
        "exemptions_superseded": sorted({c.code for c in doc.exemptions if c.status == "superseded"}),
        "exemptions_mentioned": sorted({c.code for c in doc.exemptions if c.status == "mentioned"}),
        "exemptions_ruled": {c.code: c.status for c in doc.exemptions if c.code in doc.ruled_exemptions},
        "ncnd": doc.ncnd,
        "public_interest_test": doc.public_interest_test,
        "s16_advice": doc.s16_advice,
        "questions": doc.questions,
        "answers": [
            {"seq": a.seq, "status": a.status, "grounds": a.grounds, "evidence": a.evidence} for a in doc.answers
        ],
        "attachments": [a.name for a in doc.attachments],
        "redactions": doc.redactions,
        "meta": doc.meta,
    }


def export_records(store: Store, filters: Filters | None = None) -> Iterator[dict]:
    """Yield the record of every document matching ``filters``, in id order."""
    where, params = (filters or Filters()).sql("documents")
    for doc_id in store.iter_document_ids(where, params):
        yield document_record(store.load_document(doc_id), doc_id)
