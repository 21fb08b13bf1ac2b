"""Turning free text into safe keyword queries and clean texts to embed.

Everything here is pure string work (no database, no model), shared by the
search, precedent and document-view modules.
"""

from __future__ import annotations

import re

#: Words that carry no topic in an FOI request. Besides English function words
#: this holds the vocabulary of asking itself ("please provide", "information",
#: "request") and of the "was it already released?" framing, which would
#: otherwise match every thread in the store.
STOPWORDS = frozenset(
    """
    a an and are as at be been being by can could did do does for from had has have how i if in into is it its
    me my of on or our please provide send that the their them there these this those to was we were what when where
    which who why will with would you your any all also each per since last over under than about between so such not
    no yes many much number numbers information request requests requested details copy copies already anyone anybody
    previously ever before released published disclosed obtained give tell know like want wish whether dear yours
    faithfully sincerely regards thank thanks foi
    """.split()
)

#: Queries asking what the Tribunal ruled ("how did the Tribunal rule on…",
#: "Tribunal decisions on…", "did the Tribunal order…") want Tribunal decisions.
#: A tribunal named without a ruling ("challenged at tribunal") says nothing of the kind.
_TRIBUNAL_RULING = re.compile(
    r"\btribunals?\b\W+(?:\w+\W+){0,3}?(?:rul|decid|decision|order|upheld|uphold|accept|agree|conclu|reject|dismiss|allow|"
    r"found\b|find\b|finds\b|side[sd]?\s+with|treat)"
    r"|\b(?:rul|decision|decid)\w*\W+(?:\w+\W+){0,3}?tribunals?\b",
    re.I,
)


def wanted_kinds(text: str) -> list[str]:
    """Document kinds a query asks for in its own words (``tribunal_decision`` for "how did the Tribunal rule")."""
    return ["tribunal_decision"] if _TRIBUNAL_RULING.search(text or "") else []


#: A token that reads as a case or request reference once folded (``FER0515647``,
#: ``FS50520644``, ``EA/2014/0132``, ``01.FOI.22.023320``, a log number
#: ``4104896``): letters with five digits or more, or six digits or more alone.
#: Years and counts ("since 2015", "400 homes") are not references.
_REFERENCE = re.compile(r"^(?=.*[a-z])(?=(?:.*\d){5})[a-z0-9]{6,24}$|^\d{6,12}$")


def reference_tokens(text: str) -> list[str]:
    """References the query names, folded as ``documents.refs_norm`` holds them (``fer0515647``)."""
    out: list[str] = []
    for tok in (text or "").split():
        folded = "".join(ch for ch in tok.lower() if ch.isalnum())
        if _REFERENCE.match(folded) and folded not in out:
            out.append(folded)
    return out[:8]


_CITED_SECTION = re.compile(r"\b(?:section|sec\.|s\.?)\s*(\d{2}A?(?:\s*\(\d\))?)", re.I)
_CITED_REGULATION = re.compile(r"\b(?:regulation|reg\.?)\s*(1[23]\s*(?:\(\d\))?\s*(?:\([a-g]\))?)", re.I)
#: How people name a refusal ground in words, and its code. Counted only when the
#: query is about withholding (:data:`_WITHHOLDING`): "personal data breaches" is
#: a topic, "withheld as personal data" an exemption.
_GROUND_PHRASES = (
    ("vexatious", "s14(1)"),
    ("legal professional privilege", "s42"),
    ("legally privileged", "s42"),
    ("commercial interests", "s43"),
    ("commercially sensitive", "s43"),
    ("commercially confidential", "eir12(5)(e)"),
    ("commercial confidentiality", "eir12(5)(e)"),
    ("formulation of government policy", "s35"),
    ("formulation or development of government policy", "s35"),
    ("cost limit", "s12"),
    ("appropriate limit", "s12"),
    ("personal data", "s40(2)"),
    ("law enforcement", "s31"),
    ("national security", "s24"),
    ("health and safety", "s38"),
    ("provided in confidence", "s41"),
    ("conduct of public affairs", "s36"),
    ("future publication", "s22"),
    ("manifestly unreasonable", "eir12(4)(b)"),
)
_WITHHOLDING = re.compile(
    r"\b(withh(eld|old\w*)|exempt\w*|refus\w+|tribunal|rul(ing|ed|e)|upheld|uphold|appeal\w*|decision notices?|"
    r"applied|citing|relied)\b",
    re.I,
)


