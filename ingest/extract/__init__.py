"""Extraction: read a parsed document the way an FOI officer would."""

from __future__ import annotations

from foi_search.domain import Document, Passage


def enrich(doc: Document) -> Document:
    """Fill in outcome, exemptions, questions and passages from the messages.

    Args:
        doc: A parser's output.

    Returns:
        The same document, enriched.
    """
    seq = 0
    passages = []
    for m in doc.messages:
        for para in m.text.split("\n\n"):
            para = " ".join(para.split())
            if len(para) > 40:
                passages.append(Passage(para, "request" if m.direction == "outgoing" else "other", None, seq))
                seq += 1
    if not doc.passages:
        doc.passages = passages
    return doc
