"""End to end with the real model: the demo corpus, a real SQLite file, a real FAISS index."""

import json

import pytest
from click.testing import CliRunner

from foi_search.cli import cli
from foi_search.store import Store


@pytest.mark.model
def test_demo_end_to_end(tmp_path):
    db = tmp_path / "demo.db"
    r = CliRunner().invoke(cli, ["--db", str(db), "demo", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output.strip().splitlines()[-1])
    assert out["ingest"]["failed"] == 0 and out["ingest"]["succeeded"] >= 48
    report = out["report"]
    assert not report["no_close_precedent"]
    top = report["similar"][0]
    assert "misconduct" in (top["citation"]["title"] + top["passage"]).lower()
    codes = [s["code"] for s in report["sections"]]
    assert "s40(2)" in codes
    s40 = next(s for s in report["sections"] if s["code"] == "s40(2)")
    assert s40["reasoning"] and all(c["authority"] for g in s40["reasoning"] for c in g["citations"])
    assert (tmp_path / "demo.index" / "manifest.json").exists()

    # The same DB answers hybrid search from the command line.
    r = CliRunner().invoke(cli, ["--db", str(db), "search", "--json", "speed cameras and ANPR locations"])
    assert r.exit_code == 0, r.output
    hits = json.loads(r.output.strip().splitlines()[-1])["results"]
    assert hits and any("anpr" in (h["title"] + h["passage"]).lower() or "camera" in h["title"].lower() for h in hits[:3])

    # Running the demo again starts from a fresh DB, without duplicates.
    r = CliRunner().invoke(cli, ["--db", str(db), "demo", "--json"])
    assert r.exit_code == 0, r.output
    with Store(db) as s:
        assert s.db["documents"].count == out["ingest"]["succeeded"]


def test_demo_refuses_a_database_with_other_data(tmp_path):
    from foi_search.core.domain import Document

    db = tmp_path / "mine.db"
    with Store(db) as s:
        s.save_document(Document(source="test", source_key="k", path="/elsewhere/x.txt"))
    r = CliRunner().invoke(cli, ["--db", str(db), "demo"])
    assert r.exit_code == 2
    assert "fresh database" in r.output
    with Store(db) as s:
        assert s.db["documents"].count == 1
