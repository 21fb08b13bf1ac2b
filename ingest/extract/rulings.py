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
from foi_search.core.exemptions import GROUNDS

from .exemptions import find_citations

# Numbered paragraphs ("12.", "!12.", "(12)") start a new paragraph.
_PARA_START = re.compile(r"^[ \t!]*(?:\(?\d{1,3}[.)]|[A-Z]\.)\s+(?=\S)", re.M)
_NOISE = re.compile(r"^[ \t!]+|[ \t!]+$", re.M)
#: "The Tribunal upholds the Commissioner's decision notice": the notice stands, the appeal against it fails.
_NOTICE_UPHELD_WORDS = r"upholds\s+(?:the\s+|both\s+)?(?:information\s+)?(?:commissioner\W?s\s+)?decision"
_RESULT = re.compile(
    r"\bappeals?\s+(?:is|are)\s+(?:therefore\s+|accordingly\s+|hereby\s+)?(?:dismissed|allowed(?:\s+in\s+part)?|refused|struck out|upheld)"
    r"|\b(?:we|the tribunal)\s+(?:(?:has|have)\s+decided\s+to\s+|therefore\s+|accordingly\s+|unanimously\s+)?"
    r"(?:dismiss|allow|uphold)(?:es|s|ed)?\s+the\s+(?:appellant\W?s\s+)?appeal"
    r"|\bthe tribunal\s+(?:largely\s+)?" + _NOTICE_UPHELD_WORDS + r"(?:\s+notice)?s?\b"
    r"|\bdecision:\s*appeal\s+\w+|substituted decision notice|\bsubstitute(?:d)? (?:the following|a) decision",
    re.I,
)
_NOTICE_UPHELD = re.compile(r"\b" + _NOTICE_UPHELD_WORDS, re.I)
_OUTCOME_WORDS = [
    (_NOTICE_UPHELD, "dismissed"),
    (re.compile(r"allowed in part|part(?:ly|ially)? allowed|allowed,? in part", re.I), "part_allowed"),
    (re.compile(r"\b(?:dismiss(?:es|ed)?|refused|fails)\b", re.I), "dismissed"),
    (re.compile(r"\b(?:allow(?:s|ed)?|succeeds|uphold(?:s)?|upheld)\b", re.I), "allowed"),
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
    main_code: list[str | None] = []  # the ground each paragraph is mostly about
    for p in paras:
        cites = find_citations(p, law_hint=law)
        cites = [c for c in cites if c.explicit]
        main_code.append(Counter(c.code for c in cites).most_common(1)[0][0] if cites else None)
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
    if not doc.meta.get("appeal_outcome"):
        found = _appeal_outcome(paras)
        if found:
            doc.meta["appeal_outcome"] = found
    rulings = rule_on_grounds(
        paras, main_code, counts, doc.meta.get("appeal_outcome"), _authority_appealed(doc),
        listed=[c for c in doc.meta.get("sections_considered") or [] if isinstance(c, str)],
    )
    doc.exemptions = [
        ExemptionCitation(code=c, detail=details.get(c, c), status=rulings.get(c, "mentioned")) for c in considered
    ]
    doc.outcome = "other"
    for m in doc.messages:
        m.kind = "other"
    return doc


# -- what the Tribunal decided on each ground ----------------------------------

#: Sentences that find a ground applies ...
_UPHELD = re.compile(
    r"\b(?:exemption|exception)s?\b[^.;]{0,80}\b(?:is|was|are|were|has been|is therefore|was therefore)\s+(?:properly\s+|correctly\s+|clearly\s+)?engaged"
    r"|\b(?:correctly|properly|rightly|lawfully) (?:applied|relied|invoked|engaged|withheld)"
    r"|\bentitled to (?:rely|withhold|refuse|apply)"
    r"|public interest in maintaining the (?:exemption|exception)s? (?:outweighs|outweighed|clearly outweighs|is not outweighed)"
    r"|\bthe balance (?:of (?:the )?public interest )?(?:favours|favoured|lies in) (?:maintaining|withholding|non-disclosure)",
    re.I,
)
#: ... and sentences that find it does not.
_NOT_UPHELD = re.compile(
    r"\b(?:is|was|are|were) not (?:properly |correctly )?engaged|\bnot entitled to (?:rely|withhold|refuse|apply)"
    r"|\b(?:does|did) not (?:apply|engage)|\b(?:wrongly|incorrectly|erroneously) (?:applied|relied|withheld|invoked)"
    r"|public interest in maintaining the (?:exemption|exception)s? (?:does not|did not) outweigh"
    r"|public interest in (?:disclosure|disclosing (?:the|this) information) (?:outweighs|outweighed|is not outweighed)"
    r"|\bthe balance (?:of (?:the )?public interest )?(?:favours|favoured|lies in) disclosure"
    r"|\bshould (?:be|have been) disclosed",
    re.I,
)
_NEGATION_HEAD = re.compile(r"\b(?:if|whether|argued|submitted|contended|submits|argues|contends|claim(?:s|ed)?)\b", re.I)
_BODY = re.compile(
    r"\b(?:council|ministry|department|office|police|constabulary|trust|authority|university|college|commission|"
    r"agency|service|government|executive|board|borough|secretary of state|chief constable|nhs|bbc|corporation)\b",
    re.I,
)
#: Grounds in dispute: the most discussed of the real exemptions (procedural sections never are).
_MAX_DISPUTED = 4
#: Grounds in dispute taken from the whole text's most discussed when the paragraphs cite none twice.
_MAX_LISTED_DISPUTED = 2


def _authority_appealed(doc: Document) -> bool:
    """Whether the public authority (not the requester) brought the appeal."""
    appellant = (doc.meta.get("appellant") or "").strip()
    if not appellant:
        return False
    authority = (doc.authority or doc.meta.get("public_authority") or "").lower()
    return bool(authority and appellant.lower() in authority or authority and authority in appellant.lower() or _BODY.search(appellant))


def _cue_votes(paras: list[str], main_code: list[str | None], code: str) -> tuple[int, int]:
    """Sentences in the paragraphs on ``code`` that find it applies, and that find it does not."""
    up = down = 0
    # Findings come in the Tribunal's own reasoning and conclusion: the later half weighs double.
    half = len(paras) // 2
    for i, p in enumerate(paras):
        if main_code[i] != code:
            continue
        weight = 2 if i >= half else 1
        for sent in re.split(r"(?<=[.;])\s+", p):
            if _NEGATION_HEAD.search(sent):
                continue  # a party's argument or a condition, not a finding
            if _NOT_UPHELD.search(sent):
                down += weight
            elif _UPHELD.search(sent):
                up += weight
    return up, down


def rule_on_grounds(
    paras: list[str],
    main_code: list[str | None],
    counts: Counter,
    outcome: str | None,
    authority_appealed: bool,
    *,
    listed: list[str] | None = None,
) -> dict[str, str]:
    """What the Tribunal decided on each ground in dispute: ``upheld``, ``not_upheld`` or ``partly``.

    The grounds in dispute are the exemptions the decision discusses most
    (at least twice). Each takes the finding its own paragraphs state ("the
    exemption is engaged and the public interest in maintaining it outweighs",
    "section 43 does not apply") when they lean clearly one way; otherwise the
    appeal outcome decides, read by who appealed: a requester's appeal
    dismissed, or an authority's appeal allowed, upholds the grounds; the
    reverse does not; an appeal allowed in part rules them ``partly``. Struck
    out, withdrawn and consent-order appeals rule on nothing.

    A short decision may cite no ground twice in its numbered paragraphs; then
    the grounds the whole text discusses most (``listed``, the parser's
    ``sections_considered``) are the ones in dispute, at most
    :data:`_MAX_LISTED_DISPUTED` of them.
    """
    disputed = [c for c, n in counts.most_common() if c in GROUNDS and n >= 2][:_MAX_DISPUTED]
    if not disputed:
        disputed = [c for c in listed or [] if c in GROUNDS][:_MAX_LISTED_DISPUTED]
    if not disputed or outcome not in ("dismissed", "allowed", "part_allowed"):
        return {}
    if outcome == "part_allowed":
        default = "partly"
    else:
        upheld = (outcome == "dismissed") != authority_appealed
        default = "upheld" if upheld else "not_upheld"
    out: dict[str, str] = {}
    for code in disputed:
        up, down = _cue_votes(paras, main_code, code)
        if up >= 2 and up >= 2 * down:
            out[code] = "upheld" if default != "partly" or not down else "partly"
        elif down >= 2 and down >= 2 * up:
            out[code] = "not_upheld" if default != "partly" or not up else "partly"
        else:
            out[code] = default
    return out
