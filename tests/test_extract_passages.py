"""Headings start the passage they head instead of trailing the one before (invented text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from foi_search.core.domain import Document, Message
from ingest.extract import enrich
from ingest.extract.passages import attach_headings
from ingest.extract.text import looks_like_heading, paragraphs

FIX = Path(__file__).parent / "fixtures" / "extract"


@pytest.mark.parametrize(
    "line",
    ["Your right to review", "Right of Appeal", "Right of appeal", "Internal review", "Information Commissioner",
     "Your right to complain", "Section 40(2) - Personal information", "Section 43 – Commercial Interests",
     "Regulation 12(5)(e): Commercial confidentiality", "Reasons for decision", "Public Interest Test",
     "Complaints Procedure:"],
)
def test_heading_lines(line):
    assert looks_like_heading(line)


@pytest.mark.parametrize(
    "line",
    ["Please see attached", "We do not hold this", "The answer is no.", "Yes", "Kind regards",
     "Yours sincerely,", "Head of Service: Ann Example", "Ann Example - Head of Service", "Total 50 29",
     "Thank you for your request.", "Is this information held?"],
)
def test_short_sentences_and_labels_are_not_headings(line):
    assert not looks_like_heading(line)


def glued_letter() -> Document:
    text = (FIX / "letter_glued_headings.txt").read_text(encoding="utf-8")
    request = "How many food hygiene inspections were carried out in 2023, and by whom?"
    return enrich(Document(source="test", source_key="H1", messages=[Message("outgoing", request), Message("incoming", text)]))


def test_hard_wrapped_heading_is_its_own_paragraph():
    text = (FIX / "letter_glued_headings.txt").read_text(encoding="utf-8")
    paras = paragraphs(text)
    for heading in ("Section 40(2) - Personal information", "Your right to review", "Right of appeal"):
        assert heading in paras
    assert not any(p.endswith(("Your right to review", "Right of appeal", "Personal information")) and len(p) > 40
                   for p in paras)


def test_heading_glued_on_the_same_line_is_split_off():
    text = "We have withheld the names under section 40(2) because they are personal data. Your right to review"
    assert paragraphs(text) == [
        "We have withheld the names under section 40(2) because they are personal data.",
        "Your right to review",
    ]


def test_short_sentence_after_a_full_line_is_not_split_off():
    # Not a heading (its words are not capitalised): it stays where the wrapping put it.
    text = (
        "We have attached a spreadsheet listing every inspection carried out by the team.\n"
        "Please see attached\n"
        "For the figures broken down by month, see the second tab."
    )
    assert paragraphs(text)[0].endswith("by the team. Please see attached")


def test_passages_start_with_their_heading():
    doc = glued_letter()
    assert doc.applied_exemptions == ["s40(2)"]
    texts = [p.text for p in doc.passages]
    # No passage ends with the next section's heading.
    assert not any(t.rstrip().endswith(("Your right to review", "Right of appeal", "Personal information")) for t in texts)
    review = next(p for p in doc.passages if p.text.startswith("Your right to review"))
    assert review.role == "complaint_rights" and review.exemption is None
    appeal = next(p for p in doc.passages if p.text.startswith("Right of appeal"))
    assert appeal.role == "complaint_rights"
    s40 = next(p for p in doc.passages if p.text.startswith("Section 40(2) - Personal information"))
    assert s40.role == "exemption_reasoning" and s40.exemption == "s40(2)"
    assert "personal data" in s40.text


def test_attach_headings_rules():
    pieces = [
        ("The names are exempt under section 40(2).", "exemption_reasoning", "s40(2)"),
        ("Your right to review", "exemption_reasoning", "s40(2)"),
        ("If you are unhappy with this response you may ask for a review.", "complaint_rights", None),
        ("Director of Place", "disclosure", None),
        ("Ann Example", "disclosure", None),
        ("b. The second answer follows here as a list item.", "disclosure", None),
        ("Brackenford Borough Council", "correspondence", None),
    ]
    out = attach_headings(pieces)
    assert out[0] == ("The names are exempt under section 40(2).", "exemption_reasoning", "s40(2)", False)
    # A known heading heads the next section, with that section's role and no borrowed exemption.
    assert out[1] == ("Your right to review\nIf you are unhappy with this response you may ask for a review.",
                      "complaint_rights", None, True)
    # A role and a name above a list item stay where they were; so does a last title line.
    assert [o[0] for o in out[2:]] == ["Director of Place", "Ann Example",
                                       "b. The second answer follows here as a list item.", "Brackenford Borough Council"]
    assert not any(o[3] for o in out[2:])
