"""Plain-text helpers: strip quoted e-mail, pull attachment lists, rebuild paragraphs.

Correspondence arrives hard-wrapped at roughly 72-80 columns with no blank
lines between paragraphs, an attachment list at the top (WhatDoTheyKnow) and
the whole earlier thread quoted at the bottom. Everything downstream reads the
*own words* of one message, paragraph by paragraph, so this module finds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Where the quoted earlier thread (or the WhatDoTheyKnow footer) starts.
_CUT_RES = [
    re.compile(r"^\s*From: .*\n(?:.*\n){0,2}?\s*(?:Sent|Date|To): ", re.M),
    re.compile(r"^\s*-{2,}\s*(?:Original Message|Forwarded message)\s*-{2,}", re.M | re.I),
    re.compile(r"^\s*On .{4,120}(?:wrote|writes):\s*$", re.M),
    re.compile(r"^-{10,}\s*\n\s*Please use this email address for all replies", re.M),
    re.compile(r"^\s*Please use this email address for all replies to this request", re.M),
    re.compile(r"^\s*show quoted sections\s*$", re.M),
    re.compile(r"^\s*References\s*\n\s*(?:Visible links|1\.)", re.M),
    re.compile(r"^\s*Visible links\s*$", re.M),
    re.compile(r"^\s*Hidden links:?\s*$", re.M),
]

_ATTACH_HEAD = re.compile(r"^\s*(\d+) Attachments?\s*\n")
_SIZE = re.compile(r"^\d+(?:\.\d+)?\s?[KMG]B?$", re.I)

_BULLET = re.compile(
    r"^\s*(?:[•○▪◦·\-–\*]|\(?\d{1,2}[\.\):]|\(?[a-z][\)\.]\s|\(?[ivx]{1,4}[\)\.]\s|Q\d{1,2}\b|Question \d|Part \d)",
    re.I,
)
_LABEL_START = re.compile(
    r"^\s*(?:our |my |your )?(?:response|answer|reply|question|request|decision|you requested|you asked|outcome)\b[^:.]{0,25}:", re.I
)
_URL_LINE = re.compile(r"^\s*(?:\[link\]\s*)?(?:https?://|www\.)\S+\s*$")
_SENT_END = re.compile(r"[\.\?!:;\)\]\"”]\s*$")


#: Headings FOI letters use between sections, matched whole (case-insensitive, optional colon).
_KNOWN_HEADING = re.compile(
    r"^(?:your rights?(?: to (?:complain|appeal|(?:a |an )?(?:internal )?review|(?:ask for|request|seek) (?:a |an )?(?:internal )?review))?"
    r"|rights? (?:of|to) (?:appeal|review|complain|complaint)|complaints?(?: rights| procedure| and appeals?)?|how to complain"
    r"|appeals?(?: procedure)?|(?:requesting an? |request for an? )?internal review|(?:the )?information commissioner(?:['’]s office)?"
    r"|next steps|further information|(?:our )?decision|reasons? for (?:our |the )?(?:decision|refusal)|exemptions?(?: applied| used| engaged)?"
    r"|(?:the )?public interest test|public interest (?:arguments|considerations)|(?:our )?response|background|advice and assistance"
    r"|(?:re-?use|copyright)(?: of information)?|harm|prejudice)\s*:?$",
    re.I,
)
#: "Section 40(2) - Personal information", "Regulation 12(5)(e): Commercial confidentiality".
_SECTION_HEADING = re.compile(
    r"^(?:section|s\.?|regulation|reg\.?)\s*\d{1,2}[A-Za-z]?(?:\s?\(\w{1,4}\))*(?:\s*(?:and|&|,)\s*\d{1,2}(?:\s?\(\w{1,4}\))*)*"
    r"\s*[-–—:]\s*[A-Za-z][\w ,'’/&()-]{2,60}$",
    re.I,
)
_TITLE_SMALL = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "under", "with", "&"}
_NOT_HEADING = re.compile(r"^(?:yours|kind|best|warm|many|with|thank|thanks|regards|dear|hi|hello)\b", re.I)


def looks_like_heading(line: str) -> bool:
    """A short line that heads a section of a letter rather than saying something.

    Known FOI headings ("Your right to complain", "Internal review", "Right of
    appeal", "Information Commissioner"), an exemption heading ("Section 40(2) -
    Personal information") or a Title Case line of two to eight words with no
    full stop ("Reasons For Decision", "Public Interest Test"). A short sentence
    ("Please see attached", "We do not hold this") is not one: its words are
    not capitalised.
    """
    t = line.strip()
    if not 3 <= len(t) <= 70 or re.search(r"[.,;?!]$", t) or _NOT_HEADING.match(t):
        return False
    if _KNOWN_HEADING.match(t) or _SECTION_HEADING.match(t):
        return True
    words = re.findall(r"[^\s]+", t.rstrip(":"))
    if not 2 <= len(words) <= 8 or re.search(r"\d|[\[\]@/|]|\s[-–—]\s", t) or ":" in t.rstrip(":"):
        return False  # "A Name - Chief Officer", "Head of Service: A Name" are labelled answers
    return all(w[0].isupper() or w.lower() in _TITLE_SMALL for w in words if w[0].isalpha()) and words[0][0].isupper()


def is_known_heading(text: str) -> bool:
    """A heading from the FOI letter list or an exemption heading (not just any Title Case line)."""
    t = text.strip()
    return len(t) <= 70 and not re.search(r"[.,;?!]$", t) and bool(_KNOWN_HEADING.match(t) or _SECTION_HEADING.match(t))


_TRAILING_HEADING = re.compile(r"^(?P<body>.*[.!?][\)\"”’]?)\s+(?P<head>[A-Z][^.!?]{2,69})$", re.S)


def _split_trailing_heading(p: str) -> list[str]:
    """Split a known heading run onto the end of a paragraph ("... personal data. Your right to review") off it."""
    m = _TRAILING_HEADING.match(p)
    if m and len(m.group("body")) >= 20 and len(m.group("head").split()) >= 2 and is_known_heading(m.group("head")):
        return [m.group("body"), m.group("head")]
    return [p]


@dataclass
class CleanMessage:
    """The own words of one message.

    Attributes:
        body: Text before any quoted earlier message, attachment list removed.
        attachments: Attachment file names listed at the top.
        quoted: The quoted remainder (earlier messages, footers).
    """

    body: str
    attachments: list[str] = field(default_factory=list)
    quoted: str = ""


def normalise(text: str) -> str:
    """Unify line ends and odd spaces; keep line structure."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\xa0", " ").replace("\u200b", "").replace("\t", " ")


