"""Remove the requester's personal data before anything is stored.

What is removed, and replaced by a marker:

* the requester's name (``[name]``), learnt from the thread itself: the
  sign-off of their own messages ("Yours faithfully, NAME"), "My name is
  NAME", the salutation of the authority's replies ("Dear NAME,",
  "Dear Ms SURNAME"), quoted e-mail headers ("From: NAME <request-...@>",
  "To: NAME" beside an authority's address) and WhatDoTheyKnow's status line
  in ``meta``. Officers' names are not the requester's and stay;
* private individuals the requester names (``[name]``, counted as
  ``private_name``): relatives, people in a dispute, employees whose pay or
  conduct is asked about (see :mod:`.redact_private`); people named in a
  public role stay;
* e-mail addresses (``[email]``), except WhatDoTheyKnow's own placeholders
  such as ``[FOI #123 email]`` which hold no address;
* telephone numbers (``[phone]``), UK formats;
* the requester's postal address (``[address]``, ``[postcode]``): UK
  postcodes, numbered street addresses and address blocks in the text the
  requester wrote, and the recipient block above a reply letter's salutation
  (see :mod:`.redact_address`). The authority's own address stays.

The document's ``redactions`` counts what was removed by kind; values are
never recorded.
"""

from __future__ import annotations

import re
from collections import Counter

from foi_search.core.domain import Document

from .redact_address import learnt_patterns, redact_addresses, redact_learnt, redact_recipient_block
from .text import clean_message, normalise

_CLOSINGS = re.compile(
    r"^\s*(?:yours\s+(?:faithfully|sincerely|truly)|(?:with\s+)?(?:kind|best|warm|many)?\s*(?:regards|wishes|thanks)"
    r"|thank\s+you(?:\s+(?:very\s+much|in\s+advance|for\s+your\s+(?:help|time|assistance)))?|thanks(?:\s+again)?|cheers"
    r"|sincerely|respectfully|best|many\s+thanks(?:\s+and\s+(?:kind|best)\s+regards)?)[\s,.!]*$",
    re.I,
)
_SALUTATION = re.compile(r"^\s*(?:Dear|Hi|Hello|Good (?:morning|afternoon))\s+([^,\n:]{2,60})[,:]?\s*$", re.M)
_MY_NAME = re.compile(r"\bmy (?:full )?name is[ \t]+((?:(?:Mr|Mrs|Ms|Miss|Dr|Mx)\.?[ \t]+)?[A-Za-z][\w'’-]+(?:[ \t]+[A-Za-z][\w'’-]+){0,3})", re.I)
_STOP_TOKENS = {
    "and", "for", "your", "with", "in", "advance", "regards", "kind", "best", "help", "assistance", "the", "of",
    "to", "a", "i'm", "im", "i", "am", "on", "behalf", "from", "at", "by", "time", "again", "very", "much",
}
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Dr|Mx|Prof|Professor|Sir|Madam|Mister|Rev)"
_TITLE_RE = re.compile(rf"^{_TITLES}\.?$", re.I)

#: Words that look like a name in a salutation or sign-off but are not a person.
_NOT_NAMES = {
    "sir", "madam", "sir/madam", "sir or madam", "sirs", "all", "team", "requester", "requestor", "applicant",
    "customer", "colleague", "colleagues", "there", "everyone", "foi", "foi team", "eir", "council", "officer",
    "information", "manager", "whom", "reader", "friend", "the", "you", "again", "advance", "regards", "thanks",
    "yours", "faithfully", "sincerely", "mr", "mrs", "ms", "miss", "dr", "anonymous", "citizen", "member",
}
_ORG_WORDS = re.compile(
    r"\b(?:council|team|unit|uk|ltd|limited|plc|group|association|trust|foundation|network|campaign|society|"
    r"department|office|service|services|news|newspaper|bbc|itv|project|freedom|rights|university|college|"
    r"partnership|committee|union|party|authority|company|agency|officer|requests?|information|foi|eir)\b",
    re.I,
)
_NAME_TOKEN = re.compile(r"^[A-Za-z][A-Za-z'’\-]*\.?$")

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+'-]+ ?@ ?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PHONE = re.compile(
    r"(?<![\w/.£$-])(?:\+44\s?(?:\(0\)\s?)?\d|\(0\d{2,4}\)|0\d{2,4})(?:[\s-]?\d{2,4}){1,4}(?![\w/.-]*\d)"
)


