"""The crawl's loop over one source's listing: each item fetched, parsed, read and saved.

For every item the listing names, in listing order:

1. skip it without a request when this pass already did it (resuming an
   interrupted crawl) or when the listing says it has not changed;
2. otherwise fetch it with a conditional GET; a 304 (or an identical body)
   for a page read fine before needs no parsing;
3. otherwise parse it, fetch and read its attachments, enrich and save each
   document through :func:`ingest.pipeline.enrich_and_save` (which replaces by
   ``(source, source_key)``, so nothing is stored twice).

Every failure goes to the context's ``on_failure`` (recorded in
``ingest_errors`` by the crawl service) and the loop goes on. The service
(``foi_search.services.crawling``) builds the source, fetcher and state and
keeps the run's bookkeeping; data flows one way: listing -> pages -> store.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any
from urllib.parse import urljoin

from ingest.parsers import ParseError
from ingest.extract.redact import raw_body_redactor, requester_names
from ingest.pipeline import enrich_and_save
from ingest.sources.base import StopCrawl
from ingest.sources.html import SKIP_EXTENSIONS, body_kind, extract_text, url_extension

#: Item outcomes that mean "nothing new here" (they extend a known stretch).
KNOWN_OUTCOMES = ("skipped", "same", "unchanged")


class CrawlLoop:
    """One crawl run's walk over a source's listing: fetch, parse, read attachments, save.

    Args:
        src: The source (:class:`ingest.sources.base.Source`).
        ctx: Its :class:`ingest.sources.base.CrawlContext` (fetching, limits, failures).
        state: The crawl's :class:`ingest.sources.state.CrawlState`.
        report: The run's counters (``foi_search.services.crawling.CrawlReport``),
            updated in place.
        refresh: Re-check every item, ignoring listing versions and earlier progress.
        attachments: Fetch attachments and extract their text.
        stop_after_known: After a completed pass, stop at this many unchanged
            items in a row (0: never stop early).
        progress: Called with ``(outcome, url, report)`` after each item.
    """

    def __init__(self, src, ctx, state, report, *, refresh: bool = False, attachments: bool = True,
                 stop_after_known: int = 10, progress=None) -> None:
        self.src, self.ctx, self.state, self.report = src, ctx, state, report
        self.refresh, self.fetch_attachments, self.stop_after_known = refresh, attachments, stop_after_known
        self.progress = progress
        #: Requesters' names learnt this run: the listing pages are redacted with them.
        self.learnt_names: list[str] = []

    def walk(self, pass_) -> bool:
        """Process the listing; True when the walk ended by itself."""
        streak = 0
        listing = self.src.listing(self.ctx)
        try:
            for item in listing:
                self.report.items += 1
                outcome = self.item(item, pass_)
                if self.progress:
                    self.progress(outcome, item.url, self.report)
                if outcome in KNOWN_OUTCOMES:
                    streak += 1
                elif outcome != "resumed":
                    streak = 0
                if pass_.completed_before and self.stop_after_known and streak >= self.stop_after_known:
                    if not self.refresh and self.src.newest_first:
                        self.report.stopped = "known"
                        return True
            return True
        except StopCrawl:
            self.report.stopped = "max_pages"
            return False
        except KeyboardInterrupt:
            self.report.stopped = "interrupted"
            return False
        finally:
            listing.close()

    def item(self, item, pass_) -> str:
        """Handle one listed item; returns its outcome."""

        report, state, refresh = self.report, self.state, self.refresh
        rec = state.item(item.url)
        done_ok = bool(rec and rec["status"] == "ok")
        if done_ok and not refresh:
            if pass_.mode == "resume" and rec["processed_at"] >= pass_.started_at:
                report.skipped_resumed += 1
                return "resumed"
            if item.version and rec["listed_version"] == item.version:
                report.skipped_known += 1
                state.mark(item.url, status="ok", version=item.version)
                return "skipped"
        resp = self.ctx.fetch(item.fetch_url or item.url, stage="item")
        if resp is None:
            state.mark(item.url, status="failed")
            return "failed"
        sha = hashlib.sha256(resp.body).hexdigest()
        # A 304 says the page is as it was (its kept copy is the redacted one,
        # so its hash is not the one recorded): nothing to read again.
        if done_ok and not refresh and (resp.not_modified or rec["sha256"] == sha):
            state.mark(item.url, status="ok", version=item.version, sha256=None if resp.not_modified else sha)
            return "same"
        if body_kind(resp) == "other":
            reason = f"unexpected content type {resp.content_type or 'unknown'!r} for an item page"
            self.ctx.fail(item.url, "item", reason, category="content_type")
            state.mark(item.url, status="failed")
            return "failed"
        try:
            docs = self.src.documents(self.ctx, item, resp)
            if not docs:
                raise ParseError("no documents on the page")
        except StopCrawl:
            raise
        except ParseError as e:
            self.ctx.fail(item.url, "parse", str(e), category="parse")
            state.mark(item.url, status="failed", sha256=None)
            return "failed"
        except Exception as e:  # a parser bug must not stop the crawl
            self.ctx.fail(item.url, "parse", f"unexpected {type(e).__name__}: {e}", category="parse")
            state.mark(item.url, status="failed")
            return "failed"
        complete = True
        counts: Counter = Counter()
        # Learnt from the documents as parsed, before enrich() redacts them.
        names = [n for d in docs for n in requester_names(d)]
        self.learnt_names.extend(names)
        redact_raw = raw_body_redactor(names)
        fetched = {resp.url, resp.final_url, *resp.redirects}
        for doc in docs:
            doc.url = doc.url or item.url
            if self.fetch_attachments:
                complete &= self.attachments(doc)
            try:
                # enrich() keeps a document whose reading fails (recorded in
                # meta) but raises when personal data cannot be redacted:
                # such a document must never be stored.
                status = enrich_and_save(self.state.store, doc)
            except Exception as e:
                self.ctx.fail(item.url, "store", f"{doc.source_key}: {type(e).__name__}: {e}", category="store")
                complete = False
                continue
            counts[status] += 1
            setattr(report, status, getattr(report, status) + 1)
        # The stored pages keep no more personal data than the documents do.
        fetched |= {a.url for d in docs for a in d.attachments if a.url}
        self.state.store.rewrite_raw_pages(sorted(fetched), redact_raw)
        state.mark(
            item.url,
            status="ok" if complete else "partial",
            version=item.version,
            sha256=sha,
            doc_keys=[d.source_key for d in docs],
        )
        if counts["added"]:
            return "new"
        return "updated" if counts["updated"] else "unchanged"

    def attachments(self, doc) -> bool:
        """Fetch and read a document's attachments; False when one may succeed on a later run."""

        complete = True
        for att in doc.attachments:
            if att.text is not None or not att.url:
                continue
            url = urljoin(doc.url or "", att.url)
            if url_extension(url) in SKIP_EXTENSIONS or not self.ctx.allowed(url):
                continue
            resp = self.ctx.fetch(url, stage="attachment")
            if resp is None:
                complete &= not _transient(self.ctx.last_error)
                continue
            att.url = url
            att.content_type = att.content_type or resp.content_type or None
            att.size = len(resp.body)
            try:
                att.text = extract_text(resp.body, name=att.name or url, content_type=resp.content_type)
            except ParseError as e:
                # The file will read no better next time: not a reason to retry.
                self.ctx.fail(url, "attachment", f"cannot read its text: {e}", category="extract")
                continue
            self.report.attachments += 1
        return complete


def _transient(error: Any) -> bool:
    """Whether a fetch failure may go away on its own (timeouts, 5xx, 429)."""
    if error is None:
        return False
    if error.kind in ("timeout", "network"):
        return True
    return error.kind == "http" and error.status is not None and (error.status in (408, 429) or error.status >= 500)
