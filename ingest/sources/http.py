"""The polite fetcher: how foi-search talks to public websites.

Every GET goes through :class:`Fetcher`, which

- refuses URLs outside the source's own hosts (before any connection is made);
- reads and obeys each host's ``robots.txt`` (``urllib.robotparser``; a
  ``Crawl-delay`` there lengthens the configured delay, capped at a minute);
- sends one request at a time per host, at least ``delay`` seconds apart;
- identifies itself with an honest User-Agent carrying a contact address;
- retries 429 and 5xx answers and dropped connections with exponential
  backoff, honouring ``Retry-After`` up to a bound (beyond it, it gives up
  rather than hammer a server that asked for a long pause);
- sends ``If-None-Match`` / ``If-Modified-Since`` from the raw page cache and
  answers a 304 with the cached body;
- caps every response: bytes (declared and actually read, also after gzip),
  seconds (per socket operation and for the whole body), redirects (count and
  loops);
- keeps every response in the store's ``raw_pages`` table, so parsers can run
  again without refetching. A failure never overwrites a good cached copy.

It uses :mod:`http.client` directly: redirects, decompression and size limits
need to be under our control, and no extra dependency is required.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import ssl
import threading
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable
from urllib.parse import quote, urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

#: Who we are and how to reach us: site operators read this in their logs.
DEFAULT_USER_AGENT = "foi-search/0.1 (+https://github.com/foi-search; contact: foi-search@example.org)"

#: Environment variable that overrides :data:`DEFAULT_USER_AGENT`.
ENV_USER_AGENT = "FOI_SEARCH_USER_AGENT"

#: Statuses worth another try after a pause.
_RETRY_STATUSES = frozenset({408, 425, 429}) | frozenset(range(500, 600))
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ROBOTS_MAX_BYTES = 512 * 1024
#: Longest Crawl-delay we honour; a larger one is read as "go slowly", not "wait an hour".
_MAX_CRAWL_DELAY = 60.0
_CHUNK = 64 * 1024
# Characters left alone when re-quoting a URL's path and query: the reserved
# set plus "%" so already-escaped sequences are not escaped twice.
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"


def default_user_agent() -> str:
    """The User-Agent to send: ``$FOI_SEARCH_USER_AGENT`` or the default."""
    return os.environ.get(ENV_USER_AGENT) or DEFAULT_USER_AGENT


@dataclass
class FetchPolicy:
    """Limits and manners for one crawl.

    Attributes:
        user_agent: Sent with every request; should name a contact.
        delay: Seconds between two requests to the same host (0 in tests).
        timeout: Seconds allowed for connecting and for each read.
        total_timeout: Seconds allowed for one whole response body.
        max_bytes: Largest body accepted (after decompression).
        max_redirects: Redirects followed for one URL.
        max_retries: Extra attempts after a 429, a 5xx or a dropped connection.
        backoff: First retry pause in seconds; doubles on each retry.
        max_retry_after: Longest pause a server may ask for; a longer
            ``Retry-After`` makes the fetch fail instead.
    """

    user_agent: str = field(default_factory=default_user_agent)
    delay: float = 1.0
    timeout: float = 30.0
    total_timeout: float = 120.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    max_retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 120.0


class FetchError(Exception):
    """A URL could not be fetched.

    Attributes:
        url: The URL asked for.
        kind: A short category: ``http``, ``robots``, ``off_host``, ``timeout``,
            ``network``, ``too_large``, ``redirect_loop``, ``too_many_redirects``,
            ``bad_url``.
        status: The HTTP status, when there was one.
    """

    def __init__(self, url: str, kind: str, reason: str, status: int | None = None):
        super().__init__(reason)
        self.url = url
        self.kind = kind
        self.status = status

    @property
    def category(self) -> str:
        """Kind plus status, e.g. ``http 404``: how failures are grouped in summaries."""
        return f"{self.kind} {self.status}" if self.kind == "http" and self.status else self.kind


@dataclass
class Response:
    """One successful fetch.

    Attributes:
        url: The URL asked for (normalised).
        final_url: Where the body came from, after redirects.
        status: HTTP status of the body (the cached one for a 304).
        headers: Response headers, lower-cased names.
        body: The body, decompressed.
        not_modified: The server answered 304; ``body`` is the cached copy.
        redirects: URLs that redirected, in order.
    """

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    not_modified: bool = False
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case (``text/html``)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The declared charset, if any."""
        m = re.search(r"charset=[\"']?([\w.:-]+)", self.headers.get("content-type", ""), re.I)
        return m.group(1) if m else None

    def text(self) -> str:
        """The body as text (declared charset, else UTF-8; bad bytes replaced)."""
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