def named_exemptions(text: str) -> list[str]:
    """Canonical codes of the refusal grounds a query asks about ("section 35", "regulation 12(5)(e)", "vexatious")."""
    from foi_search.core.exemptions import canonical_code

    text = text or ""
    out: list[str] = []
    for rx, law in ((_CITED_SECTION, "FOIA"), (_CITED_REGULATION, "EIR")):
        for m in rx.finditer(text):
            code = canonical_code(m.group(1).replace(" ", ""), law)
            if code and code not in out:
                out.append(code)
    if _WITHHOLDING.search(text):
        low = text.lower()
        out += [code for phrase, code in _GROUND_PHRASES if phrase in low and code not in out]
    return out


#: At most this many distinct terms go into one keyword query (a 10 KB paste
#: would otherwise make a query of thousands of ORs).
MAX_TERMS = 48

_WORD = re.compile(r"\w+", re.UNICODE)

# Framing that asks "has this been released?" rather than saying what is wanted.
_FRAMES = [
    re.compile(p, re.I)
    for p in (
        r"^\s*before i (send|submit|make) (a|my|this) (new )?(foi )?request\s*[:,\-–]?\s*",
        r"\b(has|have|had|did|was|were|is|are)\s+(anyone|anybody|someone|the council|the authority|they|it|there)\s+"
        r"(already\s+|previously\s+|ever\s+|before\s+)*(been\s+)?(asked|requested|obtained|received|published|released|"
        r"disclosed|said|handed over|given|provided|made public)\s+(for\s+|about\s+|on\s+|whether\s+)?",
        r"\b(has|have|had|was|were|is|are)\s+(already\s+|previously\s+|ever\s+)*(been\s+)?"
        r"(published|released|disclosed|made public|obtained)\b",
        r"\b(already|previously|ever|before)\s+(been\s+)?(published|released|disclosed|obtained|handed over|asked|requested)\b",
        r"\b(through|in|via|under|by|with|from)\s+(an?\s+)?(earlier|previous|past|prior|existing)\s+(foi\s+)?"
        r"(request|response|answer|disclosure)s?\b",
        r"\bis there (already )?(a|an) (published |previous |earlier |existing )?(answer|response|disclosure|release)\s+"
        r"(on|about|to|for)\s+",
        r"\b(been\s+)?(released|disclosed|published)\s+before\b",
        r"\bever\s+(been\s+)?(released|disclosed|published|handed over)\b",
    )
]

def query_terms(text: str, *, limit: int = MAX_TERMS) -> list[str]:
    """Distinct lower-cased content words of ``text``, in order of appearance.

    Only runs of letters and digits survive, so quotes, operators (AND, OR,
    NOT, NEAR), brackets, ``*``, ``-`` and ``:`` can never reach FTS5 as
    syntax; FTS5 keywords in lower case are plain words inside quotes.
    """
    seen: list[str] = []
    for tok in _WORD.findall(text or ""):
        t = tok.lower().strip("_")
        if len(t) < 2 or t in STOPWORDS or not any(c.isalnum() for c in t) or t in seen:
            continue
        seen.append(t)
        if len(seen) >= limit:
            break
    return seen


