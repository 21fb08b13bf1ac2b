"""The building blocks of extraction: citations, redaction, text, references, questions, law."""

from __future__ import annotations

from collections import Counter

import pytest

from ingest.extract.exemptions import find_citations, mention_reason
from ingest.extract.law import decide_law
from ingest.extract.questions import extract_questions
from ingest.extract.redact import _name_patterns, redact_text
from ingest.extract.references import find_references
from ingest.extract.text import clean_message, paragraphs


def codes(text: str, law: str = "FOIA") -> list[tuple[str, str, bool]]:
    return [(c.code, c.detail, c.explicit) for c in find_citations(text, law_hint=law)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("exempt under Section 40(2)&(3) – Personal Information", [("s40(2)", "s40(2)"), ("s40(2)", "s40(3)")]),
        ("under sections 40(2) and 41(1)(a) of the Act", [("s40(2)", "s40(2)"), ("s41", "s41(1)(a)")]),
        ("the condition in section 40(3A)(a) applies", [("s40(2)", "s40(3A)(a)")]),
        ("section 40(5B)(a)(i) removes the duty to confirm or deny", [("s40(5)", "s40(5B)(a)(i)")]),
        ("s.43 (2) is engaged", [("s43", "s43(2)")]),
        ("Regulation 12(3) and Regulation 13 EIR", [("eir13", "eir12(3)"), ("eir13", "eir13")]),
        ("withheld under 12(5)(e) of the EIR", [("eir12(5)(e)", "eir12(5)(e)")]),
        ("Section 14 (1) – Vexatious requests", [("s14(1)", "s14(1)")]),
    ],
)
def test_explicit_citations(text, expected):
    assert [(c, d) for c, d, explicit in codes(text) if explicit] == expected


@pytest.mark.parametrize(
    "text",
    [
        "the section 41 notice period had expired",  # a notice under another Act
        "Section 41 of the Local Government (Miscellaneous Provisions) Act 1982.",
        "the number of section 38(6) applications made",
        "Section 232 Housing Act 2004",
        "money received under section 106",
        "the Valley View estate, Sheffield S12",  # a postcode district
        "Park S36 1FY - 2",  # a full postcode
        "it's 21 days since I asked",
        "Regulation 7(1) allows an extension",  # not a ground
        "under section 50 you may complain to the Commissioner",  # not a ground
    ],
)
def test_not_citations(text):
    assert [c for c in codes(text) if c[2]] == []


def test_grounds_recognised_from_wording():
    assert ("s12", "s12", False) in codes("it would exceed the appropriate limit of 18 hours")
    assert ("s14(1)", "s14", False) in codes("the request is deemed to be vexatious")
    assert ("s21", "s21", False) in codes("as it is accessible to the applicant by other means")
    assert ("eir12(4)(b)", "eir12(4)(b)", False) in codes("manifestly unreasonable under the EIR", "EIR")
    # A request that would take 100 hours, without the cost limit, is not a refusal ground.
    assert codes("an exact answer would take over 100 hours of work") == []


@pytest.mark.parametrize(
    "paragraph, reason",
    [
        ("We have considered section 42 but it does not apply to this email.", "negated"),
        ("Section 42 is engaged. However, on balance the public interest favours disclosure of the email.",
         "public interest favours disclosure"),
        ("We do not consider that maintaining the exemption in section 36 outweighs the public interest in disclosure.",
         "public interest favours disclosure"),
        ("If we were to search every file, we would need to apply section 12.", "hypothetical"),
        ("Nothing has been withheld under section 40(2).", "negated"),
        ("The information is exempt under section 43(2).", None),
        ("On balance, the public interest in maintaining the exemption in section 43 outweighs the public interest in disclosure.", None),
    ],
)
def test_mention_reason(paragraph, reason):
    cite = next(c for c in find_citations(paragraph) if c.explicit)
    assert mention_reason(paragraph, cite) == reason


def test_redaction_of_names_emails_phones():
    counts: Counter = Counter()
    pats = _name_patterns(["Jo Marchbanks", "Mr Marchbanks"])
    text = (
        "Dear Mr Marchbanks,\nJo Marchbanks asked on 12/03/2024. Call 0114 273 4567 or +44 7700 900 456, "
        "mail jo.m@example.com or FOI @council.example.gov.uk. Ref FOI / 1598527; 01.FOI.22.023320; "
        "£450 or 18 hours; [FOI #123 email]"
    )
    out = redact_text(text, pats, counts)
    assert "Marchbanks" not in out and "Jo " not in out
    assert "0114" not in out and "7700" not in out and "@" not in out
    assert "FOI / 1598527" in out and "01.FOI.22.023320" in out and "12/03/2024" in out
    assert "£450 or 18 hours" in out and "[FOI #123 email]" in out
    assert counts == Counter({"name": 2, "phone": 2, "email": 2})


def test_clean_message_strips_quoted_mail_and_attachments():
    text = (
        "2 Attachments\nreport Redacted.pdf\n120K\nDownload\nView as HTML\nnotes.xlsx\n9K\nDownload\n"
        "Dear Sam,\nHere is our answer.\nFrom: Sam <[FOI #1 email]>\nSent: 1 May 2024\nTo: FOI\nOld text"
    )
    cm = clean_message(text)
    assert cm.attachments == ["report Redacted.pdf", "notes.xlsx"]
    assert cm.body == "Dear Sam,\nHere is our answer."
    assert "Old text" in cm.quoted


def test_paragraphs_rebuilt_from_hard_wrapped_text():
    text = (
        "The information you have requested is exempt from disclosure under\n"
        "section 12 of the Freedom of Information Act 2000 because it would\n"
        "take too long.\n"
        "Under section 16 we have a duty to provide advice and assistance to\n"
        "requesters.\n"
        "1. First item\n"
        "2. Second item"
    )
    paras = paragraphs(text)
    assert paras[0].startswith("The information") and paras[0].endswith("take too long.")
    assert paras[1].startswith("Under section 16")
    assert paras[2:] == ["1. First item", "2. Second item"]


def test_references_as_written():
    text = (
        "Subject: Re – Freedom of Information Request – Reference – FOI / 991146\n"
        "our ref EIR/1081719 and IR 2019 20 1881; see FOI-2020-2021-3027. The FOI Act 2000 applies. "
        "[FOI #1061076 email] Reference: 1596"
    )
    assert find_references([text]) == ["FOI / 991146", "EIR/1081719", "IR 2019 20 1881", "FOI-2020-2021-3027"]


def test_numbered_questions():
    req = (
        "Dear Council,\nPlease tell me:\n1. How many bins are there?\n"
        "2. How often are they emptied, broken down by:\na) ward\nb) month\n3) What did it cost?\nYours faithfully,\nA Person"
    )
    qs = extract_questions(req)
    assert len(qs) == 3
    assert qs[1].startswith("2. How often") and "a) ward" in qs[1]
    assert extract_questions("Dear Council,\nWhat is the budget for parks?\nYours faithfully,\nA Person") == [
        "What is the budget for parks?"
    ]


def test_law_decision():
    assert decide_law(Counter({"FOIA": 3})) == "FOIA"
    assert decide_law(Counter({"FOIA": 2, "EIR": 1})) == "both"
    assert decide_law(Counter(), fallback="EIR") == "EIR"
    assert decide_law(Counter()) == "unclear"
