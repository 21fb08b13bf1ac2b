"""Tribunal decisions: the rulings on each exemption, for precedent search.

A decision is long (tens of pages) and argues a handful of grounds. Its
numbered paragraphs are read once: a paragraph that discusses a section or
regulation becomes a ``ruling`` passage tied to that ground (the one it names
most), the paragraphs that state the result become ``decision`` passages, and
the one that sets out the original request a ``request`` passage. Every
ground discussed is recorded as ``mentioned``: the tribunal considers grounds,
it does not apply them. The appeal outcome stays in ``meta["appeal_outcome"]``
(allowed / dismissed / part_allowed...), read from the text when the parser's
metadata has none.
"""

from __future__ import annotations

import re
from collections import Counter

from foi_search.core.domain import Document, ExemptionCitation, Passage

from .exemptions import find_citations

# Numbered paragraphs ("12.", "!12.", "(12)") start a new paragraph.
_PARA_START = re.compile(r"^[ \t!]*(?:\(?\d{1,3}[.)]|[A-Z]\.)\s+(?=\S)", re.M)
_NOISE = re.compile(r"^[ \t!]+|[ \t!]+$", re.M)
_RESULT = re.compile(
    r"\bappeals?\s+(?:is|are)\s+(?:therefore\s+|accordingly\s+|hereby\s+)?(?:dismissed|allowed|refused|struck out|upheld)"
    r"|\b(?:we|the tribunal)\s+(?:therefore\s+|accordingly\s+|unanimously\s+)?(?:dismiss|allow|uphold)(?:es)?\s+the\s+appeal"
    r"|\bdecision:\s*appeal\s+\w+|substituted decision notice|\bsubstitute(?:d)? (?:the following|a) decision",
    re.I,
)
_OUTCOME_WORDS = [
    (re.compile(r"allowed in part|part(?:ly|ially)? allowed|allowed,? in part", re.I), "part_allowed"),
    (re.compile(r"\b(?:dismiss(?:ed)?|refused|fails)\b", re.I), "dismissed"),
    (re.compile(r"\b(?:allow(?:ed)?|succeeds|upheld)\b", re.I), "allowed"),
    (re.compile(r"struck out", re.I), "struck_out"),
]
_REQUEST = re.compile(r"\b(?:requested|request(?:ing)? (?:the following|information|that)|wrote to .{0,80}(?:asking|request))", re.I)
_MAX_PASSAGE = 2000


def _paragraphs(text: str) -> list[str]:
    text = _NOISE.sub("", text.replace("\r", ""))
    starts = [m.start() for m in _PARA_START.finditer(text)]
    if len(starts) < 3:
        chunks = re.split(r"\n\s*\n", text)
    else:
        chunks = [text[: starts[0]]] + [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
    out = []
    for c in chunks:
        c = re.sub(r"-\n(?=[a-z])", "", c)  # hyphenation at line ends
        c = " ".join(c.split())
        if c:
            out.append(c)
    return out


def _appeal_outcome(paras: list[str]) -> str | None:
    for p in paras[:15] + paras[-15:]:
        m = _RESULT.search(p)
        if not m:
            continue
        for rx, label in _OUTCOME_WORDS:
            if rx.search(m.group(0)):
                return label
    return None


def enrich_ruling(doc: Document) -> Document:
    """Passages, considered grounds and appeal outcome of a tribunal decision."""
    text = "\n".join(m.text for m in doc.messages)
    law = doc.law if doc.law in ("FOIA", "EIR") else "FOIA"
    paras = _paragraphs(text)
    counts: Counter = Counter()
    details: dict[str, str] = {}
    passages: list[Passage] = []
    request_done = False
    for p in paras:
        cites = find_citations(p, law_hint=law)
        cites = [c for c in cites if c.explicit]
        if cites:
            per = Counter(c.code for c in cites)
            code = per.most_common(1)[0][0]
            for c in cites:
                counts[c.code] += 1
                details.setdefault(c.code, c.detail)
            role = "ruling"
        elif _RESULT.search(p):
            role, code = "decision", None
        elif not request_done and _REQUEST.search(p) and len(p) > 80:
            role, code, request_done = "request", None, True
        else:
            continue
        if len(p) < 60:
            continue
        passages.append(Passage(p if len(p) <= _MAX_PASSAGE else p[: _MAX_PASSAGE - 1] + "…", role, code, len(passages)))
    doc.passages = passages
    considered = [c for c, _ in counts.most_common()]
    for c in doc.meta.get("sections_considered") or []:
        if isinstance(c, str) and c not in considered:
            considered.append(c)
    doc.exemptions = [ExemptionCitation(code=c, detail=details.get(c, c), status="mentioned") for c in considered]
    if not doc.meta.get("appeal_outcome"):
        found = _appeal_outcome(paras)
        if found:
            doc.meta["appeal_outcome"] = found
    doc.outcome = "other"
    for m in doc.messages:
        m.kind = "other"
    return doc