@dataclass
class FetchStats:
    """Counts kept by a fetcher over its life.

    Attributes:
        requests: HTTP requests sent (retries, redirects and robots.txt included).
        fetched: Bodies received with a 2xx status.
        not_modified: 304 answers served from the cache.
        retries: Requests repeated after a 429, 5xx or dropped connection.
        bytes: Body bytes received (after decompression).
        robots_blocked: URLs robots.txt told us to leave alone.
        errors: Failed fetches by :attr:`FetchError.category`.
    """

    requests: int = 0
    fetched: int = 0
    not_modified: int = 0
    retries: int = 0
    bytes: int = 0
    robots_blocked: int = 0
    errors: Counter = field(default_factory=Counter)


def normalise_url(url: str) -> str:
    """A URL in the form used as a cache key.

    The fragment is dropped, scheme and host are lower-cased, default ports
    removed, an empty path becomes ``/`` and characters not allowed in a URL
    (spaces, non-ASCII) are percent-encoded; existing escapes are kept.

    Raises:
        FetchError: Not an absolute http(s) URL.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as e:
        raise FetchError(url, "bad_url", f"not a valid URL: {e}") from e
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "bad_url", "only absolute http(s) URLs are fetched")
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = quote(parts.path or "/", safe=_SAFE_PATH)
    query = quote(parts.query, safe=_SAFE_QUERY)
    return urlunsplit((scheme, host, path, query, ""))


def host_of(url: str) -> str:
    """The lower-case host name of a URL (no port), or ``""``."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date).

    Returns:
        The pause in seconds (never negative), or None when absent or unreadable.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    ref = now if now is not None else time.time()
    return max(0.0, when.timestamp() - ref)


