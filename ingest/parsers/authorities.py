"""Naming the public authority that wrote a response.

Authorities are named in letterheads ("HUMBERSIDE POLICE"), sign-offs
("Information Rights Team, Kestrel Vale Council"), salutations of requests
("Dear Sheffield City Council,") and page markup. This module turns those into
one canonical spelling, and refuses generic addressees ("Dear FOI Team").
"""

from __future__ import annotations

import re
from collections import Counter

#: Police forces of the UK: the place words that identify each, and its own name for itself.
POLICE_FORCES: dict[str, str] = {
    "avon and somerset": "Avon and Somerset Constabulary",
    "bedfordshire": "Bedfordshire Police",
    "cambridgeshire": "Cambridgeshire Constabulary",
    "cheshire": "Cheshire Constabulary",
    "city of london": "City of London Police",
    "cleveland": "Cleveland Police",
    "cumbria": "Cumbria Constabulary",
    "derbyshire": "Derbyshire Constabulary",
    "devon and cornwall": "Devon and Cornwall Police",
    "dorset": "Dorset Police",
    "durham": "Durham Constabulary",
    "dyfed-powys": "Dyfed-Powys Police",
    "dyfed powys": "Dyfed-Powys Police",
    "essex": "Essex Police",
    "gloucestershire": "Gloucestershire Constabulary",
    "greater manchester": "Greater Manchester Police",
    "gwent": "Gwent Police",
    "hampshire and isle of wight": "Hampshire and Isle of Wight Constabulary",
    "hampshire": "Hampshire and Isle of Wight Constabulary",
    "hertfordshire": "Hertfordshire Constabulary",
    "humberside": "Humberside Police",
    "kent": "Kent Police",
    "lancashire": "Lancashire Constabulary",
    "leicestershire": "Leicestershire Police",
    "lincolnshire": "Lincolnshire Police",
    "merseyside": "Merseyside Police",
    "metropolitan": "Metropolitan Police Service",
    "norfolk": "Norfolk Constabulary",
    "north wales": "North Wales Police",
    "north yorkshire": "North Yorkshire Police",
    "northamptonshire": "Northamptonshire Police",
    "northumbria": "Northumbria Police",
    "nottinghamshire": "Nottinghamshire Police",
    "south wales": "South Wales Police",
    "south yorkshire": "South Yorkshire Police",
    "staffordshire": "Staffordshire Police",
    "suffolk": "Suffolk Constabulary",
    "surrey": "Surrey Police",
    "sussex": "Sussex Police",
    "thames valley": "Thames Valley Police",
    "warwickshire": "Warwickshire Police",
    "west mercia": "West Mercia Police",
    "west midlands": "West Midlands Police",
    "west yorkshire": "West Yorkshire Police",
    "wiltshire": "Wiltshire Police",
    "british transport": "British Transport Police",
    "ministry of defence": "Ministry of Defence Police",
    "civil nuclear": "Civil Nuclear Constabulary",
}
_EXTRA_FORCES = {
    "police scotland": "Police Scotland",
    "police service of northern ireland": "Police Service of Northern Ireland",
    "psni": "Police Service of Northern Ireland",
    "metropolitan police service": "Metropolitan Police Service",
    "metropolitan police": "Metropolitan Police Service",
}

_PLACES = "|".join(sorted((re.escape(k) for k in POLICE_FORCES), key=len, reverse=True))
_FORCE_RE = re.compile(rf"\b({_PLACES})\s+(?:police(?:\s+service)?|constabulary)\b", re.I)
_EXTRA_RE = re.compile(r"\b(" + "|".join(sorted(_EXTRA_FORCES, key=len, reverse=True)) + r")\b", re.I)

