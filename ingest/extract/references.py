"""The authority's reference numbers, as written ("FOI / 1598527", "01.FOI.22.023320").

References are recognised by their prefix (FOI, EIR, IR, FOIA, EIR/FOI; also
"FOI 24/0311", "FOI 000512/24" and an authority's letters before it,
"EDC/FOI/2024/118") or by a police disclosure-log shape
(``01.FOI.22.023320``), in every message of the thread, its attachment names
and the quoted e-mail headers, since authorities often put them only in the
subject line. A bare number ("Reference: 1596") is
too ambiguous to keep, and WhatDoTheyKnow's own "[FOI #123 email]" placeholders
are not the authority's.
"""

from __future__ import annotations

import re

from foi_search.core.domain import Document

_PREFIXED = re.compile(
    r"(?<![\w#\[./-])(?P<ref>(?:FOIA?|EIR|IR|RFI)(?:\s*/\s*EIR)?(?:\s+ID)?\s*(?:[/:–-]\s*|\s+|(?=\d))"
    r"(?:(?:19|20)\d\d(?:[\s/-]+\d{2,4})?[\s/-]+\d{2,6}|\d{2}[/-]\d{3,6}|\d{3,8}(?:/\d{2}(?!\d))?))(?![\w/-]*\d)(?!\s*email\])",
    re.I,
)
# An authority's own prefix before the regime: "EDC/FOI/2024/118", "ABC/EIR/24/0067".
_AUTHORITY_PREFIXED = re.compile(r"(?<![\w/])[A-Z]{2,6}/(?:FOI|EIR|IR)/\d{2,4}/\d{2,6}\b")
_POLICE = re.compile(r"\b\d{2,3}\.FOI\.\d{2}\.\d{3,7}\b", re.I)
_PLACEHOLDER = re.compile(r"\[(?:FOI|EIR) #\d+ email\]", re.I)


def _clean(ref: str) -> str:
    return " ".join(ref.split())


def find_references(texts: list[str]) -> list[str]:
    """References in the given texts, as written, first occurrence first."""
    out: list[str] = []
    seen: set[str] = set()
    for text in texts:
        if not text:
            continue
        text = _PLACEHOLDER.sub(" ", text)
        hits = [(m.start(), m.group(0)) for m in _POLICE.finditer(text)]
        hits += [(m.start(), m.group("ref")) for m in _PREFIXED.finditer(text)]
        hits += [(m.start(), m.group(0)) for m in _AUTHORITY_PREFIXED.finditer(text)]
        for _, ref in sorted(hits):
            ref = _clean(ref).rstrip(".-/ ")
            if re.fullmatch(r"(?i)(?:FOIA?|EIR|IR)\s*[/:–-]?\s*(?:19|20)\d\d", ref):
                continue  # "FOI 2000" is the Act, not a reference
            if ref not in seen:
                seen.add(ref)
                out.append(ref)
    return out


def document_references(doc: Document) -> list[str]:
    """All reference numbers of a document: known ones first, then found ones."""
    texts = [doc.title or ""]
    for m in doc.messages:
        texts.append(m.text)
    for a in doc.attachments:
        texts.append(a.name)
    found = find_references(texts)
    out = list(doc.references)
    # "FOI 079" found in the text is the "21 FOI 079" the letterhead already gave.
    known = {_key(r) for r in out}
    for r in found:
        k = _key(r)
        if not any(k in other for other in known):
            out.append(r)
            known.add(k)
    return out


def _key(ref: str) -> str:
    return re.sub(r"[^a-z0-9]", "", ref.lower())