def _clean_name(raw: str) -> str | None:
    raw = re.sub(r"[\s,.;:!]+$", "", raw.strip())
    raw = re.sub(r"^(?:from|regards|thanks)[\s,]+", "", raw, flags=re.I)
    if not raw or len(raw) > 60 or _ORG_WORDS.search(raw):
        return None
    tokens = raw.split()
    # Post-nominals and initialisms ("MBE", "MRCVS") are not part of the name.
    tokens = [t for t in tokens if not (len(t) >= 3 and t.isupper())]
    cut = next(
        (i for i, t in enumerate(tokens) if t.lower() in _STOP_TOKENS and not re.fullmatch(r"[A-Z]\.?", t)),
        None,
    )
    if cut is not None:
        if cut < 2:
            return None
        tokens = tokens[:cut]
    raw = " ".join(tokens)
    if not 1 <= len(tokens) <= 5:
        return None
    if not all(_NAME_TOKEN.match(t) for t in tokens):
        return None
    if raw.lower() in _NOT_NAMES or all(t.lower().strip(".") in _NOT_NAMES for t in tokens):
        return None
    letters = [t for t in tokens if not _TITLE_RE.match(t)]
    if not letters or all(len(t.strip(".")) <= 1 for t in letters):
        return None
    return raw


def _signoff_names(text: str) -> list[str]:
    """Names signed under a closing ("Yours faithfully,\\nJane Doe")."""
    lines = [l.strip() for l in normalise(text).split("\n")]
    out = []
    for i, line in enumerate(lines):
        if not line:
            continue
        inline = re.match(
            r"^\s*(?:yours\s+(?:faithfully|sincerely)|(?:kind|best|many)\s+(?:regards|thanks|wishes)|regards|thanks)[,.]?\s+([A-Z][\w'’.-]+(?:\s+[A-Za-z][\w'’.-]+){0,3})\s*$",
            line,
            re.I,
        )
        if inline:
            name = _clean_name(inline.group(1))
            if name:
                out.append(name)
            continue
        if _CLOSINGS.match(line):
            for nxt in lines[i + 1:i + 3]:
                if not nxt:
                    continue
                name = _clean_name(nxt)
                if name:
                    out.append(name)
                break
    return out


def requester_names(doc: Document) -> list[str]:
    """The requester's names as written anywhere in the thread, longest first.

    Learnt from the sign-off of their messages, "my name is", the salutation
    of replies, the headers of quoted e-mails ("From: NAME <request-...@>",
    "To: NAME" beside an authority's address) and WhatDoTheyKnow's status
    line kept in ``meta`` ("We're waiting for NAME to read a recent response").
    """
    names: set[str] = set()
    for m in doc.messages:
        if m.direction == "outgoing":
            names.update(_signoff_names(m.text))
            for mm in _MY_NAME.finditer(m.text):
                name = _clean_name(mm.group(1))
                if name:
                    names.add(name)
        else:
            for mm in _SALUTATION.finditer(normalise(m.text)):
                name = _clean_name(mm.group(1))
                if name:
                    names.add(name)
        names.update(header_names(m.text))
    for value in doc.meta.values():
        for text in (value if isinstance(value, list) else [value]):
            if isinstance(text, str):
                names.update(status_names(text))
    return sorted(names, key=len, reverse=True)