# Capitalised words, allowing small joining words, before a body-type word.
_CAP = r"[A-Z][A-Za-z'’-]+"
_NAME = rf"{_CAP}(?:[ \t]+(?:and|of|upon|on|the|in|le|&)?[ \t]*{_CAP}){{0,5}}"
# (pattern, whether leading words may be trimmed): names that start with a fixed
# word ("Department for ...") are taken whole.
_BODY_RES = [
    (re.compile(rf"\b((?:London|Royal) Borough of {_NAME})"), False),
    (re.compile(rf"\b({_NAME}[ \t]+(?:City|County|Borough|District|Metropolitan Borough|Town|Parish|Combined)"
                rf"[ \t]+Council)\b"), True),
    (re.compile(rf"\b((?:City|County|Borough) of {_NAME} Council)\b"), False),
    (re.compile(rf"\b({_NAME}[ \t]+Council)\b"), True),
    (re.compile(rf"\b((?:Ministry|Department) (?:of|for) {_NAME})"), False),
    (re.compile(r"\b(Home Office|Cabinet Office|HM Treasury|Foreign,? Commonwealth (?:and|&) Development Office|"
                r"Foreign and Commonwealth Office|HM Revenue (?:and|&) Customs|Crown Prosecution Service|"
                r"Information Commissioner'?s Office|Transport for London|Greater London Authority|"
                r"Environment Agency|Natural England|Historic England|Ofsted|Ofcom|Ofgem|Ofwat)\b"), False),
    (re.compile(rf"\b({_NAME}[ \t]+NHS[ \t]+and[ \t]+{_NAME}[ \t]+Trust)\b"), True),
    (re.compile(rf"\b({_NAME}[ \t]+NHS[ \t]+(?:Foundation[ \t]+)?Trust)\b"), True),
    (re.compile(rf"\b({_NAME}[ \t]+(?:Fire (?:and|&) Rescue Service|Fire Authority|Integrated Care Board))\b"), True),
    (re.compile(rf"\b({_NAME}[ \t]+(?:Police|Constabulary|Drainage Board|(?:Harbour|Port|National Park|Waste) Authority))\b"), True),
    (re.compile(rf"\b(University of {_NAME})"), False),
    (re.compile(rf"\b({_NAME} University)\b"), True),
]

#: Words that, alone, do not name any particular body.
_GENERIC = {
    "the", "a", "an", "sir", "madam", "sirs", "sir/madam", "madam/sir", "or", "and", "all", "to", "whom", "it",
    "may", "concern", "foi", "foia", "eir", "freedom", "of", "information", "team", "officer", "officers",
    "department", "dept", "unit", "office", "manager", "council", "authority", "billing", "public", "body",
    "data", "protection", "request", "requests", "records", "governance", "compliance", "disclosure",
    "colleague", "colleagues", "there", "hello", "hi", "service", "services", "rights", "access", "legal",
    "corporate", "customer", "complaints", "lead", "coordinator", "co-ordinator", "administrator", "admin",
    "staff", "person", "people", "friends", "everyone", "you", "responsible", "dear", "mr", "mrs", "ms",
    "dr", "internal", "review", "reviewer", "panel", "board", "clerk", "company", "secretary", "director",
}
#: Words that mark the name of a body rather than a person.
_BODY_WORDS = re.compile(
    r"\b(council|police|constabulary|ministry|department|office|authority|trust|nhs|university|college|"
    r"commission|commissioner|executive|agency|service|government|borough|parliament|assembly|school|"
    r"academy|board|fire|rescue|treasury|court|tribunal|regulator|corporation|partnership|museum|library|"
    r"archives|inspectorate|ombudsman|association|institute|network|group|bank)\b",
    re.I,
)
# Trailing addressee words that follow a body name: "Sheffield City Council FOI team".
_QUAL = (r"(?:foi|foia|eir|freedom\s+of\s+information|information\s+governance|information\s+management|"
         r"information\s+rights|information\s+compliance|data\s+protection|records\s+management|disclosure|"
         r"corporate|legal|customer|complaints)")
