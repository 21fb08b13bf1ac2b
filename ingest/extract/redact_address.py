"""Requester postal addresses: UK postcodes and numbered street addresses.

Only text the requester wrote is read with the general rules: the own words
of ``outgoing`` messages (a request, a chaser, a log entry's request text;
quoted earlier replies left out), the document title (made from the request),
and the recipient's address block above the salutation of a reply letter
("[name] / 12 Acacia Road / Brackenford / BK1 2AB / Dear [name]"). The authority's
own address (letterhead, signature, "write to us at Town Hall ... BK1 1TH") is
public and stays. Every address or postcode found there is then also removed
wherever else the document repeats it (a reply quoting the request), the way
a learnt name is.

What counts as an address:

* a full UK postcode ("BK1 2AB", "BK12 3DF", "BK61PQ"), checked against the
  postcode format; written without its space it needs an address-like place
  (after a comma or "at", or at the end of a line), so a model number such as
  "Coachline T210UD" stays. It becomes ``[postcode]``;
* a house number and a street ("12 Acacia Road", "Flat 3, 18 Quince Grove",
  "33a Mill Lane") with the rest of the line up to a postcode ("..., Brackenford
  BK1 2AB"); it becomes ``[address]``. A road named without a number
  ("accidents on London Road") is the subject of a request, not an address,
  and stays; so do "section 40(2)", "FS50123456", "FOI 12345" and courts
  ("3 Crown Court cases");
* an address block: short lines ending in a postcode line ("Marsh Cottage /
  Thistle Close / Lower Fenwick / BK7 3RW"); the whole block becomes one
  ``[address]`` line.
"""

from __future__ import annotations

import re
from collections import Counter

# -- postcodes ------------------------------------------------------------------

#: Candidate: outward code, optional space, inward code (validated by _POSTCODE_STRICT).
_POSTCODE = re.compile(r"(?<![A-Za-z0-9@\\#£$-])([A-Za-z]{1,2}\d[A-Za-z\d]?)([ \t]?|[ \t]*\n[ \t]*)(\d[A-Za-z]{2})(?![A-Za-z0-9@-])")
#: The Royal Mail format: letters that never occur in each position are excluded.
_POSTCODE_STRICT = re.compile(
    r"(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?) ?[0-9][ABD-HJLNP-UW-Z]{2}"
)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)", re.I)
#: Words after which a postcode written without its space is expected.
_POSTCODE_CUE = re.compile(r"(?:[,(:]|\b(?:post ?code|code|at|near|in|is|of|to|from))\s*$", re.I)


def _postcode_ok(m: re.Match, text: str) -> bool:
    """Whether a candidate match is a postcode in an address-like place."""
    outward, space, inward = m.group(1), m.group(2), m.group(3)
    if not _POSTCODE_STRICT.fullmatch(f"{outward}{' ' if space else ''}{inward}".upper()):
        return False
    if "\n" in space:
        # Wrapped at the end of a line ("Fenwick, BK6" / "1PQ since 2020"): written in capitals only.
        return outward.isupper() and inward.isupper()
    if inward.islower() and (_ORDINAL.fullmatch(inward) or outward.islower() and not space):
        # "bk6 1pq" is a postcode typed in lower case; "the A30 2nd exit" and "ab12cd" are not.
        return False
    if space:
        return True
    line_start = text.rfind("\n", 0, m.start()) + 1
    before = text[line_start:m.start()].rstrip()
    line_end = text.find("\n", m.end())
    after = text[m.end(): len(text) if line_end < 0 else line_end].strip()
    return not before or bool(_POSTCODE_CUE.search(before)) or not after or after[0] in ",.;)]|"


def find_postcodes(text: str) -> list[tuple[int, int]]:
    """Spans of UK postcodes in ``text``."""
    return [m.span() for m in _POSTCODE.finditer(text) if _postcode_ok(m, text)]


# -- numbered street addresses -------------------------------------------------------

