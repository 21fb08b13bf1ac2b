"""Text helpers shared by every layer: folding for hashes, cleaning a request for embedding."""

from __future__ import annotations

import hashlib
import re

_SALUTATION = re.compile(r"^\s*(dear|hello|hi|good (morning|afternoon))\b[^\n]*\n", re.I)
_SIGN_OFF = re.compile(
    r"\n\s*(yours (faithfully|sincerely|truly)|kind regards|best regards|regards|many thanks|thank you|best wishes)\b.*",
    re.I | re.S,
)
# Quoted earlier e-mails appended below a message.
_QUOTED = re.compile(r"\n\s*(-{2,}\s*original message|on .{5,80} wrote:|from:\s.{3,120}\n\s*sent:).*", re.I | re.S)


def fold_text(text: str) -> str:
    """Text with case and runs of whitespace folded: what an uncased model reads."""
    return " ".join(text.split()).lower()


def text_hash(text: str) -> str:
    """Stable hash of a passage's folded text (:func:`fold_text`)."""
    return hashlib.sha1(fold_text(text).encode("utf-8")).hexdigest()


def clean_request(text: str | None) -> str:
    """A request message without salutation, sign-off and quoted earlier e-mails."""
    t = text or ""
    t = _QUOTED.sub("", t)
    t = _SALUTATION.sub("", t, count=1)
    t = _SIGN_OFF.sub("", t)
    return t.strip()


def slug(name: str) -> str:
    """A lower-case, hyphen-joined form of ``name`` ("Sheffield City Council" -> ``sheffield-city-council``)."""
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())