_ROLE = r"(?:team|officer|officers|unit|section|manager|requests?|lead|coordinator|co-ordinator|administrator)"
# "Office"/"Department" end real names ("Cabinet Office"), so they are only dropped after a qualifier.
_ROLE_TAIL = re.compile(
    rf"[\s,–-]+(?:the\s+)?(?:{_QUAL}(?:\s+(?:{_ROLE}|office|department|dept))?|{_ROLE})$",
    re.I,
)
_ROLE_HEAD = re.compile(
    r"^(?:the\s+)?(?:foi|freedom\s+of\s+information|information\s+(?:governance|management|rights|compliance))"
    r"(?:\s+(?:team|officer|unit|department|office|section|manager))?\s+(?:at|of|for)\s+",
    re.I,
)


def normalise_authority(name: str | None) -> str | None:
    """Canonical spelling of an authority's name, or None when it names no particular body.

    "Sheffield City Council FOI" and "FOI Team at Sheffield City Council" become
    "Sheffield City Council"; "HUMBERSIDE POLICE" becomes "Humberside Police";
    "Sir/Madam", "FOI Team" and "Council" become None.
    """
    if not name:
        return None
    s = " ".join(name.replace("\u00a0", " ").split()).strip(" ,.;:-–")
    s = re.sub(r"^dear\s+", "", s, flags=re.I)
    if not s or len(s) > 150:
        return None
    force = police_force(s)
    if force:
        return force
    s = _ROLE_HEAD.sub("", s)
    s = re.sub(r"^the\s+(?=\S+\s)", "", s, flags=re.I)
    prev = None
    while prev != s:
        prev = s
        s = _ROLE_TAIL.sub("", s).strip(" ,.;:-–")
    if not s:
        return None
    words = [w.lower().strip(",.;:()") for w in re.split(r"[\s/]+", s) if w]
    if all(w in _GENERIC for w in words):
        return None
    if not _BODY_WORDS.search(s):
        return None
    if s.isupper() or s.islower():
        s = titlecase(s)
    return s


def titlecase(s: str) -> str:
    """Title case for names written in capitals, keeping joining words and acronyms as usual."""
    small = {"and", "of", "for", "the", "upon", "on", "in", "le"}
    out = []
    for i, w in enumerate(s.lower().split()):
        if w.upper() in ("NHS", "HM", "UK", "FOI", "ICO", "MPS", "PSNI", "HMRC"):
            out.append(w.upper())
        elif i and w in small:
            out.append(w)
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in w.split("-")))
    return " ".join(out)


def police_force(text: str) -> str | None:
    """The police force a short piece of text names ("Durham Constabulary", "HUMBERSIDE POLICE")."""
    m = _EXTRA_RE.search(text)
    if m:
        return _EXTRA_FORCES[m.group(1).lower()]
    m = _FORCE_RE.search(text)
    if m:
        return POLICE_FORCES[" ".join(m.group(1).lower().split())]
    return None


def force_from_place(word: str | None) -> str | None:
    """The force for a bare place name ("Hertfordshire"), as police file names use."""
    if not word:
        return None
    key = " ".join(re.sub(r"[_\s]+", " ", word).lower().split())
    key = re.sub(r"\s+(police|constabulary)$", "", key)
    return POLICE_FORCES.get(key)


def find_authority(text: str, *, head_lines: int = 25, tail_lines: int = 25) -> str | None:
    """The authority a letter comes from, read off its letterhead, sign-off and body.

    Police forces win when one is named (their letters name only themselves in
    the letterhead); otherwise the body named most often in the letterhead and
    sign-off, then in the whole text.
    """
    if not text:
        return None
    lines = text.splitlines()
    head = "\n".join(lines[:head_lines])
    tail = "\n".join(lines[-tail_lines:])
    forces = Counter(all_forces(head) * 3 + all_forces(tail) * 2 + all_forces(text[:20000]))
    if forces:
        return forces.most_common(1)[0][0]
    bodies = Counter()
    for chunk, weight in ((head, 3), (tail, 2), (text[:20000], 1)):
        for name in all_bodies(chunk):
            bodies[name] += weight
    if bodies:
        return bodies.most_common(1)[0][0]
    return None