_STREET_WORDS = (
    r"Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Court|Ct|Place|Pl|Gardens|Gdns|"
    r"Terrace|Tce|Grove|Hill|Rise|View|Mews|Square|Sq|Walk|Parade|Row|Park|Green|Vale|Meadows?|Grange|"
    r"Boulevard|Cottages|Chase|Croft|Wharf|Quay|Esplanade|Heights|Crossing|Wynd"
)
_NAME_WORD = r"(?:St\.?|[A-Z][A-Za-z'’-]*\.?)"
_HOUSE = (
    r"(?:(?i:flat|apartment|apt|unit|suite)\.?[ \t]*\d{1,4}[A-Za-z]?,?[ \t]+(?:\d{1,3}[A-Za-z]?,?[ \t]+)?"
    r"|\d{1,3}[A-Za-z]?(?:[ \t]?[-–&][ \t]?\d{1,3}[A-Za-z]?)?,?[ \t]+)"
)
_STREET_AFTER = re.compile(rf"[ \t]+(?i:{_STREET_WORDS})\b")
_STREET_WORD = re.compile(rf"\b(?i:{_STREET_WORDS.replace('|St|', '|').replace('|Dr|', '|')})\b")
_STREET = re.compile(
    rf"(?<![\w/£$.,:-]){_HOUSE}(?:{_NAME_WORD}[ \t]+){{1,3}}(?=[A-Z])(?i:{_STREET_WORDS})\b"
)
#: "number 38 king edwin road", "No 5 elm green": an address typed in lower case, after "number" / "No".
_STREET_LOWER = re.compile(
    rf"\b(?:number|no\.?)[ \t]*\d{{1,3}}[a-z]?,?[ \t]+"
    rf"(?:(?!(?:from|on|in|at|to|and|of|by|near|the|for|with|along|off|is|was|are|a|an)\b)[a-z][a-z'’-]*[ \t]+){{1,3}}"
    rf"(?:{_STREET_WORDS})\b",
    re.I,
)
#: What may follow a street on the same line before its postcode: towns, a county.
_TAIL = re.compile(
    r"(?:,?[ \t]+(?:[A-Z][A-Za-z'’.-]*+(?!\d))(?:[ \t]+(?:[A-Z][A-Za-z'’.-]*+(?!\d)|upon|on|under|le|in|by|the|de|en)){0,3}){0,4}"
    r",?[ \t]*\(?(?<![A-Za-z])(?=[A-Za-z]{1,2}\d)"
)
#: A number that counts or cites something rather than a house.
_NOT_HOUSE_BEFORE = re.compile(
    r"\b(?:sections?|s|regulations?|reg|para(?:graph)?s?|questions?|q|parts?|items?|schedules?|chapters?|articles?|"
    r"pages?|rules?|points?|class|levels?|floors?|rooms?|tables?|appendix|annex|clauses?|figures?|"
    r"steps?|phases?|tiers?|bands?|years?|version|route|bus|junction|exit)\.?[ \t]*$",
    re.I,
)
_COURTS = re.compile(
    r"\b(?:crown|county|magistrates['’]?|family|high|supreme|coroners?['’]?s?|youth|appeal|combined|district|sheriff|"
    r"tribunal|royal|the)[ \t]+court\b",
    re.I,
)
#: Before a street followed by a lower-case word: where someone lives or a place is.
_ADDRESS_CUE = re.compile(
    r"\b(?:liv(?:e|es|ed|ing)|resid(?:e|es|ed|ing)|address(?: is| was)?|at|of|to|outside|opposite|near|from|behind|"
    r"adjacent to|next to|property|house|home|flat|moved|move|for|no\.?|number)[ \t:]*$",
    re.I,
)


#: A capitalised word right before a house number that still lets it be one ("At 12 ...", "No 12 ...").
_CAP_BEFORE = re.compile(r"\b([A-Z][A-Za-z'’]*)\.?[ \t]+$")
_CAP_CUES = {"at", "of", "to", "outside", "near", "opposite", "from", "behind", "no", "number", "is", "in", "address"}


def _street_ok(m: re.Match, text: str) -> bool:
    line_start = text.rfind("\n", 0, m.start()) + 1
    before = text[line_start:m.start()]
    if _NOT_HOUSE_BEFORE.search(before) or _COURTS.search(m.group(0)):
        return False
    cap = _CAP_BEFORE.search(before)
    if cap and cap.group(1).lower() not in _CAP_CUES:
        return False  # "Green Streets Fund 2, Mill Street", "Phase 3 Park Road": a label's number
    rest = text[m.end(): m.end() + 40]
    nxt = rest.lstrip(" \t")
    if not nxt or nxt[0] in "\n,.;:)]|/(" or nxt[0].isupper() or nxt[0].isdigit() or nxt.startswith("["):
        return True
    return bool(_ADDRESS_CUE.search(before))


