"""ingest.detect routing, and whole-folder ingest: every file parsed, skipped, or failed with a reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES
from ingest.detect import detect
from parsers_helpers import make_pdf

HERE = FIXTURES / "parsers"


def fmt(path: Path, data: bytes | None = None) -> str | None:
    data = path.read_bytes() if data is None else data
    found = detect(path, data[:65536])
    return found[0] if found else None


@pytest.mark.parametrize(
    "name, expected",
    [
        ("alaveteli_thread.json", "alaveteli-json"),
        ("alaveteli_truncated.json", "alaveteli-json"),  # routed, then fails with its reason
        ("wdtk_2019.html", "alaveteli-html"),
        ("wdtk_current.html", "alaveteli-html"),
        ("mps_page.txt", "mps-page"),
        ("mps_page.html", "mps-page"),
        ("letter.txt", "letter"),
        ("letter_cp1252.txt", "letter"),
        ("response.eml", "email"),
        ("govuk_foi_release.json", "govuk-json"),
        ("govuk_publication_scheme.json", None),
        ("foi_log.csv", "foi-log-csv"),
        ("ico_notices.csv", "ico-csv"),
        ("tribunal/text/77.txt", "tribunal"),
        ("tribunal/decisions.csv", None),
        ("seeds/police.json", None),
        ("seeds/exampleUrls.txt", None),
        ("seeds/links.csv", None),
        ("seeds/bodies.csv", None),
    ],
)
def test_detect_fixture(name, expected):
    assert fmt(HERE / name) == expected


def test_detect_pdf_letter_and_unrelated_text(tmp_path):
    assert fmt(tmp_path / "reply.pdf", make_pdf(["Dear Requester"])) == "letter"
    assert fmt(tmp_path / "notes.txt", b"Shopping list: eggs, flour, milk.\n") is None
    assert fmt(tmp_path / "photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100) is None


def test_tribunal_metadata_is_bound_from_the_parent_folder():
    path = HERE / "tribunal" / "text" / "77.txt"
    name, parse = detect(path, path.read_bytes())
    [doc] = parse(path.read_bytes(), path=str(path))
    assert doc.title == "Morgan Fictional v IC"  # from decisions.csv one folder up
    assert doc.meta["appeal_outcome"] == "part_allowed"


def _bad_inputs(folder: Path) -> None:
    (folder / "empty.json").write_bytes(b"")
    (folder / "garbage.pdf").write_bytes(bytes(range(256)) * 20)
    (folder / "scan.pdf").write_bytes(make_pdf(None))
    (folder / "cut.pdf").write_bytes(make_pdf(["A letter that was cut short in transfer"])[:200])
    big = b"<html><head><title>FOI log</title></head><body><main><h1>Freedom of Information release</h1>" + (
        b"<p>Row of a very long published table, repeated many times over.</p>" * 6000) + b"</main></body></html>"
    (folder / "huge.html").write_bytes(big)


def test_ingest_fixture_folder_end_to_end(tmp_path, store):
    from ingest.pipeline import ingest_paths

    corpus = tmp_path / "corpus"
    shutil.copytree(HERE, corpus)
    _bad_inputs(corpus)
    report = ingest_paths(store, [corpus])
    summary = report.summary()
    failures = {Path(f["path"]).name: f["reason"] for f in summary["failures"]}
    assert set(failures) == {"alaveteli_truncated.json", "empty.json", "garbage.pdf", "scan.pdf", "cut.pdf", "80.txt"}
    assert "truncated JSON" in failures["alaveteli_truncated.json"]
    assert "no text layer" in failures["scan.pdf"]
    assert "not one" in failures["garbage.pdf"]
    assert "empty" in failures["empty.json"] and "empty" in failures["80.txt"]
    assert summary["skipped"] == 6  # four seeds, decisions.csv, the gov.uk publication scheme
    by = summary["by_format"]
    assert by["alaveteli-html"] == 3 and by["foi-log-csv"] == 2 and by["ico-csv"] == 2 and by["tribunal"] == 2
    assert by["council-html"] == 1  # the huge page, capped but stored
    huge = store.load_document(store.find_document_id("huge"))
    assert len(huge.messages[-1].text) <= 300_100 and huge.messages[-1].text.endswith("[text truncated]")
    # The two saves of one WhatDoTheyKnow page are one document.
    assert store.find_document_id("street_lighting_faults") is not None
    assert summary["added"] == summary["succeeded"] - 1
    again = ingest_paths(store, [corpus]).summary()
    assert again["added"] == 0
    # Only the page saved twice changes: the store's hash includes the path, which differs between the copies.
    assert again["updated"] <= 2


def test_ingest_in_worker_processes_stores_the_same(tmp_path):
    from foi_search.store import Store
    from ingest.pipeline import ingest_paths

    corpus = tmp_path / "corpus"
    shutil.copytree(HERE, corpus)
    _bad_inputs(corpus)
    results = []
    for jobs in (1, 2):
        store = Store(tmp_path / f"jobs{jobs}.db")
        summary = ingest_paths(store, [corpus], jobs=jobs).summary()
        summary.pop("run_id")
        rows = store.conn.execute("select source_key, content_hash from documents order by id").fetchall()
        errors = store.conn.execute("select target, stage, reason from ingest_errors order by id").fetchall()
        results.append((summary, rows, errors))
        store.close()
    assert results[0] == results[1]
    assert results[0][1] and results[0][2]
