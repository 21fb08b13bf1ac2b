"""Passages with roles: the pieces precedent search returns.

Each message's own words (quoted earlier e-mails and echoed request text
already removed, so nothing is stored twice) become paragraph passages with a
role. Reasoning is tied to the exemption it argues: the paragraph that cites a
ground and the harm / public interest paragraphs that follow it carry that
ground's code until another ground is cited. Signatures, disclaimers and
salutations are dropped; repeated paragraphs are kept once per document.
Consecutive short pieces with the same role (table rows, bullets) are merged.
"""

from __future__ import annotations

import re

from foi_search.domain import Passage

from .analysis import MessageFacts, Para

_DROP_KINDS = {"echo", "salutation", "closing", "signature", "disclaimer", "contact", "subject", "attachment"}
_DECISION = re.compile(
    r"\b(?:i have (?:today )?decided|we have decided|decision\b|(?:we|i) (?:uphold|do not uphold)|"
    r"this (?:letter|response) (?:serves|constitutes) as a refusal|refusal notice|we are refusing|not held|"
    r"(?:is|are) exempt from disclosure|has been withheld|have been withheld|we are unable to provide|concludes your request)",
    re.I,
)
_MERGE_LIMIT = 1200
_SHORT = 200


def normalised_key(text: str) -> str:
    """Case- and whitespace-folded text, to keep each passage once."""
    return " ".join(text.lower().split())


_DISCLOSURE_HEADING = re.compile(r"^(?:disclosure|information (?:disclosed|released)|our response|response|answers?)\s*:?$", re.I)


def _incoming_role(p: Para, current_code: str | None, current_role: str | None) -> tuple[str, str | None]:
    """Role and exemption of one content paragraph of an authority reply.

    A paragraph with no cue of its own continues the argument in progress
    (the reasoning, harm or public interest section of the ground last
    cited), so a whole argument stays tied to its exemption.
    """
    f = p.flags
    applied = [c for c in p.citations if c.status == "applied"]
    mentioned = [c for c in p.citations if c.status != "applied"]
    code = applied[0].code if applied else (mentioned[0].code if mentioned else None)
    if "pit" in f and (code or current_code):
        return "public_interest", code or current_code
    if code and ("refusal" in f or "reasoning" in f or "harm" in f or applied):
        return "exemption_reasoning", code
    if "advice" in f and not code:
        return "advice", None
    if _DISCLOSURE_HEADING.match(p.text.strip()):
        return "disclosure", None
    if current_code and not f & {"numeric", "attached", "yesno", "answer", "not_held", "decided_disclose"}:
        if "harm" in f:
            return "harm", current_code
        return (current_role or "exemption_reasoning"), current_code
    if f & {"refusal", "not_held", "ncnd"} or _DECISION.search(p.text):
        return "decision", code
    if f & {"attached", "numeric", "yesno", "answer", "answer_slot", "decided_disclose", "signpost"}:
        return "disclosure", None
    return "correspondence", None


def message_passages(facts: MessageFacts) -> list[tuple[str, str, str | None]]:
    """``(text, role, exemption)`` pieces of one message, before merging."""
    out: list[tuple[str, str, str | None]] = []
    if facts.direction == "outgoing":
        role = "request" if facts.kind == "request" else "correspondence"
        for p in facts.paras:
            if p.kind in _DROP_KINDS or p.kind == "signature":
                continue
            out.append((p.text, role, None))
        return out
    if facts.kind in ("acknowledgement",):
        base = "acknowledgement"
    elif facts.kind in ("clarification", "extension", "other"):
        base = "correspondence"
    else:
        base = None
    current: str | None = None
    current_role: str | None = None
    last_question: str | None = None
    for p in facts.paras:
        if p.kind in _DROP_KINDS:
            continue
        if p.kind == "complaint_rights":
            out.append((p.text, "complaint_rights", None))
            continue
        if p.kind in ("reuse",):
            out.append((p.text, "boilerplate", None))
            continue
        if p.kind in ("ack", "admin"):
            out.append((p.text, "acknowledgement" if base != "correspondence" else base, None))
            continue
        if base:
            code = p.citations[0].code if p.citations else None
            out.append((p.text, base, code))
            continue
        if p.question != last_question:
            # A new question from the request: a new answer starts.
            current = current_role = None
            last_question = p.question
        role, code = _incoming_role(p, current, current_role)
        if role in ("exemption_reasoning", "public_interest") and code:
            current, current_role = code, role
        elif role in ("disclosure", "advice", "decision"):
            current = current_role = None
        out.append((p.text, role, code))
    return out


def build_passages(facts_list: list[MessageFacts]) -> list[Passage]:
    """All passages of a document, merged and de-duplicated, in order."""
    raw: list[tuple[str, str, str | None]] = []
    for f in facts_list:
        raw.extend(message_passages(f))
    merged: list[list] = []
    for text, role, code in raw:
        text = text.strip()
        if not text:
            continue
        if (
            merged
            and merged[-1][1] == role
            and merged[-1][2] == code
            and (len(merged[-1][0]) < _SHORT or len(text) < _SHORT or role in ("exemption_reasoning", "public_interest", "harm"))
            and len(merged[-1][0]) + len(text) < _MERGE_LIMIT
        ):
            merged[-1][0] += "\n" + text
        else:
            merged.append([text, role, code])
    out: list[Passage] = []
    seen: set[str] = set()
    for text, role, code in merged:
        key = normalised_key(text)
        if key in seen or len(key) < 3:
            continue
        seen.add(key)
        out.append(Passage(text=text, role=role, exemption=code, seq=len(out)))
    return out
