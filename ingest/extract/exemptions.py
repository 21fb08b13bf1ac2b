"""Find exemption and exception citations in a paragraph, and how they are used.

A citation is normalised by *section number* (names vary and are misspelt), so
the detector looks for ``section 40(2)``, ``s.43 (2)``, ``Section 40(2)&(3)``,
``sections 40(2) and 41``, ``Regulation 12(4)(b)``, ``12(5)(e) EIR`` and the
like. Three things make a number a citation rather than noise:

* it is a refusal ground of FOIA or the EIR (s12, s14, s21-s44, reg 12/13);
* it does not belong to another Act ("section 41 of the Local Government
  (Miscellaneous Provisions) Act 1982", "section 38(6) applications");
* the authority used it. Whether it was *applied* or only *mentioned* is
  decided from the sentence around it (``does not apply``, ``considered``,
  "the public interest favours disclosure"...), see :func:`mention_reason`.

Some grounds are applied without being named: the cost limit ("£450", "18
hours", "appropriate limit") is s12, "vexatious" is s14(1), "accessible by
other means" is s21 and "manifestly unreasonable" is EIR 12(4)(b).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from foi_search.core.exemptions import canonical_code
from .text import speed_up_ignorecase

# "section 40(2)&(3)", "sections 40(2) and 41(1)(a)", "s.40 (2)", "S40", "ss 40 and 41"
_SUB = r"(?:\s?\(\s?[0-9]{1,2}[A-Za-z]?\s?\)|\s?\(\s?[a-zA-Z]\s?\)|\s?\(\s?(?:i|ii|iii|iv|v|vi)\s?\))"
_NUM = rf"(\d{{1,2}}[A-Z]?)(?!\d)(?![,.]\d)((?:{_SUB})*)"
_SECTION_RE = re.compile(
    rf"(?<!['’])\b(?:sections?\s?|sec\.\s?|ss\.?\s?|s\.\s?|s(?=\d)){_NUM}"
    rf"((?:\s*(?:,|&|and|or|/)\s*(?:(?:sections?|s\.?|ss\.?)\s?)?(?:\d{{1,2}}[A-Z]?(?!\d)(?![,.]\d)(?:{_SUB})*|(?:{_SUB})+))*)",
    re.I,
)
_REG_RE = re.compile(
    rf"\b(?:regulations?|regs?\.?|r\.)\s?(\d{{1,2}})((?:{_SUB})*)"
    rf"((?:\s*(?:,|&|and|or|/)\s*(?:(?:regulations?|regs?\.?)\s?)?(?:\d{{1,2}}(?:{_SUB})*|(?:{_SUB})+))*)",
    re.I,
)
# A bare EIR exception: "12(5)(e)", "12 (4) (b)" (the letters make it unambiguous).
_BARE_EIR_RE = re.compile(r"(?<![\d(/.])\b(12)\s?\(\s?([345])\s?\)(?:\s?\(\s?([a-g])\s?\))?(?!\s?\()", re.I)
_PART_RE = re.compile(rf"(\d{{1,2}}[A-Z]?)?((?:{_SUB})*)", re.I)

# Text right after a section number that shows it belongs to another Act or is
# a noun phrase ("section 38(6) applications", "section 41 notice").
_OTHER_ACT_AFTER = re.compile(
    r"^[\s,]*(?:of|under|in)\s+(?:the\s+)?(?P<act>(?:\(?[A-Z][\w’'&().-]*\s+){0,10}?)(?:Act|Regulations?|Order|Rules|Code)\b",
)
_NOUN_AFTER = re.compile(
    r"^\s*(?:notices?|applications?|agreements?|reports?|statements?|costs?|monies|money|funds?|funding|"
    r"contributions?|orders?|licen[cs]es?|plans?|assessments?|requests? (?:under|from)|duty|duties|powers?|"
    r"payments?|schemes?|grants?|properties|accounts?|officers?|claims?|investigations? under|"
    r"of the (?:policy|guidance|document|report|contract|agreement|plan|framework|handbook|procedure|strategy|standard))\b",
    re.I,
)
_FOI_CONTEXT = re.compile(r"exempt|exception|\bunder\b|\bAct\b|\bFOI|\bEIR|refus|withh[eo]ld|redact|appl(?:y|ied)", re.I)
_OWN_ACT = re.compile(r"freedom of information|environmental information|\bFOI|\bEIR|\bFOISA|\b2000\b|\b2004\b", re.I)
_OTHER_ACT_BEFORE = re.compile(
    r"\b(?!Freedom\b|Information\b|Environmental\b)[A-Z][a-z]+(?:\s+\(?[A-Z][\w()]*\)?)*\s+Act\s+(?:19|20)\d\d\s*,?\s*(?:s\.?|sections?)?\s*$"
)

# Grounds applied without the section number.
_COST_RE = re.compile(
    r"appropriate limit|cost limit|cost of compliance|cost ceiling|\b18[- ]hours?\b|£\s?450\b|£\s?600\b|\b24[- ]hours? limit"
    r"|exceed(?:s|ed|ing)? the (?:cost|time|appropriate|£)|fees regulations|appropriate limit and fees",
    re.I,
)
_COST_APPLIED = re.compile(
    r"exceed|above the|beyond the|more than the|over the|go(?:es)? over|surpass|outside the|greater than|cannot comply|not obliged|declin|refus|exempt",
    re.I,
)
_COST_KEYS = ("limit", "hours", "£", "cost", "fees", "exceed")
_VEXATIOUS_RE = re.compile(r"\bvexatious\b", re.I)
_REPEATED_RE = re.compile(r"\brepeated request\b|\brepeat(?:ed)? (?:of|requests?) (?:a )?(?:previous|identical|substantially similar)", re.I)
# The section's own title ("information reasonably accessible to the applicant") names it too.
_S21_RE = re.compile(
    r"(?:reasonably )?accessible (?:to (?:you|the applicant|the requester)\s*)?(?:by|through|via) other means"
    r"|reasonably accessible to (?:you|the applicant|the requester)\b",
    re.I,
)
_MANIFEST_RE = re.compile(r"manifestly unreasonable", re.I)

# Why a citation in an authority's text is only mentioned, not applied.
_NEGATED = re.compile(
    r"\b(?:does|do|did|will|would|is|are|was|were|has|have|had)\s*(?:not|n['’]t)\s+(?:\w+\s+){0,3}?"
    r"(?:apply|applies|applied|applicable|engaged?|engage|relied|rely|relying|exempt|cited|invoked|used|consider(?:ed)? (?:it )?(?:necessary|appropriate))\b"
    r"|\bnot (?:been )?(?:applied|engaged|relied|relying|exempt|applicable|appropriate to (?:apply|rely))"
    r"|\bno longer (?:\w+\s+){0,3}?(?:apply|applies|applied|relying|rely|relied|engaged|considered|withheld|exempt)"
    r"|\b(?:decided|chosen|opted) not to (?:apply|rely|use|withhold|engage)"
    r"|\bwithout (?:applying|relying|citing)"
    r"|\brather than (?:applying|relying|under|citing)"
    r"|\b(?:instead of|in place of) (?:applying |relying on )?(?:section|regulation|s\.?\d)"
    r"|\bis not engaged|\bnot be engaged|\bwas wrongly|\bincorrectly (?:applied|cited|relied)"
    r"|\bshould not have (?:been )?(?:applied|withheld|relied|cited)"
    r"|\b(?:nothing|no information|none of the information|no part of\b[^.]{0,30})\s+(?:\w+\s+){0,3}?(?:withheld|exempt|redacted|refused)",
    re.I,
)
_HYPOTHETICAL = re.compile(
    r"\b(?:may|might|could|would possibly|may well|potentially)\s+(?:\w+\s+){0,2}?(?:apply|engage|be exempt|be engaged|need to (?:apply|consider|refuse))"
    r"|\bif (?:the|your|this|it|we|any)\b[^.]{0,120}\b(?:we (?:would|may|might|will)|would (?:be|exceed)|will (?:be|exceed))"
    r"|\bwhether (?:or not )?(?:the )?(?:exemption|section|regulation|exception)s?\b[^.]{0,60}\b(?:appl|engag)"
    # Only the authority's own pending decision: "ministers have not yet reached a decision" is a reason.
    r"|\b(?:we|i|the (?:council|authority|department|trust|force|service))\s+(?:has|have) (?:not )?yet (?:to )?(?:reach(?:ed)?|decided?|determined?)\b",
    re.I,
)
_PIT_FOR_DISCLOSURE = re.compile(
    r"(?:public interest|balance)[^.;]{0,120}?\b(?:favours|favoured|favouring|lies (?:in favour of|in|with)|rests with|"
    r"weighs in favour of|tips in favour of|is in favour of|falls in favour of|outweighed by)\s+(?:[\w’']+\s+){0,3}?(?:disclos|releas)"
    r"|(?:decided|decision|able) to (?:disclose|release) (?:the|this|these|it)\b",
    re.I,
)
_DISCLOSURE_WINS = re.compile(
    r"public interest in (?:the )?disclos\w*[^.;]{0,40}\boutweighs?|maintaining the (?:exemption|exception) does not outweigh"
    r"|(?:do|does|did) not (?:consider|believe|think) that (?:the public interest in )?maintaining the (?:exemption|exception)(?:\s+[\w()]+){0,4}?\s+outweighs",
    re.I,
)
_MAINTAIN = re.compile(r"maintain", re.I)
_CONSIDERED_ONLY = re.compile(
    r"\bconsidered (?:whether|if|the application of|applying)|\b(?:was|were|has been|have been) considered\b[^.]{0,80}\bbut\b"
    r"|\bcan confirm that (?:we|the council) (?:have|has) not",
    re.I,
)
_QUOTING_REQUESTER = re.compile(r"\byou (?:said|say|stated|state|argue|argued|believe|claim|claimed|mention|mentioned|suggest|referred|refer)\b", re.I)


@dataclass
class Citation:
    """One provision found in a paragraph.

    Attributes:
        code: Canonical code (``s40(2)``, ``eir12(5)(e)``).
        detail: The provision as written, normalised (``s40(3A)(a)``).
        start: Offset in the paragraph.
        explicit: False for grounds recognised from wording only (cost limit).
        status: ``applied`` or ``mentioned`` (set by the caller's context).
        reason: Why it is only mentioned, when it is.
    """

    code: str
    detail: str
    start: int
    explicit: bool = True
    status: str = "applied"
    reason: str | None = None


def _subs(text: str) -> list[str]:
    return [s.replace(" ", "") for s in re.findall(_SUB, text or "", re.I)]


def _detail(prefix: str, number: str, subs: list[str]) -> str:
    subs = [s.strip() for s in subs]
    out = f"{prefix}{number}" + "".join(s if not re.fullmatch(r"\(\d+[a-z]\)", s) else s[:-2] + s[-2].upper() + ")" for s in subs)
    return out


def _belongs_elsewhere(text: str, start: int, end: int) -> bool:
    after = text[end:end + 120]
    m = _OTHER_ACT_AFTER.match(after)
    if m:
        act = m.group("act") or ""
        whole = after[: m.end()]
        if not _OWN_ACT.search(whole) and not re.match(r"^\s*(?:of|under|in)\s+(?:the\s+)?(?:Act|Regulations?)\b", after):
            return True
    if _NOUN_AFTER.match(after):
        return True
    before = text[max(0, start - 80):start]
    if _OTHER_ACT_BEFORE.search(before):
        return True
    return False


def _expand(first_num: str, first_subs: str, rest: str) -> list[tuple[str, list[str]]]:
    """Split "40(2)&(3), 41 and 43(2)" into (number, subsections) items."""
    items = [(first_num, _subs(first_subs))]
    for piece in re.split(r"\s*(?:,|&|\band\b|\bor\b|/)\s*", rest or ""):
        piece = re.sub(r"^(?:sections?|regulations?|regs?\.?|ss?\.?)\s?", "", piece.strip(), flags=re.I)
        if not piece:
            continue
        m = _PART_RE.fullmatch(piece)
        if not m:
            continue
        num, subs = m.group(1), _subs(m.group(2))
        if num:
            items.append((num, subs))
        elif subs:
            # "(2)&(3)": another subsection of the previous number.
            items.append((items[-1][0], subs))
    return items


def find_citations(text: str, *, law_hint: str = "FOIA") -> list[Citation]:
    """All exemption/exception citations in ``text``, explicit and implicit.

    Args:
        text: One paragraph (or sentence) of an authority's words.
        law_hint: ``EIR`` when the surrounding response is under the EIR.

    Returns:
        Citations in text order; implicit ones (cost limit, vexatious...) only
        when no explicit citation of the same ground is in the text.
    """
    found: list[Citation] = []
    for m in _SECTION_RE.finditer(text):
        if _belongs_elsewhere(text, m.start(), m.end()):
            continue
        if re.match(r"s\d", m.group(0), re.I):
            if re.match(r"\s?\d[A-Z]{2}\b", text[m.end():m.end() + 5]):
                continue  # a postcode ("S36 1FY"), not a section
            if m.group(0)[0] == "S" and "(" not in m.group(0) and not _FOI_CONTEXT.search(sentence_at(text, m.start())):
                continue  # "Sheffield S12": a postcode district
        for num, subs in _expand(m.group(1), m.group(2), m.group(3)):
            # "(5B)" is inserted subsection 5B: it maps like (5) ("40(5B)" is NCND).
            key = [re.sub(r"\((\d+)[A-Za-z]\)", r"(\1)", subs[0])] + subs[1:] if subs else []
            code = canonical_code(num + "".join(key), "FOIA")
            if code:
                found.append(Citation(code, _detail("s", num.upper(), subs), m.start()))
    for m in _REG_RE.finditer(text):
        if _belongs_elsewhere(text, m.start(), m.end()):
            continue
        for num, subs in _expand(m.group(1), m.group(2), m.group(3)):
            code = canonical_code("eir" + num + "".join(subs), "EIR")
            if code:
                found.append(Citation(code, _detail("eir", num, [s.lower() for s in subs]), m.start()))
    for m in (_BARE_EIR_RE.finditer(text) if "12" in text else ()):
        if any(c.start <= m.start() <= c.start + 40 for c in found):
            continue
        sub, letter = m.group(2), m.group(3)
        if sub in ("4", "5") and not letter:
            continue
        code = canonical_code(f"eir12({sub})" + (f"({letter.lower()})" if letter else ""), "EIR")
        if code:
            found.append(Citation(code, f"eir12({sub})" + (f"({letter.lower()})" if letter else ""), m.start()))
    codes = {c.code for c in found}
    low = text.lower()
    if "s12" not in codes and "eir12(4)(b)" not in codes and any(k in low for k in _COST_KEYS):
        m = _COST_RE.search(text)
        if m and _COST_APPLIED.search(text) and not _MANIFEST_RE.search(text):
            found.append(Citation("s12", "s12", m.start(), explicit=False))
    if not codes & {"s14(1)", "s14(2)"} and "vexatious" in low:
        m = _VEXATIOUS_RE.search(text)
        if m and not re.search(r"\bnot (?:be )?(?:considered |deemed |regarded as )?vexatious", text, re.I):
            found.append(Citation("s14(1)", "s14", m.start(), explicit=False))
    if "s21" not in codes and ("other means" in low or "reasonably accessible" in low):
        m = _S21_RE.search(text)
        if m:
            found.append(Citation("s21", "s21", m.start(), explicit=False))
    if "eir12(4)(b)" not in codes and "manifestly" in low:
        m = _MANIFEST_RE.search(text)
        if m and (law_hint == "EIR" or re.search(r"regulation|EIR|environmental", text, re.I)):
            found.append(Citation("eir12(4)(b)", "eir12(4)(b)", m.start(), explicit=False))
    found.sort(key=lambda c: c.start)
    return found


def cost_limit_exceeded(text: str) -> bool:
    """Whether ``text`` says complying would go over the cost limit (a refusal in itself)."""
    return bool(_COST_RE.search(text) and _COST_APPLIED.search(text) and not _MANIFEST_RE.search(text))


def sentence_at(text: str, pos: int) -> str:
    """The sentence of ``text`` that contains offset ``pos``."""
    start = max(text.rfind(". ", 0, pos), text.rfind("? ", 0, pos), text.rfind("; ", 0, pos))
    start = 0 if start < 0 else start + 2
    m = re.search(r"[.?;](?:\s|$)", text[pos:])
    end = len(text) if not m else pos + m.end()
    return text[start:end]


#: What the Act says a section does ("section 12(1), which does not oblige an authority to comply ... if the
#: cost would exceed ..."): its "if" is the statute's, not a hypothesis of the authority.
_STATUTE_GLOSS = re.compile(
    r",?\s*(?:which|that)\s+(?:does not (?:oblige|require)|provides|allows|states|says|means|sets out|permits|enables)\b.*$",
    re.I,
)


def mention_reason(paragraph: str, citation: Citation) -> str | None:
    """Why a citation in an authority's paragraph is only *mentioned*, or None.

    The sentence around the citation decides: a negation ("does not apply"),
    a hypothesis ("may apply", "if ... we would"), a consideration that ended
    in disclosure ("the public interest favours disclosure"), or the
    requester's own argument being restated.
    """
    sent = sentence_at(paragraph, citation.start)
    if _NEGATED.search(sent):
        return "negated"
    if _QUOTING_REQUESTER.search(sent):
        return "requester's argument"
    if _HYPOTHETICAL.search(_STATUTE_GLOSS.sub("", sent)):
        return "hypothetical"
    if _CONSIDERED_ONLY.search(sent):
        return "considered only"
    m = _PIT_FOR_DISCLOSURE.search(paragraph)
    if m and not _MAINTAIN.search(paragraph[max(0, m.start() - 40):m.end()]) or _DISCLOSURE_WINS.search(paragraph):
        return "public interest favours disclosure"
    return None



speed_up_ignorecase(globals(), skip=("_SECTION_RE", "_REG_RE", "_BARE_EIR_RE"))