def split_attachments(text: str) -> tuple[list[str], str]:
    """Remove WhatDoTheyKnow's "N Attachments" list from the top of a message.

    Returns:
        ``(names, rest_of_text)``.
    """
    m = _ATTACH_HEAD.match(text)
    if not m:
        return [], text
    want = int(m.group(1))
    lines = text[m.end():].split("\n")
    names: list[str] = []
    i = 0
    current: list[str] = []
    while i < len(lines) and len(names) < want and i < 8 * want + 4:
        line = lines[i].strip()
        if line == "Download":
            if current:
                names.append(" ".join(current))
            current = []
            if i + 1 < len(lines) and lines[i + 1].strip() == "View as HTML":
                i += 1
        elif _SIZE.match(line):
            pass
        elif line:
            current.append(line)
        i += 1
    if len(names) < want and not current:
        return names, "\n".join(lines[i:])
    if current and len(names) < want:
        # A malformed list: keep the text rather than lose the message.
        return names, "\n".join(current + lines[i:])
    return names, "\n".join(lines[i:])


def clean_message(text: str) -> CleanMessage:
    """Split one message into its own words, attachments and quoted remainder."""
    text = normalise(text)
    names, text = split_attachments(text)
    cut = len(text)
    for rx in _CUT_RES:
        m = rx.search(text)
        if m and m.start() < cut:
            cut = m.start()
    # A bare "From:" block with nothing before it is a forwarded message, not a quote.
    if cut < 40 and len(text) > 200:
        rest = text[cut:]
        cut2 = len(text)
        for rx in _CUT_RES[1:]:
            m = rx.search(rest, 10)
            if m:
                cut2 = min(cut2, cut + m.start())
        body, quoted = text[:cut2], text[cut2:]
    else:
        body, quoted = text[:cut], text[cut:]
    return CleanMessage(body.strip(), names, quoted)


def _wrap_width(lines: list[str]) -> int:
    lengths = sorted(len(l.rstrip()) for l in lines if l.strip())
    if not lengths:
        return 0
    # The wrap width is near the longest ordinary line; a few long URLs or
    # table rows must not raise it, so take a high percentile, not the max.
    top = lengths[int(len(lengths) * 0.9)] if len(lengths) >= 10 else lengths[-1]
    return top


