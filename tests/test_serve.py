"""``foi-search serve``: the local HTTP server, against the invented fixture documents.

Most tests run a keyword-only server in a thread (no model: fast); reload tests
use the fake embedder; one ``model`` test uses the real model.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from search_helpers import FakeEmbedder, fill_store, load_fixture_documents

from foi_search.cli import cli
from foi_search.core.errors import FoiSearchError
from foi_search.serve.server import MAX_BODY, FoiSearchServer
from foi_search.serve.service import SearchService
from foi_search.store import Store

REQUEST = "How many staff were disciplined for misuse of social media each year, and what were their job roles?"
HOSTILE = ['"', '"unbalanced', "NOT parking", "NEAR(parking fines, 3)", "(((", "*", "title:parking", "{title}: x",
           "'; drop table documents; --", "\x00\x01", "park\x00ing", "é 中文 🙂", "   x", "parking " * 2000]
# Without this, urllib sends requests for 127.0.0.1 to any proxy set in the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(server, path: str, body=None, *, method: str | None = None, raw: bytes | None = None,
         headers: dict | None = None) -> tuple[int, dict]:
    """``(status, JSON answer)`` of one request."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(server.url + path, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def get(server, path: str, **params) -> tuple[int, dict]:
    return call(server, f"{path}?{urllib.parse.urlencode(params, doseq=True)}")


@contextmanager
def running(service: SearchService):
    server = FoiSearchServer(service, "127.0.0.1", 0)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        service.close()
        t.join(5)


def _filled_db(path: Path) -> Path:
    with Store(path) as s:
        fill_store(s)
    return path


@pytest.fixture(scope="module")
def kw_db(tmp_path_factory) -> Path:
    return _filled_db(tmp_path_factory.mktemp("serve") / "foi.db")


@pytest.fixture(scope="module")
def server(kw_db):
    with running(SearchService(kw_db, keyword_only=True, notify=lambda m: None)) as srv:
        yield srv


def _cli_json(db: Path, *args: str) -> dict:
    r = CliRunner().invoke(cli, ["--db", str(db), *args, "--json", "--keyword-only"])
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


# -- answers ----------------------------------------------------------------------


def test_health(server, kw_db):
    status, h = get(server, "/health")
    assert status == 200
    assert h["db"] == str(kw_db) and h["mode"] == "keyword" and h["keyword_only"] is True
    assert h["documents"] == 9 and h["index_vectors"] == 0


def test_search_is_the_cli_json(server, kw_db):
    status, got = get(server, "/search", q="parking penalty charge notices", limit=3, outcome="disclosed_partial")
    assert status == 200
    assert got == _cli_json(kw_db, "search", "--limit", "3", "--outcome", "disclosed_partial",
                            "parking penalty charge notices")
    assert got["results"][0]["source_key"] == "parking_pcns_westford"


def test_search_filters_get_and_post(server):
    _, r = get(server, "/search", q=REQUEST, authority="eastmere")
    assert {h["source_key"] for h in r["results"]} == {"social_media_discipline_eastmere", "EA-2021-0420"}
    _, r = get(server, "/search", q=REQUEST, authority="eastmere", kind="tribunal_decision")
    assert [h["source_key"] for h in r["results"]] == ["EA-2021-0420"]
    _, r = get(server, "/search", q=REQUEST, outcome=["refused", "not_held"], kind="response")
    assert {h["outcome"] for h in r["results"]} <= {"refused", "not_held"} and r["results"]
    _, r = get(server, "/search", q=REQUEST, exemption="40(2)", since="2024-02-01", until="2024-02-02")
    assert [h["source_key"] for h in r["results"]] == ["social_media_discipline_eastmere"]
    status, r = call(server, "/search", {"text": REQUEST, "limit": 2, "qid": 7, "law": "foia",
                                         "kind": ["response", "log_entry"], "source": "wdtk"})
    # The three near-identical requests are one result (count 3): a batch counts once against the limit.
    assert status == 200 and r["qid"] == "7" and 1 <= len(r["results"]) <= 2 and r["results"][0]["count"] == 3
    assert all(h["kind"] == "response" for h in r["results"])
    _, r = get(server, "/search", q="allotment waiting list", law="EIR")
    assert [h["source_key"] for h in r["results"]] == ["allotments_kingsbridge"]


def test_precedents_is_the_cli_json(server, kw_db):
    status, got = call(server, "/precedents", {"q": REQUEST, "reasoning": 1, "limit": 3})
    assert status == 200
    assert got == _cli_json(kw_db, "precedents", "--reasoning", "1", "--limit", "3", REQUEST)
    assert got["similar"][0]["count"] == 3 and got["sections"][0]["code"] == "s40(2)"


