"""Parsers on the real corpus in ../shared (skipped where it is absent)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import need_shared
from ingest.detect import detect
from ingest.parsers import ParseError


def parse_file(path: Path):
    data = path.read_bytes()
    found = detect(path, data[:65536])
    assert found is not None, f"{path} was not recognised"
    return found[0], found[1](data, path=str(path))


def test_real_sheffield_threads_all_parse_with_authority():
    folder = need_shared("corpus", "wdtk-sheffield", "threads")
    authorities = Counter()
    for path in sorted(folder.glob("*.json")):
        fmt, [doc] = parse_file(path)
        assert fmt == "alaveteli-json" and doc.source_key == path.stem
        assert doc.messages and doc.messages[0].direction == "outgoing"
        authorities[doc.authority] += 1
    assert authorities == Counter({"Sheffield City Council": 500})


def test_real_mhclg_pages_dedupe_by_og_url():
    folder = need_shared("corpus", "wdtk-mhclg", "pages")
    keys = Counter()
    for path in sorted(folder.glob("*.html")):
        fmt, [doc] = parse_file(path)
        assert fmt == "alaveteli-html"
        assert doc.authority == "Ministry of Housing, Communities and Local Government"
        assert doc.url == f"https://www.whatdotheyknow.com/request/{doc.source_key}"
        assert doc.messages[0].direction == "outgoing" and doc.messages[0].sent_at
        keys[doc.source_key] += 1
    assert len(keys) == 25 and sum(keys.values()) == 45
    _, [doc] = parse_file(folder / "1320499.html")
    assert doc.source_key == "requests_for_statutory_overrides"
    assert len(doc.messages) == 12 and len(doc.attachments) == 3
    assert "Our reference: 4011595" in doc.messages[1].text


def test_real_mps_seed():
    path = need_shared("corpus", "mps-seed", "01.FOI.22.023320.txt")
    fmt, [doc] = parse_file(path)
    assert fmt == "mps-page"
    assert doc.source_key == "01.FOI.22.023320" and doc.references == ["01.FOI.22.023320"]
    assert doc.authority == "Metropolitan Police Service"
    request, response = doc.messages
    assert request.text.startswith("For each calendar year 2019, 2020 and 2021")
    assert request.text.rstrip().endswith("whether the officer remains employed by your force")
    assert response.text.startswith("I have today decided to disclose some of the requested information")
    assert "cookie" not in doc.text.lower() and "Leave this site" not in doc.text


@pytest.mark.parametrize(
    "stem, authority, refs, response_date, has_request",
    [
        ("Cumbria", "Cumbria Constabulary", ["FOI 1306/25"], "2025-10-13", True),
        ("Durham", "Durham Constabulary", ["1406745"], "2025-10-15", True),
        ("Humberside", "Humberside Police", ["01/FOI/25/006753/Z"], "2025-10-10", True),
        ("Hertfordshire", "Hertfordshire Constabulary", [], None, False),
    ],
)
def test_real_police_letters(stem, authority, refs, response_date, has_request):
    path = need_shared("corpus", "police-letters", f"{stem}.pdf")
    fmt, [doc] = parse_file(path)
    assert fmt == "letter" and doc.source_key == stem
    assert doc.authority == authority
    assert doc.references == refs
    assert doc.response_date == response_date
    if has_request:
        assert doc.messages[0].direction == "outgoing"
        assert "hospital" in doc.messages[0].text and "crimes" in doc.messages[0].text
    else:
        assert [m.direction for m in doc.messages] == ["incoming"] and doc.meta["letter"] is False


def test_real_tribunal_texts_and_pdfs():
    folder = need_shared("corpus", "tribunal")
    fmt, [doc] = parse_file(folder / "text" / "1000.txt")
    assert fmt == "tribunal" and doc.kind == "tribunal_decision"
    assert doc.meta["appeal_outcome"] == "dismissed"
    assert "EA/2015/0021" in doc.meta["appeal_references"]
    assert "FS50554846" in doc.meta["ico_decision_notices"]
    assert "s43" in doc.meta["sections_considered"]
    fmt, [doc] = parse_file(folder / "text" / "1500.txt")
    assert doc.authority == "Salford City Council"
    scans = 0
    from ingest.parsers import tribunal

    for path in sorted((folder / "pdf-sample").glob("*.pdf"))[:40]:
        data = path.read_bytes()
        if detect(path, data[:65536]) is None:
            # The decision is read once, from its text copy; the PDF still parses on its own.
            assert (folder / "text" / f"{path.stem}.txt").stat().st_size > 0
        try:
            [doc] = tribunal.parse(data, path=str(path))
            fmt = "tribunal"
        except ParseError as e:
            assert "no text layer" in str(e) or "scan" in str(e)
            scans += 1
            continue
        assert fmt == "tribunal" and doc.source_key == path.stem and doc.title


def test_real_tribunal_metadata_has_no_mojibake():
    from ingest.parsers.tribunal import load_tribunal_metadata

    meta = load_tribunal_metadata(need_shared("corpus", "tribunal", "decisions.csv").read_bytes())
    assert len(meta) == 2524
    blob = json.dumps(meta, ensure_ascii=False)
    assert "ÔøΩ" not in blob
    titles = {m["case_title"] for m in meta.values() if m.get("case_title")}
    assert any("für" in t for t in titles)


def test_real_govuk_items():
    folder = need_shared("corpus", "govuk-foi-release")
    fmt, [doc] = parse_file(folder / "publication-with-featured-attachments.json")
    assert doc.authority == "Ministry of Defence"
    assert doc.source_key == "number-of-ex-regular-service-personnel-in-fr20"
    assert doc.attachments and doc.attachments[0].url.endswith("PUBLIC_1392629965.pdf")
    assert detect(folder / "best-practice-publication-scheme.json",
                  (folder / "best-practice-publication-scheme.json").read_bytes()) is None


def test_real_devon_log_drops_officer_columns():
    path = need_shared("corpus", "devon-foi-log", "foi-log-2016-11-14.csv")
    fmt, docs = parse_file(path)
    assert fmt == "foi-log-csv" and len(docs) == 3577
    assert all(d.source == "devon" and d.authority == "Devon County Council" for d in docs)
    assert Counter(d.meta.get("log_outcome") for d in docs)["Information not held"] == 620
    blob = json.dumps([dataclasses.asdict(d)["meta"] for d in docs])
    assert "disclosure_officer" not in blob and "senior_manager" not in blob
    officers = {"Rebecca Eden", "Simon Osborne", "Russell Hilton"}
    assert not any(o in blob for o in officers)


def test_real_ico_notices_and_skipped_files():
    folder = need_shared("corpus", "ico-decisions-metadata")
    fmt, docs = parse_file(folder / "decision-notices.csv")
    assert fmt == "ico-csv" and len(docs) == 7916
    assert docs[0].source_key == "FS50520644" and docs[0].request_date == "2013-09-16"
    corpus = need_shared("corpus")
    for rel in ("ico-decisions-metadata/keywords.xlsx", "police-bodies/police.json",
                "police-bodies/generated-dataset.json", "police-bodies/wdtk-police.csv",
                "wdtk-mhclg/metadata/whatDoTheyKnow_links.csv", "wdtk-mhclg/metadata/exampleUrls.txt",
                "tribunal/decisions.csv"):
        path = corpus / rel
        found = detect(path, path.read_bytes()[:65536])
        if rel.endswith(".xlsx"):
            # Spreadsheets go to the log reader, which finds no FOI log in a keyword list.
            assert found is not None and found[1](path.read_bytes(), path=str(path)) == [], rel
            continue
        assert found is None, rel