def paragraphs(text: str) -> list[str]:
    """Rebuild paragraphs from hard-wrapped text with no blank lines.

    A line ends its paragraph when the next line's first word would have
    fitted on it (so the writer broke the line on purpose), when it is blank,
    or when the next line starts a list item. Text with blank lines between
    paragraphs is split on those first.
    """
    text = normalise(text)
    # WhatDoTheyKnow turns links into "[1]" markers, often alone on a line
    # with the URL on the next; fold both into the sentence they belong to.
    text = re.sub(r"^\s*\[\d{1,3}\]\s*\n", "[link] ", text, flags=re.M)
    text = re.sub(r"\[\d{1,3}\]", "", text)
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [l.rstrip() for l in block.split("\n")]
        lines = [l for l in lines if l.strip()]
        if not lines:
            continue
        width = _wrap_width(lines)
        wrapped = 50 <= width <= 100
        cur: list[str] = []
        for i, line in enumerate(lines):
            cur.append(line.strip())
            nxt = lines[i + 1].strip() if i + 1 < len(lines) else None
            if nxt is None:
                break
            first = nxt.split(" ", 1)[0]
            if _URL_LINE.match(nxt) or _URL_LINE.match(line) and not _SENT_END.search(line):
                brk = False
            elif _BULLET.match(nxt) or _BULLET.match(line) and len(line) < 40 or _LABEL_START.match(nxt):
                brk = True
            elif not wrapped:
                brk = True
            elif _STOP_END.search(line) and _heading_alone(lines, i + 1, width):
                # A heading under a sentence that filled its line ("... exempt from
                # disclosure." / "Your right to review") starts the next section.
                brk = True
            else:
                fits = len(line) + 1 + len(first) <= width
                brk = fits and (bool(_SENT_END.search(line)) or len(line) < width * 0.6)
            if brk:
                out.append(" ".join(cur))
                cur = []
        if cur:
            out.append(" ".join(cur))
    paras = [p for p in (" ".join(p.split()) for p in out) if p]
    return [part for p in paras for part in _split_trailing_heading(p)]


_STOP_END = re.compile(r"[.?!][\)\]\"”’]?\s*$")


def _heading_alone(lines: list[str], k: int, width: int) -> bool:
    """Whether line ``k`` is a heading standing on its own line: heading-like, and the writer broke the line after it."""
    head = lines[k].strip()
    if not looks_like_heading(head):
        return False
    if k + 1 >= len(lines):
        return True
    after = lines[k + 1].strip()
    first = after.split(" ", 1)[0]
    # The next line starts a sentence and its first word would have fitted after the heading.
    return bool(first) and not first[0].islower() and len(head) + 1 + len(first) <= width


_WORD = re.compile(r"[a-z0-9£]+")


def words(text: str) -> list[str]:
    """Lower-case word tokens."""
    return _WORD.findall(text.lower())


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    """Word n-grams of a text, for spotting echoed request text."""
    w = words(text)
    return {tuple(w[i:i + n]) for i in range(max(0, len(w) - n + 1))}


def echo_ratio(text: str, source: set[tuple[str, ...]], n: int = 4) -> float:
    """Share of a text's word n-grams that also occur in ``source``."""
    sh = shingles(text, n)
    if not sh:
        return 0.0
    return sum(1 for s in sh if s in source) / len(sh)


class LowerRx:
    """A case-insensitive pattern run on lower-cased text.

    Python's ``re.IGNORECASE`` makes long alternations several times slower;
    lower-casing the subject once and matching case-sensitively gives the same
    matches for patterns written in lower case, at a fraction of the cost.
    """

    __slots__ = ("rx", "pattern")

    def __init__(self, pattern: str, flags: int = 0):
        self.rx = re.compile(pattern, flags & ~re.I)
        self.pattern = pattern

    def search(self, text: str, *args):
        return self.rx.search(text.lower(), *args)

    def match(self, text: str, *args):
        return self.rx.match(text.lower(), *args)

    def fullmatch(self, text: str, *args):
        return self.rx.fullmatch(text.lower(), *args)

    def finditer(self, text: str, *args):
        return self.rx.finditer(text.lower(), *args)

    def findall(self, text: str, *args):
        return self.rx.findall(text.lower(), *args)

    def split(self, text: str, *args):
        return self.rx.split(text.lower(), *args)

    def sub(self, repl, text: str, count: int = 0):
        return self.rx.sub(repl, text.lower(), count)


_ESCAPES = re.compile(r"\\[A-Za-z]|\(\?P<\w+>|\(\?P=\w+\)")


def speed_up_ignorecase(namespace: dict, skip: tuple[str, ...] = ()) -> None:
    """Replace a module's ``re.I`` patterns written in lower case by :class:`LowerRx`.

    Patterns with upper-case literals (or named in ``skip``) keep ``re.I``.
    Match offsets stay valid because lower-casing keeps the text's length for
    the characters found in correspondence.
    """
    for name, value in list(namespace.items()):
        if name in skip or not isinstance(value, re.Pattern) or not value.flags & re.I:
            continue
        literal = _ESCAPES.sub("", value.pattern)
        if any(ch.isupper() for ch in literal):
            continue
        namespace[name] = LowerRx(value.pattern, value.flags)
