"""gov.uk Content API items (``https://www.gov.uk/api/content/<path>``) of type ``foi_release``.

An item carries ``title``, ``description``, ``details.body`` (HTML), dates
(``first_published_at``, ``public_updated_at``, ``details.first_public_at``),
``links.organisations`` (the publishing departments) and the released files in
``details.attachments`` (newer items) or ``details.documents`` (HTML snippets,
older items). Other document types (publication schemes, guidance) are not FOI
responses and yield no document.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from foi_search.core.domain import Attachment, Document, Message

from foi_search.core.domain import SOURCE_UPDATED_AT

from . import ParseError
from .common import load_json, parse_date, text_of, text_or_none

BASE_URL = "https://www.gov.uk"
FOI_TYPES = {"foi_release"}


def looks_like(head: bytes) -> bool:
    """Whether the first bytes look like a Content API item."""
    return b'"document_type"' in head and (b'"base_path"' in head or b'"content_id"' in head)


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read one Content API item; non-FOI items give ``[]``.

    Raises:
        ParseError: Not JSON, or JSON without the Content API shape.
    """
    from ingest.parsers.pagetext import html_to_text

    obj = load_json(data)
    if not isinstance(obj, dict) or "document_type" not in obj:
        raise ParseError("JSON is not a gov.uk Content API item (no 'document_type')")
    if text_of(obj.get("document_type")) not in FOI_TYPES:
        return []
    details = obj.get("details") if isinstance(obj.get("details"), dict) else {}
    links = obj.get("links") if isinstance(obj.get("links"), dict) else {}
    base_path = text_of(obj.get("base_path")).strip()
    page_url = urljoin(BASE_URL, base_path) if base_path else url
    key = base_path.rstrip("/").rsplit("/", 1)[-1] if base_path else text_or_none(obj.get("content_id"))
    if not key:
        raise ParseError("Content API item has neither base_path nor content_id")
    body_html = details.get("body") or ""
    body = html_to_text(body_html) if isinstance(body_html, str) and body_html.strip() else ""
    description = text_of(obj.get("description")).strip()
    text = body or description
    if description and body and description not in body:
        text = description + "\n\n" + body
    org_links = links.get("primary_publishing_organisation") or links.get("organisations") or []
    orgs = [text_of(o.get("title")).strip() for o in (org_links if isinstance(org_links, list) else [])
            if isinstance(o, dict) and text_or_none(o.get("title"))]
    published = (text_or_none(details.get("first_public_at")) or text_or_none(obj.get("first_published_at"))
                 or text_or_none(obj.get("public_updated_at")))
    request_date = _request_date(text)
    return [
        Document(
            source="govuk",
            source_key=key,
            title=(text_or_none(obj.get("title")) or key).strip(),
            authority=orgs[0] if orgs else None,
            url=page_url,
            path=path,
            law="EIR" if re.search(r"Environmental Information Regulations|\bEIR\b", text) else "FOIA",
            request_date=request_date,
            response_date=parse_date(published),
            messages=[Message(direction="incoming", text=text, sent_at=published)] if text else [],
            attachments=_attachments(details),
            meta={
                k: v
                for k, v in {
                    "content_id": text_or_none(obj.get("content_id")),
                    "organisations": orgs or None,
                    "public_updated_at": text_or_none(obj.get("public_updated_at")),
                    # When this copy of the item was last changed: of two saved copies, the store keeps the later.
                    SOURCE_UPDATED_AT: text_or_none(obj.get("updated_at")),
                    "document_type": text_or_none(obj.get("document_type")),
                }.items()
                if v
            },
        )
    ]


def _request_date(text: str) -> str | None:
    m = re.search(r"(?i)request(?:\s+for\s+information)?\s+(?:dated|of|made on|received on)\s+(.{6,30})", text)
    return parse_date(m.group(1)) if m else None


def _attachments(details: dict) -> list[Attachment]:
    out: list[Attachment] = []
    seen: set[str] = set()
    attachments = details.get("attachments") or []
    for a in attachments if isinstance(attachments, list) else []:
        if not isinstance(a, dict):
            continue
        link = text_or_none(a.get("url"))
        name = text_or_none(a.get("title")) or text_or_none(a.get("filename")) or (link.rsplit("/", 1)[-1] if link else None)
        if not name or (link and link in seen):
            continue
        seen.add(link or name)
        size = a.get("file_size")
        out.append(
            Attachment(
                name=name,
                url=urljoin(BASE_URL, link) if link else None,
                content_type=text_or_none(a.get("content_type")),
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            )
        )
    # Older items list documents as HTML snippets with links.
    snippets = details.get("documents") or []
    for snippet in snippets if isinstance(snippets, list) else []:
        if not isinstance(snippet, str):
            continue
        for m in re.finditer(r'<a[^>]+href="([^"]+)"[^>]*>(.*?)</a>', snippet, re.S):
            link, label = m.group(1), re.sub(r"<[^>]+>", "", m.group(2)).strip()
            full = urljoin(BASE_URL, link)
            if full in seen or not label or link.startswith(("mailto:", "#")):
                continue
            seen.add(full)
            out.append(Attachment(name=label, url=full))
    return out