_HEADER_LINE = re.compile(r"(?im)^[ \t>]*(from|to|cc|reply-to)[ \t]*:[ \t]*(\S.{0,300})$")
#: Alaveteli's per-request address: whoever writes from or to it is the requester.
_REQUEST_ADDRESS = re.compile(r"(?i)^request-\d+-[0-9a-f]+@")
#: Addresses of public bodies: the other party of a header block is the requester.
_PUBLIC_ADDRESS = re.compile(
    r"(?i)@(?:[\w-]+\.)*(?:gov\.uk|nhs\.(?:uk|net)|police\.uk|parliament\.uk|gov\.scot|gov\.wales|llyw\.cymru|"
    r"mod\.uk|ac\.uk|sch\.uk|org\.uk|whatdotheyknow\.com)$"
)


def header_names(text: str) -> list[str]:
    """The requester's names in the header blocks of e-mails quoted in ``text``.

    A block is a run of ``From:``/``To:``/``Cc:`` lines within a few lines of
    each other. A party is the requester when its address is Alaveteli's
    request address, or when the other side of the block is a public body
    (an official address, or a name with organisation words) and it is not.
    """
    from email.utils import getaddresses

    if not text or ":" not in text:
        return []
    lines = list(_HEADER_LINE.finditer(text))
    blocks: list[list[re.Match]] = []
    for m in lines:
        if blocks and text.count("\n", blocks[-1][-1].end(), m.start()) <= 4:
            blocks[-1].append(m)
        else:
            blocks.append([m])
    out: list[str] = []
    for block in blocks:
        parties = []
        for m in block:
            value = m.group(2).replace("[mailto:", "<").replace("]", ">")
            pairs = getaddresses([value]) if "@" in value else [(v.strip(), "") for v in re.split(r"[;,]", value)]
            for name, addr in pairs:
                name = name.strip().strip("'\"")
                parties.append((name, addr.strip().lower()))
        official = any(_PUBLIC_ADDRESS.search(a) and not _REQUEST_ADDRESS.match(a) or (n and _ORG_WORDS.search(n))
                       for n, a in parties)
        for name, addr in parties:
            if not name or "@" in name:
                continue
            requester = bool(_REQUEST_ADDRESS.match(addr)) or (
                official and not _PUBLIC_ADDRESS.search(addr) and not _ORG_WORDS.search(name)
            )
            clean = _clean_name(name) if requester else None
            if clean:
                out.append(clean)
    return out


_STATUS_NAME = [
    re.compile(r"(?i)\bwaiting for ([^.,;\n]{2,60}?) to (?:read|update|say|clarify|respond|decide|take|tell)\b"),
    re.compile(r"(?i)(?:^|[.!]\s+)([^.,;\n]{2,60}?) (?:has )?(?:requested|asked for) an internal review\b"),
    re.compile(r"(?i)\bclarification from ([^.,;\n]{2,60}?)(?:[.,;]|$)"),
]


def status_names(text: str) -> list[str]:
    """The requester named in a WhatDoTheyKnow status line; both cases of a one-word user name."""
    out: list[str] = []
    for rx in _STATUS_NAME:
        for m in rx.finditer(text):
            raw = m.group(1).strip()
            if raw.lower() in ("the requester", "the user", "you", "us", "them"):
                continue
            name = _clean_name(raw)
            if name:
                out.append(name)
                if " " not in name and name != name.title():
                    out.append(name.title())
    return out


def _name_patterns(names: list[str]) -> list[re.Pattern]:
    """Patterns for each name and its safe variants (title + surname)."""
    alts: set[str] = set()
    for name in names:
        tokens = name.split()
        core = [t for t in tokens if not _TITLE_RE.match(t)]
        if not core:
            continue
        alts.add(" ".join(core))
        if len(core) >= 2:
            surname = core[-1]
            if len(surname.strip(".")) >= 2:
                # "Ms Roberts", "Mr Buxton": the surname after a title.
                alts.add(f"__TITLE__{surname}")
        elif len(core[0]) >= 3:
            alts.add(core[0])
    pats = []
    for a in sorted(alts, key=len, reverse=True):
        if a.startswith("__TITLE__"):
            body = re.escape(a[len("__TITLE__"):])
            pats.append(re.compile(rf"\b{_TITLES}\.?\s+{body}\b", re.I))
        else:
            words = [re.escape(w) for w in a.split()]
            pats.append(re.compile(r"(?<![\w@])" + r"\s+".join(words) + r"(?![\w@])", re.I if len(words) > 1 else 0))
    return pats


