"""Search: safe keyword queries, hybrid ranking, filters, grouping, CLI modes and exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from search_helpers import FakeEmbedder, fill_store

from foi_search.cli import cli
from foi_search.core.filters import Filters
from foi_search.search.querytext import clean_query, query_terms
from foi_search.search.searcher import Searcher

HOSTILE = [
    '"',
    '""',
    '"unbalanced quote',
    "AND",
    "OR OR OR",
    "NOT parking",
    "parking NOT",
    "NEAR(parking fines, 3)",
    "parking NEAR fines",
    "(((",
    ")",
    "parking) OR (",
    "*",
    "park*",
    "-parking",
    "--",
    "title:parking",
    ":",
    "{title}: x",
    "^parking",
    "parking + fines",
    "é à ü ß ø 中文 العربية 🙂",
    "naïve café résumé",
    "\x00\x01",
    "_ __ ___",
    "   ",
    "a an the of",
    "'; drop table documents; --",
    "x" * 500,
    "parking fines " * 900,  # ~12 KB
]


@pytest.fixture
def filled(store):
    fill_store(store)
    return store


@pytest.fixture
def hybrid(filled, tmp_path):
    from foi_search.services.indexing import build_index

    emb = FakeEmbedder()
    build_index(filled, embedder=emb)
    return Searcher(filled, embedder=emb, notify=lambda m: None)


def test_query_terms_are_plain_words():
    assert query_terms('parking "fines" AND (NEAR) -x * title:y') == ["parking", "fines", "near", "title"]
    assert query_terms("") == []
    assert len(query_terms(" ".join(f"word{i}" for i in range(500)))) == 48


def test_clean_query_drops_exists_framing():
    assert clean_query("Before I send a request: has anyone already obtained figures on abandoned cars?") == (
        "figures on abandoned cars?"
    )
    assert clean_query("Has the council previously said how many tonnes of food waste it collects?").startswith(
        "how many tonnes"
    )
    assert clean_query("published") == "published"  # nothing left: keep the text


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_error_keyword(filled, query):
    result = Searcher(filled, keyword_only=True).search(query)
    assert isinstance(result.results, list)
    json.dumps(result.to_json())


@pytest.mark.parametrize("query", HOSTILE[::3])
def test_hostile_queries_never_error_hybrid(hybrid, query):
    result = hybrid.search(query)
    assert result.mode == "hybrid"
    json.dumps(result.to_json())


def test_empty_after_cleaning_is_no_precedent(filled):
    result = Searcher(filled, keyword_only=True).search("the of and *")
    assert result.results == [] and result.no_close_precedent


def test_keyword_finds_and_groups_by_document(filled):
    result = Searcher(filled, keyword_only=True).search("penalty charge notices parking streets", limit=10)
    keys = [h.source_key for h in result.results]
    assert keys[0] == "parking_pcns_westford"
    assert len(keys) == len(set(keys))  # one entry per document though two passages match
    top = result.results[0]
    assert "penalty charge notices" in top.passage.lower()
    assert {"penalty", "parking"} <= set(top.matched)


def test_hybrid_ranks_and_reuses_model(hybrid):
    emb = hybrid.embedder
    r1 = hybrid.search("register of houses in multiple occupation licences")
    calls = emb.calls
    r2 = hybrid.search("waste collection contract prices")
    assert r1.results[0].source_key == "hmo_register_northshire"
    assert r2.results[0].source_key == "waste_contract_northshire"
    assert emb.calls == calls + 1  # one embed call per query, no re-embedding of documents


@pytest.mark.parametrize(
    "filters, allowed",
    [
        (Filters(authority="westford"), {"social_media_discipline_westford", "parking_pcns_westford"}),
        (Filters(outcomes=["refused"]), {"social_media_discipline_eastmere", "social_media_discipline_kingsbridge",
                                          "waste_contract_northshire"}),
        (Filters(exemption="s43"), {"waste_contract_northshire", "EA-2019-0101"}),
        (Filters(source="tribunal"), {"EA-2019-0101", "EA-2021-0420"}),
        (Filters(since="2024-01-01"), {"social_media_discipline_eastmere", "social_media_discipline_westford",
                                        "social_media_discipline_kingsbridge"}),
        (Filters(until="2021-12-31"), {"allotments_kingsbridge", "EA-2019-0101"}),
        (Filters(law="EIR"), {"allotments_kingsbridge"}),
        (Filters(kinds=["tribunal_decision"]), {"EA-2019-0101", "EA-2021-0420"}),
    ],
)
def test_filters_apply_in_both_modes(hybrid, filled, filters, allowed):
    query = "staff social media waste contract parking allotment register appeal"
    for searcher in (Searcher(filled, keyword_only=True), hybrid):
        keys = {h.source_key for h in searcher.search(query, filters, limit=50).results}
        assert keys and keys <= allowed, (searcher.mode, keys)


def test_no_close_precedent_for_unrelated_query(hybrid):
    result = hybrid.search("helicopter landing pads on hospital roofs")
    assert result.no_close_precedent


def test_missing_index_is_keyword_with_note(filled):
    notes = []
    s = Searcher(filled, embedder=FakeEmbedder(), notify=notes.append)
    assert s.search("parking").mode == "keyword"
    assert any("foi-search index" in n for n in notes)


def test_mismatched_index_refused(hybrid, filled):
    from foi_search.core.errors import FoiSearchError

    manifest = hybrid.index_dir / "manifest.json"
    data = json.loads(manifest.read_text())
    data["model"] = "some/other-model"
    manifest.write_text(json.dumps(data))
    with pytest.raises(FoiSearchError, match="other-model"):
        Searcher(filled, embedder=FakeEmbedder()).search("parking")


def test_stale_index_answers_with_a_note(hybrid, filled):
    from search_helpers import load_fixture_documents

    doc = load_fixture_documents()[0]
    doc.source_key = "added_after_indexing"
    doc.title = "Zeppelin mooring masts on council land"
    filled.save_document(doc)
    notes: list[str] = []
    views_before = filled.conn.execute("select count(*) from doc_views").fetchone()[0]
    s = Searcher(filled, embedder=FakeEmbedder(), notify=notes.append)
    r = s.search("zeppelin mooring masts")
    # Readers never write: the new document's summary was embedded in memory only.
    assert filled.conn.execute("select count(*) from doc_views").fetchone()[0] == views_before
    assert r.mode == "hybrid" and r.index_stale and r.to_json()["index_stale"] is True
    assert r.results[0].source_key == "added_after_indexing"  # found by keyword (and its new summary)
    assert any("behind the database" in n and "foi-search index" in n for n in notes)
    from foi_search.services.indexing import build_index

    build_index(filled, embedder=FakeEmbedder())
    fresh = Searcher(filled, embedder=FakeEmbedder(), notify=lambda m: None).search("zeppelin mooring masts")
    assert not fresh.index_stale and fresh.results[0].source_key == "added_after_indexing"


def test_many_missing_summaries_are_left_to_the_index_command(hybrid, filled, monkeypatch):
    import foi_search.search.resources as search_mod

    with filled.transaction():
        filled.conn.execute("delete from doc_views")
    monkeypatch.setattr(search_mod, "LAZY_VIEWS_MAX", 2)
    notes: list[str] = []
    emb = FakeEmbedder()
    r = Searcher(filled, embedder=emb, notify=notes.append).search("parking")
    assert r.mode == "hybrid" and r.results
    assert any("no summary vectors yet" in n for n in notes)
    assert filled.conn.execute("select count(*) from doc_views").fetchone()[0] == 0


# -- CLI -----------------------------------------------------------------------


@pytest.fixture
def cli_db(filled, db_path, monkeypatch):
    import foi_search.search.resources as search_mod

    monkeypatch.setitem(search_mod._EMBEDDERS, "auto", FakeEmbedder())
    return str(db_path)


def test_cli_search_text_and_exit_codes(cli_db):
    r = CliRunner().invoke(cli, ["--db", cli_db, "search", "--keyword-only", "parking", "tickets", "streets"])
    assert r.exit_code == 0, r.output
    assert "Parking tickets issued by street" in r.output and "Westford" in r.output
    r = CliRunner().invoke(cli, ["--db", cli_db, "search", "--keyword-only", "zzzqqq"])
    assert r.exit_code == 1
    assert "No close precedent" in r.output
    r = CliRunner().invoke(cli, ["--db", cli_db + ".missing", "search", "parking"])
    assert r.exit_code == 2


def test_cli_search_notes_missing_index_on_stderr(cli_db):
    r = CliRunner().invoke(cli, ["--db", cli_db, "search", "parking tickets"])
    assert r.exit_code == 0
    assert "foi-search index" in r.stderr and "foi-search index" not in r.stdout


def test_cli_search_json_schema(cli_db):
    r = CliRunner().invoke(cli, ["--db", cli_db, "search", "--keyword-only", "--json", "HMO register"])
    assert r.exit_code == 0
    obj = json.loads(r.stdout)
    assert {"query", "no_close_precedent", "results"} <= set(obj)
    assert "qid" not in obj
    res = obj["results"][0]
    for key in ("source_key", "title", "authority", "url", "date", "outcome", "exemptions", "score", "passage"):
        assert key in res
    assert res["source_key"] == "hmo_register_northshire" and isinstance(res["exemptions"], list)


def test_cli_markdown(cli_db):
    r = CliRunner().invoke(cli, ["--db", cli_db, "search", "--keyword-only", "--markdown", "HMO register"])
    assert r.exit_code == 0
    assert "**[Register of licensed HMOs](https://example.org/request/hmo_register_northshire)**" in r.output
    assert "**HMO**" in r.output  # matched word highlighted


def test_cli_batch(cli_db, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        "\n".join(
            [
                json.dumps({"qid": "a", "text": "HMO register"}),
                "not json",
                json.dumps({"qid": 7, "text": "NEAR(\"((*"}),
                "",
                json.dumps({"qid": "c", "text": "parking tickets"}),
            ]
        )
    )
    r = CliRunner().invoke(cli, ["--db", cli_db, "search", "--keyword-only", "--batch", str(batch)])
    assert r.exit_code == 0
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["qid"] for o in out] == ["a", "7", "c"]
    assert out[0]["results"][0]["source_key"] == "hmo_register_northshire"
    assert "skipped" in r.stderr


def test_cli_batch_hybrid_with_index(cli_db, filled, tmp_path):
    from foi_search.services.indexing import build_index

    build_index(filled, embedder=FakeEmbedder())
    batch = tmp_path / "q.jsonl"
    batch.write_text(json.dumps({"qid": "x", "text": "waste collection contract rates"}) + "\n")
    r = CliRunner().invoke(cli, ["--db", cli_db, "search", "--batch", str(batch), "--limit", "3"])
    assert r.exit_code == 0, r.stderr
    obj = json.loads(r.stdout)
    assert obj["mode"] == "hybrid" and obj["results"][0]["source_key"] == "waste_contract_northshire"


def test_cli_filter_options(cli_db):
    r = CliRunner().invoke(
        cli, ["--db", cli_db, "search", "--keyword-only", "--json", "--outcome", "refused", "--exemption", "s40(2)",
              "staff disciplined social media"],
    )
    assert r.exit_code == 0
    keys = {m["source_key"] for x in json.loads(r.stdout)["results"] for m in x["members"]}
    assert keys == {"social_media_discipline_eastmere", "social_media_discipline_kingsbridge"}
    r = CliRunner().invoke(cli, ["--db", cli_db, "search", "--outcome", "bogus", "x"])
    assert r.exit_code == 2


def test_highlight_text_and_markdown():
    from foi_search.cli.render import BOLD, RESET, highlight

    assert highlight("Parking tickets issued", ["ticket", "parking"]) == (
        f"{BOLD}Parking{RESET} {BOLD}tickets{RESET} issued"
    )
    assert highlight("penalty charge notices", ["notice"], markdown=True) == "penalty charge **notices**"
    assert highlight("nothing here", []) == "nothing here"


def test_words_for_batches_are_the_regular_expressions_words_on_any_text():
    import random
    import re

    from foi_search.search.querytext import lower_words, shingle_hashes, shingles

    rng = random.Random(7)
    # Every ASCII character, typographic punctuation, and letters and digits beyond ASCII.
    chars = [chr(i) for i in range(128)] + list("’‘“”–—•£€…·¦○\u2028\xa0\ufeffé字ßİ٣Ⅻ_")
    words = ["Parking", "fines", "2023", "a_b", "x-y", "C.D.", "café", "naïve", "£5", "“quoted”"]
    for n in range(600):
        pool = chars if n % 3 else chars[:128]
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 120)))
        text += " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
        assert lower_words(text) == [w.lower() for w in re.findall(r"\w+", text)], repr(text)
        assert shingle_hashes(text) == {hash(s) for s in shingles(text)}