#: A public body's premises: its address is public ("Brackenford Borough Council, Town Hall, ..., BK1 1TH").
_PUBLIC_WORDS = (
    r"council|borough|police|constabulary|school|college|academy|university|hospital|library|department|"
    r"ministry|authority|nhs|trust|centre|center|hall|headquarters|offices|parliament|commission(?:er)?|"
    r"fire|station|government|surgery|practice"
)
_PUBLIC = re.compile(rf"\b(?:{_PUBLIC_WORDS})\b", re.I)
_RUN_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’.&-]*|\d\w*|[^\sA-Za-z\d]")
#: Small words inside place names ("Fenwick St Mary", "Brackenford upon Wyle", "Fenwick and Marsh").
_SMALL = {"of", "and", "the", "on", "upon", "in", "le", "by", "under", "de", "en", "&"}
_RUN_SMALL = _SMALL | {"for"}
_ABBREVIATION = re.compile(r"(?i)st\.|rd\.|ave\.|[a-z]\.|(?:[a-z]\.){2,}")


def _body_word(line: str, m: re.Match) -> bool:
    """Whether an organisation word names the body itself: not "The Old School" (a house now) or "Kiln Hall Road" (a street)."""
    return not re.search(r"(?i)\bold\s+$", line[: m.start()]) and not _STREET_AFTER.match(line, m.end())


def _names_public_body(line: str) -> bool:
    """Whether a line names a public body's premises ("Town Hall", "Brackenford Borough Council")."""
    return any(_body_word(line, m) for m in _PUBLIC.finditer(line))


def public_premises_before(text: str, pos: int) -> bool:
    """Whether the names run up to ``pos`` on its line ("Brackenford Primary School, Mill Lane, Brackenford, ")
    name a public body, so the address that follows is that body's."""
    line_start = text.rfind("\n", 0, pos) + 1
    line = text[line_start:pos]
    seen = 0
    for m in reversed(list(_RUN_TOKEN.finditer(line))):
        tok = m.group(0)
        if tok in ",-–/|" or tok.lower() in _RUN_SMALL:
            continue
        if tok[0].islower() or tok in ".;:!?()[]" or seen >= 14:
            return False
        if tok.endswith(".") and not _ABBREVIATION.fullmatch(tok):
            return False  # "... in Brackenford. BK1 2AB": a sentence ended before
        if _PUBLIC.fullmatch(tok) and _body_word(line, m):
            return True
        seen += 1
    # The run reached the start of its line: the line above may name the body
    # ("Brackenford Borough Council" / "2-10 Kiln Hall Road").
    if line_start >= 2:
        above = text[text.rfind("\n", 0, line_start - 1) + 1: line_start - 1]
        return bool(above.strip()) and len(above) <= 60 and not re.search(r"[.?!]\s*$", above) and _names_public_body(above)
    return False


def find_streets(text: str) -> list[tuple[int, int]]:
    """Spans of numbered street addresses, each run on to a postcode later on its line.

    The premises of a public body named just before ("Brackenford Borough
    Council, 2 Guild Street") are public and left out.
    """
    spans = []
    for m in _STREET_LOWER.finditer(text):
        if not _COURTS.search(m.group(0)):
            spans.append((m.start(), m.end()))
    for m in _STREET.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        if not _street_ok(m, text) or public_premises_before(text, m.start()):
            continue
        end = m.end()
        t = _TAIL.match(text, end)
        if t:
            pc = _POSTCODE.match(text, t.end())
            if pc and _postcode_ok(pc, text):
                end = pc.end()
                if text[t.end() - 1: t.end()] == "(" and text[end: end + 1] == ")":
                    end += 1
        spans.append((m.start(), end))
    return spans


_HOUSE_TOKEN = re.compile(r"(?:No\.?)?\d{1,3}[A-Za-z]?(?:[-–,/&]\d{1,3}[A-Za-z]?)*,?")
_UNIT_TOKEN = re.compile(r"(?i:flat|apartment|apt|unit|suite|no|number)\.?")


