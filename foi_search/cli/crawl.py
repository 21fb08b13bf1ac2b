"""``foi-search crawl SOURCE``: fetch published FOI material politely into the database."""

from __future__ import annotations

import shutil
import sys

import click

from foi_search.cli.util import EXIT_EMPTY, EXIT_ERROR, EXIT_OK, emit_json, open_store
from foi_search.services.crawling import DEFAULT_MAX_PAGES

from ingest.sources import SOURCE_NAMES as _SOURCES  # noqa: E402  (one list of crawlable sources)


@click.command()
@click.argument("source", type=click.Choice(_SOURCES))
@click.option("--base-url", metavar="URL", help="Site to crawl instead of the real one (another Alaveteli "
              "instance, a mirror, a local copy); for mps, ico and tribunal it may be the listing URL itself.")
@click.option("--authority", metavar="SLUG", help="Whose items: the Alaveteli body slug (required for "
              "alaveteli), the gov.uk organisation slug, or the foi-ai force segment.")
@click.option("--since", metavar="YYYY-MM-DD", help="Leave items older than this date alone.")
@click.option("--max-pages", type=click.IntRange(min=0), default=DEFAULT_MAX_PAGES, show_default=True,
              help="Fetch at most this many pages this run (listing pages, items and attachments); the next "
              "run resumes. The default cap stops an endless listing; raise it for a large first crawl.")
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between two requests to the same host (robots.txt Crawl-delay can raise it).")
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False),
              help="TOML/JSON file describing a generic disclosure log (required for generic).")
@click.option("--user-agent", metavar="TEXT", envvar="FOI_SEARCH_USER_AGENT",
              help="User-Agent to send; include a way to contact you. [env: FOI_SEARCH_USER_AGENT]")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds allowed for connecting and for each read.")
@click.option("--max-mb", type=click.FloatRange(min=0.01), default=20.0, show_default=True,
              help="Largest response accepted, in MB; larger ones are recorded as failures.")
@click.option("--stop-after-known", type=click.IntRange(min=0), default=10, show_default=True,
              help="After a complete pass, stop at this many unchanged items in a row (0: never).")
@click.option("--no-attachments", is_flag=True, help="Do not fetch attachments.")
@click.option("--refresh", is_flag=True, help="Re-check every item and re-read it, even when the listing "
              "says it is unchanged (still with conditional GETs).")
@click.option("--thread-format", type=click.Choice(["auto", "html", "json"]), default="auto", show_default=True,
              help="Alaveteli: read thread pages as HTML or as their .json twin.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the end-of-run summary as JSON.")
@click.pass_context
def crawl(ctx: click.Context, source: str, as_json: bool, quiet: bool, max_mb: float, no_attachments: bool,
          **kw) -> None:
    """Fetch new and changed items of a published SOURCE into the database.

    \b
    Sources:
      alaveteli  requests to one authority on WhatDoTheyKnow (or another
                 Alaveteli site with --base-url); needs --authority SLUG
      mps        Metropolitan Police disclosure log ("foi-ai" platform; other
                 forces with --base-url set to their log URL)
      govuk      gov.uk FOI releases (search API + content API), --authority ORG
      ico        ICO decision notices (listing + PDFs)
      tribunal   Information Rights Tribunal decisions (listing + PDFs)
      generic    any simple HTML disclosure log, described by --config FILE

    Polite by default: robots.txt, one request at a time per host, --delay
    between them, retries with backoff on 429/5xx, conditional GETs. Every
    response is kept in the database, so a second run fetches only what changed
    and an interrupted run resumes.

    Exit status: 0 items crawled, 1 nothing listed, 2 error (nothing read and
    failures recorded).
    """
    from foi_search.services.crawling import CrawlOptions, crawl as run_crawl

    store = open_store(ctx, create=True)
    options = CrawlOptions(
        max_bytes=int(max_mb * 1024 * 1024),
        attachments=not no_attachments,
        **kw,
    )
    show = None if quiet else _Progress(source)
    report = run_crawl(store, source, options, progress=show)
    if show:
        show.done()
    if as_json:
        emit_json(report.summary())
    else:
        click.echo(report.describe())
        click.echo(f"Database: {store.path}")
    if report.stopped == "interrupted":
        ctx.exit(130)
    read = report.documents + report.not_modified + report.skipped_known + report.skipped_resumed
    if report.items == 0 and not report.failures:
        ctx.exit(EXIT_EMPTY)
    ctx.exit(EXIT_ERROR if report.failures and not read else EXIT_OK)


class _Progress:
    """Progress on stderr: one refreshed line on a terminal, one line per item otherwise."""

    def __init__(self, source: str):
        self.source = source
        self.tty = sys.stderr.isatty()
        self.shown = False

    def __call__(self, event: str, url: str, report) -> None:
        if self.tty:
            width = shutil.get_terminal_size((100, 20)).columns
            counts = (
                f"crawl {self.source}: {report.items} items, {report.added} new, {report.updated} updated, "
                f"{report.skipped_known + report.skipped_resumed} skipped, {len(report.failures)} failed "
            )
            line = (counts + url)[: max(20, width - 1)]
            click.echo("\r" + line.ljust(width - 1), nl=False, err=True)
            self.shown = True
        else:
            click.echo(f"{event:>9}  {url}", err=True)

    def done(self) -> None:
        if self.tty and self.shown:
            click.echo("", err=True)


@click.command("purge-raw")
@click.option("--source", metavar="NAME", help="Only pages fetched by this source (default: all).")
@click.pass_context
def purge_raw(ctx: click.Context, source: str | None) -> None:
    """Remove the stored bodies of fetched pages (they are kept unredacted).

    Documents stay, redacted; page URLs, hashes and times stay so crawls still
    resume and skip unchanged items; a purged page is fetched in full next time.
    """
    from foi_search.services.rawpages import purge_raw as run_purge

    store = open_store(ctx)
    report = run_purge(store, source=source)
    click.echo(f"Removed the bodies of {report.pages} pages ({report.bytes / 1e6:.1f} MB); "
               "run 'sqlite3 DB VACUUM' to shrink the file.")
    ctx.exit(EXIT_OK)
