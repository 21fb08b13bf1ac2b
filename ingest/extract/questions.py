"""The numbered questions of a request.

Requests list what they want as numbered items ("1. How many..."), lettered
items ("a) ..."), bullets, or plain questions. The most structured form found
wins; sub-items and wrapped lines stay with the item they belong to.
"""

from __future__ import annotations

import re

from .text import clean_message, paragraphs

# "12.3.14.2 FOI 21-110" (a document number in a footer) is not question 12.
_NUMBERED = re.compile(r"^\s*(?:Q(?:uestion)?\s*)?\(?(\d{1,2})\s*[.):](?!\d)\s*(?=\S)", re.I)
_LETTERED = re.compile(r"^\s*\(?([a-z])\s*[.)]\s+(?=\S)")
_BULLET = re.compile(r"^\s*[•○◦▪·\-–*]\s*(?=\S)")
_SKIP = re.compile(
    r"^(?:dear|hi|hello|yours|kind regards|regards|many thanks|thank you|thanks|best wishes)\b|^\[name\]$",
    re.I,
)
_INTRO_RE = re.compile(r"I note you seek access to the following information:?", re.I)
_END_RE = re.compile(
    r"^(?:I have today decided|Yours|Kind regards|Please (?:provide|send) (?:the|this) (?:information|data) (?:in|as)|DECISION\b|Decision\b)",
)
_MAX_QUESTIONS = 60
_MAX_LEN = 600


def _items(paras: list[str], start: re.Pattern) -> list[str]:
    subs = [rx for rx in (_LETTERED, _BULLET) if rx is not start][: 2 if start is _NUMBERED else 1]
    if start is _BULLET:
        subs = []
    out: list[str] = []
    attach = False
    for p in paras:
        if start.match(p):
            out.append(p)
            attach = True
        elif out and attach and any(rx.match(p) for rx in subs):
            # A sub-item stays with its question.
            if len(out[-1]) + len(p) < _MAX_LEN:
                out[-1] += " " + p
        else:
            attach = False
    return out


def extract_questions(text: str) -> list[str]:
    """The questions of one request text.

    Args:
        text: The request as written (one message, or a letter's request
            block).

    Returns:
        The questions in order, each on one line; empty when the request asks
        no distinguishable question.
    """
    m = _INTRO_RE.search(text)
    body = text[m.end():] if m else clean_message(text).body
    paras = []
    for p in paragraphs(body):
        if _SKIP.match(p):
            continue
        if m and _END_RE.match(p):
            break
        paras.append(p)
    for start in (_NUMBERED, _LETTERED, _BULLET):
        if sum(1 for p in paras if start.match(p)) >= 2:
            items = _items(paras, start)
            break
    else:
        items = [p for p in paras if p.rstrip().endswith("?")]
    out = []
    for q in items[:_MAX_QUESTIONS]:
        q = " ".join(q.split())
        out.append(q if len(q) <= _MAX_LEN else q[: _MAX_LEN - 1].rstrip() + "…")
    return out