def find_numbered_runs(text: str) -> list[tuple[int, int]]:
    """Spans from a house number to the postcode that ends its run of names on the line.

    "37 Ridgeway, Upper Fenwick, BK6 1PQ" and "21 Marsh End, BK7 3RW"
    name no street word but are postal addresses all the same. The run is read
    back from the postcode over capitalised names, numbers and commas; a
    lower-case word or a sentence's end stops it, so a road named in a question
    without a number stays.
    """
    spans = []
    for a, b in find_postcodes(text):
        line_start = text.rfind("\n", 0, a) + 1
        if not text[line_start:a].strip() and line_start > 1 and text[:line_start - 1].rstrip(" \t").endswith(","):
            # "37 Ridgeway, Upper Fenwick," / "BK6 1PQ": the postcode wrapped onto the next line.
            line_start = text.rfind("\n", 0, line_start - 1) + 1
        toks = list(re.finditer(r"\S+", text[line_start:a]))
        start = None
        for k in range(len(toks) - 1, max(-1, len(toks) - 13), -1):
            raw = toks[k].group(0)
            opened = raw.startswith("(")
            tok = raw.lstrip("(").rstrip(",")
            if not tok:
                break  # a lone "(" or "," before the postcode: nothing more to read
            if _HOUSE_TOKEN.fullmatch(tok):
                prev = toks[k - 1].group(0).rstrip(",") if k else ""
                if re.fullmatch(r"(?i)box|p\.?o\.?", prev):
                    break
                label = (
                    prev[:1].isupper()
                    and not prev.endswith(":")  # "Property: 17 ...", "Address: 5 ..."
                    and not _UNIT_TOKEN.fullmatch(prev)
                    and prev.lower().strip(".") not in _CAP_CUES
                )
                if not label or _HOUSE_TOKEN.fullmatch(prev):
                    # "Route 9 Academy", "Floor 6": a label's number, not a house's.
                    start = toks[k].start() + (1 if opened else 0)
                    if prev and _UNIT_TOKEN.fullmatch(prev):
                        start = toks[k - 1].start()
                if opened:
                    break
                continue
            if tok.lower() in _SMALL or tok in ("-", "–", "|", "/"):
                continue
            if not tok[0].isupper() or re.search(r"[.;:!?)]$", tok) and not re.fullmatch(r"St\.|Rd\.|Ave\.", tok):
                break
            if opened:
                break
        if start is not None and not public_premises_before(text, line_start + start):
            end = b + (1 if text[b:b + 1] == ")" and "(" in text[line_start + start:a] else 0)
            spans.append((line_start + start, end))
    return spans


# -- address blocks ----------------------------------------------------------------------------

#: A line naming an organisation (a public body, or a company, team or group) is not part of a postal address.
_ORG_WORDS = re.compile(
    rf"\b(?:{_PUBLIC_WORDS}|ltd|limited|plc|llp|office|services?|team|unit|society|association|church|group|"
    r"partnership|company|agency|board|directorate|regulator|tribunal|committee)\b",
    re.I,
)
_BLOCK_STOP = re.compile(r"^(?:dear|hi|hello|yours|kind|best|regards|many thanks|thank|sincerely|re\b|subject|date|ref|tel|fax|e-?mail|phone|mobile|web|www)", re.I)
_DATE_WORDS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[ \t]+(?:19|20)\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", re.I
)


def _address_like_line(line: str) -> bool:
    """A short line that may be part of a postal address (house name, street, town, county)."""
    s = line.strip().rstrip(",")
    if not s or len(s) > 45 or "[" in s or "@" in s or "://" in s or s.startswith("www."):
        return False
    if re.search(r"[?!;]$|:", s) or _BLOCK_STOP.match(s) or _DATE_WORDS.search(s):
        return False
    if any(_body_word(s, m) for m in _ORG_WORDS.finditer(s)):
        return False
    if re.match(r"^(?:[-•*·]|\(?\d{1,2}[.)]\s)", s):
        return False  # a list item
    words = re.findall(r"[A-Za-z][A-Za-z'’.-]*", s)
    if not words or len(words) > 6:
        return False
    caps = sum(1 for w in words if w[0].isupper() or w.lower() in _SMALL)
    return caps == len(words)