def test_exists_lists_attachments(server, kw_db):
    status, got = get(server, "/exists", q="parking penalty charge notices")
    assert status == 200
    assert got == _cli_json(kw_db, "exists", "parking penalty charge notices")
    assert got["results"][0]["attachments"][0]["name"] == "pcn_monthly_2022.csv"


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_answered(server, query):
    assert get(server, "/search", q=query)[0] == 200
    assert call(server, "/exists", {"q": query})[0] == 200
    assert call(server, "/precedents", {"q": query})[0] == 200


# -- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, body, expect",
    [
        ("/search", b"{not json", "not valid JSON"),
        ("/search", b"[1, 2]", "must be a JSON object"),
        ("/search", b"\xff\xfe", "not valid JSON"),
        ("/search", b'{"q": "x", "outcome": "won"}', "'won' is not one of"),
        ("/search", b'{"q": "x", "exemption": "s999"}', "not a known exemption"),
        ("/search", b'{"q": "x", "law": "GDPR"}', "'GDPR' is not one of FOIA"),
        ("/search", b'{"q": "x", "kind": "memo"}', "'memo' is not one of"),
        ("/search", b'{"q": "x", "limit": 0}', "between 1 and 1000"),
        ("/search", b'{"q": "x", "limit": "ten"}', "whole number"),
        ("/search", b'{"q": "x", "limit": true}', "whole number"),
        ("/search", b'{"q": "x", "outcomes": "refused"}', "Unknown parameter 'outcomes'"),
        ("/search", b'{"q": "x", "text": "y"}', "Both 'q' and 'text'"),
        ("/search", b'{"q": ["x", "y"]}', "given 2 times"),
        ("/search", b'{"q": 3}', "must be a string"),
        ("/search", b'{"q": "\\ud800"}', "not valid Unicode"),
        ("/search", b'{"limit": 3}', "No query"),
        ("/search", b'{"q": "  "}', "No query"),
        ("/precedents", b'{"q": "x", "reasoning": 51}', "between 0 and 50"),
        ("/exists", b'{"q": "x", "qid": "a"}', "Unknown parameter 'qid'"),
    ],
)
def test_bad_input_is_400_with_a_hint(server, path, body, expect):
    status, r = call(server, path, raw=body, method="POST")
    assert status == 400
    assert expect in r["error"] and "hint" in r


def test_bad_query_string_is_400(server):
    status, r = get(server, "/search", q="x", outcome="nope")
    assert status == 400 and r["hint"] == "Fix the 'outcome' parameter."
    assert get(server, "/health", verbose=1)[0] == 400


def test_unknown_path_and_method(server):
    status, r = get(server, "/searches", q="x")
    assert status == 404 and "/search" in r["hint"]
    assert get(server, "/")[0] == 404
    assert call(server, "/health", {"q": 1})[0] == 405
    assert call(server, "/search", method="DELETE")[0] == 405
    assert get(server, "/search/", q="parking")[0] == 200  # a trailing slash is the same endpoint


def test_oversize_body_is_413(server):
    status, r = call(server, "/search", {"q": "x" * MAX_BODY})
    assert status == 413 and "limit" in r["error"]
    assert get(server, "/health")[0] == 200


def test_other_host_names_are_refused(server):
    # DNS rebinding: a web page whose name now points at 127.0.0.1 must not read answers.
    assert call(server, "/health", headers={"Host": "evil.example:8765"})[0] == 403
    assert call(server, "/health", headers={"Host": "localhost:8765"})[0] == 200