class Fetcher:
    """Fetches pages politely and keeps them in the raw page cache.

    Args:
        store: A :class:`foi_search.store.Store` for the raw page cache, or
            None to fetch without caching (robots checks still apply).
        policy: Limits and manners; the defaults are the polite ones.
        hosts: Host names this fetcher may contact; None allows any host.
        source: Label saved with each cached page.
        sleep: Pause function (tests may pass a recorder).
        clock: Monotonic clock used for spacing requests.
    """

    def __init__(
        self,
        store: Any = None,
        *,
        policy: FetchPolicy | None = None,
        hosts: set[str] | None = None,
        source: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.policy = policy or FetchPolicy()
        self.hosts = {h.lower() for h in hosts} if hosts is not None else None
        self.source = source
        self.stats = FetchStats()
        self._sleep = sleep
        self._clock = clock
        self._robots: dict[str, RobotFileParser | bool] = {}
        self._host_delay: dict[str, float] = {}
        self._next_ok: dict[str, float] = {}
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._locks_guard = threading.Lock()
        self._robots_lock = threading.Lock()
        self._ssl: ssl.SSLContext | None = None
        self._ports: dict[str, int] = {}

    # -- public --------------------------------------------------------------

    def allowed(self, url: str) -> bool:
        """Whether ``url`` is on one of this fetcher's hosts, at the port first used for that host.

        Same origin means scheme, host and port: a server must not send the
        crawler to another service on its own machine (``:8080``, an admin
        port). The first request to a host fixes its port; http and https on
        their default ports count as one (a site moving to https stays the site).
        """
        if self.hosts is not None and host_of(url) not in self.hosts:
            return False
        pinned = self._ports.get(host_of(url))
        return pinned is None or pinned == _port_class(url)

    def _pin(self, url: str) -> None:
        self._ports.setdefault(host_of(url), _port_class(url))

    def get(self, url: str, *, conditional: bool = True, max_bytes: int | None = None) -> Response:
        """Fetch a URL, following redirects within the allowed hosts.

        Args:
            url: Absolute http(s) URL.
            conditional: Send validators from the cache (a 304 returns the
                cached body).
            max_bytes: A tighter byte cap for this request.

        Returns:
            The response (``not_modified`` set when served from the cache).

        Raises:
            FetchError: Blocked, refused, failed or over a limit; the error
                carries a category and the HTTP status when there was one.
        """
        try:
            return self._get(url, conditional=conditional, max_bytes=max_bytes, check_robots=True)
        except FetchError as e:
            self.stats.errors[e.category] += 1
            if e.kind == "robots":
                self.stats.robots_blocked += 1
            raise

    def robots_allows(self, url: str) -> bool:
        """Whether robots.txt of the URL's host lets us fetch it (reads it once per host)."""
        with self._robots_lock:
            rules = self._robots_for(normalise_url(url))
        if isinstance(rules, bool):
            return rules
        return rules.can_fetch(self.policy.user_agent, url)

    # -- redirects and cache ---------------------------------------------------

    def _get(self, url: str, *, conditional: bool, max_bytes: int | None, check_robots: bool) -> Response:
        start_url = normalise_url(url)
        current = start_url
        chain: list[str] = []
        limit = min(max_bytes or self.policy.max_bytes, self.policy.max_bytes)
        for _ in range(self.policy.max_redirects + 1):
            if not self.allowed(current):
                where = f" (redirected from {chain[-1]})" if chain else ""
                if self.hosts is None or host_of(current) in self.hosts:
                    raise FetchError(start_url, "off_host", f"{urlsplit(current).netloc} is another port than this "
                                     f"source's origin on {host_of(current)}{where}")
                raise FetchError(start_url, "off_host", f"{host_of(current)} is not one of this source's hosts{where}")
            self._pin(current)
            if check_robots and not self.robots_allows(current):
                raise FetchError(start_url, "robots", f"robots.txt of {host_of(current)} disallows {current}")
            cached = self._cached(current) if conditional else None
            status, headers, body, retries = self._fetch_with_retries(current, cached, limit)
            if status in _REDIRECT_STATUSES and headers.get("location"):
                target = normalise_url(urljoin(current, headers["location"]))
                self._save(current, status, headers, b"")
                chain.append(current)
                if target in chain:
                    raise FetchError(start_url, "redirect_loop", f"redirect loop: {' -> '.join(chain + [target])}", status)
                current = target
                continue
            if status == 304 and cached is not None:
                self.store.touch_raw_page(current)
                self.stats.not_modified += 1
                return Response(
                    url=start_url,
                    final_url=current,
                    status=cached["status"],
                    headers=json.loads(cached["headers"] or "{}"),
                    body=cached["body"] or b"",
                    not_modified=True,
                    redirects=chain,
                )
            if 200 <= status < 300:
                self.stats.fetched += 1
                self._save(current, status, headers, body)
                return Response(start_url, current, status, headers, body, redirects=chain)
            self._save(current, status, headers, body)
            after = f" (after {retries} retries)" if retries else ""
            raise FetchError(start_url, "http", f"HTTP {status}{after}", status)
        raise FetchError(
            start_url, "too_many_redirects", f"more than {self.policy.max_redirects} redirects: {' -> '.join(chain)}"
        )

    def _cached(self, url: str) -> dict | None:
        if self.store is None:
            return None
        row = self.store.get_raw_page(url)
        if row and 200 <= (row["status"] or 0) < 300 and (row["etag"] or row["last_modified"]):
            return row
        return None

    def _save(self, url: str, status: int, headers: dict[str, str], body: bytes) -> None:
        if self.store is None:
            return
        if not 200 <= status < 300:
            # An error or a redirect must not replace a good copy: parsers
            # re-run from the cache, and a page that is down today was fine.
            old = self.store.get_raw_page(url)
            if old and 200 <= (old["status"] or 0) < 300:
                return
        self.store.save_raw_page(url, status=status, body=body, headers=headers, source=self.source)

    # -- retries ---------------------------------------------------------------

    def _fetch_with_retries(
        self, url: str, cached: dict | None, limit: int
    ) -> tuple[int, dict[str, str], bytes, int]:
        host = urlsplit(url).netloc
        attempt = 0
        while True:
            try:
                status, headers, body = self._request(url, cached, limit)
            except FetchError as e:
                if e.kind not in ("timeout", "network") or attempt >= self.policy.max_retries:
                    if attempt:
                        e.args = (f"{e.args[0]} (after {attempt} retries)",)
                    raise
                self._defer(host, self.policy.backoff * 2**attempt)
                attempt += 1
                self.stats.retries += 1
                continue
            if status not in _RETRY_STATUSES or attempt >= self.policy.max_retries:
                return status, headers, body, attempt
            wait = parse_retry_after(headers.get("retry-after"))
            if wait is None:
                wait = self.policy.backoff * 2**attempt
            elif wait > self.policy.max_retry_after:
                raise FetchError(
                    url,
                    "http",
                    f"HTTP {status}: the server asks us to wait {wait:.0f} s, over the "
                    f"{self.policy.max_retry_after:.0f} s limit",
                    status,
                )
            self._defer(host, wait)
            attempt += 1
            self.stats.retries += 1

    def _defer(self, host: str, seconds: float) -> None:
        """Hold the next request to ``host`` back by ``seconds`` from now."""
        self._next_ok[host] = max(self._next_ok.get(host, 0.0), self._clock() + seconds)

    def _lock(self, host: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks[host]

    # -- one request -------------------------------------------------------------

    def _request(self, url: str, cached: dict | None, limit: int) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        host = parts.netloc
        with self._lock(host):
            wait = self._next_ok.get(host, 0.0) - self._clock()
            if wait > 0:
                self._sleep(wait)
            try:
                return self._send(url, parts, cached, limit)
            finally:
                self.stats.requests += 1
                # The gap is measured from the end of a request, so a slow
                # server is given the full pause before the next one.
                self._next_ok[host] = max(
                    self._next_ok.get(host, 0.0), self._clock() + self._host_delay.get(host, self.policy.delay)
                )

    def _send(self, url: str, parts, cached: dict | None, limit: int) -> tuple[int, dict[str, str], bytes]:
        timeout = self.policy.timeout
        if parts.scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=timeout, context=self._ssl
            )
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        headers = {
            "User-Agent": self.policy.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/json,application/atom+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Encoding": "gzip, deflate",
            "Connection": "close",
        }
        if cached is not None:
            if cached["etag"]:
                headers["If-None-Match"] = cached["etag"]
            if cached["last_modified"]:
                headers["If-Modified-Since"] = cached["last_modified"]
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        started = self._clock()
        # A watchdog shuts the socket at the deadline: socket timeouts bound each
        # read, not a server that drips one byte a second for ever.
        watchdog = _Watchdog(conn, self.policy.total_timeout)
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            raw_headers = {}
            for k, v in resp.getheaders():
                k = k.lower()
                raw_headers[k] = f"{raw_headers[k]}, {v}" if k in raw_headers else v
            status = resp.status
            if status in _REDIRECT_STATUSES or status == 304 or status == 204:
                body = b""
            else:
                body = self._read_body(url, resp, raw_headers, limit, started)
        except FetchError:
            if watchdog.fired:
                raise FetchError(url, "timeout", f"response not complete within {self.policy.total_timeout:g} s") from None
            raise
        except (socket.timeout, TimeoutError) as e:
            if watchdog.fired:
                raise FetchError(url, "timeout", f"response not complete within {self.policy.total_timeout:g} s") from e
            raise FetchError(url, "timeout", f"no answer within {timeout:g} s") from e
        except (OSError, http.client.HTTPException, ValueError) as e:
            if watchdog.fired:
                raise FetchError(url, "timeout", f"response not complete within {self.policy.total_timeout:g} s") from e
            raise FetchError(url, "network", f"{type(e).__name__}: {e}".rstrip(": ")) from e
        finally:
            watchdog.cancel()
            conn.close()
        self.stats.bytes += len(body)
        return status, raw_headers, body

    def _read_body(self, url: str, resp, headers: dict[str, str], limit: int, started: float) -> bytes:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(url, "too_large", f"body of {int(declared)} bytes is over the {limit} byte limit")
        chunks: list[bytes] = []
        size = 0
        while True:
            # read1 returns what has arrived; read(n) would wait for all n bytes.
            chunk = resp.read1(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise FetchError(url, "too_large", f"body is over the {limit} byte limit")
            if self._clock() - started > self.policy.total_timeout:
                raise FetchError(url, "timeout", f"body not received within {self.policy.total_timeout:g} s")
            chunks.append(chunk)
        body = b"".join(chunks)
        encoding = headers.get("content-encoding", "").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            body = _decompress(url, body, limit)
            # The stored body is decoded, so its headers must not claim otherwise.
            headers.pop("content-encoding", None)
            headers.pop("content-length", None)
        return body

    # -- robots.txt -------------------------------------------------------------

    def _robots_for(self, url: str) -> RobotFileParser | bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self._robots:
            return self._robots[origin]
        robots_url = origin + "/robots.txt"
        rules: RobotFileParser | bool
        try:
            resp = self._get(robots_url, conditional=True, max_bytes=_ROBOTS_MAX_BYTES, check_robots=False)
        except FetchError as e:
            # RFC 9309: a missing robots.txt (4xx) allows everything; one that
            # cannot be read (5xx, network) means stay away for now.
            if e.kind == "http" and e.status and 400 <= e.status < 500 and e.status != 429:
                rules = True
            else:
                self.stats.errors[f"robots.txt {e.category}"] += 1
                rules = False
        else:
            parser = RobotFileParser(robots_url)
            parser.parse(resp.text().splitlines())
            rules = parser
            delay = parser.crawl_delay(self.policy.user_agent)
            if delay:
                self._host_delay[parts.netloc] = max(self.policy.delay, min(float(delay), _MAX_CRAWL_DELAY))
        self._robots[origin] = rules
        return rules


class _Watchdog:
    """Shuts a connection's socket when ``seconds`` have passed, unless cancelled first."""

    def __init__(self, conn: http.client.HTTPConnection, seconds: float):
        self.fired = False
        self._conn = conn
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        sock = self._conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def _port_class(url: str) -> int:
    """The URL's port, with http's and https's default ports as one (443)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return -1
    if port is None or (parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443):
        return 443
    return port


def _decompress(url: str, body: bytes, limit: int) -> bytes:
    # wbits 47 (32 + 15) accepts both gzip and zlib headers.
    d = zlib.decompressobj(47)
    try:
        out = d.decompress(body, limit + 1)
    except zlib.error as e:
        raise FetchError(url, "network", f"corrupt compressed body: {e}") from e
    if len(out) > limit or d.unconsumed_tail:
        raise FetchError(url, "too_large", f"body is over the {limit} byte limit once decompressed")
    return out


