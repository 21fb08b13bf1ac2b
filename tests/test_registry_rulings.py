"""The packaged registry of public bodies, Tribunal rulings per ground, per-question answers in the store."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner

from foi_search.cli import cli
from foi_search.core.domain import Document, ExemptionCitation, Message, QuestionAnswer
from foi_search.core.filters import Filters
from foi_search.store.records import document_record, export_records
from foi_search.store import Store
from ingest.detect import detect
from ingest.extract.rulings import rule_on_grounds
from ingest.parsers.authorities import letter_authority
from ingest.registry import body_for_sender, identify_authority, registry_size


def test_registry_is_packaged_and_small():
    from pathlib import Path

    import ingest.registry as reg

    data = Path(reg.__file__).with_name("bodies.tsv")
    assert registry_size() > 1000
    assert data.stat().st_size < 2_000_000
    assert (data.parent / "NOTICE.md").is_file()


def test_letterhead_names_the_writer_and_complaint_text_never_does():
    text = (
        "Oxleas NHS Foundation Trust\nPinewood House\n\nDear Requester,\n\nPlease find the figures attached.\n\n"
        "If you are unhappy you may complain to the Information Commissioner's Office, Wycliffe House.\n\n"
        "Yours sincerely,\nInformation Governance"
    )
    assert identify_authority(text) == "Oxleas NHS Foundation Trust"


def test_sender_domain_acronym_finds_the_trust():
    body = body_for_sender("foi@slam.nhs.uk")
    assert body is not None and body.name == "South London and Maudsley NHS Foundation Trust"
    assert body_for_sender("someone@gmail.com") is None


def test_a_registered_alias_inside_a_longer_unregistered_name_is_not_taken():
    # "Bradford District" is an alias of the council; the letter names another body.
    text = "Dear Requester,\n\nThe Bradford District Riverside Care NHS Foundation Trust holds no such list.\n\nYours sincerely"
    assert identify_authority(text) != "City of Bradford Metropolitan District Council"


def test_unregistered_body_gets_the_name_the_letter_gives():
    text = (
        "Marlow Vale Harbour Authority\nHarbour Office, Quay Street\n\nDear Requester,\n\nWe hold no records of this.\n\n"
        "You may complain to the Information Commissioner's Office.\n\nYours sincerely,\nHarbour Clerk"
    )
    assert letter_authority(text) == "Marlow Vale Harbour Authority"


def _paras(*texts: str) -> tuple[list[str], list[str | None], Counter]:
    codes = ["s43" if "43" in t else None for t in texts]
    return list(texts), codes, Counter(c for c in codes if c)


def test_requester_appeal_dismissed_upholds_the_ground():
    paras, codes, counts = _paras(
        "10. The council relied on section 43(2) for the pricing schedule.",
        "20. Section 43(2) protects commercial interests and the pricing schedule falls within it.",
    )
    assert rule_on_grounds(paras, codes, counts, "dismissed", False) == {"s43": "upheld"}
    assert rule_on_grounds(paras, codes, counts, "allowed", False) == {"s43": "not_upheld"}
    assert rule_on_grounds(paras, codes, counts, "allowed", True) == {"s43": "upheld"}
    assert rule_on_grounds(paras, codes, counts, "part_allowed", False) == {"s43": "partly"}
    assert rule_on_grounds(paras, codes, counts, "struck_out", False) == {}


def test_the_tribunals_own_findings_on_a_ground_win_over_the_outcome():
    paras, codes, counts = _paras(
        "1. Introduction.",
        "2. Background to the appeal.",
        "30. We find that section 43(2) is not engaged: the prices are five years old.",
        "31. For these reasons section 43(2) does not apply to the schedule.",
    )
    # The appeal was dismissed on another ground, but s43 itself was found not to apply.
    assert rule_on_grounds(paras, codes, counts, "dismissed", False) == {"s43": "not_upheld"}


def test_ruled_grounds_are_found_by_the_exemption_filter(tmp_path):
    store = Store(tmp_path / "t.db")
    doc = Document(
        source="tribunal",
        source_key="901",
        kind="tribunal_decision",
        title="A Requester v Information Commissioner",
        messages=[Message("incoming", "The appeal is dismissed.")],
        exemptions=[ExemptionCitation("s43", "s43(2)", "upheld"), ExemptionCitation("s1", "s1", "mentioned")],
    )
    store.save_document(doc)
    found = list(export_records(store, Filters(kinds=["tribunal_decision"], exemption="s43")))
    assert [r["source_key"] for r in found] == ["901"]
    assert found[0]["exemptions_ruled"] == {"s43": "upheld"}


def test_answers_are_stored_shown_and_exported(tmp_path):
    db = tmp_path / "a.db"
    store = Store(db)
    doc = Document(
        source="letter",
        source_key="k1",
        title="Bicycle thefts",
        questions=["1. How many thefts?", "2. Officer names?"],
        outcome="disclosed_partial",
        messages=[Message("incoming", "1. There were 12.\n2. Withheld under section 40(2).")],
        exemptions=[ExemptionCitation("s40(2)")],
        answers=[
            QuestionAnswer(0, "answered", [], ["There were 12."]),
            QuestionAnswer(1, "refused", ["s40(2)"], ["Withheld under section 40(2)."]),
        ],
    )
    doc_id, status = store.save_document(doc)
    assert store.save_document(doc)[1] == "unchanged"
    loaded = store.load_document(doc_id)
    assert loaded.answers == doc.answers
    rec = document_record(loaded, doc_id)
    assert rec["answers"][1] == {"seq": 1, "status": "refused", "grounds": ["s40(2)"], "evidence": ["Withheld under section 40(2)."]}
    out = CliRunner().invoke(cli, ["--db", str(db), "show", str(doc_id)])
    assert out.exit_code == 0, out.output
    assert "Question 2: refused (s40(2))" in out.output


def test_a_tribunal_pdf_with_a_text_copy_is_read_once(tmp_path):
    pdf = tmp_path / "tribunal" / "pdf-sample" / "77.pdf"
    txt = tmp_path / "tribunal" / "text" / "77.txt"
    pdf.parent.mkdir(parents=True)
    txt.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.4 not really")
    txt.write_text("First-tier Tribunal appeal text", encoding="utf-8")
    assert detect(pdf, pdf.read_bytes()) is None
    assert detect(txt, txt.read_bytes())[0] == "tribunal"
    txt.write_text("", encoding="utf-8")  # an empty text copy (a scan): the PDF is read
    assert detect(pdf, pdf.read_bytes())[0] == "tribunal"


def test_ico_notice_records_stay_out_of_default_results(tmp_path):
    from foi_search.search.searcher import Searcher

    store = Store(tmp_path / "s.db")
    store.save_document(Document(source="ico", source_key="FS50999999", kind="ico_decision", title="ICO decision notice FS50999999 lighthouse"))
    store.save_document(
        Document(source="letter", source_key="lh", title="Lighthouse keepers", messages=[Message("incoming", "We employ no lighthouse keepers.")])
    )
    default = Searcher(store, keyword_only=True).search("lighthouse")
    assert [h.source_key for h in default.results] == ["lh"]
    asked = Searcher(store, keyword_only=True).search("lighthouse", Filters(kinds=["ico_decision"]))
    assert [h.source_key for h in asked.results] == ["FS50999999"]


def test_precedent_sections_count_questions_answered_on_the_ground(tmp_path):
    from foi_search.search.precedents import ExemptionSection, _question_counts

    store = Store(tmp_path / "p.db")
    ids = []
    for i, statuses in enumerate([[("answered", []), ("refused", ["s40(2)"])], [("partly", ["s40(2)"])], [("answered", [])]]):
        doc = Document(
            source="letter", source_key=f"d{i}", title="Staff names", outcome="disclosed_partial",
            answers=[QuestionAnswer(n, st, g) for n, (st, g) in enumerate(statuses)],
        )
        ids.append(store.save_document(doc)[0])
    section = ExemptionSection(code="s40(2)", name="Personal data", count=2)
    _question_counts(store, section, set(ids))
    assert section.questions == {"refused": 1, "partly": 1}
    assert (section.requests_with_question, section.requests) == (2, 3)


@pytest.mark.parametrize(
    "text, outcome",
    [
        ("DECISION We have decided to allow the appeal.", "allowed"),
        ("We have decided to dismiss the Appeal.", "dismissed"),
        ("By a unanimous decision the Tribunal dismissed the Appellant's appeal.", "dismissed"),
        ("The Tribunal allows the Appellant’s appeal and substitutes a decision notice.", "allowed"),
        ("The Tribunal dismisses the appeal.", "dismissed"),
        # The Commissioner's notice stands: the appeal against it fails, whoever brought it.
        ("The Tribunal upholds the Information Commissioner's Decision Notice and orders disclosure.", "dismissed"),
        ("The Tribunal largely upholds the Commissioner's decision notice dated 3 May 2011.", "dismissed"),
        ("The appeal is allowed in part.", "part_allowed"),
        ("The council upheld its refusal on internal review.", None),
    ],
)
def test_appeal_outcome_read_from_the_decisions_own_words(text, outcome):
    from ingest.extract.rulings import _appeal_outcome

    assert _appeal_outcome(["Background.", text]) == outcome


def test_a_short_decision_rules_on_the_grounds_its_text_discusses_most():
    paras, codes, counts = _paras(
        "1. The council withheld the tender scores.",
        "2. We have considered the arguments under section 43(2) and the public interest.",
    )
    # No ground cited twice in the numbered paragraphs: the whole text's most discussed decide.
    assert rule_on_grounds(paras, codes, counts, "dismissed", False) == {}
    assert rule_on_grounds(paras, codes, counts, "dismissed", False, listed=["s43", "s40(2)", "s41"]) == {
        "s43": "upheld", "s40(2)": "upheld"
    }
    assert rule_on_grounds(paras, codes, counts, "withdrawn", False, listed=["s43"]) == {}


def test_closed_bodies_that_answered_requests_are_named():
    # Published replies outlive the body that wrote them (merged or renamed since).
    text = (
        "Public Health England\nWellington House\n\nDear Requester,\n\nWe hold the figures you asked for; "
        "they are attached.\n\nYours faithfully,\nFOI team"
    )
    assert identify_authority(text) == "Public Health England"
