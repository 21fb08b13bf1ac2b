"""Extraction on short threads written for these tests (tests/fixtures/extract/).

Each fixture exercises one way an authority answers; the assertions say what an
FOI officer would read off it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foi_search.core.domain import Document, Message
from ingest.extract import enrich
from ingest.parsers.alaveteli_json import parse

FIX = Path(__file__).parent / "fixtures" / "extract"


def thread(name: str) -> Document:
    path = FIX / f"{name}.json"
    return enrich(parse(path.read_bytes(), path=str(path))[0])


def statuses(doc: Document) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in doc.exemptions:
        out.setdefault(e.code, set()).add(e.status)
    return out


def test_acknowledgement_and_delay_only_is_no_substantive_response():
    doc = thread("grit_bins_ack_only")
    assert doc.outcome == "no_substantive_response"
    assert [m.kind for m in doc.messages] == ["request", "acknowledgement", "chaser", "extension"]
    assert doc.exemptions == []
    assert doc.law == "FOIA"


def test_cost_limit_with_advice_is_partial_s12_with_s16():
    doc = thread("noise_complaints_cost_limit")
    assert doc.outcome == "disclosed_partial"  # question 1 answered, 2 and 3 refused on cost
    assert doc.applied_exemptions == ["s12"]
    assert doc.s16_advice is True
    assert doc.public_interest_test is False  # s12 has no public interest test
    assert len(doc.questions) == 3 and doc.questions[0].startswith("1. How many noise complaints")
    roles = {p.role for p in doc.passages}
    assert {"exemption_reasoning", "advice", "disclosure", "complaint_rights"} <= roles
    s12 = [p for p in doc.passages if p.role == "exemption_reasoning"]
    assert s12 and all(p.exemption == "s12" for p in s12)
    assert "74 hours" in s12[0].text


def test_internal_review_reversing_refusal_supersedes_exemption():
    doc = thread("leisure_contract_pricing_review")
    assert doc.outcome == "disclosed_full"  # the review released everything
    assert statuses(doc) == {"s43": {"superseded"}}
    assert doc.applied_exemptions == []
    assert [m.kind for m in doc.messages][-2:] == ["internal_review_request", "internal_review_response"]
    assert {e.detail for e in doc.exemptions} >= {"s43(2)"}


def test_complaint_rights_and_other_acts_are_not_applied():
    doc = thread("section_106_agreements")
    assert doc.outcome == "disclosed_full"
    assert doc.applied_exemptions == []
    # s50 (complaint rights) and s17 are not grounds; s106 belongs to another Act;
    # the sentence saying nothing was withheld only mentions s40(2) and s43.
    assert statuses(doc) == {"s40(2)": {"mentioned"}, "s43": {"mentioned"}}
    assert any(p.role == "complaint_rights" and "section 50" in p.text for p in doc.passages)


def test_eir_response_with_regulation_12_5_e_and_13():
    doc = thread("waste_transfer_station_report")
    assert doc.law == "EIR"
    assert doc.outcome == "disclosed_partial"
    assert set(doc.applied_exemptions) == {"eir12(5)(e)", "eir13"}
    assert doc.public_interest_test is True
    reasoning = [p for p in doc.passages if p.exemption == "eir12(5)(e)"]
    assert reasoning and {p.role for p in reasoning} <= {"exemption_reasoning", "public_interest", "harm"}
    assert any(p.role == "public_interest" and "On balance" in p.text for p in reasoning)
    assert any(p.exemption == "eir13" for p in doc.passages)
    assert "EIR 55102" in doc.references


def test_neither_confirm_nor_deny():
    doc = thread("orchard_row_investigation")
    assert doc.outcome == "ncnd"
    assert doc.ncnd is True
    assert set(doc.applied_exemptions) == {"s40(5)", "s31"}
    assert {e.detail for e in doc.exemptions} >= {"s40(5B)(a)(i)", "s31(3)"}


def test_information_not_held():
    doc = thread("drone_policy_not_held")
    assert doc.outcome == "not_held"
    assert doc.exemptions == []
    assert doc.meta["part_not_held"] is True


def test_s21_signposting_for_every_part_is_refused():
    doc = thread("hmo_register_signposted")
    assert doc.outcome == "refused"
    assert doc.applied_exemptions == ["s21"]


def test_extension_to_consider_public_interest_decides_nothing():
    doc = thread("footbridge_advice_extension")
    assert doc.outcome == "no_substantive_response"
    assert statuses(doc) == {"s42": {"mentioned"}}
    assert doc.public_interest_test is False
    assert doc.messages[-1].kind == "extension"


def test_requester_personal_data_is_redacted_and_counted():
    doc = thread("parking_permits_redaction")
    everything = "\n".join([doc.title, *(m.text for m in doc.messages), *(p.text for p in doc.passages), *doc.questions])
    for value in ("Priya", "Whitcombe", "07700 900123", "priya.whitcombe@example.org",
                  "parking.records@brackenford.example.gov.uk", "01632 960 412"):
        assert value not in everything
    assert "Dear [name]" in doc.messages[1].text
    assert "[FOI #4711 email]" in doc.messages[1].text  # WhatDoTheyKnow's placeholder is kept
    assert doc.redactions["email"] >= 2 and doc.redactions["phone"] >= 2 and doc.redactions["name"] >= 2
    assert all(isinstance(v, int) for v in doc.redactions.values())
    assert "FOI / 55817" in doc.references  # a reference is not a phone number
    assert doc.outcome == "disclosed_full"


def test_quoted_earlier_mail_is_not_stored_twice_in_passages():
    doc = thread("parking_permits_redaction")
    texts = [p.text for p in doc.passages]
    assert sum("how many parking permits" in t for t in texts) == 1
    assert len({" ".join(t.lower().split()) for t in texts}) == len(texts)


def police_letter() -> Document:
    raw = (FIX / "police_letter.txt").read_text(encoding="utf-8")
    request, response = raw.split("=== RESPONSE ===")
    return enrich(
        Document(
            source="test",
            source_key="07.FOI.24.009911",
            messages=[Message("outgoing", request.strip()), Message("incoming", response.strip())],
        )
    )


def test_single_letter_with_headed_complaint_rights():
    doc = police_letter()
    assert doc.outcome == "disclosed_partial"
    # s12 and NCND appear only in the complaint-rights section: not applied.
    assert doc.applied_exemptions == ["s31"]
    assert doc.ncnd is False
    assert doc.public_interest_test is True
    assert doc.references == ["07.FOI.24.009911"]
    assert len(doc.questions) == 2
    pit = [p for p in doc.passages if p.role == "public_interest"]
    assert pit and all(p.exemption == "s31" for p in pit)
    assert any(p.role == "complaint_rights" and "section 12" in p.text for p in doc.passages)


def test_tribunal_decision_rules_on_the_ground_in_dispute_with_appeal_outcome():
    text = (FIX / "tribunal_decision.txt").read_text(encoding="utf-8")
    doc = enrich(Document(source="tribunal", source_key="T1", kind="tribunal_decision",
                          messages=[Message("incoming", text)]))
    assert doc.meta["appeal_outcome"] == "dismissed"
    # s43 was argued and found engaged (the requester's appeal failed); s41 was only named in passing.
    assert {e.code: e.status for e in doc.exemptions} == {"s43": "upheld", "s41": "mentioned"}
    assert doc.ruled_exemptions == ["s43"]
    rulings = [p for p in doc.passages if p.role == "ruling"]
    assert rulings and {p.exemption for p in rulings} == {"s43", "s41"}
    assert any("real and of substance" in p.text and p.exemption == "s43" for p in rulings)
    assert doc.outcome == "other"


@pytest.mark.parametrize(
    "label, outcome, codes",
    [
        ("All information sent", "disclosed_full", []),
        ("Some information sent but part exempt", "disclosed_partial", []),
        ("Some information sent and exceeds appropriate limit", "disclosed_partial", ["s12"]),
        ("No information sent - all held but exempt", "refused", []),
        ("Exceeds appropriate limit - refused", "refused", ["s12"]),
        ("Vexatious request", "refused", ["s14(1)"]),
        ("Information not held", "not_held", []),
        ("Neither confirm or deny information held", "ncnd", []),
        ("Withdrawn", "withdrawn", []),
        ("Request lapsed: requested information not provided", "no_substantive_response", []),
    ],
)
def test_log_entry_outcome_categories_map_to_closed_set(label, outcome, codes):
    doc = enrich(Document(source="log", source_key="L1", kind="log_entry", meta={"log_outcome": label},
                          messages=[Message("outgoing", "1. How many bins were emptied?\n2. At what cost?")]))
    assert doc.outcome == outcome
    assert doc.applied_exemptions == codes
    assert len(doc.questions) == 2


def test_enrich_is_stable_when_run_twice():
    first = thread("noise_complaints_cost_limit")
    again = enrich(first)
    assert again.outcome == "disclosed_partial"
    assert again.applied_exemptions == ["s12"]
    assert json.dumps(again.redactions) == json.dumps(first.redactions)
