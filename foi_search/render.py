"""Text and Markdown rendering of documents and results for the CLI."""

from __future__ import annotations

import textwrap

from .domain import Document
from .exemptions import describe


def render_document(doc: Document, *, markdown: bool = False) -> str:
    """A readable summary of one document: metadata, questions, exemptions, passages."""
    h = (lambda s: f"## {s}") if markdown else (lambda s: s.upper())
    lines = [
        (f"# {doc.title}" if markdown else doc.title),
        f"Authority: {doc.authority or '?'}",
        f"Source: {doc.source} {doc.source_key}",
        f"URL: {doc.url or '-'}",
        f"References: {', '.join(doc.references) or '-'}",
        f"Law: {doc.law}   Outcome: {doc.outcome}   NCND: {'yes' if doc.ncnd else 'no'}   "
        f"Public interest test: {'yes' if doc.public_interest_test else 'no'}",
        f"Requested: {doc.request_date or '?'}   Responded: {doc.response_date or '?'}",
    ]
    if doc.questions:
        lines += ["", h("Questions")] + [f"{i}. {q}" for i, q in enumerate(doc.questions, 1)]
    if doc.exemptions:
        lines += ["", h("Exemptions")]
        for c in doc.exemptions:
            lines.append(f"- {describe(c.code)} [{c.status}]" + (f" as written: {c.detail}" if c.detail else ""))
    reasoning = [p for p in doc.passages if p.exemption]
    if reasoning:
        lines += ["", h("Reasoning")]
        for p in reasoning:
            lines.append(f"[{p.exemption}, {p.role}]")
            lines.append(textwrap.fill(p.text, 100) if not markdown else f"> {p.text}")
    if doc.attachments:
        lines += ["", h("Attachments")] + [f"- {a.name}" for a in doc.attachments]
    return "\n".join(lines)
