"""Which regime the authority actually used: FOIA, EIR, FOISA, both, or unclear.

The requester's choice (and WhatDoTheyKnow's ``law_used``) is only a fallback:
what counts is how the authority logged and answered the request. Strong
signs, from the authority's own words only:

* how it logged it ("logged as a Freedom of Information request", "will be
  dealt with under the Environmental Information Regulations");
* the prefix of its reference numbers ("FOI / 123", "EIR 456");
* the regime of its extension ("Regulation 7(1)" vs "section 10(3)");
* the regime of the grounds it applied by name (section vs regulation).

Signs of both regimes make ``both`` (a request logged under FOIA whose
redactions cite EIR regulation 13; a narrowed request re-logged under EIR).
Boilerplate that names both Acts ("Freedom of Information and Environmental
Information requests") is not a sign.
"""

from __future__ import annotations

import re
from collections import Counter

from foi_search.core.exemptions import law_of

from .analysis import MessageFacts
from .text import speed_up_ignorecase

_LOGGED_FOI = re.compile(
    r"(?:logged|treated|dealt with|considered|handled|processed|responded to|answered)\s+(?:as\s+(?:a\s+)?|under\s+(?:the\s+)?)"
    r"(?:freedom of information|foi\b|foia\b)|continue to deal with this under the freedom of information",
    re.I,
)
_LOGGED_EIR = re.compile(
    r"(?:logged|treated|dealt with|considered|handled|processed|responded to|answered)\s+(?:as\s+(?:a\s+)?(?:request\s+under\s+(?:the\s+)?)?|under\s+(?:the\s+)?)"
    r"(?:environmental information|eir\b)|request for information relating to the environment|"
    r"continue to deal with this under the environmental|(?:processed|dealt with|handled|considered|treated) under the environmental information regulations",
    re.I,
)
_LOGGED_FOISA = re.compile(r"freedom of information \(scotland\)|\bFOISA\b|environmental information \(scotland\)|\bEISR\b", re.I)
_REF_PREFIX = re.compile(r"(?<![\w#\[])(FOI|EIR)\s*(?:/|-|–)?\s*\d", re.I)
_EXT_EIR = re.compile(r"regulation 7\s?\(1\)", re.I)
_EXT_FOI = re.compile(r"section 10\s?\(3\)", re.I)
_WDTK_PLACEHOLDER = re.compile(r"\[(?:FOI|EIR) #\d+ email\]", re.I)


_RECLASSIFIED = re.compile(
    r"reclassif|re-?categori[sz]|(?:will|would) (?:now|instead) be (?:processed|dealt with|handled|considered|treated) under|"
    r"should (?:instead |now )?be (?:processed|dealt with|handled|considered|treated) under|"
    r"(?:now|instead) (?:being )?(?:processed|dealt with|handled|considered|treated) under|"
    r"(?:more appropriately|correctly) (?:dealt with|handled|considered) under",
    re.I,
)


def law_signals(facts_list: list[MessageFacts], applied_codes: list[str]) -> Counter:
    """Count the authority's signs of each regime.

    Signs of *use* (grounds applied by name, the regime of an extension) always
    count. Signs of *logging* (how the request was logged, reference
    prefixes) count from the last reclassification on: a request logged under
    FOIA and then "processed under the Environmental Information Regulations"
    was answered under the EIR only.
    """
    used: Counter = Counter()
    logged: list[tuple[int, str, bool]] = []  # (message, regime, is_reference)
    last_override = -1
    for f in facts_list:
        if f.direction != "incoming":
            continue
        own = "\n".join(p.text for p in f.paras if p.kind not in ("echo", "complaint_rights", "reuse", "disclaimer"))
        if _LOGGED_FOISA.search(own):
            used["FOISA"] += 2
        eir, foi = _LOGGED_EIR.search(own), _LOGGED_FOI.search(own)
        if _RECLASSIFIED.search(own) and (eir or foi):
            last_override = f.index
        if eir:
            logged.append((f.index, "EIR", False))
        elif foi:
            logged.append((f.index, "FOIA", False))
        if _EXT_EIR.search(own):
            used["EIR"] += 1
        if _EXT_FOI.search(own):
            used["FOIA"] += 1
        # References: in the message, its attachment names and the quoted
        # subject lines the authority wrote.
        refs_text = own + "\n" + "\n".join(f.attachments) + "\n" + _authority_subjects(f.quoted)
        refs_text = _WDTK_PLACEHOLDER.sub(" ", refs_text)
        for p in {m.group(1).upper() for m in _REF_PREFIX.finditer(refs_text)}:
            logged.append((f.index, "FOIA" if p == "FOI" else "EIR", True))
    signs = Counter(used)
    for index, regime, is_reference in logged:
        if last_override < 0 or (index >= last_override and not is_reference):
            signs[regime] += 1 if is_reference else 2
    for code in applied_codes:
        signs[law_of(code)] += 1
    return signs


def _authority_subjects(quoted: str) -> str:
    """Subject lines of quoted authority e-mails ("Subject: Re - FOI / 123")."""
    return "\n".join(m.group(1) for m in re.finditer(r"^\s*Subject:\s*(.+)$", quoted or "", re.M))


def decide_law(signs: Counter, fallback: str = "unclear") -> str:
    """``FOIA``, ``EIR``, ``FOISA``, ``both`` or the fallback, from the signs."""
    if signs.get("FOISA"):
        return "FOISA"
    foi, eir = signs.get("FOIA", 0), signs.get("EIR", 0)
    if foi and eir:
        return "both"
    if foi:
        return "FOIA"
    if eir:
        return "EIR"
    return fallback if fallback in ("FOIA", "EIR", "FOISA", "both") else "unclear"


speed_up_ignorecase(globals(), skip=())