def clean_query(text: str) -> str:
    """The query without "has this already been released?" framing.

    Falls back to the text as given when cleaning would leave almost nothing.
    """
    original = " ".join((text or "").split())
    t = original
    for rx in _FRAMES:
        t = rx.sub(" ", t)
    t = re.sub(r"\s+([?.,;:])", r"\1", " ".join(t.split())).strip(" ,;:-")
    return t if len(t.split()) >= 2 else original


def query_parts(text: str) -> list[str]:
    """Sentences of a long query worth embedding on their own (four words or more)."""
    parts = [p.strip() for p in re.split(r"(?<=[.?!;:])\s+", text or "") if p.strip()]
    return [p for p in parts if len(_WORD.findall(p)) >= 4]


#: Word characters outside ASCII (``\w`` less ASCII): without one, a text's words are those of its ASCII bytes.
_NON_ASCII_WORD = re.compile(r"[^\W\x00-\x7f]")
_ASCII_NON_WORD = bytes(i for i in range(128) if not (chr(i).isalnum() or chr(i) == "_"))
#: ASCII bytes that are not word characters, and "?" (what encoding to ASCII makes of any other character), as spaces.
_SPACES_FOR_NON_WORD = bytes.maketrans(_ASCII_NON_WORD + b"?", b" " * (len(_ASCII_NON_WORD) + 1))


def lower_words(text: str) -> list[str]:
    """``[w.lower() for w in _WORD.findall(text)]``, without the regular expression where it can.

    A text whose non-ASCII characters are all punctuation or symbols (curly
    quotes, dashes, "£": most requests) is split on its ASCII bytes, 3-6 times
    faster; collapsing batches does this for the 30 best results' requests
    (~15 ms a query for 5,000-character ones).
    """
    if text.isascii() or not _NON_ASCII_WORD.search(text):
        return text.encode("ascii", "replace").translate(_SPACES_FOR_NON_WORD).decode("ascii").lower().split()
    return list(map(str.lower, _WORD.findall(text)))


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    """Word n-grams of ``text`` (lower-cased), for near-duplicate detection."""
    words = lower_words(text or "")
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def shingle_hashes(text: str) -> set[int]:
    """``{hash(s) for s in shingles(text)}`` (word trigrams), built without a Python loop."""
    words = lower_words(text or "")
    if len(words) < 3:
        return {hash(tuple(words))} if words else set()
    return set(map(hash, zip(words, words[1:], words[2:])))


def jaccard(a: set, b: set) -> float:
    """Jaccard similarity of two sets (0 when both are empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _stem(term: str) -> str:
    """A crude prefix standing in for FTS5's Porter stem ("tickets" -> "ticke")."""
    return term if len(term) <= 4 else term[: max(4, len(term) - 2)]


class TermMatcher:
    """Finds the words of a text that match query terms (or an inflection of one).

    FTS5 matches through the Porter stemmer; for highlighting and snippets a
    shared prefix (the term less its last two letters, at least four) is close
    enough, and one compiled pattern keeps it fast on long texts.
    """

    def __init__(self, terms: list[str]):
        self.terms = list(terms)
        self._stems = {t: _stem(t) for t in self.terms}
        alts = sorted({re.escape(s) for s in self._stems.values()}, key=len, reverse=True)
        self.pattern = re.compile(r"\b(?:" + "|".join(alts) + r")\w*", re.I) if alts else None

    def __call__(self, word: str) -> bool:
        return bool(self.pattern and self.pattern.fullmatch(word))

    def finditer(self, text: str):
        """Matches of query words in ``text``."""
        return self.pattern.finditer(text or "") if self.pattern else iter(())

    def matched_terms(self, text: str) -> list[str]:
        """The query terms that some word of ``text`` matches."""
        found = {m.group(0).lower() for m in self.finditer(text)}
        return [t for t in self.terms if any(w.startswith(self._stems[t]) for w in found)]


def word_matches(word: str, terms: list[str]) -> bool:
    """Whether ``word`` is one of ``terms`` or an inflection of one (see :class:`TermMatcher`)."""
    return TermMatcher(terms)(word)
