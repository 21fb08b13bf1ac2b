"""Per-question answers, the writer of a letter, and letter styles beyond councils (fixtures in our own words)."""

from __future__ import annotations

from pathlib import Path

import pytest

from foi_search.core.domain import Document, Message
from ingest.detect import detect
from ingest.extract import enrich
from ingest.extract.answers import derive_outcome, reconcile
from ingest.parsers.letters import parse_text
from foi_search.core.domain import QuestionAnswer

STYLES = Path(__file__).parent / "fixtures" / "extract" / "styles"


def letter(name: str) -> Document:
    path = STYLES / name
    return enrich(parse_text(path.read_text(encoding="utf-8"), path=str(path)))


def by_status(doc: Document) -> list[tuple[str, list[str]]]:
    return [(a.status, a.grounds) for a in doc.answers]


def test_police_letter_answers_one_question_and_refuses_the_other():
    doc = letter("police_partial.txt")
    assert doc.authority == "Harrowdene Constabulary"  # not the ICO named in the complaint paragraph
    assert by_status(doc) == [("answered", []), ("refused", ["s40(2)"])]
    assert doc.outcome == "disclosed_partial" == derive_outcome(doc.answers)
    assert any("1,284" in e for e in doc.answers[0].evidence)


def test_university_none_employed_is_an_answer_not_not_held():
    doc = letter("university_zero.txt")
    assert doc.authority == "University of Kestrelmoor"
    statuses = [a.status for a in doc.answers]
    assert statuses[0] == "answered"
    assert statuses[1] in ("answered", "answered_in_attachment")
    assert doc.outcome == "disclosed_full"


def test_department_refusal_under_s35_with_public_interest_test():
    doc = letter("department_refused.txt")
    assert doc.authority == "Department for Rural Broadband"
    assert doc.applied_exemptions == ["s35"]
    assert doc.public_interest_test
    assert doc.outcome == "refused"
    assert all(a.status == "refused" and "s35" in a.grounds for a in doc.answers)


def test_scottish_foisa_not_held_notice():
    doc = letter("scotland_not_held.txt")
    assert doc.law == "FOISA"
    assert doc.authority == "Glenmorrow Council"
    assert doc.outcome == "not_held"
    assert {a.status for a in doc.answers} == {"not_held"}


def test_eir_body_releases_a_total_and_withholds_tender_prices():
    doc = letter("eir_partial.txt")
    assert doc.authority == "Fenmarsh Internal Drainage Board"
    assert doc.law == "EIR"
    assert doc.applied_exemptions == ["eir12(5)(e)"]
    assert doc.outcome == "disclosed_partial"
    assert derive_outcome(doc.answers) == doc.outcome


def test_plain_council_letter_with_request_reference_line_is_not_an_mps_page(tmp_path):
    path = tmp_path / "ashcombe-toilets.txt"
    path.write_bytes((STYLES / "council_plain_reference.txt").read_bytes())
    fmt, parse = detect(path, path.read_bytes())
    assert fmt == "letter"
    [doc] = parse(path.read_bytes(), path=str(path))
    assert doc.authority == "Ashcombe District Council"


def test_a_hypothetical_not_held_in_the_quoted_request_is_not_a_decision():
    doc = enrich(
        Document(
            source="test",
            source_key="q",
            messages=[
                Message("outgoing", "Dear Trust,\n\nPlease send your discharge policy.\n\nYours faithfully,\nA Requester"),
                Message(
                    "incoming",
                    "Dear Requester,\n\n2. The protocol for discharge. Please provide a document with the policy or, if there "
                    "is no document, please state what the protocol is.\n\nPlease find attached our discharge policy.\n\n"
                    "Yours sincerely,\nInformation Team",
                    sent_at="2024-05-02",
                ),
            ],
        )
    )
    assert doc.outcome == "disclosed_full"


@pytest.mark.parametrize(
    "statuses, outcome",
    [
        (["answered", "answered_in_attachment"], "disclosed_full"),
        (["answered", "not_held"], "disclosed_partial"),
        (["answered", "not_answered"], "disclosed_partial"),
        (["refused", "not_held"], "refused"),
        (["signposted", "signposted"], "refused"),
        (["not_held", "not_held"], "not_held"),
        (["not_answered"], None),
    ],
)
def test_outcome_is_derived_from_the_statuses(statuses, outcome):
    assert derive_outcome([QuestionAnswer(i, s) for i, s in enumerate(statuses)]) == outcome


@pytest.mark.parametrize("outcome", ["disclosed_full", "disclosed_partial", "refused", "not_held", "ncnd"])
@pytest.mark.parametrize("start", [["answered", "answered"], ["not_held", "refused"], ["not_answered", "partly"], ["answered"]])
def test_reconciled_statuses_always_add_up_to_the_outcome(outcome, start):
    answers = reconcile([QuestionAnswer(i, s, ["s40(2)"] if s == "refused" else []) for i, s in enumerate(start)], outcome, ["s40(2)"])
    assert derive_outcome(answers) == outcome


def test_the_letters_own_date_not_the_date_of_the_request():
    text = (
        "Brightwater Borough Council\nDate of request: 03/02/2018\nDate: 5 May 2021\n\nDear Requester,\n\n"
        "We hold no such records.\n\nYours sincerely,\nFOI Team"
    )
    assert parse_text(text, path="brightwater.txt").response_date == "2021-05-05"


@pytest.mark.parametrize(
    "file_name, outcome",
    [("Response not held.pdf", "not_held"), ("Reply - information exempt.pdf", "refused"), ("Response.pdf", "disclosed_full")],
)
def test_a_reply_letter_attached_apart_from_the_messages_decides_by_its_name(file_name, outcome):
    from foi_search.core.domain import Attachment

    doc = enrich(
        Document(
            source="test",
            source_key="att",
            messages=[
                Message("outgoing", "Dear Department,\n\nPlease send the 2019 survey of lighthouses.\n\nYours faithfully,\nA Requester"),
                Message(
                    "incoming",
                    "Dear Requester,\n\nThank you for your request for information, I have attached our formal response to this email.\n\n"
                    "Access Team\nDepartment for Coastal Affairs",
                    sent_at="2024-05-02",
                ),
            ],
            attachments=[Attachment(file_name)],
        )
    )
    assert doc.outcome == outcome