def _postcode_line(line: str) -> tuple[int, int] | None:
    """The postcode of a line that holds a postcode and at most a town or county ("Brackenford BK1 2AB")."""
    spans = find_postcodes(line)
    if len(spans) != 1 or "(" in line:
        return None  # "Mill Lane (BK3 4DE)" annotates a place in a list; it is no address block
    a, b = spans[0]
    rest = (line[:a] + " " + line[b:]).strip(" \t,.")
    if rest and not _address_like_line(rest):
        return None
    if rest and (len(rest.split()) > 3 or re.search(r"\d", rest)):
        return None  # "BK7 3RW  Ref 98765": more than a town beside the postcode
    return a, b


def find_blocks(lines: list[str]) -> tuple[list[tuple[int, int]], set[int]]:
    """Address blocks ending in a postcode line, and lines of a public body's address.

    Returns:
        ``([(first, last), ...], kept)``: line ranges of address blocks, and the
        indexes of postcode lines under a public body's name ("Brackenford
        Borough Council / Town Hall / Brackenford BK1 1TH"), which stay.
    """
    out: list[tuple[int, int]] = []
    kept: set[int] = set()
    for i, line in enumerate(lines):
        if _postcode_line(line) is None:
            continue
        j = i
        streets = 0
        while j - 1 >= 0 and i - (j - 1) <= 5 and (out == [] or j - 1 > out[-1][1]) and _address_like_line(lines[j - 1]):
            # One address names one street (two with a building's own); a run of
            # street names is a list of places asked about.
            streets += bool(_STREET_WORD.search(lines[j - 1]))
            if streets > 2:
                break
            j -= 1
        above = lines[j - 1] if j - 1 >= 0 else ""
        if above.strip() and _names_public_body(above) and len(above) <= 60 and not re.search(r"[.?!]\s*$", above):
            kept.update(range(j, i + 1))
        elif j < i:
            out.append((j, i))
    return out, kept


# -- a reply letter's recipient block -------------------------------------------------------

_RECIPIENT_CUE = re.compile(
    r"^(?:\[name\]|(?:mr|mrs|ms|miss|mx|dr)\.?[ \t]+\S.{0,38}|private (?:and|&) confidential|addressee only|"
    r"strictly private(?: (?:and|&) confidential)?)[ \t,]*$",
    re.I,
)
_SALUTATION = re.compile(r"^\s*dear\b", re.I)


def recipient_block(lines: list[str]) -> tuple[int, int] | None:
    """Lines ``[first, last]`` of the recipient's address above a letter's salutation.

    The block must follow the addressee's name ("[name]", "Mr J Smith") or a
    "Private and Confidential" line and hold a postcode or a numbered street;
    the authority's own letterhead does not start that way (and names itself:
    "Council", "Police Headquarters"), so it stays.
    """
    sal = next((i for i, l in enumerate(lines[:80]) if _SALUTATION.match(l)), None)
    if sal is None:
        return None
    for c in range(sal):
        if not _RECIPIENT_CUE.match(lines[c].strip()):
            continue
        k = c + 1
        while k < sal and (lines[k].strip() and (_address_like_line(lines[k]) or _postcode_line(lines[k]))):
            k += 1
        block = lines[c + 1:k]
        text = "\n".join(block)
        if block and (find_postcodes(text) or find_streets(text)):
            return c + 1, k - 1
    return None


# -- redaction ------------------------------------------------------------------------------------


def _replace_spans(text: str, spans: list[tuple[int, int, str]], counts: Counter, learnt: set[tuple[str, str]]) -> str:
    out, pos = [], 0
    for a, b, kind in sorted(spans):
        if a < pos:
            continue
        value = text[a:b]
        learnt.add((kind, value))
        out.append(text[pos:a])
        out.append(f"[{kind}]")
        counts[kind] += 1
        pos = b
    out.append(text[pos:])
    return "".join(out)


