"""Extraction: read a parsed document the way an FOI officer would.

:func:`enrich` takes a parser's :class:`~foi_search.core.domain.Document` (raw
messages and metadata) and fills in what an FOI officer reads off it: the
kind of each message, the numbered questions, the authority's references, the
regime it used, every exemption with its status (applied / mentioned /
superseded), the final outcome, NCND / public interest test / s16 flags, and
the passages precedent search returns. Personal data of the requester is
redacted first, so nothing stored carries it.

Modules: :mod:`.redact` (names, e-mails, phones), :mod:`.text` (quoted-mail
stripping, paragraphs), :mod:`.analysis` (per-paragraph reading),
:mod:`.messages` (message kinds), :mod:`.exemptions` (citation detection),
:mod:`.outcome` (thread-level decision), :mod:`.law`, :mod:`.references`,
:mod:`.questions`, :mod:`.passages`, :mod:`.rulings` (tribunal decisions) and
:mod:`.logs` (FOI logs and ICO decision metadata).

Everything is regular expressions over paragraphs, so a whole corpus extracts
in seconds; long tribunal texts are read paragraph by paragraph once.
"""

from __future__ import annotations

from foi_search.core.domain import Document

from .analysis import analyse_message, request_echo
from .law import decide_law, law_signals
from .messages import classify_messages
from .outcome import read_outcome
from .passages import build_passages
from .questions import extract_questions
from .redact import redact_document
from .references import document_references

__all__ = ["enrich"]


def enrich(doc: Document) -> Document:
    """Fill in outcome, exemptions, questions, passages and flags from the messages.

    Args:
        doc: A parser's output. Fields a parser already set from structured
            metadata (references, law for logs...) are kept and extended.

    Returns:
        The same document, redacted and enriched.
    """
    # Redaction runs first and outside the safety net: a document whose
    # personal data cannot be removed must fail rather than be stored.
    redact_document(doc)
    try:
        if doc.kind == "tribunal_decision":
            from .rulings import enrich_ruling

            return enrich_ruling(doc)
        if doc.kind in ("log_entry", "ico_decision"):
            from .logs import enrich_log_entry

            return enrich_log_entry(doc)
        return enrich_response(doc)
    except Exception as e:  # noqa: BLE001 - keep the document, record why it is unread
        doc.meta["extraction_error"] = f"{type(e).__name__}: {e}"[:500]
        return doc


def enrich_response(doc: Document) -> Document:
    """Extraction for a response: a request thread or a single reply letter."""
    echo = request_echo(doc)
    hint = doc.law if doc.law in ("FOIA", "EIR") else "FOIA"
    facts = [analyse_message(i, m.direction, m.text, echo[i], hint) for i, m in enumerate(doc.messages)]
    classify_messages(facts)
    for m, f in zip(doc.messages, facts):
        m.kind = f.kind
    _place_document_attachments(doc, facts)
    reading = read_outcome(facts, [m.sent_at for m in doc.messages])
    doc.exemptions = reading.exemptions
    doc.outcome = reading.outcome
    doc.ncnd = reading.ncnd
    doc.public_interest_test = reading.public_interest_test
    doc.s16_advice = reading.s16_advice
    if reading.response_date and not doc.response_date:
        doc.response_date = reading.response_date
    explicit_applied = sorted(
        {c.code for f in facts for p in f.paras for c in p.citations if c.status == "applied" and c.explicit}
        & {e.code for e in reading.exemptions if e.status == "applied"}
    )
    wdtk_law = doc.law
    doc.law = decide_law(law_signals(facts, explicit_applied), fallback=wdtk_law)
    if wdtk_law != doc.law:
        doc.meta.setdefault("law_requested", wdtk_law)
    doc.references = document_references(doc)
    if not doc.questions:
        request = next((m for m, f in zip(doc.messages, facts) if f.kind == "request"), None)
        if request is not None:
            doc.questions = extract_questions(request.text)
        elif doc.messages:
            doc.questions = extract_questions(doc.messages[0].text)
    doc.passages = build_passages(facts)
    doc.meta["part_not_held"] = reading.part_not_held
    _answer_questions(doc, facts, reading.outcome)
    return doc


def _place_document_attachments(doc: Document, facts: list) -> None:
    """Give the files a page lists for the whole thread to its last deciding reply.

    Saved request pages list attachments apart from the messages; the reply
    letter among them often names its decision ("Response not held.pdf"), which
    the e-mail that carries it only points to ("please find attached our response").
    """
    from .analysis import Para, response_file_decision

    if not doc.attachments or any(f.attachments for f in facts):
        return
    deciding = [f for f in facts if f.direction == "incoming" and f.kind in ("substantive", "internal_review_response")]
    if not deciding:
        return
    last = deciding[-1]
    last.attachments = [a.name for a in doc.attachments if a.name]
    for name in last.attachments:
        decided = response_file_decision(name)
        if decided:
            last.paras.append(Para(name, "attachment", decided))


def _answer_questions(doc: Document, facts: list, outcome: str) -> None:
    """Give each question its status, in agreement with the document outcome.

    The per-question reading places each paragraph under the question it
    answers; :func:`.answers.reconcile` then makes the statuses add up to the
    whole-document reading (which weighs what no single question shows), so
    :func:`.answers.derive_outcome` over the statuses gives the stored outcome.
    """
    from .answers import derive_outcome, read_answers, reconcile

    applied = doc.applied_exemptions
    answers = reconcile(read_answers(facts, doc.questions, set(applied)), outcome, applied)
    doc.answers = answers
    doc.outcome = derive_outcome(answers) or outcome
