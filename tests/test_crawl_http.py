"""The polite fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import threading
import time

import pytest
from crawlsite import loopback_only, site_server  # noqa: F401 (fixtures)

from ingest.sources.http import (
    DEFAULT_USER_AGENT,
    FetchError,
    FetchPolicy,
    Fetcher,
    normalise_url,
    parse_retry_after,
)


def fast(**kw) -> FetchPolicy:
    """Test policy: no delay, short timeouts, tiny backoff."""
    base = dict(delay=0.0, timeout=2.0, total_timeout=5.0, backoff=0.01, max_retries=3)
    base.update(kw)
    return FetchPolicy(**base)


@pytest.fixture
def server(site_server):
    s = site_server()
    s.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    s.set("/page", "<html><body><p>Hello</p></body></html>")
    return s


def test_fetch_keeps_response_in_raw_pages_and_sends_honest_user_agent(server, store):
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"}, source="test")
    resp = f.get(server.url("/page"))
    assert resp.status == 200 and b"Hello" in resp.body and resp.content_type == "text/html"
    row = store.get_raw_page(server.url("/page"))
    assert row["status"] == 200 and row["body"] == resp.body and row["etag"] and row["source"] == "test"
    ua = [h.headers["User-Agent"] for h in server.hits if h.path == "/page"][0]
    assert ua == DEFAULT_USER_AGENT and "contact:" in ua and "@" in ua
    assert server.count("/robots.txt") == 1


def test_user_agent_is_configurable(server, store, monkeypatch):
    monkeypatch.setenv("FOI_SEARCH_USER_AGENT", "tester/1 (contact: me@example.org)")
    Fetcher(store, policy=FetchPolicy(delay=0), hosts={"127.0.0.1"}).get(server.url("/page"))
    assert {h.headers["User-Agent"] for h in server.hits} == {"tester/1 (contact: me@example.org)"}


def test_404_is_an_error_and_is_recorded_in_the_cache(server, store):
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    with pytest.raises(FetchError) as e:
        f.get(server.url("/missing"))
    assert e.value.kind == "http" and e.value.status == 404 and e.value.category == "http 404"
    assert store.get_raw_page(server.url("/missing"))["status"] == 404
    assert server.count("/missing") == 1  # a 404 is not retried


def test_429_waits_for_retry_after_then_succeeds(server, store):
    server.set("/busy", "<p>ok now</p>", script=[(429, {"Retry-After": "1"})])
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    t0 = time.monotonic()
    resp = f.get(server.url("/busy"))
    assert resp.status == 200 and b"ok now" in resp.body
    assert server.statuses("/busy") == [429, 200]
    hits = [h.at for h in server.hits if h.path == "/busy"]
    assert hits[1] - hits[0] >= 0.95 and time.monotonic() - t0 < 3
    assert f.stats.retries == 1


def test_retry_after_beyond_the_bound_gives_up_at_once(server, store):
    server.set("/later", "<p>x</p>", script=[(503, {"Retry-After": "3600"})])
    f = Fetcher(store, policy=fast(max_retry_after=30), hosts={"127.0.0.1"})
    with pytest.raises(FetchError, match="3600 s, over the 30 s limit"):
        f.get(server.url("/later"))
    assert server.count("/later") == 1


def test_500_then_success_with_backoff(server, store):
    server.set("/flaky", "<p>fine</p>", script=[(500, {}), (502, {})])
    f = Fetcher(store, policy=fast(backoff=0.05), hosts={"127.0.0.1"})
    assert f.get(server.url("/flaky")).body == b"<p>fine</p>"
    assert server.statuses("/flaky") == [500, 502, 200]
    at = [h.at for h in server.hits if h.path == "/flaky"]
    assert at[1] - at[0] >= 0.04 and at[2] - at[1] >= 0.09  # 0.05 then 0.1: exponential


def test_persistent_500_fails_after_bounded_retries_and_keeps_good_copy(server, store):
    f = Fetcher(store, policy=fast(max_retries=2), hosts={"127.0.0.1"})
    f.get(server.url("/page"))
    server.set("/page", "<p>x</p>", script=[(500, {})] * 5)
    with pytest.raises(FetchError, match=r"HTTP 500 \(after 2 retries\)"):
        f.get(server.url("/page"))
    assert server.statuses("/page")[1:] == [500, 500, 500]
    assert store.get_raw_page(server.url("/page"))["status"] == 200  # the good copy is not overwritten


def test_timeout_when_the_server_is_slower_than_the_client(server, store):
    server.set("/slow", "<p>late</p>", sleep=1.0)
    f = Fetcher(store, policy=fast(timeout=0.3, max_retries=0), hosts={"127.0.0.1"})
    t0 = time.monotonic()
    with pytest.raises(FetchError) as e:
        f.get(server.url("/slow"))
    assert e.value.kind == "timeout" and time.monotonic() - t0 < 0.9


def test_redirect_loop_is_detected(server, store):
    server.set("/a", "", status=302, headers={"Location": "/b"})
    server.set("/b", "", status=301, headers={"Location": server.url("/a")})
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    with pytest.raises(FetchError) as e:
        f.get(server.url("/a"))
    assert e.value.kind == "redirect_loop" and "/a -> " in str(e.value)
    assert server.count("/a") == 1 and server.count("/b") == 1


def test_redirects_are_followed_up_to_the_limit(server, store):
    for i in range(7):
        server.set(f"/r{i}", "", status=302, headers={"Location": f"/r{i + 1}"})
    server.set("/r7", "<p>end</p>")
    f = Fetcher(store, policy=fast(max_redirects=5), hosts={"127.0.0.1"})
    with pytest.raises(FetchError) as e:
        f.get(server.url("/r0"))
    assert e.value.kind == "too_many_redirects"
    resp = f.get(server.url("/r3"))  # 4 redirects: fine
    assert resp.body == b"<p>end</p>" and resp.final_url == server.url("/r7") and len(resp.redirects) == 4


def test_redirect_off_host_is_not_followed(server, store):
    server.set("/away", "", status=302, headers={"Location": "https://www.example.net/x"})
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    with pytest.raises(FetchError) as e:
        f.get(server.url("/away"))
    assert e.value.kind == "off_host"


def test_off_host_url_is_refused_without_a_connection(store):
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    with pytest.raises(FetchError) as e:
        f.get("https://www.whatdotheyknow.com/request/x")
    assert e.value.kind == "off_host" and f.stats.requests == 0


def test_huge_page_is_aborted_declared_or_streamed(server, store):
    big = b"<html>" + b"x" * 50_000 + b"</html>"
    server.set("/huge", big)
    server.set("/huge-stream", big, stream=True)
    f = Fetcher(store, policy=fast(max_bytes=10_000), hosts={"127.0.0.1"})
    for path in ("/huge", "/huge-stream"):
        with pytest.raises(FetchError) as e:
            f.get(server.url(path))
        assert e.value.kind == "too_large" and "10000 byte limit" in str(e.value)
        assert store.get_raw_page(server.url(path)) is None


def test_gzip_bodies_are_decoded_and_capped(server, store):
    server.set("/gz", gzip.compress(b"<p>" + b"y" * 1000 + b"</p>"), headers={"Content-Encoding": "gzip"})
    server.set("/bomb", gzip.compress(b"z" * 200_000), headers={"Content-Encoding": "gzip"})
    f = Fetcher(store, policy=fast(max_bytes=50_000), hosts={"127.0.0.1"})
    assert f.get(server.url("/gz")).body == b"<p>" + b"y" * 1000 + b"</p>"
    with pytest.raises(FetchError, match="once decompressed"):
        f.get(server.url("/bomb"))


def test_robots_disallow_is_obeyed(server, store):
    server.set("/private/report", "<p>secret</p>")
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    with pytest.raises(FetchError) as e:
        f.get(server.url("/private/report"))
    assert e.value.kind == "robots"
    assert server.count("/private/report") == 0 and f.stats.robots_blocked == 1
    assert f.get(server.url("/page")).status == 200


def test_robots_missing_allows_and_unreachable_forbids(site_server, store):
    open_site = site_server()
    open_site.set("/page", "<p>a</p>")
    assert Fetcher(store, policy=fast(), hosts={"127.0.0.1"}).get(open_site.url("/page")).status == 200
    down = site_server()
    down.set("/robots.txt", "", status=500)
    down.set("/page", "<p>b</p>")
    f = Fetcher(store, policy=fast(max_retries=1), hosts={"127.0.0.1"})
    with pytest.raises(FetchError) as e:
        f.get(down.url("/page"))
    assert e.value.kind == "robots" and down.count("/page") == 0


def test_one_request_at_a_time_per_host(site_server):
    s = site_server()
    for i in range(4):
        s.set(f"/p{i}", f"<p>{i}</p>", sleep=0.05)
    f = Fetcher(None, policy=fast(), hosts={"127.0.0.1"})  # no store: SQLite stays in its thread
    threads = [threading.Thread(target=f.get, args=(s.url(f"/p{i}"),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert s.max_active == 1 and s.count("/robots.txt") == 1
    assert sum(1 for h in s.hits if h.path.startswith("/p")) == 4


def test_robots_crawl_delay_lengthens_the_delay(site_server, store):
    s = site_server()
    # urllib.robotparser reads whole seconds only.
    s.set("/robots.txt", "User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")
    s.set("/p0", "<p>0</p>")
    s.set("/p1", "<p>1</p>")
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    f.get(s.url("/p0"))
    f.get(s.url("/p1"))
    at = [h.at for h in s.hits if h.path in ("/p0", "/p1")]
    assert at[1] - at[0] >= 0.95


def test_delay_spaces_requests(server, store):
    f = Fetcher(store, policy=fast(delay=0.15), hosts={"127.0.0.1"})
    server.set("/q", "<p>q</p>")
    f.get(server.url("/page"))
    f.get(server.url("/q"))
    at = [h.at for h in server.hits if h.path in ("/page", "/q")]
    assert at[1] - at[0] >= 0.14


def test_conditional_get_answers_304_from_the_cache(server, store):
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    first = f.get(server.url("/page"))
    second = f.get(server.url("/page"))
    assert second.not_modified and second.body == first.body and second.status == 200
    hit = [h for h in server.hits if h.path == "/page"][1]
    assert hit.headers["If-None-Match"] == server.route("/page").etag
    server.set("/page", "<html><body><p>Changed</p></body></html>")
    third = f.get(server.url("/page"))
    assert not third.not_modified and b"Changed" in third.body
    assert server.statuses("/page") == [200, 304, 200]
    assert f.stats.not_modified == 1


def test_last_modified_alone_is_used_when_there_is_no_etag(server, store):
    route = server.set("/lm", "<p>lm</p>")
    f = Fetcher(store, policy=fast(), hosts={"127.0.0.1"})
    f.get(server.url("/lm"))
    store.conn.execute("update raw_pages set etag = null where url = ?", [server.url("/lm")])
    assert f.get(server.url("/lm")).not_modified
    hit = [h for h in server.hits if h.path == "/lm"][1]
    assert "If-None-Match" not in hit.headers and hit.headers["If-Modified-Since"]
    assert route.status == 200


def test_retry_after_parsing():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0


def test_normalise_url():
    assert normalise_url("HTTP://Example.ORG:80/a b/é?x=1 2#frag") == "http://example.org/a%20b/%C3%A9?x=1%202"
    assert normalise_url("https://example.org") == "https://example.org/"
    assert normalise_url("https://example.org:8443/a%20b") == "https://example.org:8443/a%20b"
    with pytest.raises(FetchError):
        normalise_url("ftp://example.org/x")
    with pytest.raises(FetchError):
        normalise_url("/relative")
