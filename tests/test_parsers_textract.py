"""ingest.parsers.textract: text out of PDF, DOCX, XLSX, CSV, ODS, HTML and plain text; clear errors otherwise."""

from __future__ import annotations

import pytest

from ingest.parsers import ParseError
from ingest.parsers.textract import extract_text, sniff_kind
from ingest.parsers.pagetext import MAX_TEXT_CHARS, html_to_text
from parsers_helpers import make_docx, make_ods, make_pdf, make_xlsx


def test_pdf_text_layer_is_read():
    pdf = make_pdf(["Kestrel Vale Council", "Our ref: KVC/FOI/24/0101", "Dear Requester,"])
    text = extract_text(pdf, name="letter.pdf")
    assert "Kestrel Vale Council" in text
    assert "KVC/FOI/24/0101" in text
    assert text.index("Kestrel") < text.index("Dear Requester")


def test_pdf_without_text_layer_is_a_scan():
    with pytest.raises(ParseError, match="no text layer"):
        extract_text(make_pdf(None), name="scan.pdf")


def test_truncated_pdf_is_corrupt():
    pdf = make_pdf(["Some letter text that will be cut off"])
    with pytest.raises(ParseError, match="(?i)corrupt|no pages|no text layer"):
        extract_text(pdf[:60], name="cut.pdf")


def test_binary_garbage_named_pdf():
    with pytest.raises(ParseError, match="not one"):
        extract_text(bytes(range(256)) * 8, name="garbage.pdf")


def test_empty_file():
    with pytest.raises(ParseError, match="empty"):
        extract_text(b"  \n", name="empty.txt")


def test_docx_paragraphs_and_table_in_order():
    data = make_docx(["Brackenfield City Council", "Our ref: BCC/77"], table=[["Year", "Fines"], ["2023", "412"]])
    text = extract_text(data, name="letter.docx")
    assert "Brackenfield City Council" in text
    assert "Year\tFines" in text and "2023\t412" in text
    assert text.index("Our ref") < text.index("2023\t412") < text.index("Yours sincerely")


def test_xlsx_rows_tab_separated_with_sheet_names():
    data = make_xlsx({"Summary": [["Site", "Count"], ["North", 12], ["South", 3.0]], "Notes": [["Figures to March"]]})
    text = extract_text(data, name="annex.xlsx")
    assert "## Sheet: Summary" in text and "## Sheet: Notes" in text
    assert "Site\tCount" in text and "South\t3" in text


def test_csv_cp1252_is_decoded():
    data = "Item,Cost\nCaf\xe9 refit,\xa3120\n".encode("cp1252")
    text = extract_text(data, name="costs.csv")
    assert "Café refit\t£120" in text


def test_ods_read_from_content_xml():
    data = make_ods([["Ward", "Trees"], ["Riverside", "31"]])
    assert sniff_kind(data, name="x.ods") == "ods"
    text = extract_text(data, name="trees.ods")
    assert "Ward\tTrees" in text and "Riverside\t31" in text
    assert "\t\t\t" not in text  # repeated empty cells are not expanded


def test_html_blocks_become_lines_scripts_dropped():
    html = b"<html><head><script>var x=1;</script></head><body><h1>Title</h1><p>First para<br>second line</p>" \
           b"<ul><li>one</li><li>two</li></ul></body></html>"
    text = extract_text(html, name="page.html")
    assert "var x" not in text
    assert "Title\n\nFirst para\nsecond line" in text
    assert "one\ntwo" in text


def test_plain_text_wrong_encoding_falls_back_to_cp1252():
    text = extract_text("The caf\xe9 cost \xa35 \u2013 cheap".encode("cp1252"), name="note.txt")
    assert text == "The café cost £5 – cheap"


def test_huge_html_is_capped():
    html = b"<html><body>" + b"<p>" + b"word " * 200 + b"</p>" * 1 + b"<p>more text here</p>" * 120000 + b"</body></html>"
    text = html_to_text(html)
    assert len(text) <= MAX_TEXT_CHARS + 50


def test_legacy_office_file_is_refused_clearly():
    with pytest.raises(ParseError, match="legacy Office"):
        extract_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, name="old.doc")
