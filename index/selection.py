"""What gets a vector: the embedding policy (docs/indexing.md explains the choice).

Keyword search (FTS5) covers every word of every document; vectors cost CPU
time (~10 ms a passage on one core), so they go where semantic matching pays:

- nothing of documents made from metadata alone (:data:`SKIP_KINDS`: ICO
  decision notices, whose one passage is generated from dates and flags);
- every passage of a response, request thread or log entry, except roles that
  read the same everywhere (boilerplate, complaint rights, acknowledgements)
  and fragments of fewer than :data:`MIN_WORDS` words;
- for long documents (tribunal decisions), a budget of
  :data:`DOC_WORD_BUDGET` words per document, spent in priority order: the
  passage that sets out the original request, the one stating the result,
  then the rulings on each exemption taken in turn (the first ruling on each
  ground, then the second...), so every ground a decision discusses gets at
  least one vector before any gets two. Only the first chunk of each passage
  is taken on this pass; further chunks of long passages come after.

Passages longer than :data:`index.chunking.MAX_WORDS` are cut into chunks; a
unit of embedding is ``(content_hash, chunk)``. Identical passages share a
hash, so boilerplate repeated across hundreds of responses is embedded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from foi_search.core.domain import UNSHOWN_ROLES
from index.chunking import MAX_WORDS, chunk_text

#: Passage roles never embedded (one list for the whole project).
SKIP_ROLES = UNSHOWN_ROLES
#: Document kinds never embedded: their text is generated from metadata fields,
#: near-identical across documents, and fully served by keyword search.
SKIP_KINDS = ("ico_decision",)
#: Passages shorter than this (in words) are not embedded.
MIN_WORDS = 4
#: Per-document word budgets by document kind; kinds not listed are embedded whole.
DOC_WORD_BUDGET = {"tribunal_decision": 240}
#: In a budgeted document, passages shorter than this are headings or fragments.
MIN_WORDS_BUDGETED = 12
#: Roles spent first in a budgeted document, in this order; rulings come after.
_LEAD_ROLES = ("request", "decision")


@dataclass(frozen=True)
class PassageRow:
    """The columns of one passage the policy needs."""

    document_id: int
    kind: str
    seq: int
    role: str | None
    exemption: str | None
    content_hash: str
    text: str


@dataclass(frozen=True)
class Unit:
    """One vector to hold: chunk ``chunk`` of the passage text with ``content_hash``."""

    content_hash: str
    chunk: int


def policy_signature() -> str:
    """A short string that changes when the policy's parameters change (kept in the manifest)."""
    budgets = ",".join(f"{k}={v}" for k, v in sorted(DOC_WORD_BUDGET.items()))
    return (
        f"chunk={MAX_WORDS};min={MIN_WORDS};skip={'|'.join(SKIP_ROLES)};kinds={'|'.join(SKIP_KINDS)};"
        f"budget={budgets}"
    )


def select_units(rows: Iterable[PassageRow]) -> Iterator[Unit]:
    """The units to embed for passages given grouped by document (any order within one).

    Args:
        rows: Passages, all rows of a document together (e.g. ``order by
            document_id, seq``).

    Yields:
        Units, possibly repeated across documents (callers deduplicate).
    """
    doc: list[PassageRow] = []
    for row in rows:
        if doc and row.document_id != doc[0].document_id:
            yield from document_units(doc)
            doc = []
        doc.append(row)
    if doc:
        yield from document_units(doc)


def document_units(rows: list[PassageRow]) -> Iterator[Unit]:
    """The units of one document's passages."""
    rows = sorted(rows, key=lambda r: r.seq)
    if rows and rows[0].kind in SKIP_KINDS:
        return
    budget = DOC_WORD_BUDGET.get(rows[0].kind) if rows else None
    if budget is None:
        for r in rows:
            if (r.role or "") in SKIP_ROLES or len(r.text.split()) < MIN_WORDS:
                continue
            for k in range(len(chunk_text(r.text))):
                yield Unit(r.content_hash, k)
        return
    # First the opening chunk of each passage in priority order, then the
    # rest of long ones: coverage of distinct paragraphs comes first.
    ordered = _budget_order(rows)
    pieces = {r.content_hash: chunk_text(r.text) for r in ordered}
    candidates = [(r, 0) for r in ordered]
    candidates += [(r, k) for r in ordered for k in range(1, len(pieces[r.content_hash]))]
    spent = 0
    for r, k in candidates:
        if spent >= budget:
            return
        spent += len(pieces[r.content_hash][k].split())
        yield Unit(r.content_hash, k)


def _budget_order(rows: list[PassageRow]) -> list[PassageRow]:
    """A long document's passages in the order its word budget is spent."""
    usable = [
        r for r in rows if (r.role or "") not in SKIP_ROLES and len(r.text.split()) >= MIN_WORDS_BUDGETED
    ]
    lead = []
    for role in _LEAD_ROLES:
        lead.extend([r for r in usable if r.role == role][:1])
    rest = [r for r in usable if r not in lead]
    # Rulings grouped by the ground they argue, taken round-robin.
    groups: dict[str, list[PassageRow]] = {}
    for r in rest:
        groups.setdefault(r.exemption or "", []).append(r)
    ordered: list[PassageRow] = []
    depth = 0
    while len(ordered) < len(rest):
        for code in groups:
            if depth < len(groups[code]):
                ordered.append(groups[code][depth])
        depth += 1
    return lead + ordered
