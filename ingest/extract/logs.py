"""FOI log rows and ICO decision metadata: map their categories to the closed outcome set.

Disclosure logs record an outcome *category* rather than a reply ("All
information sent", "Some information sent but part exempt", "Exceeds
appropriate limit - refused", "Neither confirm or deny information held").
Each category is read by the words it uses, not matched against one council's
list, so other logs' wordings map too. Categories that name a ground (cost
limit, vexatious, repeated) also record that ground as applied, and an
exemptions column, when the log has one, is read like any citation.
"""

from __future__ import annotations

import re

from foi_search.core.domain import Document, ExemptionCitation, Passage

from .exemptions import find_citations
from .questions import extract_questions
from .text import speed_up_ignorecase

_OUTCOME_KEYS = ("log_outcome", "outcome", "outcome_category", "status", "decision", "result", "category")

# Order matters: the first rule that matches wins.
_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"neither confirm|\bncnd\b", re.I), "ncnd"),
    (re.compile(r"withdrawn|cancelled by (?:the )?requester", re.I), "withdrawn"),
    (re.compile(r"lapsed|clock stopped|awaiting|due\b|in progress|open\b|clarification|more information requested|on hold", re.I),
     "no_substantive_response"),
    (re.compile(r"(?:some|part(?:ial(?:ly)?)?)\b.{0,30}\b(?:sent|disclosed|released|provided|supplied|granted|successful)", re.I),
     "disclosed_partial"),
    (re.compile(r"not (?:all )?held|no information held|information not held", re.I), "not_held"),
    (re.compile(r"(?:all|full(?:y)?)\b.{0,20}\b(?:sent|disclosed|released|provided|supplied|granted)|^(?:disclosed|released|granted|successful)$", re.I),
     "disclosed_full"),
    (re.compile(r"no information sent|refused|exempt|exceeds|vexatious|repeated|rejected|declined|withheld", re.I), "refused"),
]
_IMPLIED = [
    (re.compile(r"exceed|appropriate limit|cost limit", re.I), "s12", "s12"),
    (re.compile(r"vexatious", re.I), "s14(1)", "s14(1)"),
    (re.compile(r"repeated", re.I), "s14(2)", "s14(2)"),
]


def map_outcome_label(label: str | None) -> str | None:
    """The closed-set outcome for a log's category text, or None when unknown.

    Examples:
        >>> map_outcome_label("Some information sent but part exempt")
        'disclosed_partial'
        >>> map_outcome_label("Exceeds appropriate limit - refused")
        'refused'
    """
    if not label or not label.strip():
        return None
    text = " ".join(label.split())
    if re.search(r"some information sent", text, re.I):
        return "disclosed_partial"
    for rx, outcome in _RULES:
        if rx.search(text):
            return outcome
    return "other"


def _label(doc: Document) -> str | None:
    for key in _OUTCOME_KEYS:
        v = doc.meta.get(key)
        if isinstance(v, str) and v.strip():
            return v
    return None


def enrich_log_entry(doc: Document) -> Document:
    """Outcome, implied grounds and questions of a log row or ICO notice record."""
    label = _label(doc)
    outcome = map_outcome_label(label)
    if outcome:
        doc.outcome = outcome
    citations: list[ExemptionCitation] = []
    seen: set[tuple[str, str]] = set()
    status = "applied" if doc.outcome in ("refused", "disclosed_partial", "ncnd") else "mentioned"
    if label:
        for rx, code, detail in _IMPLIED:
            if rx.search(label) and (code, detail) not in seen:
                seen.add((code, detail))
                citations.append(ExemptionCitation(code, detail, status, None))
    column = doc.meta.get("exemptions")
    if isinstance(column, str) and column.strip():
        for c in find_citations(column, law_hint=doc.law if doc.law in ("FOIA", "EIR") else "FOIA"):
            if (c.code, c.detail) not in seen:
                seen.add((c.code, c.detail))
                citations.append(ExemptionCitation(c.code, c.detail, status, None))
    if citations and not doc.exemptions:
        doc.exemptions = citations
    if doc.outcome == "ncnd":
        doc.ncnd = True
    if not doc.questions:
        request = next((m.text for m in doc.messages if m.direction == "outgoing"), None)
        if request:
            doc.questions = extract_questions(request)
    for m in doc.messages:
        m.kind = "request" if m.direction == "outgoing" else "other"
    # A log row's request text is what precedent search matches; the
    # generated summary of an ICO notice record is metadata, not a passage.
    doc.passages = [
        Passage(m.text.strip(), "request", None, i)
        for i, m in enumerate(doc.messages)
        if m.direction == "outgoing" and m.text and m.text.strip()
    ]
    return doc


speed_up_ignorecase(globals(), skip=())
