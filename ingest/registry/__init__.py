"""A registry of UK public bodies, and naming the body that wrote a letter.

``bodies.tsv`` (built by :mod:`ingest.registry.build`, sources and licences in
``NOTICE.md``) lists councils, NHS trusts, central government organisations and
universities with their aliases and e-mail / web domains.
:func:`identify_authority` reads a letter's letterhead, sender domains,
signature block and footer, and matches what they name against the registry.
Complaint-rights text ("the Information Commissioner's Office, Wycliffe
House...") and quoted lines never name the writer.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_DATA = Path(__file__).with_name("bodies.tsv")
#: An alias names a body only when it carries one of these words ("Sheffield" alone is a place).
_BODY_WORD = re.compile(
    r"\b(?:council|authority|trust|nhs|university|college|police|constabulary|department|ministry|office|agency|"
    r"commission|executive|service|board|borough|county|city|district|fire|combined)\b",
    re.I,
)
_COMPLAINT_LINE = re.compile(
    r"information commissioner|\bico\b|wycliffe house|water lane|cheshire,? sk9|ico\.org\.uk|ombudsman|tribunal|"
    r"\bsection 50\b|complain|internal review|dissatisfied|unhappy with",
    re.I,
)
_EMAIL_DOMAIN = re.compile(r"[\w.+-]+@([a-z0-9.-]+\.[a-z]{2,})|\b(?:https?://)?www\.([a-z0-9.-]+\.[a-z]{2,})", re.I)
_GENERIC_DOMAINS = {"nhs.net", "nhs.uk", "gov.uk", "gmail.com", "hotmail.com", "outlook.com", "ico.org.uk", "whatdotheyknow.com"}


#: Words a body's name ends with; an alias without one is cut short when the text goes on to one.
_HEAD_NOUNS = {"council", "trust", "university", "authority", "police", "constabulary", "college", "board",
               "department", "ministry", "office", "agency", "commission", "service", "executive"}


@dataclass(frozen=True)
class Body:
    """One registered public body."""

    kind: str
    name: str
    source: str


def _norm_words(text: str) -> list[str]:
    s = text.lower().replace("&", " and ").replace("’", "'")
    s = re.sub(r"'s\b", "s", s)
    return re.findall(r"[a-z0-9]+", s)


@functools.lru_cache(maxsize=1)
def _index() -> tuple[dict[str, list[tuple[tuple[str, ...], Body]]], dict[str, Body]]:
    """First word -> [(words of a name or alias, body)], and domain -> body."""
    by_first: dict[str, list[tuple[tuple[str, ...], Body]]] = {}
    by_domain: dict[str, Body] = {}
    lines = _DATA.read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        kind, name, aliases, domains, source = (line.split("\t") + [""] * 5)[:5]
        body = Body(kind, name, source)
        names = {name} | {a for a in aliases.split("|") if a and _BODY_WORD.search(a)}
        if name.lower().startswith("the "):
            names.add(name[4:])
        for n in names:
            words = tuple(w for w in _norm_words(n) if w != "the")
            if len(words) < 2:
                continue  # one word ("Ofsted") is matched only as a domain: too many false hits
            by_first.setdefault(words[0], []).append((words, body))
        for d in domains.split("|"):
            if d and d not in _GENERIC_DOMAINS:
                by_domain.setdefault(d, body)
    for lst in by_first.values():
        lst.sort(key=lambda t: -len(t[0]))
    return by_first, by_domain


def registry_size() -> int:
    """How many bodies the packaged registry holds."""
    return sum(1 for _ in _DATA.read_text(encoding="utf-8").splitlines()[1:])


def bodies_named(text: str) -> list[Body]:
    """Registered bodies named in ``text``, longest name first at each place, once per mention."""
    by_first, _ = _index()
    words = [w for w in _norm_words(text) if w != "the"]
    out: list[Body] = []
    i = 0
    while i < len(words):
        hit = None
        for cand, body in by_first.get(words[i], ()):
            if tuple(words[i:i + len(cand)]) == cand:
                hit = (cand, body)
                break
        if hit and hit[0][-1] not in _HEAD_NOUNS and _HEAD_NOUNS & set(words[i + len(hit[0]):i + len(hit[0]) + 6]):
            # "Bradford District" (an alias) inside "Bradford District Care NHS Foundation Trust":
            # the text names a longer body than the alias.
            hit = None
        if hit:
            out.append(hit[1])
            i += len(hit[0])
        else:
            i += 1
    return out


def body_for_domain(domain: str) -> Body | None:
    """The body owning an e-mail or web domain (or a parent of it: ``foi.x.gov.uk`` -> ``x.gov.uk``)."""
    _, by_domain = _index()
    d = domain.lower().strip(".")
    while d.count(".") >= 1:
        if d in by_domain:
            return by_domain[d]
        d = d.split(".", 1)[1]
    return None


_SUFFIX_KIND = (
    (re.compile(r"\.nhs\.(?:uk|net)$|^nhs\.net$"), ("nhs_trust",)),
    (re.compile(r"\.ac\.uk$"), ("university",)),
    (re.compile(r"\.gov\.uk$|\.gov\.scot$|\.gov\.wales$"), ("council", "central_government")),
)
_FILLER = {"and", "of", "the", "for", "upon", "on", "in"}
_GENERIC_NAME_WORDS = {"nhs", "foundation", "trust", "council", "university", "city", "county", "borough",
                       "district", "metropolitan", "and", "of", "the"}


def _initials(name: str) -> set[str]:
    """Acronyms a body's domain may use: "South London and Maudsley NHS Foundation Trust" -> slam, slamnft..."""
    words = _norm_words(name)
    core = [w for w in words if w not in ("nhs", "foundation")]
    out = set()
    for ws in (words, core):
        out.add("".join(w[0] for w in ws))
        out.add("".join(w[0] for w in ws if w not in _FILLER))
    return {i for i in out if len(i) >= 3}


