"""Passages with roles: the pieces precedent search returns.

Each message's own words (quoted earlier e-mails and echoed request text
already removed, so nothing is stored twice) become paragraph passages with a
role. Reasoning is tied to the exemption it argues: the paragraph that cites a
ground and the harm / public interest paragraphs that follow it carry that
ground's code until another ground is cited. Signatures, disclaimers and
salutations are dropped; repeated paragraphs are kept once per document.
Consecutive short pieces with the same role (table rows, bullets) are merged.
A heading line ("Your right to review", "Section 40(2) - Personal
information") starts the passage of the section it heads instead of trailing
the one before.
"""

from __future__ import annotations

import re

from foi_search.core.domain import Passage

from .analysis import MessageFacts, Para
from .text import is_known_heading, looks_like_heading

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


_LIST_ITEM = re.compile(r"^\s*(?:\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s|[-•*·–]\s?)", re.I)


def _prose(text: str) -> bool:
    """A paragraph that says something: a sentence, not a list item, label or table cell."""
    t = text.strip()
    return len(t) >= 40 and t[0].isupper() and not _LIST_ITEM.match(t) and not looks_like_heading(t)


def attach_headings(pieces: list[tuple[str, str, str | None]]) -> list[tuple[str, str, str | None, bool]]:
    """Put each heading line in front of the piece it heads.

    A heading belongs to the section after it: it is joined to the next piece
    of the same message, which gives the role (and the exemption, unless only
    the heading cites one), and the result starts a new passage (flag
    ``True``) instead of trailing the previous one. Known FOI headings ("Your
    right to review", "Right of appeal", "Internal review", "Section 40(2) -
    Personal information") always head what follows; any other Title Case
    line only when it stands alone above a paragraph of prose, so a role and
    a name ("Director of Education" / "A Name"), a table's cells or an
    address stay where they were. A heading with nothing after it is left as
    before.
    """
    out: list[tuple[str, str, str | None, bool]] = []
    pending: list[tuple[str, str, str | None]] = []
    for text, role, code in pieces:
        text = text.strip()
        if not text:
            continue
        if looks_like_heading(text):
            pending.append((text, role, code))
            continue
        heads: list[tuple[str, str, str | None]] = []
        if pending:
            k = len(pending)
            while k and is_known_heading(pending[k - 1][0]):
                k -= 1
            if k < len(pending):
                heads = pending[k:]
                pending = pending[:k]
            elif len(pending) == 1 and _prose(text):
                heads, pending = pending, []
        out.extend((t, r, c, False) for t, r, c in pending)
        pending = []
        if heads:
            # Only a heading that cites a ground ("Section 40(2) - ...") lends its code;
            # "Your right to review" after an argument only carried that argument's.
            head_code = next((c for t, _, c in heads if c and re.search(r"\d", t)), None)
            out.append(("\n".join([*(t for t, _, _ in heads), text]), role, code or head_code, True))
        else:
            out.append((text, role, code, False))
    out.extend((t, r, c, False) for t, r, c in pending)
    return out


def build_passages(facts_list: list[MessageFacts]) -> list[Passage]:
    """All passages of a document, merged and de-duplicated, in order."""
    raw: list[tuple[str, str, str | None, bool]] = []
    for f in facts_list:
        raw.extend(attach_headings(message_passages(f)))
    merged: list[list] = []
    for text, role, code, headed in raw:
        if (
            merged
            and not headed
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
