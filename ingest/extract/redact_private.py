"""Private individuals named in what a requester wrote, found by structural cues.

A request may name people other than the requester: a relative ("my brother
Mr NAME"), members of the public in a dispute, employees whose salary or
conduct is asked about ("the salaries of NAME & NAME"), someone the requester
spoke to. Their names are personal data and are removed (``[name]``) wherever
the document repeats them. People acting in a public role stay: a name with a
role beside it ("Mrs NAME, Programme Director", "Councillor NAME", "NAME is the
head teacher") is an officer doing their job, and tribunal and ICO decisions
(whose parties are published) are not read here at all.

Why cues and not a statistical NER model: the only English spaCy pipelines on
the package index are unofficial re-uploads of Explosion's models (the
official ones are installed from GitHub releases, which a clean ``pip install``
of this project cannot rely on), and an NER model tags officers and
councillors as PERSON just the same, so the role test below would still be
needed. The cues are general (titles, relationship words, employment-matter
phrases, "spoke to"), not fitted to any one log.
"""

from __future__ import annotations

import re

_NAME_WORD = r"[A-Z][a-z'’\-]+"
_FULL_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}"
_PERSON_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx)"
_TITLED = re.compile(rf"\b{_PERSON_TITLE}\.?\s+(?:[A-Z]\.?\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD})?\b")
_RELATION = re.compile(
    r"(?i:\bmy\s+(?:late\s+|elderly\s+|disabled\s+)?(?:brother|sister|mother|mum|mom|father|dad|son|daughter|wife|"
    r"husband|partner|neighbour|neighbor|client|tenant|landlord|friend|grandmother|grandfather|nan|gran|granddaughter|"
    r"grandson|aunt|uncle|child|cousin|carer|niece|nephew|stepson|stepdaughter|fianc[eé]e?))\s*,?\s*"
    rf"(?P<name>(?:{_PERSON_TITLE}\.?\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})"
)
_EMPLOYMENT = re.compile(
    r"(?i:\b(?:salar(?:y|ies)|pay|wages?|remuneration|pensions?|expenses|bonus(?:es)?|disciplinary|dismissals?|"
    r"suspensions?|resignations?|sickness|grievances?|complaints?\s+(?:about|against))\b[^.\n]{0,60}?\b"
    r"(?:of|for|by|about|against|to)\s+)"
    rf"(?P<names>{_FULL_NAME}(?:\s*(?:&|,|\band\b)\s*{_FULL_NAME})*)"
)
_SPOKE_TO = re.compile(
    rf"(?i:\b(?:spoken|spoke|speaking|talked|talking)\s+(?:to|with)\s+)(?P<name>{_FULL_NAME})(?!\s+[A-Z])"
)
_PUBLIC_LIST = re.compile(
    r"(?i:\bmembers?\s+of\s+the\s+public\b[^.\n]{0,60}?(?:including|namely|:)(?:\s*\(?but\s+not\s+limited\s+to\)?)?\s*)"
    rf"(?P<names>(?:(?:{_PERSON_TITLE}\.?\s+)?{_FULL_NAME}\s*(?:,|&|\band\b)?\s*)+)"
)
#: Words that say a named person is acting in a public role.
_ROLE = re.compile(
    r"(?i)\b(?:director|manager|officer|head(?:\s+teacher|teacher)?|chief|executive|clerk|chair(?:man|woman|person)?|"
    r"leader|councillor|cllr|mayor|mp|msp|minister|secretary|commissioner|inspector|superintendent|constable|"
    r"solicitor|engineer|surveyor|principal|governor|coroner|judge|editor|spokes(?:man|woman|person)|lead|"
    r"coordinator|co-ordinator|administrator|advisor|adviser|consultant|team|department|council|trust|ltd|limited|"
    r"plc|company|agent)\b"
)
_ORGISH = re.compile(
    r"(?i)\b(?:council|county|district|borough|city|town|parish|school|college|academy|university|hospital|trust|"
    r"police|fire|street|road|lane|avenue|house|court|park|ltd|limited|plc|services?|group|centre|center|"
    r"devon|cornwall|somerset|england|wales|scotland|britain|uk|act|regulations?|section|policy|plan|programme|"
    r"project|study|report|review|fund|board|committee|team|department|ministry|office|agency|authority|support|"
    r"disability|care|foundation|association|society|charity|church|bank|hotel|farm|estate|centre)\b"
)
#: Words a name does not end with: the sentence simply went on ("Mr Trent Thank you").
_NOT_NAME_TAIL = {"thank", "thanks", "yes", "no", "please", "regards", "many", "dear", "the", "and", "i", "we", "if",
                  "re", "on", "at", "in", "for", "has", "had", "was", "is", "said", "says", "stated", "told", "who"}
_MONTH_OR_DAY = re.compile(
    r"(?i)^(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)$"
)


def private_names(text: str) -> list[str]:
    """Names of private individuals in a requester's text, as written.

    Args:
        text: What the requester wrote (a request, a log entry's request text).

    Returns:
        The names found (a title kept when one was written), in order of appearance.
    """
    if not text or not re.search(r"[A-Z][a-z]", text):
        return []
    found: list[str] = []

    def add(name: str, start: int, end: int) -> None:
        name = re.sub(r"(?:'s|’s|-)$", "", " ".join(name.split()).strip(" ,&"))
        name = re.sub(r"\s+(?:and|&)$", "", name)
        tokens = name.split()
        while len(tokens) > 1 and tokens[-1].lower() in _NOT_NAME_TAIL:
            tokens.pop()  # "Mr Trent Thank you": the sentence went on
        name = " ".join(tokens)
        words = [w for w in tokens if not re.fullmatch(_PERSON_TITLE + r"\.?", w)]
        if not words or _ORGISH.search(name) or _ROLE.search(name) or any(_MONTH_OR_DAY.match(w) for w in words):
            return
        if _in_role(text, start, end):
            return
        found.append(name)

    for m in _RELATION.finditer(text):
        add(m.group("name"), m.start("name"), m.end("name"))
    for rx in (_EMPLOYMENT, _PUBLIC_LIST):
        for m in rx.finditer(text):
            base = m.start("names")
            for part in re.finditer(rf"(?:{_PERSON_TITLE}\.?\s+)?{_FULL_NAME}", m.group("names")):
                add(part.group(0), base + part.start(), base + part.end())
    for m in _SPOKE_TO.finditer(text):
        add(m.group("name"), m.start("name"), m.end("name"))
    for m in _TITLED.finditer(text):
        add(m.group(0), m.start(), m.end())
    seen: set[str] = set()
    return [n for n in found if not (n in seen or seen.add(n))]


def _in_role(text: str, start: int, end: int) -> bool:
    """Whether the words right around a name give it a public role ("NAME, Programme Director")."""
    before = text[max(0, start - 30) : start]
    before = re.split(r"[.;\n]", before)[-1]
    after = text[end : end + 60]
    after = re.split(r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)[.;\n(]", after)[0]
    # Only the clause attached to the name: ", Programme Director" or " is the former head teacher".
    attached = re.match(r"^\s*(?:,\s*|\s+(?:is|was|who is|who was|as|the)\s+)(.{0,50})", after)
    return bool(_ROLE.search(before[-20:]) or (attached and _ROLE.search(attached.group(1))))