@functools.lru_cache(maxsize=1)
def _by_kind() -> dict[str, list[Body]]:
    out: dict[str, list[Body]] = {}
    for line in _DATA.read_text(encoding="utf-8").splitlines()[1:]:
        kind, name, _aliases, _domains, source = (line.split("\t") + [""] * 5)[:5]
        out.setdefault(kind, []).append(Body(kind, name, source))
    return out


def body_for_sender(address: str, text: str = "") -> Body | None:
    """The body behind a sender address whose domain the registry lacks, from the domain's own words.

    NHS and council domains are often the body's acronym (``slam.nhs.uk``,
    ``foi.requests@bdct.nhs.uk``, ``rdash.foi@nhs.net``) or one word of its
    name (``berkshire.nhs.uk``). A candidate of the domain's kind whose
    acronym starts with that label, or whose name has that word, is kept; when
    several remain, the one whose other words the letter repeats wins, and a
    tie names nobody.
    """
    address = address.lower()
    local, _, domain = address.rpartition("@") if "@" in address else ("", "", address)
    kinds = next((k for rx, k in _SUFFIX_KIND if rx.search(domain)), None)
    if not kinds:
        return None
    labels = [lbl for lbl in re.split(r"[.\-_]", domain) if lbl not in ("nhs", "net", "uk", "ac", "gov", "scot", "wales", "www", "foi", "mail")]
    if domain == "nhs.net":
        labels = [lbl for lbl in re.split(r"[.\-_]", local) if lbl not in ("foi", "foia", "requests", "request", "info", "enquiries")]
    labels = [lbl for lbl in labels if len(lbl) >= 3]
    text_words = set(_norm_words(text[:20000]))
    best: list[tuple[int, Body]] = []
    for kind in kinds:
        for b in _by_kind().get(kind, []):
            words = _norm_words(b.name)
            hit = any(
                any(i.startswith(lbl) or lbl.startswith(i) and len(i) >= 4 for i in _initials(b.name)) or lbl in words
                for lbl in labels
            )
            if hit:
                distinct = [w for w in words if w not in _GENERIC_NAME_WORDS]
                best.append((sum(w in text_words for w in distinct), b))
    if not best:
        return None
    best.sort(key=lambda t: -t[0])
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return best[0][1]


def own_lines(text: str) -> list[str]:
    """The lines of a letter in its writer's own voice: not quoted (``>``), not about complaint rights.

    Complaint-rights paragraphs name the Information Commissioner's Office, and
    quoted lines are the requester's: neither ever names the writer.
    """
    return [ln for ln in text.splitlines() if not ln.lstrip().startswith(">") and not _COMPLAINT_LINE.search(ln)]


def _zones(text: str, head_lines: int, tail_lines: int) -> tuple[str, str]:
    keep = [ln for ln in own_lines(text) if ln.strip()]
    head = "\n".join(keep[:head_lines])
    tail = "\n".join(keep[-tail_lines:]) if len(keep) > head_lines else ""
    return head, tail


def identify_authority(text: str, *, head_lines: int = 20, tail_lines: int = 30) -> str | None:
    """The registered body that wrote a letter, or None when the registry has none of its names.

    Evidence, strongest first: the letterhead (first lines), the sender's
    e-mail or web domain, the signature block and footer (last lines), then
    the body of the letter. Lines about complaint rights and quoted lines are
    left out, so "the Information Commissioner's Office" never wins.
    """
    if not text:
        return None
    head, tail = _zones(text, head_lines, tail_lines)
    votes: Counter = Counter()
    for b in bodies_named(head):
        votes[b.name] += 3
    # The sender's own address may sit in the complaint paragraph ("forward your
    # complaint to foi@trust.nhs.uk"); the regulator's domains are never a sender's.
    unquoted = "\n".join(ln for ln in text[:30000].splitlines() if not ln.lstrip().startswith(">"))
    for m in _EMAIL_DOMAIN.finditer(unquoted):
        b = body_for_domain(m.group(1) or m.group(2))
        if b is None:
            b = body_for_sender(m.group(0).rstrip("."), text)
        if b:
            votes[b.name] += 3
    for b in bodies_named(tail):
        votes[b.name] += 2
    if not votes:
        for b in bodies_named("\n".join(own_lines(text[:20000]))):
            votes[b.name] += 1
    if not votes:
        return None
    # Ties go to the first named in the letter (the letterhead's order).
    best = max(votes.values())
    order = [b.name for b in bodies_named(head + "\n" + tail + "\n" + text[:20000])]
    tied = [n for n in votes if votes[n] == best]
    return min(tied, key=lambda n: order.index(n) if n in order else len(order))
