"""The crawl service: incremental re-runs, resume, failures, limits, against local sites."""

from __future__ import annotations

import json

import pytest
from crawlsite import SITES, loopback_only, site_server  # noqa: F401 (fixtures)

from foi_search.services.crawling import CrawlOptions, crawl
from foi_search.core.errors import FoiSearchError
from ingest.sources.http import FetchPolicy

MPS_ITEMS = [
    "/foi-ai/metropolitan-police/disclosure-2024/march/stop-and-search-body-worn-video/",
    "/foi-ai/metropolitan-police/disclosure-2024/march/police-dogs-retirement-costs/",
    "/foi-ai/metropolitan-police/disclosure-2024/february/overtime-spend-public-order-events/",
    "/foi-ai/metropolitan-police/disclosure-2024/january/drones-in-use/",
]
BODY = "exampleshire_county_council"


def opts(server, **kw) -> CrawlOptions:
    return CrawlOptions(base_url=server.base, delay=0, **kw)


def fast_policy(**kw) -> FetchPolicy:
    base = dict(delay=0.0, timeout=2.0, total_timeout=5.0, backoff=0.01, max_retries=2)
    base.update(kw)
    return FetchPolicy(**base)


def doc_keys(store) -> list[tuple[str, str]]:
    return sorted(store.db.execute("select source, source_key from documents").fetchall())


def test_second_run_fetches_only_what_changed(site_server, store):
    s = site_server("mps")
    first = crawl(store, "mps", opts(s))
    assert first.mode == "full" and first.stopped == "complete"
    assert first.added == 4 and first.attachments == 2 and first.not_modified == 0
    changed = MPS_ITEMS[1]
    s.set(changed, s.route(changed).body.replace(b"last five years", b"last six years"))

    second = crawl(store, "mps", opts(s))
    assert second.mode == "incremental"
    assert second.fetched == 1 and second.updated == 1 and second.added == 0
    assert second.not_modified == second.pages - 1  # everything else answered 304
    assert second.reused_share >= 0.9
    assert s.statuses(changed) == [200, 200]
    for path in MPS_ITEMS[:1] + MPS_ITEMS[2:]:
        assert s.statuses(path) == [200, 304]
    # attachments of unchanged items are not asked for again
    assert s.count("/SysSiteAssets/foi-media/metropolitan-police/disclosure_2024/march/stop-and-search-bwv.pdf") == 1
    text = second.describe()
    assert "fetched 1, 304 not modified" in text and "1 updated" in text
    assert len(doc_keys(store)) == 4


def test_listing_versions_skip_unchanged_items_without_a_request(site_server, store):
    s = site_server("alaveteli")
    first = crawl(store, "alaveteli", opts(s, authority=BODY))
    assert first.added == 4
    second = crawl(store, "alaveteli", opts(s, authority=BODY))
    assert second.skipped_known == 4 and second.fetched == 0 and second.documents == 0
    assert all(s.count(f"/request/{slug}") == 1 for slug in
               ("gritting_routes_winter_2024", "library_opening_hours", "pothole_repair_costs", "consultancy_spend_2023"))
    # A new message on one thread changes its listing entry and its page.
    page = s.route(f"/body/{BODY}").body.replace(b"pothole_repair_costs#outgoing-4001", b"pothole_repair_costs#incoming-5010")
    s.set(f"/body/{BODY}", page)
    thread = s.route("/request/pothole_repair_costs").body.replace(
        b"</div>\n<div id=\"right_column\"",
        b'<div class="incoming correspondence" id="incoming-5010"><div class="correspondence__header">'
        b'<time datetime="2024-10-14T10:00:00+00:00">14 October 2024</time></div><div class="correspondence_text">'
        b"<p>Dear Robin Sample, the council spent 1.2 million pounds on pothole repairs in 2023/24.</p></div></div>\n"
        b'</div>\n<div id="right_column"',
    )
    s.set("/request/pothole_repair_costs", thread)
    third = crawl(store, "alaveteli", opts(s, authority=BODY))
    assert third.skipped_known == 3 and third.updated == 1 and s.count("/request/pothole_repair_costs") == 2
    assert len(doc_keys(store)) == 4


