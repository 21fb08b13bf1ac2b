"""Each parser on fixtures written for it: the fields it must extract, and its one-line errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from conftest import FIXTURES
from ingest.parsers import ParseError
from parsers_helpers import make_docx, make_pdf

HERE = FIXTURES / "parsers"


def read(name: str) -> bytes:
    return (HERE / name).read_bytes()


# -- alaveteli_json -------------------------------------------------------------


def test_alaveteli_json_thread():
    from ingest.parsers import alaveteli_json

    [doc] = alaveteli_json.parse(read("alaveteli_thread.json"), path="t/pothole.json")
    assert (doc.source, doc.source_key) == ("wdtk", "pothole_repair_budget_2023")
    assert doc.url == "https://www.whatdotheyknow.com/request/pothole_repair_budget_2023"
    # "Dear Brackenfield City Council FOI team," names the council, not the team.
    assert doc.authority == "Brackenfield City Council"
    assert doc.law == "FOIA" and doc.request_date == "2023-05-02"
    assert [m.direction for m in doc.messages] == ["outgoing", "incoming", "incoming"]  # status event dropped
    assert doc.messages[0].message_id == "5001"
    assert doc.messages[2].sent_at.startswith("2023-05-30")
    assert doc.meta["display_status"] == "Successful"


def test_alaveteli_json_generic_salutation_falls_back_to_signoff():
    from ingest.parsers import alaveteli_json

    [doc] = alaveteli_json.parse(read("alaveteli_thread_generic.json"))
    assert doc.law == "EIR"
    # "Dear Sir/Madam" names no one; both replies are signed by the council.
    assert doc.authority == "Brackenfield City Council"


def test_alaveteli_json_truncated():
    from ingest.parsers import alaveteli_json

    with pytest.raises(ParseError, match="truncated JSON"):
        alaveteli_json.parse(read("alaveteli_truncated.json"))


@pytest.mark.parametrize(
    "salutation, expected",
    [
        ("Dear Sir/Madam,", None),
        ("Dear FOI Team,", None),
        ("Dear Council,", None),
        ("Dear Sheffield City Council FOI,", "Sheffield City Council"),
        ("Dear FOI Team at Kestrel Vale Council,", "Kestrel Vale Council"),
        ("Dear Department for Transport,", "Department for Transport"),
        ("Dear Cabinet Office,", "Cabinet Office"),
    ],
)
def test_salutation_authority(salutation, expected):
    from ingest.parsers.authorities import salutation_authority

    assert salutation_authority(salutation + "\n\nPlease send me...") == expected


# -- alaveteli_html -------------------------------------------------------------


def test_alaveteli_html_2019_markup():
    from ingest.parsers import alaveteli_html

    [doc] = alaveteli_html.parse(read("wdtk_2019.html"), path="pages/1.html")
    assert (doc.source, doc.source_key) == ("wdtk", "street_lighting_faults")
    assert doc.url == "https://www.whatdotheyknow.com/request/street_lighting_faults"
    assert doc.title == "Street lighting faults"
    assert doc.authority == "Ministry of Lamps and Lanterns"
    assert doc.law == "FOIA" and doc.request_date == "2019-03-04"
    out, inc = doc.messages
    assert (out.direction, out.message_id) == ("outgoing", "700001")
    assert "1. How many street lighting faults were reported in 2018?\n2. How many" in out.text
    assert inc.direction == "incoming" and inc.sent_at.startswith("2019-03-28")
    assert "section 31(1)(a)" in inc.text
    assert "Link to this" not in inc.text and "faults 2018.xlsx" not in inc.text
    [att] = doc.attachments
    assert att.name == "faults 2018.xlsx" and att.size == 16 * 1024
    assert att.url.startswith("https://www.whatdotheyknow.com/request/111/response/800001/attach/2/")
    assert doc.meta["display_status"] == "The request was partially successful"


def test_alaveteli_html_duplicate_pages_share_a_key():
    from ingest.parsers import alaveteli_html

    a = alaveteli_html.parse(read("wdtk_2019.html"), path="pages/1.html")[0]
    b = alaveteli_html.parse(read("wdtk_2019_copy.html"), path="pages/fois_copy.html")[0]
    assert a.source_key == b.source_key
    assert [m.text for m in a.messages] == [m.text for m in b.messages]


def test_alaveteli_html_current_markup():
    from ingest.parsers import alaveteli_html

    [doc] = alaveteli_html.parse(read("wdtk_current.html"))
    assert doc.source_key == "bin_collection_complaints_2"
    assert doc.authority == "Hollowmere District Council"
    assert doc.law == "EIR"
    assert [(m.direction, m.message_id) for m in doc.messages] == [("outgoing", "901"), ("incoming", "902")]
    assert "1,904 complaints" in doc.messages[1].text
    assert "Attachment" not in doc.messages[1].text  # the attachment block is not message text
    assert [a.name for a in doc.attachments] == ["Response.pdf"]


def test_alaveteli_html_without_correspondence():
    from ingest.parsers import alaveteli_html

    with pytest.raises(ParseError, match="no Alaveteli correspondence"):
        alaveteli_html.parse(b"<html><body><p>Nothing here</p></body></html>")


# -- mps_page -------------------------------------------------------------------


def test_mps_page_text_drops_chrome_and_splits_request():
    from ingest.parsers import mps_page

    [doc] = mps_page.parse(read("mps_page.txt"), path="mps/01.FOI.23.098765.txt")
    assert (doc.source, doc.source_key) == ("mps", "01.FOI.23.098765")
    assert doc.references == ["01.FOI.23.098765"]
    assert doc.authority == "Metropolitan Police Service"
    assert doc.response_date == "2023-09-05" and doc.law == "FOIA"
    req, resp = doc.messages
    assert req.direction == "outgoing"
    assert req.text.startswith("1. How many police dogs") and "dog food" in req.text
    assert resp.direction == "incoming" and resp.text.startswith("I have today decided")
    assert "Section 31(1)(a)" in resp.text
    for chrome in ("cookie", "Escape key", "Back to top", "Privacy notice", "technical problem"):
        assert chrome not in doc.text
    assert doc.title == "How many police dogs did the MPS own on 1 January 2023?"


def test_mps_platform_html_other_force():
    from ingest.parsers import mps_page

    [doc] = mps_page.parse(read("mps_page.html"), path="x/horses.html")
    assert doc.source_key == "23.FOI.22.004411"
    assert doc.authority == "Northvale Police" and doc.source == "police"
    assert doc.title == "Police horses stabled in 2022"
    assert doc.messages[0].text == "How many horses did Northvale Police keep in 2022?"
    assert "Privacy notice" not in doc.text and "cookies" not in doc.text


# -- letters --------------------------------------------------------------------


def test_text_letter():
    from ingest.parsers import letters

    [doc] = letters.parse(read("letter.txt"), path="letters/library-hours.txt")
    assert (doc.source, doc.source_key) == ("letter", "library-hours")
    assert doc.authority == "Brackenfield City Council"
    assert doc.references == ["BCC/FOI/2024/0789"]
    assert doc.response_date == "2024-06-12" and doc.request_date == "2024-05-15"
    assert doc.law == "FOIA"
    req, letter = doc.messages
    assert req.direction == "outgoing"
    assert req.text.startswith("1. How many hours") and "visitor" in req.text and "Our response" not in req.text
    assert letter.direction == "incoming" and "does not hold visitor numbers" in letter.text
    assert doc.title == "How many hours each branch library was open in 2023."


def test_letter_in_windows_1252():
    from ingest.parsers import letters

    [doc] = letters.parse(read("letter_cp1252.txt"), path="kv/cafe.txt")
    assert doc.authority == "Kestrel Vale Council"
    assert doc.references == ["KVC 2024/551"]
    assert "café refurbishment at the museum – including VAT" in doc.messages[0].text
    assert "£48,200" in doc.text


def test_pdf_police_letter():
    from ingest.parsers import letters

    pdf = make_pdf([
        "NORTH YORKSHIRE POLICE",
        "Our ref: 01/FOI/24/000123/A",
        "Date: 10/10/2024",
        "Dear Requester",
        "Your request was:",
        "How many bicycles were stolen in Harrogate in 2023?",
        "Response",
        "North Yorkshire Police can confirm that 212 bicycles were reported stolen.",
    ])
    [doc] = letters.parse(pdf, path="letters/bikes.pdf")
    assert doc.authority == "North Yorkshire Police"
    assert doc.references == ["01/FOI/24/000123/A"]
    assert doc.response_date == "2024-10-10"
    assert doc.messages[0].text == "How many bicycles were stolen in Harrogate in 2023?"
    assert "212 bicycles" in doc.messages[-1].text


def test_docx_letter():
    from ingest.parsers import letters

    data = make_docx(
        ["Fenwick County Council", "Our reference: FCC/FOI/2024/0099", "Date: 2 April 2024", "Dear Requester,",
         "You asked:", "The number of gritting lorries the council owns.", "Our response",
         "The council owns the following vehicles:"],
        table=[["Depot", "Lorries"], ["North", "6"]],
    )
    [doc] = letters.parse(data, path="letters/gritting.docx")
    assert doc.authority == "Fenwick County Council"
    assert doc.references == ["FCC/FOI/2024/0099"]
    assert doc.response_date == "2024-04-02"
    assert doc.messages[0].text == "The number of gritting lorries the council owns."
    assert "North\t6" in doc.messages[-1].text


def test_data_annex_without_letter_named_after_force():
    from ingest.parsers import letters

    pdf = make_pdf(["Financial Year Total", "2019/2020 883", "2020/2021 996", "Grand Total 1879"])
    [doc] = letters.parse(pdf, path="police-letters/Hertfordshire.pdf")
    assert doc.authority == "Hertfordshire Constabulary"
    assert doc.meta.get("letter") is False
    assert "Grand Total 1879" in doc.text


def test_scanned_pdf_letter_is_a_parse_error():
    from ingest.parsers import letters

    with pytest.raises(ParseError, match="no text layer"):
        letters.parse(make_pdf(None), path="scan.pdf")


# -- email ----------------------------------------------------------------------


def test_eml_response_with_attachment():
    from ingest.parsers import email_eml

    [doc] = email_eml.parse(read("response.eml"), path="mail/response.eml")
    assert (doc.source, doc.source_key) == ("email", "response")
    assert doc.title == "Freedom of Information request - allotment waiting lists"
    assert doc.authority == "Brackenfield City Council"
    assert doc.response_date == "2024-05-14"
    quoted, reply = doc.messages
    assert quoted.direction == "outgoing" and "waiting list for each allotment site" in quoted.text
    assert reply.direction == "incoming" and "attached spreadsheet" in reply.text
    assert "Original Message" not in reply.text
    [att] = doc.attachments
    assert att.name == "allotment-waiting-lists.csv" and att.content_type == "text/csv"
    assert "North Lane\t41" in att.text
    # Addresses are personal data: only domains are kept.
    blob = json.dumps(dataclasses.asdict(doc))
    assert "jordan@requester.example" not in blob
    assert doc.meta["from_domain"] == "brackenfield.example"


def test_eml_without_headers():
    from ingest.parsers import email_eml

    with pytest.raises(ParseError):
        email_eml.parse(b"just some words\nand more words\n")


# -- council html ---------------------------------------------------------------


COUNCIL_PAGE = b"""<!DOCTYPE html><html><head><title>Grit bins | Disclosure log | Brackenfield City Council</title></head>
<body><header><a href="/">Brackenfield City Council</a><nav><a href="/foi">FOI</a></nav></header>
<main><h1>Grit bins on residential streets</h1>
<table><tr><th>Reference</th><td>BCC-FOI-24-0311</td></tr><tr><th>Date received</th><td>4 January 2024</td></tr>
<tr><th>Date of response</th><td>29 January 2024</td></tr></table>
<h2>Request</h2><p>How many grit bins does the council maintain?</p>
<h2>Response</h2><p>The council maintains 1,120 grit bins.</p><h2>Your rights</h2><p>You may ask for an internal review
and then complain to the Information Commissioner's Office.</p>
<p><a href="/files/grit-bins.xlsx">Grit bin locations (spreadsheet)</a></p></main>
<footer>Copyright Brackenfield City Council</footer></body></html>"""


def test_council_html_page():
    from ingest.parsers import council_html

    [doc] = council_html.parse(COUNCIL_PAGE, path="log/grit-bins.html", url="https://brackenfield.example/foi/grit-bins")
    assert (doc.source, doc.source_key) == ("html", "grit-bins")
    assert doc.title == "Grit bins on residential streets"
    assert doc.authority == "Brackenfield City Council"  # not the ICO named in the rights text
    assert doc.references == ["BCC-FOI-24-0311"]
    assert (doc.request_date, doc.response_date) == ("2024-01-04", "2024-01-29")
    req, resp = doc.messages
    assert req.text == "How many grit bins does the council maintain?"
    assert resp.text.startswith("The council maintains 1,120 grit bins.") and "internal review" in resp.text
    assert "FOI" not in resp.text.split("\n")[0]  # nav dropped
    assert [a.name for a in doc.attachments] == ["Grit bin locations (spreadsheet)"]
    assert doc.attachments[0].url == "https://brackenfield.example/files/grit-bins.xlsx"


# -- govuk ----------------------------------------------------------------------


def test_govuk_foi_release():
    from ingest.parsers import govuk_json

    [doc] = govuk_json.parse(read("govuk_foi_release.json"), path="g/x.json")
    assert (doc.source, doc.source_key) == ("govuk", "lighthouse-keeper-numbers")
    assert doc.url == "https://www.gov.uk/government/publications/lighthouse-keeper-numbers"
    assert doc.authority == "Department for Coastal Affairs"
    assert doc.response_date == "2021-03-02" and doc.request_date == "2021-01-04"
    assert "number of lighthouse keepers" in doc.text and "<p>" not in doc.text
    names = [a.name for a in doc.attachments]
    assert names == ["FOI 2021/0042 response", "Annex A data"]  # mailto link not an attachment
    assert doc.attachments[0].content_type == "application/pdf" and doc.attachments[0].size == 120331


def test_govuk_non_foi_type_is_skipped():
    from ingest.parsers import govuk_json

    assert govuk_json.parse(read("govuk_publication_scheme.json")) == []


# -- CSV FOI log ----------------------------------------------------------------


def test_foi_log_csv_rows_and_no_officer_names():
    from ingest.parsers import foi_log_csv

    docs = foi_log_csv.parse(read("foi_log.csv"), path="logs/kestrel-vale-log.csv")
    assert [d.source_key for d in docs] == ["KV-1001", "KV-1002"]  # the row with no reference is dropped
    first, second = docs
    assert first.kind == "log_entry" and first.references == ["KV-1001"]
    assert first.messages[0].direction == "outgoing" and "dog fouling fines" in first.messages[0].text
    assert (first.request_date, first.response_date) == ("2024-01-03", "2024-01-24")
    assert first.meta["log_outcome"] == "Information provided in full"
    assert first.law == "FOIA" and second.law == "EIR"
    assert "Please include the reasons." in second.messages[0].text
    blob = json.dumps([dataclasses.asdict(d) for d in docs])
    for personal in ("Pat Officerson", "Robin Handler", "example.org", "Case Officer", "Requester Email"):
        assert personal not in blob


def test_devon_log_gets_its_authority_from_the_path():
    from ingest.parsers import foi_log_csv

    docs = foi_log_csv.parse(read("foi_log.csv"), path="corpus/devon-foi-log/log.csv")
    assert {(d.source, d.authority) for d in docs} == {("devon", "Devon County Council")}


# -- ICO ------------------------------------------------------------------------


def test_ico_csv_rows():
    from ingest.parsers import ico_csv

    docs = ico_csv.parse(read("ico_notices.csv"))
    assert [d.source_key for d in docs] == ["FS50999001", "FER0999002+FER0999003"]  # duplicate row dropped
    first, second = docs
    assert first.kind == "ico_decision" and first.source == "ico"
    assert first.references == ["FS50999001"] and first.law == "FOIA"
    assert first.request_date == "2016-02-01"
    assert "steps_to_comply" in first.meta["flags"] and first.meta["ico_date"] == "2016-05-10"
    assert "requires the public authority to take steps" in first.text
    assert second.references == ["FER0999002", "FER0999003"] and second.law == "EIR"


# -- tribunal -------------------------------------------------------------------


def test_tribunal_metadata_repairs_mojibake():
    from ingest.parsers.tribunal import load_tribunal_metadata

    meta = load_tribunal_metadata(read("tribunal/decisions.csv"))
    assert meta["78"]["appellant"] == "Kreis Nordheim – Der Landrat"
    assert meta["77"]["appeal_references"] == ["EA/2015/0999"]
    assert meta["77"]["date"] == "2016-03-14"


def test_tribunal_text_joined_with_metadata():
    from ingest.parsers import tribunal

    meta = tribunal.load_tribunal_metadata(read("tribunal/decisions.csv"))
    [doc] = tribunal.parse(read("tribunal/text/77.txt"), path="tribunal/text/77.txt", metadata=meta)
    assert (doc.source, doc.source_key, doc.kind) == ("tribunal", "77", "tribunal_decision")
    assert doc.title == "Morgan Fictional v IC"
    assert doc.authority == "Department for Lanterns"
    assert doc.response_date == "2016-03-14" and doc.law == "FOIA"
    assert doc.meta["appeal_outcome"] == "part_allowed"
    assert doc.meta["appeal_references"] == ["EA/2015/0999"]
    assert doc.meta["ico_decision_notices"] == ["FS50777123"]
    assert doc.meta["appellant"] == "Morgan Fictional"
    assert doc.meta["sections_considered"] == ["s43"]  # s40(2) mentioned once only
    assert doc.url == "http://example.org/77.pdf"
    assert [m.direction for m in doc.messages] == ["incoming"]


def test_tribunal_text_without_metadata_reads_the_heading():
    from ingest.parsers import tribunal

    [doc] = tribunal.parse(read("tribunal/text/79.txt"), path="elsewhere/79.txt")
    assert doc.authority == "Wessex Harbour Board"
    assert doc.meta["appellant"] == "Jamie Placeholder"
    assert doc.meta["appeal_outcome"] == "dismissed"
    assert doc.meta["appeal_references"] == ["EA/2007/0123"]
    assert doc.meta["ico_decision_notices"] == ["FS50111222"]
    assert doc.meta["sections_considered"] == ["s36"]


def test_tribunal_scan_without_text():
    from ingest.parsers import tribunal

    with pytest.raises(ParseError, match="scan"):
        tribunal.parse(b"\n \n" * 50, path="tribunal/text/80.txt")
    with pytest.raises(ParseError, match="no text layer"):
        tribunal.parse(make_pdf(None), path="tribunal/pdf-sample/81.pdf")


def test_parse_errors_are_one_line():
    from ingest.parsers import alaveteli_json, govuk_json, ico_csv

    for fn, data in ((alaveteli_json.parse, b"{not json"), (govuk_json.parse, b"[1, 2]"), (ico_csv.parse, b"a,b\n1,2\n")):
        with pytest.raises(ParseError) as e:
            fn(data)
        assert "\n" not in str(e.value)
