"""``foi-search crawl SOURCE``: summary, JSON, progress, exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner
from crawlsite import SITES, loopback_only, site_server  # noqa: F401 (fixtures)

from foi_search.cli import cli


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), "crawl", *args])


def test_crawl_text_summary_then_incremental_json(site_server, db_path):
    s = site_server("mps")
    r = run(db_path, "mps", "--base-url", s.base, "--delay", "0")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "crawl mps (full pass, reached the end of the listing)" in out
    assert "4 new, 0 updated" in out and "304 not modified 0" in out
    assert "failures: 2 (robots 2)" in out and "off-site links not followed" in out
    # progress goes to stderr, one line per item when not on a terminal
    assert "new  " + s.url("/foi-ai/metropolitan-police/disclosure-2024/january/drones-in-use/") in r.stderr
    r2 = run(db_path, "mps", "--base-url", s.base, "--delay", "0", "--json", "--quiet")
    assert r2.exit_code == 0 and r2.stderr == ""
    summary = json.loads(r2.stdout)
    assert summary["mode"] == "incremental" and summary["fetched"] == 0
    assert summary["not_modified"] == summary["pages"] and summary["documents"]["added"] == 0
    assert summary["failure_reasons"] == {"robots": 2} and summary["reused_share"] == 1.0


def test_crawl_alaveteli_needs_an_authority(db_path):
    r = run(db_path, "alaveteli", "--base-url", "http://127.0.0.1:9/")
    assert r.exit_code == 2 and "--authority" in r.output and "Traceback" not in r.output


def test_crawl_generic_with_config(site_server, db_path):
    s = site_server("generic")
    config = str(SITES / "generic" / "exampleshire.toml")
    r = run(db_path, "generic", "--config", config, "--base-url", s.base, "--delay", "0", "-q")
    assert r.exit_code == 0 and "3 new" in r.stdout
    r = run(db_path, "generic", "--base-url", s.base)
    assert r.exit_code == 2 and "--config" in r.output


def test_crawl_bad_since_and_unknown_source(db_path):
    assert run(db_path, "mps", "--since", "yesterday").exit_code == 2
    r = run(db_path, "myspace")
    assert r.exit_code == 2 and "Invalid value" in r.output


def test_crawl_with_nothing_listed_exits_1_and_all_failing_exits_2(site_server, db_path):
    s = site_server()
    s.set("/foi-ai/accessing-information/published-items/", "<html><body><p>No items yet.</p></body></html>")
    assert run(db_path, "mps", "--base-url", s.base, "--delay", "0", "-q").exit_code == 1
    down = site_server()
    r = run(db_path, "mps", "--base-url", down.base, "--delay", "0", "-q")
    assert r.exit_code == 2 and "http 404" in r.stdout


def test_crawl_max_pages_then_resume(site_server, db_path):
    s = site_server("alaveteli")
    args = ["alaveteli", "--base-url", s.base, "--authority", "exampleshire_county_council", "--delay", "0", "-q"]
    r = run(db_path, *args, "--max-pages", "3", "--json")
    first = json.loads(r.stdout)
    assert r.exit_code == 0 and first["stopped"] == "max_pages" and first["pages"] == 3 and first["documents"]["added"] == 1
    r = run(db_path, *args)
    assert r.exit_code == 0 and "resume pass" in r.stdout and "done earlier in this pass" in r.stdout