def test_unexpected_error_is_500_and_the_server_keeps_running(server, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(server.service.searcher, "search", boom)
    status, r = get(server, "/search", q="parking")
    assert status == 500 and r["error"] == "Internal error: RuntimeError: disk on fire"
    monkeypatch.undo()
    assert get(server, "/search", q="parking")[0] == 200


# -- loading and reloading ----------------------------------------------------------


def _new_doc(key: str, title: str):
    doc = load_fixture_documents()[0]
    return dataclasses.replace(doc, source_key=key, title=title, url=f"https://example.org/request/{key}")


def test_keyword_server_sees_new_documents(tmp_path):
    db = _filled_db(tmp_path / "foi.db")
    with running(SearchService(db, keyword_only=True, notify=lambda m: None)) as srv:
        assert get(srv, "/search", q="zeppelin mooring masts")[1]["results"] == []
        with Store(db) as s:
            s.save_document(_new_doc("zeppelins", "Zeppelin mooring masts on council land"))
        _, r = get(srv, "/search", q="zeppelin mooring masts")
        assert r["results"][0]["source_key"] == "zeppelins"
        assert get(srv, "/health")[1]["documents"] == 10


def test_no_index_is_keyword_search_with_the_cli_note(tmp_path):
    notes = []
    db = _filled_db(tmp_path / "foi.db")
    service = SearchService(db, notify=notes.append)
    try:
        assert service.searcher.mode == "keyword"
        assert any("No vector index yet" in n for n in notes)
    finally:
        service.close()


def test_stale_index_at_start_serves_with_the_cli_note(tmp_path):
    from foi_search.services.indexing import build_index

    db = _filled_db(tmp_path / "foi.db")
    with Store(db) as s:
        build_index(s, embedder=FakeEmbedder())
        s.save_document(_new_doc("zeppelins", "Zeppelin mooring masts"))
    notes: list[str] = []
    with running(SearchService(db, embedder=FakeEmbedder(), notify=notes.append)) as srv:
        h = get(srv, "/health")[1]
        assert h["mode"] == "hybrid" and h["index_stale"] is True
        _, r = get(srv, "/search", q="zeppelin mooring masts")
        assert r["index_stale"] is True and r["results"][0]["source_key"] == "zeppelins"
    assert any("behind the database" in n for n in notes)


def test_hybrid_server_reloads_a_rebuilt_index(tmp_path):
    from foi_search.services.indexing import build_index

    db = _filled_db(tmp_path / "foi.db")
    emb = FakeEmbedder()
    with Store(db) as s:
        build_index(s, embedder=emb)
    notes = []
    with running(SearchService(db, embedder=emb, notify=notes.append)) as srv:
        h = get(srv, "/health")[1]
        assert h["mode"] == "hybrid" and h["index_vectors"] > 0 and h["index_stale"] is False
        calls = emb.calls
        assert get(srv, "/search", q="HMO register")[1]["mode"] == "hybrid"
        assert emb.calls == calls + 1  # warm: one embedding per query, nothing reloaded
        with Store(db) as s:
            s.save_document(_new_doc("zeppelins", "Zeppelin mooring masts on council land"))
        # Ingested but not indexed: the loaded index keeps answering, /health says so.
        assert get(srv, "/search", q="HMO register")[0] == 200
        assert get(srv, "/health")[1]["index_stale"] is True
        # A manifest rewritten mid-build (still behind the database) is not loaded.
        manifest = db.with_suffix(".index") / "manifest.json"
        st = manifest.stat()
        os.utime(manifest, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        _, r = get(srv, "/search", q="HMO register")
        assert r["mode"] == "hybrid" and r["results"]
        h = get(srv, "/health")[1]
        assert h["reloads"] == 0 and "behind the database" in h["note"]
        with Store(db) as s:
            build_index(s, embedder=emb)
        _, r = get(srv, "/search", q="zeppelin mooring masts")
        assert r["mode"] == "hybrid" and r["results"][0]["source_key"] == "zeppelins"
        h = get(srv, "/health")[1]
        assert h["reloads"] == 1 and h["index_stale"] is False and h["documents"] == 10


def test_cli_serve_prints_its_address_and_stops_on_sigterm(kw_db):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    p = subprocess.Popen(
        [sys.executable, "-m", "foi_search", "--db", str(kw_db), "serve", "--port", "0", "--keyword-only"],
        stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        line = p.stderr.readline()
        assert line.startswith(f"Serving {kw_db} on http://127.0.0.1:") and line.rstrip().endswith("(Ctrl-C to stop)")
        url = line.split(" on ")[1].split()[0]
        with _OPENER.open(url + "/search?q=parking", timeout=30) as r:
            assert json.loads(r.read())["results"]
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=20) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_cli_serve_without_a_database(tmp_path):
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "serve", "--port", "0"])
    assert r.exit_code == 2 and "No database" in r.output
    assert not (tmp_path / "none.db").exists()


# -- the real model -----------------------------------------------------------------


@pytest.mark.model
def test_hybrid_with_the_real_model(tmp_path):
    from foi_search.services.indexing import build_index
    from foi_search.search.resources import cached_embedder as _cached_embedder

    db = _filled_db(tmp_path / "foi.db")
    with Store(db) as s:
        build_index(s, embedder=_cached_embedder("auto"))
    with running(SearchService(db, notify=lambda m: None)) as srv:
        # No shared words with "HMO" or "multiple occupation": only the model bridges them.
        _, r = get(srv, "/search", q="list of licensed shared houses and their landlords", limit=3)
        assert r["mode"] == "hybrid" and r["results"][0]["source_key"] == "hmo_register_northshire"
        _, r = call(srv, "/precedents", {"q": REQUEST})
        assert r["mode"] == "hybrid" and r["similar"][0]["count"] == 3