def redact_text(text: str, name_patterns: list[re.Pattern], counts: Counter) -> str:
    """Replace names, e-mail addresses and phone numbers in one text."""
    if not text:
        return text

    def email(m: re.Match) -> str:
        counts["email"] += 1
        return "[email]"

    def phone(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if not 10 <= len(digits) <= 13:
            return m.group(0)
        counts["phone"] += 1
        return "[phone]"

    text = _EMAIL.sub(email, text)
    text = _PHONE.sub(phone, text)
    for pat in name_patterns:
        text, n = pat.subn("[name]", text)
        if n:
            counts["name"] += n
    return text


def redact_document(doc: Document) -> Document:
    """Redact the requester's personal data in every text of ``doc`` in place.

    Returns:
        The same document; ``doc.redactions`` holds counts per kind.
    """
    counts: Counter = Counter()
    pats = _name_patterns(requester_names(doc))
    if doc.kind not in _NO_REQUESTER_TEXT:
        _redact_private_people(doc, counts)
    for m in doc.messages:
        m.text = redact_text(m.text, pats, counts)
    for a in doc.attachments:
        if a.text:
            a.text = redact_text(a.text, pats, counts)
    if doc.title:
        doc.title = redact_text(doc.title, pats, counts)
    # Parsers keep page text such as WhatDoTheyKnow's status line ("We're
    # waiting for NAME to read a recent response") in meta.
    for key, value in list(doc.meta.items()):
        if isinstance(value, str):
            doc.meta[key] = redact_text(value, pats, counts)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            doc.meta[key] = [redact_text(v, pats, counts) for v in value]
    if doc.kind not in _NO_REQUESTER_TEXT:
        _redact_postal_addresses(doc, counts)
    for k, v in counts.items():
        doc.redactions[k] = doc.redactions.get(k, 0) + v
    return doc


def _private_patterns(names: list[str]) -> list[re.Pattern]:
    """Each private name as written, and "Title Surname" for a full name; never a bare surname."""
    alts: set[str] = set()
    for name in names:
        tokens = name.split()
        core = [t for t in tokens if not _TITLE_RE.match(t)]
        if len(core) >= 2:
            alts.add(" ".join(core))
            alts.add(f"__TITLE__{core[-1]}")
        elif core and len(tokens) >= 2:
            alts.add(f"__TITLE__{core[0]}")
    pats = []
    for a in sorted(alts, key=len, reverse=True):
        if a.startswith("__TITLE__"):
            pats.append(re.compile(rf"\b{_TITLES}\.?\s+{re.escape(a[len('__TITLE__'):])}\b"))
        else:
            pats.append(re.compile(r"(?<![\w@])" + r"\s+".join(re.escape(w) for w in a.split()) + r"(?![\w@])"))
    return pats


def _redact_private_people(doc: Document, counts: Counter) -> None:
    """Remove private individuals the requester named (:mod:`.redact_private`) from the whole document."""
    from .redact_private import private_names

    names: list[str] = []
    for m in doc.messages:
        if m.direction == "outgoing":
            names.extend(private_names(m.text))
    pats = _private_patterns(names)
    if not pats:
        return

    def sub(text: str) -> str:
        for pat in pats:
            text, n = pat.subn("[name]", text)
            counts["private_name"] += n
        return text

    for m in doc.messages:
        m.text = sub(m.text)
    for a in doc.attachments:
        if a.text:
            a.text = sub(a.text)
    if doc.title:
        doc.title = sub(doc.title)
    doc.questions = [sub(q) for q in doc.questions]
    for key, value in list(doc.meta.items()):
        if isinstance(value, str):
            doc.meta[key] = sub(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            doc.meta[key] = [sub(v) for v in value]


#: Kinds with no text written by a requester (a tribunal's decision, ICO notice metadata).
_NO_REQUESTER_TEXT = {"tribunal_decision", "ico_decision"}


def _own_words_redacted(text: str, counts: Counter, learnt: set[tuple[str, str]], whole: bool) -> str:
    """Addresses removed from the requester's own words of one message; quoted earlier replies are left as they are."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    cut = len(text)
    if not whole:
        quoted = clean_message(text).quoted
        norm = normalise(text)
        if quoted and norm.endswith(quoted):
            cut = _original_offset(text, len(norm) - len(quoted))
    own = text[:cut]
    red = redact_addresses(own, counts, learnt)
    return text if red == own else red + text[cut:]


def _original_offset(text: str, norm_pos: int) -> int:
    """The offset in ``text`` of position ``norm_pos`` of ``normalise(text)`` (which folds "\\r\\n", drops zero-width spaces)."""
    n = 0
    i = 0
    while i < len(text) and n < norm_pos:
        if text[i] == "\r" and text[i + 1: i + 2] == "\n":
            i += 2
        else:
            i += 1
        if text[i - 1] != "\u200b":
            n += 1
    return i


def _redact_postal_addresses(doc: Document, counts: Counter) -> None:
    """Remove the requester's postal address (postcodes, numbered streets, address blocks).

    Found only in what the requester wrote: the own words of ``outgoing``
    messages, the title (made from the request) and the recipient block above
    a reply letter's salutation. What was found there is then removed wherever
    the document repeats it (a reply quoting the request, page metadata).
    """
    learnt: set[tuple[str, str]] = set()
    for m in doc.messages:
        if m.direction == "outgoing":
            m.text = _own_words_redacted(m.text, counts, learnt, whole=doc.kind == "log_entry")
        else:
            m.text = redact_recipient_block(m.text, counts, learnt)
    if doc.title:
        doc.title = redact_addresses(doc.title, counts, learnt)
    pats = learnt_patterns(learnt)
    if not pats:
        return
    for m in doc.messages:
        m.text = redact_learnt(m.text, pats, counts)
    for a in doc.attachments:
        a.name = redact_learnt(a.name, pats, counts)
        if a.text:
            a.text = redact_learnt(a.text, pats, counts)
    doc.title = redact_learnt(doc.title, pats, counts)
    doc.questions = [redact_learnt(q, pats, counts) for q in doc.questions]
    for key, value in list(doc.meta.items()):
        if isinstance(value, str):
            doc.meta[key] = redact_learnt(value, pats, counts)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            doc.meta[key] = [redact_learnt(v, pats, counts) for v in value]


#: Media types whose stored bodies are text that redaction can rewrite in place.
_TEXT_BODIES = ("text/", "application/json", "application/xhtml+xml", "application/xml")


def raw_body_redactor(names: list[str]):
    """A function that redacts a stored page body the way documents are redacted.

    ``names`` are the requesters' names, learnt with :func:`requester_names`
    from the parsed documents *before* they are enriched (redaction removes
    them from the documents). It rewrites a text body
    (HTML, JSON, plain text) with those names, e-mail addresses and phone
    numbers replaced, decoding and re-encoding so bytes it does not touch stay
    as they were; it returns None for a binary body (a PDF or DOCX), which the
    store then drops: its text lives, redacted, in the attachment record.

    Returns:
        ``redact(body: bytes, content_type: str | None) -> bytes | None``.
    """
    pats = _name_patterns(names)

    def redact(body: bytes, content_type: str | None) -> bytes | None:
        ctype = (content_type or "").split(";")[0].strip().lower()
        if not ctype.startswith(_TEXT_BODIES):
            return None
        text = body.decode("utf-8", errors="surrogateescape")
        return redact_text(text, pats, Counter()).encode("utf-8", errors="surrogateescape")

    return redact
