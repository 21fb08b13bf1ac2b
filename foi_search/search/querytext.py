"""Turning free text into safe keyword queries and clean texts to embed.

Everything here is pure string work (no database, no model), shared by the
search, precedent and document-view modules.
"""

from __future__ import annotations

import re

# FTS5 query syntax belongs to the SQLite store; re-exported for callers that built queries here.
from foi_search.store.sqlite import fts_query  # noqa: F401

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


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    """Word n-grams of ``text`` (lower-cased), for near-duplicate detection."""
    words = [w.lower() for w in _WORD.findall(text or "")]
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


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
