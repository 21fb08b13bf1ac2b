"""Tell the messages of a thread apart: request, acknowledgement, chaser, reply...

Only substantive replies and internal review responses decide the outcome, so
an acknowledgement ("This has been logged... we must respond by..."), a
clarification request ("please let us know your full name"), an extension or
delay notice, and the requester's chasers must be recognised first.
"""

from __future__ import annotations

import re

from . import analysis as A
from .analysis import MessageFacts
from .text import speed_up_ignorecase

_IMAGE = re.compile(r"\.(?:png|jpe?g|gif|bmp|emz|wmz|mso|tiff?)$|^image\d*\.|^oledata", re.I)
_REVIEW_DOC = re.compile(r"internal review|\bIR\b|review outcome|refusal|section \d+ notice|complaint response", re.I)


def _is_decision_letter(name: str) -> bool:
    # A reply letter whose name states a refusal or that nothing is held releases nothing itself
    # (one that says part was withheld may still carry the rest).
    decided = A.response_file_decision(name)
    return bool(decided) and decided != {"withheld"}
_STRONG_EXTENSION = re.compile(r"extend(?:ing|ed)? (?:the|this|our) (?:deadline|time)|regulation 7\(1\)|section 10\(3\)", re.I)
_HARD_REFUSAL = re.compile(r"exempt from disclosure|\bwithh(?:e|o)ld|\bredact|refusal notice|\brefus(?:e|ing)\b", re.I)
_ATTACHED_REVIEW = re.compile(
    r"(?:attach|enclos)\w*\s+(?:(?:our|the|a|my|your)\s+)?(?:full\s+)?(?:internal review|review|analysis|refusal notice|formal notice)", re.I
)


def document_attachments(facts: MessageFacts) -> list[str]:
    """Attachment names that look like released information (not logos or notices)."""
    return [
        a for a in facts.attachments if not _IMAGE.search(a.strip()) and not _REVIEW_DOC.search(a) and not _is_decision_letter(a)
    ]


def disclosure_strength(facts: MessageFacts) -> tuple[bool, bool]:
    """Whether a message releases information: ``(strong, weak)`` evidence.

    Strong: released files, "please find attached", figures, tables, yes/no
    answers, labelled answers. Weak: plain prose that is not refusal,
    reasoning, signposting, advice or housekeeping (apologies, thanks).
    """
    documents = document_attachments(facts)
    strong = bool(documents)
    # "Please see attached" refers to the files listed; when those are only a
    # review letter or logos, nothing was released by it.
    attached_counts = bool(documents) or not [a for a in facts.attachments if not _IMAGE.search(a.strip())]
    weak = False
    for p in facts.content():
        f = p.flags
        if "attached" in f and not _ATTACHED_REVIEW.search(p.text):
            strong = strong or attached_counts
            continue
        if "numeric_clean" in f and (
            "answer" in f
            or "lead_numeric" in f and not f & {"refusal_block", "pit", "advice"}
            or not f & {"refusal", "reasoning", "refusal_block", "pit", "advice"}
        ):
            # Figures stated in their own sentence are released information,
            # even beside "we do not record X" for another part.
            strong = True
            continue
        blocked = f & {"refusal", "reasoning", "not_held", "unable", "advice", "pit", "refusal_block"}
        if blocked:
            continue
        if f & {"yesno", "answer", "decided_disclose"}:
            strong = True
        elif "numeric" in f and ("signpost" not in f or "answer_slot" in f):
            strong = True
        elif "pending" in f:
            continue
        elif "signpost" in f:
            # A link among sentences that answer still answers.
            if any(
                len(sent.split()) >= 6 and not A._SIGNPOST.search(sent) and not _META.search(sent) and not _ADMIN.search(sent)
                for sent in A._SENT_SPLIT.split(p.text)
            ):
                weak = True
            continue
        elif (
            len(p.text) >= 25
            and not A.is_heading(p.text)
            and not _ADMIN.search(p.text)
            and not _META.search(p.text)
            and not A._EXTENSION.search(p.text)
            and not A._CLARIFY.search(p.text)
        ):
            weak = True
    return strong, weak


