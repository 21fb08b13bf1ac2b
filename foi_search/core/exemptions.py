"""The exemption taxonomy: canonical codes for FOIA and EIR grounds.

Authorities name exemptions inconsistently ("Personal Information", "Personnel
Information", "s.40(2)", "Section 40 (2) & (3)"), so everything is normalised
by *section number*, never by name. FOIA codes are ``sNN`` with the subsection
kept only for s14 and s40, where the subsection changes the meaning (vexatious
vs repeated; third-party personal data vs NCND). EIR codes are ``eir12(4)(a)``
style, and ``eir13`` for personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Ground:
    """One refusal ground in the taxonomy.

    Attributes:
        code: Canonical code (``s40(2)``).
        law: ``FOIA`` or ``EIR``.
        name: Usual short name.
        kind: ``procedural`` (cost, vexatious), ``absolute`` or ``qualified``.
    """

    code: str
    law: str
    name: str
    kind: str


_FOIA = [
    ("s12", "Cost of compliance exceeds appropriate limit", "procedural"),
    ("s14(1)", "Vexatious request", "procedural"),
    ("s14(2)", "Repeated request", "procedural"),
    ("s21", "Information accessible by other means", "absolute"),
    ("s22", "Information intended for future publication", "qualified"),
    ("s22A", "Research information", "qualified"),
    ("s23", "Security bodies", "absolute"),
    ("s24", "National security", "qualified"),
    ("s26", "Defence", "qualified"),
    ("s27", "International relations", "qualified"),
    ("s28", "Relations within the United Kingdom", "qualified"),
    ("s29", "The economy", "qualified"),
    ("s30", "Investigations and proceedings", "qualified"),
    ("s31", "Law enforcement", "qualified"),
    ("s32", "Court records", "absolute"),
    ("s33", "Audit functions", "qualified"),
    ("s34", "Parliamentary privilege", "absolute"),
    ("s35", "Formulation of government policy", "qualified"),
    ("s36", "Prejudice to effective conduct of public affairs", "qualified"),
    ("s37", "Communications with the Royal Family and honours", "qualified"),
    ("s38", "Health and safety", "qualified"),
    ("s39", "Environmental information", "qualified"),
    ("s40(1)", "Personal data of the requester", "absolute"),
    ("s40(2)", "Personal data of third parties", "absolute"),
    ("s40(5)", "Personal data: neither confirm nor deny", "absolute"),
    ("s41", "Information provided in confidence", "absolute"),
    ("s42", "Legal professional privilege", "qualified"),
    ("s43", "Commercial interests", "qualified"),
    ("s44", "Prohibitions on disclosure", "absolute"),
]

_EIR = [
    ("eir12(4)(a)", "Information not held", "qualified"),
    ("eir12(4)(b)", "Manifestly unreasonable request", "qualified"),
    ("eir12(4)(c)", "Request formulated in too general a manner", "qualified"),
    ("eir12(4)(d)", "Material in the course of completion", "qualified"),
    ("eir12(4)(e)", "Internal communications", "qualified"),
    ("eir12(5)(a)", "International relations, defence, national security, public safety", "qualified"),
    ("eir12(5)(b)", "Course of justice", "qualified"),
    ("eir12(5)(c)", "Intellectual property rights", "qualified"),
    ("eir12(5)(d)", "Confidentiality of proceedings", "qualified"),
    ("eir12(5)(e)", "Commercial confidentiality", "qualified"),
    ("eir12(5)(f)", "Interests of the person who provided the information", "qualified"),
    ("eir12(5)(g)", "Protection of the environment", "qualified"),
    ("eir13", "Personal data", "absolute"),
]

GROUNDS: dict[str, Ground] = {
    code: Ground(code, "FOIA", name, kind) for code, name, kind in _FOIA
} | {code: Ground(code, "EIR", name, kind) for code, name, kind in _EIR}

#: FOIA sections that are never refusal grounds (rights, duties, procedure).
NON_GROUND_SECTIONS = {"1", "2", "8", "10", "11", "16", "17", "45", "46", "50", "77", "84"}

_KEEP_SUBSECTION = {"14", "40"}

# "(5B)" etc.: the letter is kept off, so s40(5A)/(5B) read as s40(5), the NCND provision.
_FOIA_RE = re.compile(r"^s?(\d{2}A?)\s*(?:\((\d)[a-z]?\))?", re.I)
_EIR_RE = re.compile(r"^(?:eir|reg(?:ulation)?)?\s*(12|13)\s*(?:\((\d)\))?\s*(?:\(([a-g])\))?", re.I)


def canonical_code(section: str, law: str = "FOIA") -> str | None:
    """Map a provision as written to its canonical code.

    Args:
        section: The provision, e.g. ``"40(2)&(3)"``, ``"s.43 (2)"``,
            ``"12(5)(e)"``, ``"eir13"``.
        law: ``FOIA`` or ``EIR``; decides how a bare ``12``/``13`` is read.

    Returns:
        The canonical code, or ``None`` when the provision is not a ground in
        the taxonomy (for example s17 or s50).

    Examples:
        >>> canonical_code("40(2)&(3)")
        's40(2)'
        >>> canonical_code("12(5)(e)", law="EIR")
        'eir12(5)(e)'
    """
    text = section.strip().lower().replace("section", "").replace("s.", "s").replace(" ", "")
    if text.startswith("eir") or text.startswith("reg") or law == "EIR":
        m = _EIR_RE.match(text)
        if m:
            reg, sub, letter = m.groups()
            if reg == "13":
                return "eir13"
            if sub == "3":
                return "eir13"  # 12(3) points to regulation 13
            if sub in ("4", "5") and letter:
                code = f"eir12({sub})({letter})"
                return code if code in GROUNDS else None
            return None
        if text.startswith(("eir", "reg")):
            return None
        # otherwise fall through: a FOIA section quoted inside an EIR response
    m = _FOIA_RE.match(text)
    if not m:
        return None
    number, sub = m.group(1).upper(), m.group(2)
    if number in NON_GROUND_SECTIONS:
        return None
    if number in _KEEP_SUBSECTION:
        if number == "40":
            # s40 without a subsection is nearly always third-party data.
            return f"s40({sub})" if sub in ("1", "2", "5") else "s40(2)"
        return f"s14({sub})" if sub in ("1", "2") else "s14(1)"
    code = f"s{number}"
    return code if code in GROUNDS else None


def describe(code: str) -> str:
    """Human label for a canonical code, e.g. ``s40(2) Personal data of third parties``."""
    ground = GROUNDS.get(code)
    return f"{code} {ground.name}" if ground else code


def law_of(code: str) -> str:
    """``EIR`` for regulation codes, else ``FOIA``."""
    return "EIR" if code.startswith("eir") else "FOIA"
