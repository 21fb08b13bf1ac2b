"""Service: crawl one published source into the store.

Composes a source (:mod:`ingest.sources`), the polite fetcher, crawl state
and the loop over the listing (:class:`ingest.crawl.CrawlLoop`), and keeps
the run's bookkeeping (``ingest_runs``, the report). For every item the
listing names, in listing order, the loop does:

1. skip it without a request when this pass already did it (resuming an
   interrupted crawl) or when the listing says it has not changed;
2. otherwise fetch it with a conditional GET; a 304 (or an identical body)
   for a page read fine before needs no parsing;
3. otherwise parse it, fetch and read its attachments, enrich and save each
   document (``save_document`` replaces by ``(source, source_key)``, so
   nothing is stored twice).

Every failure is recorded in ``ingest_errors`` (URL, stage, status, reason)
and the crawl goes on. After a pass has once reached the end of the listing,
later runs stop at the first long stretch of unchanged items.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from foi_search.core.errors import FoiSearchError
from foi_search.store import Store

from ingest.sources import SOURCE_NAMES  # noqa: F401  (the names :func:`crawl` accepts; defined once there)

#: Pages fetched in one run when no ``--max-pages`` is given: an endless listing
#: (``?page=N`` for ever) stops here, and the next run resumes where it stopped.
DEFAULT_MAX_PAGES = 2000


@dataclass
class CrawlOptions:
    """What to crawl and how.

    Attributes:
        base_url: Site root (another Alaveteli instance, a mirror, a local
            test site); the real site when None.
        authority: Authority slug (Alaveteli body, gov.uk organisation, foi-ai force).
        since: ISO date: leave older items alone.
        max_pages: Fetches allowed this run; the next run resumes (None:
            :data:`DEFAULT_MAX_PAGES`).
        delay: Seconds between requests to one host.
        config: Config file of the generic source.
        user_agent: Overrides the default User-Agent.
        timeout: Seconds allowed per connect/read.
        max_bytes: Largest response accepted.
        stop_after_known: After a completed pass, stop at this many unchanged
            items in a row (0: never stop early).
        attachments: Fetch attachments and extract their text.
        refresh: Re-check every item (conditional GET) and re-parse, ignoring
            listing versions and earlier progress.
        thread_format: Alaveteli thread format (``auto``, ``html``, ``json``).
    """

    base_url: str | None = None
    authority: str | None = None
    since: str | None = None
    max_pages: int | None = None
    delay: float = 1.0
    config: str | None = None
    user_agent: str | None = None
    timeout: float = 30.0
    max_bytes: int = 20 * 1024 * 1024
    stop_after_known: int = 10
    attachments: bool = True
    refresh: bool = False
    thread_format: str = "auto"


@dataclass
class CrawlFailure:
    """One failed fetch, parse or save."""

    url: str
    stage: str
    reason: str
    status: int | None = None
    category: str = ""


@dataclass
class CrawlReport:
    """What one crawl run did.

    Attributes:
        source: Source name (``mps``...).
        scope: What the pass covers (site, authority).
        run_id: Row in ``ingest_runs``.
        mode: ``full``, ``incremental`` or ``resume``.
        stopped: ``complete`` (end of listing), ``known`` (a stretch of
            unchanged items), ``max_pages`` or ``interrupted``.
        items: Items the listing named (after ``--since``).
        pages: Fetches asked for (listing pages, items, attachments).
        requests: HTTP requests sent, retries and robots.txt included.
        fetched: Pages received with a body (2xx), robots.txt not counted.
        not_modified: Pages answered 304 (cached body reused).
        skipped_known: Items not requested: the listing says unchanged.
        skipped_resumed: Items not requested: done earlier in this pass.
        skipped_since: Items older than ``--since``.
        off_host: Links not followed: not on the source's hosts.
        robots_blocked: URLs robots.txt disallowed.
        retries: Requests repeated after 429/5xx/timeouts.
        added, updated, unchanged: Documents by what saving them did.
        attachments: Attachments fetched and read.
        bytes: Body bytes received.
        elapsed_s: Wall time.
        failures: Every failure, in order.
    """

    source: str
    scope: str
    run_id: int
    mode: str = "full"
    stopped: str = "complete"
    items: int = 0
    pages: int = 0
    requests: int = 0
    fetched: int = 0
    not_modified: int = 0
    skipped_known: int = 0
    skipped_resumed: int = 0
    skipped_since: int = 0
    off_host: int = 0
    robots_blocked: int = 0
    retries: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    attachments: int = 0
    bytes: int = 0
    elapsed_s: float = 0.0
    failures: list[CrawlFailure] = field(default_factory=list)

    @property
    def documents(self) -> int:
        """Documents saved or confirmed this run."""
        return self.added + self.updated + self.unchanged

    @property
    def failure_reasons(self) -> dict[str, int]:
        """Failures counted by category (``http 404``, ``timeout``, ``parse``...)."""
        return dict(Counter(f.category for f in self.failures).most_common())

    @property
    def pages_per_s(self) -> float:
        """Pages answered (2xx or 304) per second of wall time."""
        return (self.fetched + self.not_modified) / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def reused_share(self) -> float:
        """Share of page checks answered 304 or skipped without a request."""
        skipped = self.skipped_known + self.skipped_resumed
        total = self.pages + skipped
        return (self.not_modified + skipped) / total if total else 0.0

    def summary(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return {
            "source": self.source,
            "scope": self.scope,
            "run_id": self.run_id,
            "mode": self.mode,
            "stopped": self.stopped,
            "items": self.items,
            "pages": self.pages,
            "requests": self.requests,
            "fetched": self.fetched,
            "not_modified": self.not_modified,
            "skipped_known": self.skipped_known,
            "skipped_resumed": self.skipped_resumed,
            "skipped_since": self.skipped_since,
            "off_host": self.off_host,
            "robots_blocked": self.robots_blocked,
            "retries": self.retries,
            "documents": {"added": self.added, "updated": self.updated, "unchanged": self.unchanged},
            "attachments": self.attachments,
            "bytes": self.bytes,
            "elapsed_s": round(self.elapsed_s, 3),
            "pages_per_s": round(self.pages_per_s, 1),
            "reused_share": round(self.reused_share, 3),
            "failed": len(self.failures),
            "failure_reasons": self.failure_reasons,
            "failures": [
                {"url": f.url, "stage": f.stage, "status": f.status, "reason": f.reason} for f in self.failures
            ],
        }

    def describe(self) -> str:
        """The report as lines of text."""
        ending = {
            "complete": "reached the end of the listing",
            "known": "stopped at a stretch of unchanged items",
            "max_pages": "stopped at --max-pages (the next run resumes)",
            "interrupted": "interrupted (the next run resumes)",
        }[self.stopped]
        lines = [
            f"crawl {self.source} ({self.mode} pass, {ending}) in {self.elapsed_s:.1f} s:",
            f"  {self.items} items listed; {self.pages} pages asked for, {self.requests} HTTP requests",
            f"  fetched {self.fetched}, 304 not modified {self.not_modified}, "
            f"skipped known {self.skipped_known + self.skipped_resumed}"
            + (f" ({self.skipped_resumed} done earlier in this pass)" if self.skipped_resumed else "")
            + (f", older than --since {self.skipped_since}" if self.skipped_since else ""),
            f"  documents: {self.added} new, {self.updated} updated, {self.unchanged} unchanged; "
            f"{self.attachments} attachments read",
        ]
        extras = [
            f"{n} {label}"
            for n, label in (
                (self.retries, "retries"),
                (self.robots_blocked, "blocked by robots.txt"),
                (self.off_host, "off-site links not followed"),
            )
            if n
        ]
        if extras:
            lines.append("  " + ", ".join(extras))
        if self.failures:
            reasons = ", ".join(f"{k} {v}" for k, v in self.failure_reasons.items())
            lines.append(f"  failures: {len(self.failures)} ({reasons})")
            for f in self.failures[:10]:
                lines.append(f"    {f.stage}: {f.url}: {f.reason}")
            if len(self.failures) > 10:
                lines.append(f"    ... and {len(self.failures) - 10} more (see the ingest_errors table)")
        else:
            lines.append("  failures: none")
        return "\n".join(lines)


def crawl(
    store: Store,
    source: str,
    options: CrawlOptions | None = None,
    *,
    progress: Callable[[str, str, CrawlReport], None] | None = None,
    policy: Any = None,
) -> CrawlReport:
    """Crawl one source into ``store``.

    Interrupting (Ctrl-C) ends the run cleanly: what was stored is kept, the
    report says ``interrupted`` and the next run resumes the pass.

    Args:
        store: The open store.
        source: One of :data:`SOURCE_NAMES`.
        options: What to crawl and how.
        progress: Called with ``(event, url, report)`` as the crawl goes
            (events: ``listing``, and item outcomes ``new``, ``updated``,
            ``unchanged``, ``same``, ``skipped``, ``resumed``, ``failed``).
        policy: A :class:`ingest.sources.http.FetchPolicy` replacing the one
            built from ``options`` (tests use it for short timeouts).

    Returns:
        The run's report.

    Raises:
        FoiSearchError: Unknown source, bad options or config.
    """
    from ingest.crawl import CrawlLoop
    from ingest.extract.redact import raw_body_redactor
    from ingest.sources import make_source
    from ingest.sources.base import CrawlContext
    from ingest.sources.http import FetchPolicy, Fetcher, default_user_agent
    from ingest.sources.state import CrawlState

    opts = options or CrawlOptions()
    if source not in SOURCE_NAMES:
        raise FoiSearchError(f"Unknown source {source!r}.", f"Use one of {', '.join(SOURCE_NAMES)}.")
    if opts.since:
        try:
            date.fromisoformat(opts.since)
        except ValueError as e:
            raise FoiSearchError(f"--since {opts.since!r} is not a date.", "Write it as YYYY-MM-DD.") from e
    if opts.delay < 0 or (opts.max_pages is not None and opts.max_pages < 0):
        raise FoiSearchError("--delay and --max-pages cannot be negative.")
    src = make_source(
        source,
        base_url=opts.base_url,
        authority=opts.authority,
        since=opts.since,
        config=opts.config,
        thread_format=opts.thread_format,
    )
    if policy is None:
        policy = FetchPolicy(
            user_agent=opts.user_agent or default_user_agent(),
            delay=opts.delay,
            timeout=opts.timeout,
            max_bytes=opts.max_bytes,
        )
    fetcher = Fetcher(store, policy=policy, hosts=src.hosts(), source=src.name)
    state = CrawlState(store, src.crawler_id)
    scope = src.scope()
    report = CrawlReport(source=source, scope=scope, run_id=store.start_run(f"crawl {source} {scope}"))

    def on_failure(url: str, stage: str, reason: str, status: int | None, category: str) -> None:
        report.failures.append(CrawlFailure(url, stage, reason, status, category))
        store.record_error(report.run_id, url, stage, reason, status)
        if progress:
            progress("failed", url, report)

    listing_urls: set[str] = set()

    def on_fetch(url: str, stage: str, resp: Any) -> None:
        if stage == "listing":
            listing_urls.add(url)
            if resp is not None:
                listing_urls.update((resp.final_url, *resp.redirects))
            if progress:
                progress("listing", url, report)

    max_pages = DEFAULT_MAX_PAGES if opts.max_pages is None else opts.max_pages
    ctx = CrawlContext(fetcher, since=opts.since, max_pages=max_pages, on_failure=on_failure, on_fetch=on_fetch)
    run = CrawlLoop(src, ctx, state, report, refresh=opts.refresh, attachments=opts.attachments,
                    stop_after_known=opts.stop_after_known, progress=progress)
    pass_ = state.begin(scope)
    report.mode = pass_.mode
    started = time.monotonic()
    finished = False
    try:
        finished = run.walk(pass_)
    finally:
        report.elapsed_s = time.monotonic() - started
        report.pages = ctx.pages
        report.off_host = ctx.off_host
        report.skipped_since = ctx.skipped_since
        stats = fetcher.stats
        report.requests, report.fetched, report.not_modified = stats.requests, ctx.fetched, ctx.not_modified
        report.retries, report.bytes, report.robots_blocked = stats.retries, stats.bytes, stats.robots_blocked
        state.end(scope, finished=finished, complete=opts.since is None)
        # Listing pages can name requesters ("Request by ..."): kept redacted
        # with every name learnt from this run's items (binary bodies dropped).
        store.rewrite_raw_pages(sorted(listing_urls), raw_body_redactor(run.learnt_names))
        store.finish_run(
            report.run_id,
            report.documents,
            len(report.failures),
            report.skipped_known + report.skipped_resumed,
            report.summary(),
        )
    return report