# Talk about the request rather than an answer to it.
_META = re.compile(
    r"(?:the |all (?:of )?the |any )?information (?:that )?(?:you (?:have )?)?requested|your (?:request|email|query|enquiry)|the data we publish",
    re.I,
)
_ADMIN = re.compile(
    r"apologi|\bsorry\b|thank you|thanks for|your patience|\bdelay|in the meantime|appreciate|waited|we (?:will|aim to|hope to|expect to) |as soon as|"
    r"please note that from|please (?:contact|let us know)|do not hesitate|we look forward|hope (?:this|that|the)|regret",
    re.I,
)


def _answers_after_marker(facts: MessageFacts) -> bool:
    """A reply that announces its response and then says something, however short."""
    content = facts.content()
    for i, p in enumerate(content):
        m = A._RESPONSE_MARKER.search(p.text)
        if m:
            rest = p.text[m.end():].strip(" :.-")
            later = [q for q in content[i + 1:] if len(q.text) >= 3 and not _ADMIN.search(q.text)]
            return len(rest) > 30 or bool(later)
    return False


def classify_incoming(facts: MessageFacts) -> str:
    """The kind of one authority message."""
    text = facts.text()
    strong, weak = disclosure_strength(facts)
    decision = any(
        ("refusal" in p.flags and p.citations) or "not_held" in p.flags or ("unable" in p.flags and not p.citations)
        for p in facts.content()
    ) or any(c.explicit for p in facts.content() for c in p.citations)
    if A._IR_RESPONSE.search(text) and (strong or weak or decision or re.search(r"\buph[eo]ld", text, re.I) or facts.attachments):
        return "internal_review_response"
    if any(re.search(r"internal review|\bIR\b", a) for a in facts.attachments) and not document_attachments(facts):
        return "internal_review_response"
    files = bool(document_attachments(facts)) or facts.has("attached") or "│" in text
    if _STRONG_EXTENSION.search(text) and not (files or _HARD_REFUSAL.search(text)):
        # An extension notice may list what is coming; it decides nothing yet.
        return "extension"
    if A._CLARIFY.search(text) and not (strong or files or decision):
        return "clarification"
    if A._EXTENSION.search(text) and not (strong or decision):
        return "extension"
    if strong or decision:
        return "substantive"
    if A._VOID_PREVIOUS.search(text):
        return "other"
    if A._RESPONSE_MARKER.search(text) and (weak or _answers_after_marker(facts)):
        return "substantive"
    if facts.attachments and A._RESPONSE_MARKER.search(" ".join(p.text for p in facts.paras)):
        return "substantive"
    content = facts.content()
    if not content or all(len(p.text) < 40 for p in content):
        return "acknowledgement"
    if weak and len(text) > 200 and not A._ACK.search(text):
        return "substantive"
    return "other"


def classify_outgoing(facts: MessageFacts, first: bool, previous_incoming: str | None) -> str:
    """The kind of one requester message."""
    if first:
        return "request"
    text = " ".join(p.text for p in facts.paras)
    if A._WITHDRAW_OUT.search(text):
        return "withdrawal"
    if A._IR_REQUEST_OUT.search(text):
        return "internal_review_request"
    if previous_incoming == "clarification" or A._CLARIFY_OUT.search(text):
        return "clarification"
    if A._CHASE_OUT.search(text):
        return "chaser"
    return "other"


def classify_messages(facts_list: list[MessageFacts]) -> None:
    """Set ``kind`` on every message, then mark replies later withdrawn."""
    seen_outgoing = False
    last_incoming: str | None = None
    for f in facts_list:
        if f.direction == "outgoing":
            f.kind = classify_outgoing(f, not seen_outgoing, last_incoming)
            seen_outgoing = True
        else:
            f.kind = classify_incoming(f)
            last_incoming = f.kind
    for i, f in enumerate(facts_list):
        if f.direction != "incoming":
            continue
        all_text = " ".join(p.text for p in f.paras)
        if A._VOID_PREVIOUS.search(all_text):
            for prev in reversed(facts_list[:i]):
                if prev.direction == "incoming" and prev.kind in ("substantive", "internal_review_response"):
                    prev.voided = True
                    break
            f.voids_previous = True
        if f.kind == "internal_review_response" and A._IR_OVERTURN.search(f.text()):
            f.overturns = True


speed_up_ignorecase(globals(), skip=())