def test_stop_at_known_items_after_a_complete_pass(site_server, store):
    s = site_server("alaveteli")
    crawl(store, "alaveteli", opts(s, authority=BODY))
    again = crawl(store, "alaveteli", opts(s, authority=BODY, stop_after_known=2))
    assert again.stopped == "known" and again.items == 2
    assert s.count(f"/body/{BODY}?page=2") == 1  # the older page was not walked again


def test_crawl_out_of_budget_resumes_where_it_stopped(site_server, store):
    s = site_server("mps")
    first = crawl(store, "mps", opts(s, max_pages=4))
    assert first.stopped == "max_pages" and first.pages == 4
    done_first = first.documents
    assert 0 < done_first < 4
    second = crawl(store, "mps", opts(s))
    assert second.mode == "resume" and second.stopped == "complete"
    assert second.skipped_resumed == done_first
    assert len(doc_keys(store)) == 4
    for path in MPS_ITEMS:
        assert s.statuses(path).count(200) == 1, path  # no item page downloaded twice
    third = crawl(store, "mps", opts(s))
    assert third.mode == "incremental" and third.documents == 0


def test_interrupted_crawl_resumes(site_server, store):
    s = site_server("alaveteli")
    seen = []

    def stop_after_two(event, url, report):
        if event in ("new", "updated", "unchanged", "failed", "same", "skipped"):
            seen.append(url)
            if len(seen) == 2:
                raise KeyboardInterrupt

    first = crawl(store, "alaveteli", opts(s, authority=BODY), progress=stop_after_two)
    assert first.stopped == "interrupted" and first.added == 2
    runs = store.db.execute("select finished_at, summary from ingest_runs").fetchall()
    assert runs[0][0] and json.loads(runs[0][1])["stopped"] == "interrupted"
    second = crawl(store, "alaveteli", opts(s, authority=BODY))
    assert second.mode == "resume" and second.skipped_resumed == 2 and second.added == 2
    assert len(doc_keys(store)) == 4
    for slug in ("gritting_routes_winter_2024", "library_opening_hours", "pothole_repair_costs"):
        assert s.count(f"/request/{slug}") == 1


def test_failures_are_recorded_and_the_crawl_goes_on(site_server, store):
    s = site_server("mps")
    dogs, overtime, drones = MPS_ITEMS[1], MPS_ITEMS[2], MPS_ITEMS[3]
    s.set(dogs, "<p>x</p>", script=[(500, {})] * 10)
    s.set(overtime, s.route(overtime).body, sleep=0.6)
    s.set(drones, b"<html>" + b"x" * 300_000 + b"</html>")
    s.set("/foi-ai/metropolitan-police/disclosure-2024/", "", status=302,
          headers={"Location": "/foi-ai/metropolitan-police/disclosure-2024"})
    s.set("/foi-ai/metropolitan-police/disclosure-2024", "", status=302,
          headers={"Location": "/foi-ai/metropolitan-police/disclosure-2024/"})
    report = crawl(store, "mps", opts(s), policy=fast_policy(timeout=0.3, max_retries=1, max_bytes=200_000))
    assert report.added == 1 and report.stopped == "complete"
    reasons = report.failure_reasons
    assert reasons["http 500"] == 1 and reasons["timeout"] == 1 and reasons["too_large"] == 1
    assert reasons["redirect_loop"] == 1 and reasons["robots"] == 2
    errors = store.db.execute("select target, stage, status, reason from ingest_errors").fetchall()
    assert (s.url(dogs), "item", 500, "HTTP 500 (after 1 retries)") in errors
    assert any(t == s.url(drones) and "byte limit" in r for t, _, _, r in errors)
    assert len(errors) == len(report.failures)
    # Fixed on the site: the next run retries exactly the failed items.
    s.load(SITES / "mps")
    again = crawl(store, "mps", opts(s))
    assert again.added == 3 and len(doc_keys(store)) == 4


def test_since_leaves_older_items_alone(site_server, store):
    s = site_server("mps")
    report = crawl(store, "mps", opts(s, since="2024-02-01"))
    assert report.added == 3 and report.skipped_since >= 1
    assert s.count(MPS_ITEMS[3]) == 0 and s.count("/foi-ai/metropolitan-police/disclosure-2024/january/") == 0


