"""General reading rules found by checking extraction on formats other than the dev set.

Each test states one rule with a short invented letter or thread: a single
letter whose letterhead and headings are not answers, a cost refusal whose
estimate has figures, "we can confirm that we do not" as not held, EIR
12(4)(a) as not held, an internal review that names the ground it overturns,
a clarification "so that we can provide", a reason that mentions someone
else's pending decision, a decision run into the complaint-rights sentence,
personal data "removed under section 40(2)", and a caveat on released figures.
"""

from __future__ import annotations

from pathlib import Path

from foi_search.core.domain import Document, Message
from ingest.extract import enrich
from ingest.parsers.letters import parse_text

FIX = Path(__file__).parent / "fixtures" / "extract"


def letter(name: str) -> Document:
    path = FIX / name
    return enrich(parse_text(path.read_text(encoding="utf-8"), path=str(path)))


def thread(*messages: tuple[str, str]) -> Document:
    return enrich(
        Document(source="test", source_key="t", messages=[Message(d, t, sent_at=f"2024-05-{i + 1:02d}") for i, (d, t) in enumerate(messages)])
    )


def statuses(doc: Document) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in doc.exemptions:
        out.setdefault(e.code, set()).add(e.status)
    return out


REQUEST = ("outgoing", "Dear Council,\n\nPlease tell me how many bus shelters you repaired in 2023 and what each repair cost.\n\nYours faithfully,\nSam Placeholder")


def test_single_letter_cost_refusal_with_estimate_figures_is_refused():
    doc = letter("letter_cost_refusal.txt")
    assert doc.outcome == "refused"
    assert doc.applied_exemptions == ["s12"]


def test_single_letter_not_held_is_not_held():
    doc = letter("letter_not_held.txt")
    assert doc.outcome == "not_held"
    assert doc.applied_exemptions == []


def test_eir_12_4_a_alone_is_not_held():
    doc = thread(
        REQUEST,
        ("incoming", "Dear Sam,\n\nWe have dealt with your request under the Environmental Information Regulations 2004.\n\n"
         "The council has never measured noise at the depot. We are therefore refusing your request under regulation 12(4)(a) "
         "because the information is not held.\n\nKind regards\nEnvironment Team"),
    )
    assert doc.outcome == "not_held"
    assert doc.applied_exemptions == ["eir12(4)(a)"]


def test_review_that_names_the_ground_it_overturns_supersedes_it():
    doc = thread(
        REQUEST,
        ("incoming", "Dear Sam,\n\nPlease find our response below.\n\n1. We repaired 41 shelters in 2023.\n\n"
         "2. The cost of each repair is withheld under section 43(2) of the Freedom of Information Act 2000, as disclosure "
         "would be likely to prejudice the contractor's commercial interests.\n\nRegards\nFOI Team"),
        ("outgoing", "Dear Council,\n\nPlease carry out an internal review of your decision to withhold the repair costs.\n\nSam Placeholder"),
        ("incoming", "Dear Sam,\n\nInternal review outcome\n\nI have reviewed the reasons given for applying section 43(2) to the repair costs. "
         "I have concluded that the exemption was not correctly applied and I do not uphold the original decision.\n\n"
         "The cost of each repair is set out below.\n\nShelter A | £1,200\n\nShelter B | £950\n\nRegards\nReview Officer"),
    )
    assert statuses(doc) == {"s43": {"superseded"}}
    assert doc.outcome == "disclosed_full"


def test_clarification_so_that_we_can_provide_decides_nothing():
    doc = thread(
        REQUEST,
        ("incoming", "Dear Sam,\n\nSo that we can provide the information you want, please could you clarify which wards you mean.\n\n"
         "Under section 1(3) of the Freedom of Information Act 2000 the 20 working days start once we receive your clarification.\n\n"
         "Kind regards\nFOI Team"),
    )
    assert doc.outcome == "no_substantive_response"


def test_someone_elses_pending_decision_is_a_reason_not_a_hypothesis():
    doc = thread(
        REQUEST,
        ("incoming", "Dear Sam,\n\nI have carried out an internal review of our response.\n\n"
         "The papers concern options on which the cabinet has not yet reached a decision, so section 36(2)(b) is engaged. "
         "I uphold the decision to withhold the information.\n\nRegards\nReview Officer"),
    )
    assert doc.applied_exemptions == ["s36"]
    assert doc.outcome == "refused"


def test_decision_run_into_the_complaint_sentence_is_still_read():
    doc = thread(
        REQUEST,
        ("incoming", "Dear Sam,\n\nWe are refusing your request under section 14(1) of the Freedom of Information Act 2000 "
         "because it is vexatious. If you remain dissatisfied, you may complain to the Information Commissioner's Office at ico.org.uk.\n\nRegards\nFOI Team"),
    )
    assert doc.applied_exemptions == ["s14(1)"]
    assert doc.outcome == "refused"


def test_names_removed_under_section_40_2_are_withheld():
    doc = thread(
        REQUEST,
        ("incoming", "Dear Sam,\n\nPlease find attached a list of the 41 shelters repaired in 2023.\n\n"
         "The names of the residents who reported faults have been removed under section 40(2) of the Freedom of Information "
         "Act 2000, because releasing them would breach the data protection principles.\n\nRegards\nFOI Team"),
    )
    assert doc.applied_exemptions == ["s40(2)"]
    assert doc.outcome == "disclosed_partial"


def test_caveat_on_released_figures_is_not_part_not_held():
    doc = thread(
        REQUEST,
        ("incoming", "Dear Sam,\n\nPlease find our response below.\n\n1. We repaired 41 shelters in 2023.\n\n2. The repairs cost £18,400 in total.\n\n"
         "Please note that the figures include repairs after storms, because the repair log does not record the cause of damage.\n\n"
         "Regards\nFOI Team"),
    )
    assert doc.outcome == "disclosed_full"
