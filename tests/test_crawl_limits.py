"""Crawler limits against a real server on 127.0.0.1: slow drip, another port, an endless listing."""

from __future__ import annotations

import re
import time

import pytest
from crawlsite import loopback_only, site_server  # noqa: F401 (fixtures)

from ingest.sources.http import FetchError, FetchPolicy, Fetcher


def fast(**kw) -> FetchPolicy:
    base = dict(delay=0.0, timeout=2.0, total_timeout=1.5, backoff=0.01, max_retries=0)
    base.update(kw)
    return FetchPolicy(**base)


def test_a_server_dripping_one_byte_at_a_time_is_stopped_at_the_deadline(site_server, store):
    s = site_server()
    s.set("/drip", b"<html><body>" + b"x" * 400 + b"</body></html>", drip=0.05)
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    started = time.monotonic()
    with pytest.raises(FetchError) as e:
        f.get(s.url("/drip"))
    elapsed = time.monotonic() - started
    # Each byte comes well inside the per-read timeout; only the whole-response deadline stops it.
    assert e.value.kind == "timeout" and "1.5 s" in str(e.value)
    assert elapsed < 3.0
    assert store.get_raw_page(s.url("/drip")) is None


def test_a_redirect_to_another_port_on_the_same_host_is_refused(site_server, store):
    site, decoy = site_server(), site_server()
    decoy.set("/secret", "<html><body>admin console</body></html>")
    site.set("/away", "", status=302, headers={"Location": decoy.url("/secret")})
    site.set("/page", "<html><body>ok</body></html>")
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    assert f.get(site.url("/page")).status == 200
    with pytest.raises(FetchError) as e:
        f.get(site.url("/away"))
    assert e.value.kind == "off_host" and "another port" in str(e.value)
    assert decoy.count("/secret") == 0
    assert not f.allowed(decoy.url("/secret")) and f.allowed(site.url("/other"))


def test_an_endless_listing_stops_at_the_default_page_cap(site_server, store, tmp_path, monkeypatch):
    from foi_search.services import crawling
    from foi_search.services.crawling import CrawlOptions, crawl

    monkeypatch.setattr(crawling, "DEFAULT_MAX_PAGES", 25)
    s = site_server()

    def listing(path: str) -> bytes:
        n = int(re.search(r"page=(\d+)", path).group(1)) if "page=" in path else 1
        return (f'<html><body><table><tr><td><a href="/log/{n:05d}">Item {n}</a></td></tr></table>'
                f'<a rel="next" href="/list?page={n + 1}">Next</a></body></html>').encode()

    def item(path: str) -> bytes:
        return (f"<html><body><main><h1>Item {path}</h1><p>Reference FOI-{path[-5:]}. We hold the information "
                "and disclose it in full.</p></main></body></html>").encode()

    s.set("/list", make=listing)
    s.set("/log/", make=item)
    for i in range(1, 40):
        s.set(f"/log/{i:05d}", make=item)
    config = tmp_path / "log.toml"
    config.write_text(f'name = "endless"\nstart_url = "{s.base}/list"\nlink_pattern = "/log/\\\\d{{5}}$"\n'
                      'next_pattern = "[?&]page=\\\\d+"\ncontent_selector = "main"\n'
                      'reference_pattern = "FOI-\\\\d{5}"\n')
    report = crawl(store, "generic", CrawlOptions(config=str(config), delay=0))
    assert report.stopped == "max_pages" and report.pages == 25


def test_crawl_help_states_the_default_page_cap():
    from click.testing import CliRunner

    from foi_search.cli import cli
    from foi_search.services.crawling import DEFAULT_MAX_PAGES

    out = CliRunner().invoke(cli, ["crawl", "--help"]).output
    assert "--max-pages" in out and f"default: {DEFAULT_MAX_PAGES}" in " ".join(out.split())
