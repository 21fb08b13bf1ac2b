"""WhatDoTheyKnow / Alaveteli request threads in JSON.

The shape is ``{id, title, display_status, law_used, url_title, created_at,
events: [{created_at, message_id, type, content: [text]}]}`` where ``outgoing``
events are the requester's and ``incoming`` the authority's (Alaveteli's own
``request/<slug>.json`` adds ``public_body`` and ``info_request_events``; both
shapes are read).

The authority's name comes from ``public_body.name`` when present, otherwise
from the salutation Alaveteli puts at the top of every request ("Dear Sheffield
City Council,"), otherwise from the sign-off of the authority's replies.
Generic addressees ("Dear FOI Team") name no one and are not used.
"""

from __future__ import annotations

from collections import Counter

from foi_search.core.domain import Document, Message

from . import ParseError
from .authorities import find_authority, normalise_authority, salutation_authority
from .common import load_json, text_of, text_or_none

DEFAULT_BASE_URL = "https://www.whatdotheyknow.com"
_LAWS = {"foi": "FOIA", "eir": "EIR", "foisa": "FOISA", "eisr": "FOISA"}
_DIRECTIONS = {"incoming": "incoming", "outgoing": "outgoing", "response": "incoming", "sent": "outgoing",
               "followup_sent": "outgoing", "resent": "outgoing", "followup_resent": "outgoing"}


def parse(data: bytes, *, path: str | None = None, url: str | None = None) -> list[Document]:
    """Read one thread.

    Args:
        data: The JSON file's bytes.
        path: Where it was read from.
        url: The thread's URL, when the caller knows it.

    Raises:
        ParseError: The bytes are not a JSON thread (truncated, wrong shape).
    """
    obj = load_json(data)
    if not isinstance(obj, dict) or not text_or_none(obj.get("url_title")):
        raise ParseError("JSON is not an Alaveteli thread (no 'url_title')")
    events = obj.get("events")
    if events is None:
        events = obj.get("info_request_events")
    if not isinstance(events, list):
        raise ParseError("Alaveteli thread has no 'events' list")
    messages = [m for m in (_message(ev) for ev in events) if m is not None]
    slug = text_of(obj["url_title"]).strip()
    return [
        Document(
            source="wdtk",
            source_key=slug,
            title=(text_or_none(obj.get("title")) or slug).strip(),
            authority=_authority(obj, messages),
            url=url or f"{DEFAULT_BASE_URL}/request/{slug}",
            path=path,
            law=_LAWS.get(text_of(obj.get("law_used")).lower(), "unclear"),
            request_date=text_of(obj.get("created_at")).strip()[:10] or None,
            messages=messages,
            meta={
                k: v
                for k, v in {
                    "display_status": text_or_none(obj.get("display_status")) or text_or_none(obj.get("described_state")),
                    "wdtk_id": obj.get("id") if isinstance(obj.get("id"), (int, str)) else None,
                }.items()
                if v is not None
            },
        )
    ]


def _message(ev: object) -> Message | None:
    if not isinstance(ev, dict):
        return None
    direction = _DIRECTIONS.get(text_of(ev.get("type")) or text_of(ev.get("event_type")))
    if direction is None:
        return None
    content = ev.get("content")
    if isinstance(content, list):
        text = "\n".join(c for c in content if isinstance(c, str))
    elif isinstance(content, str):
        text = content
    else:
        text = ""
    msg_id = ev.get("message_id") or ev.get("incoming_message_id") or ev.get("outgoing_message_id")
    return Message(
        direction=direction,
        text=text.strip(),
        sent_at=text_or_none(ev.get("created_at")),
        message_id=text_or_none(msg_id),
    )


def _authority(obj: dict, messages: list[Message]) -> str | None:
    body = obj.get("public_body")
    if isinstance(body, dict):
        name = normalise_authority(text_or_none(body.get("name")))
        if name:
            return name
    elif isinstance(body, str):
        name = normalise_authority(body)
        if name:
            return name
    for m in messages:
        if m.direction == "outgoing":
            name = salutation_authority(m.text)
            if name:
                return name
            break
    # Replies sign off with the body's name; only trust a name that recurs.
    votes: Counter = Counter()
    for m in messages:
        if m.direction == "incoming" and m.text:
            name = find_authority(m.text[-3000:], head_lines=0, tail_lines=15)
            if name:
                votes[name] += 1
    if votes:
        name, n = votes.most_common(1)[0]
        if n >= 2 or len(votes) == 1:
            return name
    return None
