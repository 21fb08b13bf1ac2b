"""Domain records: what foi-search knows about one published FOI response.

These dataclasses are the contract between the parsers (``ingest``), the store
and the search services. They hold plain data only, so they serialise to JSON
with :func:`dataclasses.asdict` and are cheap to import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The closed set of final outcomes (definitions in docs/extraction.md).
OUTCOMES = (
    "disclosed_full",
    "disclosed_partial",
    "refused",
    "not_held",
    "ncnd",
    "no_substantive_response",
    "withdrawn",
    "other",
)

#: Outcomes that mean some information was released.
RELEASED_OUTCOMES = ("disclosed_full", "disclosed_partial")

#: Regimes a response can be made under.
LAWS = ("FOIA", "EIR", "FOISA", "both", "unclear")

#: Kinds of document held in the store.
DOC_KINDS = ("response", "tribunal_decision", "ico_decision", "log_entry")

#: ``Document.meta`` key for when the source last changed its copy of a document
#: (an ISO timestamp). Two saved copies of one document (same source and key)
#: are then ordered: the store keeps the later, whichever is read last.
SOURCE_UPDATED_AT = "source_updated_at"

#: Kinds that are records about a decision with no response text (ICO notice
#: metadata): kept out of result lists unless a kind filter asks for them.
METADATA_ONLY_KINDS = ("ico_decision",)

#: Passage roles never embedded nor shown as a result's passage: the same text
#: in every response (signatures, complaint rights, "we received your request").
UNSHOWN_ROLES = ("boilerplate", "complaint_rights", "acknowledgement")

#: Roles a passage can play; precedent search returns ``exemption_reasoning``,
#: ``public_interest`` and ``harm`` passages tied to an exemption code.
PASSAGE_ROLES = (
    "request",
    "decision",
    "exemption_reasoning",
    "public_interest",
    "harm",
    "advice",
    "disclosure",
    "boilerplate",
    "complaint_rights",
    "acknowledgement",
    "correspondence",
    "ruling",
    "other",
)

#: Kinds of message in a correspondence thread.
MESSAGE_KINDS = (
    "request",
    "acknowledgement",
    "chaser",
    "clarification",
    "extension",
    "substantive",
    "internal_review_request",
    "internal_review_response",
    "withdrawal",
    "other",
)

#: What a Tribunal decided on a ground in dispute: the exemption applies, does not, or applies to part.
RULING_STATUSES = ("upheld", "not_upheld", "partly")
#: Status of one exemption citation (rulings are the statuses of grounds in a Tribunal decision).
CITATION_STATUSES = ("applied", "mentioned", "superseded") + RULING_STATUSES


@dataclass
class Message:
    """One message of a request thread (or the single letter of a response).

    Attributes:
        direction: ``outgoing`` (from the requester) or ``incoming`` (from the
            authority), as WhatDoTheyKnow names them.
        text: Plain text, requester personal data already redacted.
        sent_at: ISO 8601 date or timestamp, when known.
        kind: One of :data:`MESSAGE_KINDS`, set by extraction.
        message_id: Identifier in the source, when it has one.
    """

    direction: str
    text: str
    sent_at: str | None = None
    kind: str | None = None
    message_id: str | None = None


@dataclass
class ExemptionCitation:
    """An exemption or exception cited in a response.

    Attributes:
        code: Canonical code from :mod:`foi_search.core.exemptions` (``s40(2)``).
        detail: The most specific provision as written (``s40(2)&(3)``).
        status: ``applied``, ``mentioned`` or ``superseded``.
        reasoning: The authority's reasoning for it, when found.
    """

    code: str
    detail: str | None = None
    status: str = "applied"
    reasoning: str | None = None


#: How one question of a request was answered (see ``ingest/extract/answers.py``).
ANSWER_STATUSES = (
    "answered",
    "answered_in_attachment",
    "partly",
    "not_held",
    "refused",
    "signposted",
    "not_answered",
)


@dataclass
class QuestionAnswer:
    """How one question of the request was answered.

    Attributes:
        seq: Question number from 0 (question 0 is the whole request when it has no numbered questions).
        status: One of :data:`ANSWER_STATUSES`.
        grounds: Exemption codes applied to this question (``ncnd`` for neither confirm nor deny).
        evidence: The sentences that show the status.
    """

    seq: int
    status: str
    grounds: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


@dataclass
class Passage:
    """A paragraph-sized piece of text with the role it plays.

    Attributes:
        text: The passage text.
        role: One of :data:`PASSAGE_ROLES`.
        exemption: Canonical exemption code the passage argues, if any.
        seq: Position in the document.
    """

    text: str
    role: str = "other"
    exemption: str | None = None
    seq: int = 0


@dataclass
class Attachment:
    """A file published with a response (spreadsheet, PDF letter...)."""

    name: str
    url: str | None = None
    content_type: str | None = None
    text: str | None = None
    size: int | None = None


@dataclass
class Document:
    """One published response, request thread, or ruling.

    ``source`` + ``source_key`` identify a document across re-ingests: ingesting
    the same item twice replaces it rather than adding a copy.

    Attributes:
        source: Where it came from (``wdtk``, ``mps``, ``tribunal``...).
        source_key: Stable key within the source (a WhatDoTheyKnow slug, an
            MPS reference, a file stem).
        kind: One of :data:`DOC_KINDS`.
        title: Title as published.
        authority: Name of the public authority that answered.
        url: Canonical public URL, when known.
        path: Local file it was read from, when ingested from disk.
        references: The authority's reference numbers as written.
        law: One of :data:`LAWS`.
        request_date: ISO date the request was made.
        response_date: ISO date of the final substantive response.
        outcome: One of :data:`OUTCOMES`.
        ncnd: Whether the authority neither confirmed nor denied.
        public_interest_test: Whether a public interest test was carried out.
        s16_advice: Whether advice and assistance was offered.
        questions: The numbered questions of the request.
        messages: The correspondence, in order.
        exemptions: Every exemption citation found.
        passages: Paragraphs with roles, what precedent search returns.
        attachments: Files published with the response.
        redactions: Counts of personal data removed, by kind (never values).
        meta: Source-specific extras (tribunal parties, appeal outcome...).
        answers: How each question was answered; the outcome is derived from them.
    """

    source: str
    source_key: str
    kind: str = "response"
    title: str = ""
    authority: str | None = None
    url: str | None = None
    path: str | None = None
    references: list[str] = field(default_factory=list)
    law: str = "unclear"
    request_date: str | None = None
    response_date: str | None = None
    outcome: str = "other"
    ncnd: bool = False
    public_interest_test: bool = False
    s16_advice: bool = False
    questions: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    exemptions: list[ExemptionCitation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    redactions: dict[str, int] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    answers: list[QuestionAnswer] = field(default_factory=list)

    @property
    def applied_exemptions(self) -> list[str]:
        """Canonical codes of exemptions applied and not later dropped, in order."""
        seen: list[str] = []
        for c in self.exemptions:
            if c.status == "applied" and c.code not in seen:
                seen.append(c.code)
        return seen

    @property
    def ruled_exemptions(self) -> list[str]:
        """Canonical codes a Tribunal ruled on (upheld, not upheld or partly), in order."""
        seen: list[str] = []
        for c in self.exemptions:
            if c.status in RULING_STATUSES and c.code not in seen:
                seen.append(c.code)
        return seen

    @property
    def text(self) -> str:
        """All message text joined, the document's full body."""
        return "\n\n".join(m.text for m in self.messages if m.text)