def test_only_the_sources_hosts_are_followed(site_server, store):
    s = site_server("mps")
    report = crawl(store, "mps", opts(s))
    assert report.off_host >= 1
    urls = [u for (u,) in store.db.execute("select url from raw_pages")]
    assert urls and all(u.startswith(s.base + "/") for u in urls)


def test_every_response_is_kept_so_parsers_can_rerun_offline(site_server, store):
    from ingest.parsers import alaveteli_html

    s = site_server("alaveteli")
    crawl(store, "alaveteli", opts(s, authority=BODY))
    row = store.get_raw_page(s.url("/request/library_opening_hours"))
    assert row["status"] == 200 and row["sha256"] and json.loads(row["headers"])["etag"]
    docs = alaveteli_html.parse(row["body"], url=s.url("/request/library_opening_hours"))
    assert docs[0].source_key == "library_opening_hours"
    assert store.get_raw_page(s.url(f"/body/{BODY}?page=2"))["status"] == 200
    assert store.get_raw_page(s.url("/robots.txt"))["status"] == 200


def test_refresh_rereads_without_duplicating(site_server, store):
    s = site_server("generic")
    config = str(SITES / "generic" / "exampleshire.toml")
    first = crawl(store, "generic", opts(s, config=config))
    again = crawl(store, "generic", opts(s, config=config, refresh=True))
    assert first.added == 3 and again.unchanged == 3 and again.added == 0 and again.not_modified >= 3
    assert len(doc_keys(store)) == 3
    assert store.db.execute("select count(*) from attachments").fetchone()[0] == 2


def test_bad_options_are_one_line_errors(store):
    with pytest.raises(FoiSearchError, match="--since"):
        crawl(store, "mps", CrawlOptions(since="last week"))
    with pytest.raises(FoiSearchError, match="authority"):
        crawl(store, "alaveteli", CrawlOptions(base_url="http://127.0.0.1:9/"))
    with pytest.raises(FoiSearchError, match="config"):
        crawl(store, "generic", CrawlOptions())
    with pytest.raises(FoiSearchError, match="Unknown source"):
        crawl(store, "myspace", CrawlOptions())
    with pytest.raises(FoiSearchError, match="base-url"):
        crawl(store, "mps", CrawlOptions(base_url="ftp://example.org/"))


def test_throughput_against_the_local_server(site_server, store, tmp_path):
    """Pages per second with the delay at 0, and the reuse share of a second run (printed for the report)."""
    s = site_server()
    n = 60
    rows = "".join(f'<tr><td><a href="/log/{i:04d}">Item {i}</a></td></tr>' for i in range(n))
    s.set("/log/", f"<html><body><table>{rows}</table></body></html>")
    for i in range(n):
        s.set(f"/log/{i:04d}", f"<html><body><main><h1>Item {i}</h1><p>Reference FOI-{i:04d}. "
              f"We hold the information and disclose it in full: {i * 7} pounds.</p></main></body></html>")
    config = tmp_path / "log.toml"
    config.write_text(f'name = "bench"\nstart_url = "{s.base}/log/"\nlink_pattern = "/log/\\\\d{{4}}$"\n'
                      'content_selector = "main"\nreference_pattern = "FOI-\\\\d{4}"\n')
    first = crawl(store, "generic", CrawlOptions(config=str(config), delay=0))
    s.set("/log/0007", "<html><body><main><h1>Item 7</h1><p>Reference FOI-0007. Corrected figure.</p></main></body></html>")
    # Every item re-checked (no early stop), to measure the 304 share over the whole log.
    second = crawl(store, "generic", CrawlOptions(config=str(config), delay=0, stop_after_known=0))
    third = crawl(store, "generic", CrawlOptions(config=str(config), delay=0))
    print(f"\nfirst run: {first.fetched + first.not_modified} pages in {first.elapsed_s:.2f} s = "
          f"{first.pages_per_s:.0f} pages/s; second run: {second.pages_per_s:.0f} pages/s, "
          f"{second.not_modified} of {second.pages} answered 304, reuse share {second.reused_share:.1%}; "
          f"third run (default early stop): {third.pages} pages, stopped {third.stopped}")
    assert first.added == n and second.updated == 1 and second.fetched == 1
    assert second.reused_share >= n / (n + 1) and first.pages_per_s > 10
    assert third.stopped == "known" and third.pages == 1 + 10
