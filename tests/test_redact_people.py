"""Requesters' names learnt anywhere in a thread, private individuals in requests, raw pages purged."""

from __future__ import annotations

import json

from click.testing import CliRunner

from foi_search.core.domain import Document, Message
from ingest.extract import enrich
from ingest.extract.redact_private import private_names

REPLY = """Dear Sir or Madam,

Thank you for your request. The information is attached.

Information Governance Team
Brackenfield City Council

-----Original Message-----
From: Orla Fenwick <request-40123-a1b2c3d4@whatdotheyknow.com>
Sent: 02 March 2024 10:12
To: FOI Requests <foi@brackenfield.gov.uk>
Subject: Freedom of Information request - Gritting routes

Please send me the gritting routes for 2023.
"""


def _thread(**meta) -> Document:
    return Document(
        source="wdtk", source_key="gritting_routes", title="Gritting routes", authority="Brackenfield City Council",
        messages=[Message(direction="outgoing", text="Dear Brackenfield City Council,\n\nPlease send me the "
                          "gritting routes for 2023.\n\nYours faithfully,\n\nO. F."),
                  Message(direction="incoming", text=REPLY)],
        meta=meta,
    )


def test_names_in_quoted_headers_and_status_lines_are_redacted_everywhere():
    doc = enrich(_thread(display_status="Awaiting classification. We're waiting for orlaf to read a recent "
                         "response and update the status."))
    blob = json.dumps([m.text for m in doc.messages] + [doc.title, doc.meta], ensure_ascii=False)
    assert "Orla Fenwick" not in blob and "orlaf" not in blob
    assert "[name]" in blob
    # The authority, its team and its address stay.
    assert "Brackenfield City Council" in blob and "Information Governance Team" in blob


def test_officers_in_header_blocks_stay():
    text = ("From: Sam Ledger <sam.ledger@brackenfield.gov.uk>\nTo: Nia Holt <nia.holt@brackenfield.gov.uk>\n"
            "Subject: FOI 2231\n\nNia, can you pull the figures? Sam")
    doc = enrich(Document(source="email", source_key="k", title="FOI 2231",
                          messages=[Message(direction="incoming", text=text)]))
    assert "Sam Ledger" in doc.messages[0].text and "Nia Holt" in doc.messages[0].text


def test_private_individuals_in_a_request_are_found_and_people_in_role_are_not():
    text = ("I complained about my brother Mr Ewan Thistle's handling of our late mother's affairs. "
            "Mrs Ada Crane, Programme Director, replied on 3 May. Please send the salaries of Rhona Pike & "
            "Tobias Wren. I have spoken to Gareth Yeo about it. Councillor Ivy Marsh raised it too. "
            "Mr Oduya is the head teacher.")
    names = private_names(text)
    assert "Mr Ewan Thistle" in names and "Rhona Pike" in names and "Tobias Wren" in names
    assert "Gareth Yeo" in names
    joined = " ".join(names)
    assert "Crane" not in joined and "Ivy Marsh" not in joined and "Oduya" not in joined


def test_private_names_are_redacted_in_log_entries_but_not_in_judgments():
    text = "Copies of letters sent to my neighbour Mrs Petra Vole about the hedge on Mill Lane, Exeter."
    log = enrich(Document(source="log", source_key="IR1", kind="log_entry", title="Hedge letters",
                          authority="Devon County Council", messages=[Message(direction="outgoing", text=text)]))
    out = log.messages[0].text
    assert "Petra Vole" not in out and "[name]" in out
    assert "Mill Lane, Exeter" in out and log.redactions.get("private_name") == 1
    judgment = enrich(Document(source="tribunal", source_key="EA/2024/0001", kind="tribunal_decision",
                               title="Vole v Information Commissioner",
                               messages=[Message(direction="incoming", text="The appellant, Mrs Petra Vole, "
                                                 "asked for letters sent to my neighbour Mrs Petra Vole.")]))
    assert "Petra Vole" in judgment.messages[0].text


def test_purge_raw_removes_page_bodies_and_keeps_the_rows(store, db_path):
    from foi_search.cli import cli

    store.save_raw_page("http://127.0.0.1/request/x", status=200, body=b"<p>Orla Fenwick</p>",
                        headers={"ETag": '"abc"'}, source="alaveteli")
    store.close()
    r = CliRunner().invoke(cli, ["--db", str(db_path), "purge-raw"])
    assert r.exit_code == 0 and "1 pages" in r.output
    from foi_search.store import Store

    again = Store(db_path)
    row = again.get_raw_page("http://127.0.0.1/request/x")
    assert row is not None and row["body"] is None and row["etag"] is None and row["sha256"]
    again.close()