def redact_addresses(text: str, counts: Counter, learnt: set[tuple[str, str]]) -> str:
    """Replace address blocks, numbered streets and postcodes in requester-written text.

    Args:
        text: Text the requester wrote (own words of a request, a title).
        counts: Updated with ``address`` and ``postcode`` counts.
        learnt: Collects ``(kind, value)`` pairs so other texts can be cleaned too.
    """
    if not text or not re.search(r"\d", text):
        return text
    lines = text.split("\n")
    blocks, kept = find_blocks(lines)
    # Lines of a public body's address are set aside while the rest is read.
    held: dict[str, str] = {}
    for k in kept:
        key = f"\x00{len(held)}\x00"
        held[key] = lines[k]
        lines[k] = key
    for first, last in reversed(blocks):
        for value in lines[first:last + 1]:
            _learn_parts(value, learnt)
        lines[first:last + 1] = ["[address]"]
        counts["address"] += 1
    text = "\n".join(lines)
    spans = [(a, b, "address") for a, b in find_streets(text) + find_numbered_runs(text)]
    text = _replace_spans(text, spans, counts, learnt)
    spans = [(a, b, "postcode") for a, b in find_postcodes(text) if not public_premises_before(text, a)]
    text = _replace_spans(text, spans, counts, learnt)
    for key, value in held.items():
        text = text.replace(key, value)
    return text


def _learn_parts(value: str, learnt: set[tuple[str, str]]) -> None:
    for a, b in find_streets(value):
        learnt.add(("address", value[a:b]))
    for a, b in find_postcodes(value):
        learnt.add(("postcode", value[a:b]))


def redact_recipient_block(text: str, counts: Counter, learnt: set[tuple[str, str]]) -> str:
    """Replace the recipient's address block above a reply letter's salutation."""
    if not text or not re.search(r"(?im)^\s*dear\b", text[:6000]):
        return text
    lines = text.split("\n")
    found = recipient_block(lines)
    if found is None:
        return text
    first, last = found
    for value in lines[first:last + 1]:
        _learn_parts(value, learnt)
    lines[first:last + 1] = ["[address]"]
    counts["address"] += 1
    return "\n".join(lines)


def learnt_patterns(learnt: set[tuple[str, str]]) -> list[tuple[re.Pattern, str]]:
    """Patterns for addresses and postcodes already found, to remove them wherever the document repeats them."""
    pats: list[tuple[re.Pattern, str]] = []
    values: dict[str, str] = {}
    for kind, value in learnt:
        if kind == "postcode":
            compact = re.sub(r"\s+", "", value).upper()
            values.setdefault(compact, "postcode")
        else:
            # The street itself ("12 Acacia Road", "37 Ridgeway, Upper Fenwick"); the
            # postcode is learnt on its own, so either is found wherever it is repeated.
            m = _STREET.match(value) or _STREET_LOWER.match(value)
            street = m.group(0) if m else value
            for a, b in reversed(find_postcodes(value)):
                compact = re.sub(r"\s+", "", value[a:b]).upper()
                values.setdefault(compact, "postcode")
                street = street[:a] + street[b:] if not m else street
            street = " ".join(street.replace("(", " ").replace(")", " ").split()).strip(" ,")
            if re.search(r"[A-Za-z]{3}", street):
                values[street] = "address"
                first = street.split(",")[0].strip()
                if first != street and re.fullmatch(r"\d{1,3}[A-Za-z]?\s+[A-Za-z].*[A-Za-z]{3}.*", first):
                    values[first] = "address"  # "37 Ridgeway" repeated without its town
                unit = re.match(r"(?i:flat|apartment|apt|unit|suite)\.?\s*\d{1,4}[A-Za-z]?,?\s+(\d{1,3}[A-Za-z]?\s+[A-Za-z].*)", street)
                if unit:
                    values[unit.group(1)] = "address"  # "19 Orchard Terrace" repeated without "Flat 4"
    for value, kind in sorted(values.items(), key=lambda kv: -len(kv[0])):
        if kind == "postcode":
            body = re.escape(value[:-3]) + r"(?:[ \t]?|[ \t]*\n[ \t]*)" + re.escape(value[-3:])
            pats.append((re.compile(rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])", re.I), kind))
        else:
            body = r"[\s,]+".join(re.escape(w.strip(",")) for w in value.split() if w.strip(","))
            pats.append((re.compile(rf"(?<![\w]){body}(?![\w])", re.I), kind))
    return pats


def redact_learnt(text: str, patterns: list[tuple[re.Pattern, str]], counts: Counter) -> str:
    """Replace addresses learnt from the requester's own text wherever they are repeated."""
    if not text or not patterns:
        return text
    for pat, kind in patterns:
        text, n = pat.subn(f"[{kind}]", text)
        if n:
            counts[kind] += n
    return text