def letter_authority(text: str, stem: str | None = None) -> str | None:
    """The body that wrote a letter: a police force, a registered body, else the best name the letter gives.

    A police force named in the letterhead or sign-off wins (forces name only
    themselves there). Otherwise the registry of UK public bodies is matched
    against the letterhead, sender domains, signature block and footer
    (:func:`ingest.registry.identify_authority`). A body missing from the
    registry gets the name the letter itself gives, read with lines about
    complaint rights and quoted lines left out, so the Information
    Commissioner's Office is never taken for the writer.
    """
    from ingest.registry import identify_authority, own_lines

    if not text:
        return force_from_place(stem)
    lines = text.splitlines()
    head, tail = "\n".join(lines[:25]), "\n".join(lines[-25:])
    forces = Counter(all_forces(head) * 3 + all_forces(tail) * 2)
    if forces:
        return forces.most_common(1)[0][0]
    found = identify_authority(text)
    if found:
        return found
    return find_authority("\n".join(own_lines(text))) or force_from_place(stem)


def all_forces(text: str) -> list[str]:
    """Every police force named in ``text``, once per mention."""
    out = [_EXTRA_FORCES[m.group(1).lower()] for m in _EXTRA_RE.finditer(text)]
    out += [POLICE_FORCES[" ".join(m.group(1).lower().split())] for m in _FORCE_RE.finditer(text)]
    return out


_ANCHOR = re.compile(
    r"\b(?:Council|Ministry|Department|Trust|University|Office|Treasury|Customs|Prosecution|London|Agency|"
    r"Authority|England|Ofsted|Ofcom|Ofgem|Ofwat|Fire|Board|Police|Constabulary)\b"
)


def all_bodies(text: str) -> list[str]:
    """Every public body (council, department, trust...) named in ``text``, once per mention."""
    # The name patterns backtrack at every capital letter; run them only around the
    # words a body name must contain, which keeps long rulings cheap to scan.
    windows: list[list[int]] = []
    for m in _ANCHOR.finditer(text):
        lo, hi = max(0, m.start() - 120), min(len(text), m.end() + 100)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = hi
        else:
            windows.append([lo, hi])
    found = []
    for lo, hi in windows:
        chunk = text[lo:hi]
        for rx, trim in _BODY_RES:
            for m in rx.finditer(chunk):
                name = normalise_authority(_trim_lead(m.group(1)) if trim else m.group(1))
                if name:
                    found.append(name)
    return found


_LEAD_WORDS = re.compile(
    r"^(?:(?:and|of|&|The|Dear|Yours|From|To|At|For|By|Of|And|With|Regards|Sincerely|Faithfully|Thank|Thanks|Kind|"
    r"Best|Please|Contact|Email|Address|Our|Your|This|That|Within|Under|Behalf|On|In|Team|Unit|Rights|"
    r"Information|Governance|Freedom|Disclosure|Officer|Manager|Department|Commissioner|Commissioners|Tribunal|"
    r"Respondent|Appellant|Between|Against|Versus|Judge|Appeal|Decision|Notice|Request)\s+)+"
)


def _trim_lead(name: str) -> str:
    # "Yours sincerely Kestrel Vale Council" -> "Kestrel Vale Council"; keep "London Borough of X" whole.
    trimmed = _LEAD_WORDS.sub("", name)
    return trimmed if trimmed else name


def salutation_authority(text: str) -> str | None:
    """The body a request is addressed to, from its "Dear X," line; None for generic addressees."""
    m = re.search(r"^\s*Dear\s+([^,\n]{2,120})", text or "", re.M)
    if not m:
        return None
    return normalise_authority(m.group(1))
