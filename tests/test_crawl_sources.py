"""Each source against its local site (pages written in the site's real markup), plus the real saved pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import need_shared
from crawlsite import SITES, loopback_only, site_server  # noqa: F401 (fixtures)

from foi_search.services.crawling import CrawlOptions, crawl
from foi_search.core.errors import FoiSearchError
from ingest.sources.generic import load_config


def docs(store) -> dict[str, dict]:
    return {r["source_key"]: r for r in store.db.query("select * from documents order by id")}


def attachments(store) -> dict[str, dict]:
    return {r["name"]: r for r in store.db.query("select * from attachments")}


def test_alaveteli_threads_with_attachments(site_server, store):
    s = site_server("alaveteli")
    report = crawl(store, "alaveteli", CrawlOptions(base_url=s.base, authority="exampleshire_county_council", delay=0))
    d = docs(store)
    assert set(d) == {"gritting_routes_winter_2024", "library_opening_hours", "pothole_repair_costs",
                      "consultancy_spend_2023"}
    assert {r["source"] for r in d.values()} == {"wdtk"}
    assert d["consultancy_spend_2023"]["authority"] == "Exampleshire County Council"
    assert d["gritting_routes_winter_2024"]["url"] == s.url("/request/gritting_routes_winter_2024")
    a = attachments(store)
    assert "Route P1" in a["gritting_routes.pdf"]["text"] and "Southvale" in a["library_hours.csv"]["text"]
    assert a["gritting_map.png"]["text"] is None  # images are not fetched
    assert s.count("/request/9001/response/5003/attach/3/gritting_map.png") == 0
    # robots.txt disallows one listed thread: never requested, recorded
    assert s.count("/request/hidden_budget_request") == 0
    assert report.failure_reasons == {"robots": 1} and report.robots_blocked == 1


def test_stored_pages_keep_no_more_personal_data_than_the_documents(site_server, store):
    s = site_server("alaveteli")
    crawl(store, "alaveteli", CrawlOptions(base_url=s.base, authority="exampleshire_county_council", delay=0))
    bodies = {url: body for url, body in store.conn.execute("select url, body from raw_pages where body is not null")}
    page = bodies[s.url("/request/library_opening_hours")]
    # The requester signed the request and was greeted in the reply: neither survives in the stored page.
    assert b"Sam Placeholder" not in page and b"[name]" in page
    # What the documents need stays: the council, the reference, the exemption wording.
    assert b"Exampleshire County Council" in page and b"FOI-24-0702" in page and b"section 40(2)" in page
    assert all(b"Sam Placeholder" not in body for body in bodies.values())
    # A second run finds nothing changed (a 304 is not read again from the kept copy).
    again = crawl(store, "alaveteli", CrawlOptions(base_url=s.base, authority="exampleshire_county_council", delay=0,
                                                   stop_after_known=0))
    assert again.added == again.updated == 0
    # Re-reading the kept copies (--refresh) stores documents that still name nobody.
    crawl(store, "alaveteli", CrawlOptions(base_url=s.base, authority="exampleshire_county_council", delay=0, refresh=True))
    texts = [t for (t,) in store.conn.execute("select text from messages")]
    assert texts and not any("Sam Placeholder" in t for t in texts)


def test_alaveteli_json_threads(site_server, store):
    s = site_server("alaveteli")
    report = crawl(store, "alaveteli", CrawlOptions(base_url=s.base, authority="exampleshire_county_council",
                                                   delay=0, thread_format="json"))
    assert report.added == 4 and s.count("/request/library_opening_hours.json") == 1
    assert s.count("/request/library_opening_hours") == 0
    d = docs(store)
    assert d["library_opening_hours"]["authority"] == "Exampleshire County Council"
    # the item is the thread page, whatever format was fetched for it
    assert d["library_opening_hours"]["url"] == s.url("/request/library_opening_hours")


def test_alaveteli_falls_back_to_json_when_the_page_is_unreadable(site_server, store):
    s = site_server("alaveteli")
    s.set("/request/pothole_repair_costs", "<html><body><p>Temporarily restyled page</p></body></html>")
    report = crawl(store, "alaveteli", CrawlOptions(base_url=s.base, authority="exampleshire_county_council", delay=0))
    assert report.added == 4 and s.count("/request/pothole_repair_costs.json") == 1
    assert s.count("/request/library_opening_hours.json") == 0


def test_mps_disclosure_log(site_server, store):
    s = site_server("mps")
    report = crawl(store, "mps", CrawlOptions(base_url=s.base, delay=0))
    d = docs(store)
    assert set(d) == {"01.FOI.24.035512", "01.FOI.24.035377", "01.FOI.24.034410", "01.FOI.24.033001"}
    assert d["01.FOI.24.035377"]["source"] == "mps" and "s40(2)" in (d["01.FOI.24.035377"]["exemption_codes"] or "")
    a = attachments(store)
    assert "153,210" in a["stop-and-search-bwv.pdf"]["text"] and "901250" in a["overtime-2023.csv"]["text"]
    assert report.off_host >= 1 and report.robots_blocked == 2
    # the page 1 link back from page 2 is the log itself: not fetched twice
    assert s.count("/foi-ai/accessing-information/published-items/?page=1") == 0


def test_mps_base_url_may_be_the_log_url(site_server, store):
    s = site_server("mps")
    log = s.url("/foi-ai/accessing-information/published-items/")
    report = crawl(store, "mps", CrawlOptions(base_url=log, authority="metropolitan-police", delay=0))
    assert report.added == 4


def test_govuk_search_and_content_api(site_server, store):
    s = site_server("govuk")
    report = crawl(store, "govuk", CrawlOptions(base_url=s.base, authority="department-for-invented-affairs", delay=0))
    assert report.added == 3 and report.items == 3
    search = [h.path for h in s.hits if h.path.startswith("/api/search.json")]
    assert len(search) == 2 and "filter_organisations=department-for-invented-affairs" in search[0]
    assert "filter_content_store_document_type=foi_release" in search[0] and "start=2" in search[1]
    car = next(r for r in docs(store).values() if r["url"].endswith("/government/publications/ministerial-car-journeys"))
    assert car["authority"] == "Department for Invented Affairs" and car["title"] == "Ministerial car journeys"
    a = attachments(store)
    assert any("Invented House" in (r["text"] or "") for r in a.values())
    # the asset-host copy is another host for a local base URL: listed, not fetched
    assert report.off_host == 1


def test_govuk_since_is_passed_to_the_api_and_checked(site_server, store):
    s = site_server("govuk")
    report = crawl(store, "govuk", CrawlOptions(base_url=s.base, since="2024-01-01", delay=0))
    first_search = next(h.path for h in s.hits if h.path.startswith("/api/search.json"))
    assert "filter_public_timestamp=from%3A2024-01-01" in first_search
    assert report.added == 2 and report.skipped_since == 1  # the local server ignores the filter


def test_ico_decision_notices(site_server, store):
    s = site_server("ico")
    report = crawl(store, "ico", CrawlOptions(base_url=s.base, delay=0))
    d = docs(store)
    assert set(d) == {"IC-281234-K8M2", "IC-279990-P3Q7", "IC-277001-Z9X1", "FS50812345"}
    n = d["IC-281234-K8M2"]
    assert n["kind"] == "ico_decision" and n["authority"] == "Northtown Borough Council"
    assert n["response_date"] == "2024-06-12" and "not engaged" in n["body"]
    assert d["FS50812345"]["response_date"] == "2019-03-14"
    assert report.failures == [] or {f.category for f in report.failures} <= {"extract"}
    again = crawl(store, "ico", CrawlOptions(base_url=s.base, delay=0))
    if not report.failures:
        assert again.skipped_known == 4  # the listing's dates stand for unchanged notices


def test_tribunal_decisions(site_server, store):
    s = site_server("tribunal")
    report = crawl(store, "tribunal", CrawlOptions(base_url=s.base, delay=0))
    d = docs(store)
    assert set(d) == {"i3001", "i3002", "i3003"}
    assert d["i3001"]["kind"] == "tribunal_decision" and json.loads(d["i3001"]["refs"]) == ["EA/2023/0101"]
    assert d["i3001"]["response_date"] == "2024-01-15"
    assert d["i3003"]["authority"] == "Exampleshire County Council" and "12(5)(e)" in d["i3003"]["body"]
    assert [f.category for f in report.failures if f.category != "extract"] == ["http 404"]


def test_generic_config_driven_log(site_server, store):
    s = site_server("generic")
    config = SITES / "generic" / "exampleshire.toml"
    report = crawl(store, "generic", CrawlOptions(base_url=s.base, config=str(config), delay=0))
    d = docs(store)
    assert set(d) == {"FOI 2024-0153", "FOI 2024-0147", "FOI 2024-0139"}
    e = d["FOI 2024-0147"]
    assert e["source"] == "exampleshire" and e["authority"] == "Exampleshire County Council"
    assert e["response_date"] == "2024-03-27" and "Related pages" not in e["body"]
    assert "96" in attachments(store)["2024-0147-response.pdf"]["text"]
    assert report.off_host == 1 and not report.failures


def test_generic_without_selectors_uses_the_council_parser(site_server, store, tmp_path):
    s = site_server("generic")
    config = tmp_path / "plain.toml"
    config.write_text('name = "exampleshire"\nauthority = "Exampleshire County Council"\n'
                      f'start_url = "{s.base}/foi/disclosure-log/"\n'
                      'link_pattern = "/foi/disclosure-log/\\\\d{4}-\\\\d{4}$"\n'
                      'next_pattern = "\\\\?page=\\\\d+$"\n')
    report = crawl(store, "generic", CrawlOptions(config=str(config), delay=0))
    assert report.added == 3 and not report.failures
    rows = list(docs(store).values())
    assert {r["source"] for r in rows} == {"exampleshire"}
    assert {r["authority"] for r in rows} == {"Exampleshire County Council"}
    assert all("Bus shelter" not in r["body"] or "212,000" in r["body"] for r in rows)


def test_items_handled_by_content_type(site_server, store, tmp_path):
    from crawlsite import make_pdf

    s = site_server()
    s.set("/files/", '<html><body><ul><li><a href="/files/notice-1.pdf">Notice 1</a> <time datetime="2024-05-01">1 May</time></li>'
          '<li><a href="/files/notice-2.png">Notice 2</a></li></ul></body></html>')
    s.set("/files/notice-1.pdf", make_pdf(["Notice one", "The council disclosed the full report on river water quality."]),
          content_type="application/pdf")
    s.set("/files/notice-2.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png")
    config = tmp_path / "files.toml"
    config.write_text(f'name = "files"\nstart_url = "{s.base}/files/"\nlink_pattern = "/files/notice-\\\\d+"\n')
    report = crawl(store, "generic", CrawlOptions(config=str(config), delay=0))
    d = docs(store)
    assert set(d) == {"notice-1"} and "river water quality" in d["notice-1"]["body"]
    assert d["notice-1"]["response_date"] == "2024-05-01"
    assert report.failure_reasons == {"content_type": 1}


def test_generic_config_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nstart_url = "https://example.org/"\n')
    with pytest.raises(FoiSearchError, match="lacks link_pattern"):
        load_config(bad)
    bad.write_text('name = "x"\nstart_url = "https://example.org/"\nlink_pattern = "(("\n')
    with pytest.raises(FoiSearchError, match="regular expression"):
        load_config(bad)
    bad.write_text('name = "x"\nstart_url = "https://example.org/"\nlink_pattern = "/a"\ncontent_selector = "div[["\n')
    with pytest.raises(FoiSearchError, match="CSS selector"):
        load_config(bad)
    bad.write_text("name = [unclosed")
    with pytest.raises(FoiSearchError, match="TOML"):
        load_config(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"name": "y", "start_url": "https://example.org/log", "item_pattern": "/log/\\d+"}))
    assert load_config(good)["link_pattern"].pattern == "/log/\\d+"


# -- the real saved pages -----------------------------------------------------------------


def test_real_whatdotheyknow_pages(site_server, store):
    pages = need_shared("corpus", "wdtk-mhclg", "pages")
    s = site_server()
    slugs: dict[str, Path] = {}
    for f in sorted(pages.glob("*.html")):
        head = f.read_bytes()[:20000].decode("utf-8", "replace")
        m = re.search(r'property="og:url" content="https://www\.whatdotheyknow\.com/request/([^"#?/]+)"', head)
        if m:
            slugs.setdefault(m.group(1), f)
    assert len(slugs) >= 10
    slugs = dict(list(slugs.items())[:8])  # enough to show the markup is read; parsing is the slow part
    listing = "".join(
        f'<div class="request_listing"><span class="head"><a href="/request/{slug}">{slug}</a></span></div>'
        for slug in slugs
    )
    s.set("/body/mhclg", f"<html><body>{listing}</body></html>")
    for slug, f in slugs.items():
        s.set(f"/request/{slug}", f.read_bytes())
    report = crawl(store, "alaveteli", CrawlOptions(base_url=s.base, authority="mhclg", delay=0))
    assert report.added == len(slugs) and not [f for f in report.failures if f.category != "extract"]
    assert set(docs(store)) == set(slugs)
    # their attachments live on the real site: listed, never fetched
    assert report.attachments == 0 and report.off_host >= 1
    again = crawl(store, "alaveteli", CrawlOptions(base_url=s.base, authority="mhclg", delay=0, stop_after_known=0))
    assert again.not_modified == len(slugs) + 1 and again.documents == 0


def test_real_govuk_content_items(site_server, store):
    folder = need_shared("corpus", "govuk-foi-release")
    s = site_server()
    results = []
    for i, f in enumerate(sorted(folder.glob("*.json"))):
        obj = json.loads(f.read_text(encoding="utf-8"))
        link = f"/government/publications/shared-{i}-{f.stem}"
        results.append({"link": link, "title": obj.get("title"), "public_timestamp": obj.get("public_updated_at")})
        s.set(f"/api/content{link}", f.read_bytes(), content_type="application/json")
    s.set("/api/search.json", json.dumps({"results": results, "total": len(results), "start": 0}),
          content_type="application/json")
    report = crawl(store, "govuk", CrawlOptions(base_url=s.base, delay=0))
    assert report.items == len(results) and report.fetched == len(results) + 1
    assert report.documents >= 2
    assert not [f for f in report.failures if f.stage in ("item", "listing", "attachment")]
