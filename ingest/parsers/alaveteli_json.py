"""WhatDoTheyKnow / Alaveteli request threads in JSON.

The shape is ``{id, title, display_status, law_used, url_title, created_at,
events: [{created_at, message_id, type, content: [text]}]}`` where ``outgoing``
events are the requester's and ``incoming`` the authority's. The authority's
name comes from ``public_body.name`` when present, otherwise from the salutation
Alaveteli puts at the top of every request ("Dear Sheffield City Council,").
"""

from __future__ import annotations

import json
import re

from foi_search.domain import Document, Message

from . import ParseError

DEFAULT_BASE_URL = "https://www.whatdotheyknow.com"
_DEAR = re.compile(r"^\s*Dear\s+([^,\n]{3,120}),", re.M)
_LAWS = {"foi": "FOIA", "eir": "EIR", "foisa": "FOISA"}


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read one thread.

    Raises:
        ParseError: The bytes are not a JSON thread.
    """
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(f"not valid JSON: {e}") from e
    if not isinstance(obj, dict) or "events" not in obj or "url_title" not in obj:
        raise ParseError("JSON is not an Alaveteli thread (no 'events' / 'url_title')")
    messages = []
    for ev in obj.get("events") or []:
        if ev.get("type") not in ("incoming", "outgoing"):
            continue
        content = ev.get("content") or []
        text = "\n".join(c for c in content if isinstance(c, str)) if isinstance(content, list) else str(content)
        messages.append(
            Message(
                direction=ev["type"],
                text=text,
                sent_at=ev.get("created_at"),
                message_id=str(ev["message_id"]) if ev.get("message_id") is not None else None,
            )
        )
    body = obj.get("public_body") or {}
    authority = body.get("name") if isinstance(body, dict) else None
    if not authority:
        first_out = next((m.text for m in messages if m.direction == "outgoing"), "")
        m = _DEAR.search(first_out)
        authority = m.group(1).strip() if m else None
    slug = obj["url_title"]
    return [
        Document(
            source="wdtk",
            source_key=slug,
            title=obj.get("title") or slug,
            authority=authority,
            url=url or f"{DEFAULT_BASE_URL}/request/{slug}",
            path=path,
            law=_LAWS.get((obj.get("law_used") or "").lower(), "unclear"),
            request_date=(obj.get("created_at") or "")[:10] or None,
            messages=messages,
            meta={"display_status": obj.get("display_status"), "wdtk_id": obj.get("id")},
        )
    ]
