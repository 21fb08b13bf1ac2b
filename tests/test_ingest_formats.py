"""Formats an officer's archive holds: Word 97, Outlook, ODT, spreadsheet logs, zip archives, e-mail attachments."""

from __future__ import annotations

import json
from email.message import EmailMessage

import office_fixtures as of
import pytest
from parsers_helpers import make_pdf

LETTER = [
    "Fernmoor District Council",
    "Our ref: FDC/FOI/2024/0311",
    "Date: 3 April 2024",
    "Dear Requester,",
    "Freedom of Information Act 2000 - request for information: allotment waiting lists",
    "You asked: how many people are waiting for an allotment in each parish.",
    "We hold this information and it is set out below: 41 people in Upper Fernmoor, 17 in Lowbridge.",
    "Yours sincerely,",
    "Information Governance Team",
]
LOG_HEADER = ["Reference", "Date received", "Request", "Outcome", "Date closed"]
LOG_ROWS = [
    ["FOI/7001", "02/01/2024", "Number of potholes repaired on Mill Lane in 2023", "Information provided", "20/01/2024"],
    ["FOI/7002", "05/01/2024", "Cost of the new bus shelter at Kiln Green", "Information not held", "25/01/2024"],
    ["FOI/7003", "09/01/2024", "Staff sickness absence by directorate", "Partially provided", "01/02/2024"],
]


@pytest.fixture
def inbox(tmp_path):
    """The folder ingested (the database lives beside it, not in it)."""
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


def _ingest(store, paths, **kw):
    from ingest.pipeline import ingest_paths

    return ingest_paths(store, paths, jobs=1, **kw)


def _docs(store):
    return [dict(r) for r in store.query("select id, source, source_key, kind, title, body, path, meta from documents")]


def test_word97_doc_letter(inbox, store):
    (inbox / "reply.doc").write_bytes(of.word97(LETTER))
    report = _ingest(store, [inbox])
    assert report.outcomes == {str(inbox / "reply.doc"): "stored"}
    (doc,) = _docs(store)
    assert "allotment" in doc["body"] and "Upper Fernmoor" in doc["body"]


def test_outlook_msg_with_a_word_attachment(inbox, store):
    (inbox / "response.msg").write_bytes(of.outlook_msg(
        "RE: Freedom of Information request FOI/2024/0311",
        "Information Governance <foi@fernmoor.example.gov.uk>",
        "Requester",
        "Dear Requester,\r\nPlease find attached our response to your Freedom of Information request.\r\n"
        "Information Governance Team\r\n",
        {"FOI-0311 response.doc": of.word97(LETTER)},
    ))
    report = _ingest(store, [inbox])
    assert report.by_format == {"outlook-msg": 1}, report.failed
    (doc,) = _docs(store)
    assert doc["source"] == "email" and "FOI/2024/0311" in doc["title"]
    att = store.conn.execute("select name, text from attachments").fetchone()
    assert att[0] == "FOI-0311 response.doc" and "Upper Fernmoor" in att[1]
    # Only the sender's domain is kept, never an address.
    assert "foi@" not in json.dumps(doc)


def test_odt_letter(inbox, store):
    (inbox / "reply.odt").write_bytes(of.odt(LETTER))
    _ingest(store, [inbox])
    (doc,) = _docs(store)
    assert "Lowbridge" in doc["body"]


def test_spreadsheet_logs_become_log_entries(inbox, store):
    (inbox / "log.xlsx").write_bytes(of.xlsx([["Fernmoor FOI disclosure log"], LOG_HEADER, *LOG_ROWS]))
    (inbox / "log2.ods").write_bytes(of.ods([LOG_HEADER, *[[r[0] + "b", *r[1:]] for r in LOG_ROWS]]))
    (inbox / "annex.xlsx").write_bytes(of.xlsx([["Ward", "Potholes"], ["Mill", "12"]]))
    report = _ingest(store, [inbox])
    docs = _docs(store)
    assert sorted(d["source_key"] for d in docs) == ["FOI/7001", "FOI/7001b", "FOI/7002", "FOI/7002b", "FOI/7003",
                                                     "FOI/7003b"]
    assert {d["kind"] for d in docs} == {"log_entry"}
    # The data annex is not a log: skipped, and recorded as such.
    assert report.outcomes[str(inbox / "annex.xlsx")] == "skipped"
    reasons = store.conn.execute("select reason from ingest_errors where target like '%annex.xlsx'").fetchall()
    assert reasons and "no FOI documents" in reasons[0][0]


def test_zip_archive_members_are_read_as_files(inbox, store):
    inner = of.zip_of({"letter.odt": of.odt(LETTER[:5] + ["Second letter: we do not hold this information."])})
    (inbox / "archive.zip").write_bytes(of.zip_of({
        "2024/reply.doc": of.word97(LETTER),
        "2024/inner.zip": inner,
        "photo.jpg": b"\xff\xd8\xff\xe0 not really a photo",
        "scan.pdf": make_pdf(None),
    }))
    report = _ingest(store, [inbox])
    paths = sorted(d["path"] for d in _docs(store))
    assert paths == [str(inbox / "archive.zip" / "2024" / "inner.zip" / "letter.odt"),
                     str(inbox / "archive.zip" / "2024" / "reply.doc")]
    assert report.outcomes[str(inbox / "archive.zip")] == "stored"
    reasons = [r[0] for r in store.conn.execute("select reason from ingest_errors")]
    assert any(r.startswith("photo.jpg: not FOI material") for r in reasons)
    assert any(r.startswith("scan.pdf:") and "needs OCR" in r for r in reasons)


def test_eml_attachments_are_read(inbox, store):
    msg = EmailMessage()
    msg["From"] = "Fernmoor FOI <foi@fernmoor.example.gov.uk>"
    msg["To"] = "requester@example.org"
    msg["Subject"] = "Your Freedom of Information request FOI/2024/0311"
    msg.set_content("Dear Requester,\nOur response is attached.\nInformation Governance Team\n")
    msg.add_attachment(of.word97(LETTER), maintype="application", subtype="msword", filename="reply.doc")
    msg.add_attachment(of.odt(["Annex: allotment sites and their sizes."]), maintype="application",
                       subtype="vnd.oasis.opendocument.text", filename="annex.odt")
    (inbox / "response.eml").write_bytes(msg.as_bytes())
    _ingest(store, [inbox])
    texts = dict(store.conn.execute("select name, text from attachments").fetchall())
    assert "Upper Fernmoor" in texts["reply.doc"]
    assert "allotment sites" in texts["annex.odt"]


def test_scanned_pdf_is_reported_as_needing_ocr(inbox, store):
    (inbox / "scan.pdf").write_bytes(make_pdf(None))
    report = _ingest(store, [inbox])
    assert report.outcomes[str(inbox / "scan.pdf")] == "failed"
    assert "needs OCR" in report.failed[0][1]


def test_an_outlook_message_inside_an_archive_is_read_as_text():
    from ingest.parsers.textract import extract_text

    msg = of.outlook_msg("Your request FOI/2024/0099", "foi@fernmoor.example.gov.uk", "requester@example.org",
                         "Dear Requester,\nThe allotment waiting list has 41 names.\nInformation Governance Team\n")
    text = extract_text(of.zip_of({"reply.msg": msg}), name="replies.zip")
    assert "reply.msg" in text and "41 names" in text and "Subject: Your request FOI/2024/0099" in text
