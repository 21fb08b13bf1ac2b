"""Redaction of the requester's postal address (invented text and addresses only).

Postcodes and numbered street addresses are removed from what the requester
wrote (and from a reply letter's recipient block); the authority's own
address, roads named in a question, references and section numbers stay.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from foi_search.core.domain import Document, Message
from ingest.extract import enrich
from ingest.extract.redact_address import find_postcodes, redact_addresses
from ingest.parsers.alaveteli_json import parse
from ingest.parsers.letters import parse_text

FIX = Path(__file__).parent / "fixtures" / "extract"


def redact(text: str) -> tuple[str, Counter]:
    counts: Counter = Counter()
    return redact_addresses(text, counts, set()), counts


def everything(doc: Document) -> str:
    return "\n".join(
        [doc.title, *(m.text for m in doc.messages), *(p.text for p in doc.passages), *doc.questions,
         *(str(v) for v in doc.meta.values())]
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I live at 12 Acacia Road, Brackenford BK1 2AB and the lamp is out.", "I live at [address] and the lamp is out."),
        ("I live at 12 Acacia Road in Lower Fenwick.", "I live at [address] in Lower Fenwick."),
        ("My address is Flat 3, 18 Quince Grove, Brackenford, BK2 9NE.", "My address is [address]."),
        ("Please reply to 5 Heron Way.", "Please reply to [address]."),
        ("The hedge next to number 38 king edwin road is overgrown.", "The hedge next to [address] is overgrown."),
        ("Works outside 37 Ridgeway, Upper Fenwick, BK6 1PQ last May.", "Works outside [address] last May."),
        ("The pothole is at BK61PQ near the school gates.", "The pothole is at [postcode] near the school gates."),
        ("the lane near bk6 1pq floods every winter", "the lane near [postcode] floods every winter"),
        ("Flooding at Hollow Farm, Brackenford BK3 7TD in 2022.", "Flooding at Hollow Farm, Brackenford [postcode] in 2022."),
    ],
)
def test_requester_addresses_and_postcodes_are_replaced(text, expected):
    assert redact(text)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "How many accidents were recorded on London Road in 2023?",
        "Please explain why section 40(2) and regulation 12(5)(e) were applied.",
        "The ICO decision FS50123456 and our reference FOI 12345 (EIR 2024/0031) refer.",
        "There were 3 Crown Court cases and 2 Family Court hearings last year.",
        "How much was spent on the Green Streets Fund 2, Mill Street scheme?",
        "We run a Coachline T210UD on route 5; take the A30 2nd exit.",
        "Please send it to Brackenford Primary School, Mill Lane, Brackenford, BK3 4DE.",
        "Figures for 2019 Road Safety and the 5 Year Plan, please.",
        "Question 3 Park Road figures and section 12 Hill Street costs.",
    ],
)
def test_prose_that_only_looks_like_an_address_stays(text):
    out, counts = redact(text)
    assert out == text and not counts


def test_address_block_becomes_one_marker():
    text = "Please post the reply to:\nMarsh Cottage\n27 Thistle Close\nLower Fenwick\nBK7 3RW\n\nThank you."
    out, counts = redact(text)
    assert out == "Please post the reply to:\n[address]\n\nThank you."
    assert counts == Counter({"address": 1})


def test_public_body_block_in_requester_text_stays():
    text = "My complaint went to\nBrackenford Borough Council\nTown Hall\nBrackenford BK1 1TH\nlast week."
    assert redact(text) == (text, Counter())


def test_postcode_format_is_checked():
    assert find_postcodes("BK7 3RW, SW1A 1AA, EC1A 1BB and W1A 0AX") != []
    assert len(find_postcodes("BK7 3RW, SW1A 1AA, EC1A 1BB and W1A 0AX")) == 4
    # No postcode has C, I, K, M, O or V in its last two letters, or Q, V, X first.
    assert find_postcodes("QA1 2BC and BK7 3RC and XY1 2AB") == []


def test_thread_redacts_requester_address_but_not_the_councils():
    path = FIX / "streetlight_postal_address.json"
    doc = enrich(parse(path.read_bytes(), path=str(path))[0])
    text = everything(doc)
    for value in ("27 Thistle Close", "BK7 3RW", "Marsh Cottage", "Pellow"):
        assert value not in text
    # The reply quoted the requester's address: learnt from the request, removed there too.
    assert "near [address]" in doc.messages[1].text
    # The council's own address and the roads the question is about stay.
    assert "Town Hall, Market Square, Brackenford BK1 1TH" in doc.messages[1].text
    assert "London Road" in doc.messages[0].text and "on Thistle Close" in doc.messages[0].text
    assert "FOI 60218" in doc.references
    assert doc.redactions["address"] >= 3 and doc.redactions["postcode"] >= 1
    assert doc.outcome == "disclosed_full"


def test_reply_letter_recipient_block_is_redacted_letterhead_stays():
    path = FIX / "letter_postal_requester.txt"
    doc = enrich(parse_text(path.read_text(encoding="utf-8"), path=str(path)))
    letter = doc.messages[-1].text
    assert "19 Orchard Terrace" not in everything(doc) and "BK6 8LU" not in everything(doc)
    assert "[address]" in letter.split("Dear")[0]
    # Repeated in the body: learnt from the block and removed there too.
    assert "outside [address]" in letter
    # The authority's letterhead and the road asked about stay.
    assert letter.startswith("Brackenford Borough Council\nInformation Governance Team\nTown Hall")
    assert letter.count("BK1 1TH") == 2
    assert "Orchard Terrace, Upper Fenwick" in letter
    assert doc.redactions["address"] >= 2


def test_log_entry_request_and_title_are_redacted():
    request = "Trees outside 14 Willow Crescent, Lower Fenwick BK7 2PD: when were they last inspected?"
    doc = enrich(Document(source="log", source_key="L9", kind="log_entry", title=request[:60],
                          messages=[Message("outgoing", request)]))
    assert "Willow Crescent" not in doc.title and "14 Willow" not in doc.messages[0].text
    assert doc.messages[0].text.startswith("Trees outside [address]")
    assert all("BK7" not in q for q in doc.questions)


def test_quoted_authority_reply_in_a_requester_message_is_not_read_as_theirs():
    msg = (
        "Dear Council,\nI would like an internal review.\nYours faithfully,\nAmal Reyes\n"
        "-----Original Message-----\nFrom: FOI Team\nLicensing Team\n4 Guild Street\nBrackenford\nBK1 3LT\n"
    )
    doc = enrich(Document(source="test", source_key="Q1", messages=[Message("outgoing", msg)]))
    assert "4 Guild Street\nBrackenford\nBK1 3LT" in doc.messages[0].text
    assert "address" not in doc.redactions and "postcode" not in doc.redactions


def test_tribunal_text_is_not_requester_text():
    text = "1. The appellant wrote from 12 Acacia Road, Brackenford BK1 2AB about the council's decision."
    doc = enrich(Document(source="tribunal", source_key="T9", kind="tribunal_decision", messages=[Message("incoming", text)]))
    assert "12 Acacia Road" in doc.messages[0].text


def test_address_redaction_is_stable_when_run_twice():
    path = FIX / "streetlight_postal_address.json"
    first = enrich(parse(path.read_bytes(), path=str(path))[0])
    again = enrich(first)
    assert json.dumps(again.redactions) == json.dumps(first.redactions)
