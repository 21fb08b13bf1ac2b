"""``foi-search search``, ``precedents`` and ``exists``: the read commands that rank.

Each parses options, calls one library function, and prints text (default),
``--json`` or ``--markdown``. Exit 0 with results, 1 with none, 2 on error.
"""

from __future__ import annotations

from typing import Any

import click

from foi_search.core.errors import FoiSearchError

from foi_search.cli.util import (
    EXIT_EMPTY,
    EXIT_OK,
    CliError,
    emit_json,
    filter_options,
    filters_from,
    open_store,
    output_options,
    read_query,
)


def _search_options(f):
    f = click.option("--keyword-only", is_flag=True, help="Keyword search only (skips the model; fastest).")(f)
    f = click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Results to show.")(f)
    return output_options(f)


def _open(ctx: click.Context, keyword_only: bool):
    """The store and a Searcher; the model starts loading first (inputs are checked before this)."""
    from foi_search.search.resources import prewarm
    from foi_search.search.searcher import Searcher

    prewarm(ctx.obj["db"], keyword_only=keyword_only)
    store = open_store(ctx)
    return store, Searcher(store, keyword_only=keyword_only, notify=lambda m: click.echo(m, err=True))


def _finish(ctx: click.Context, fmt: str | None, answer, text: str, found: bool) -> None:
    """Print one answer as JSON or ``text`` and exit 0 when something close was found, else 1."""
    if fmt == "json":
        emit_json(answer.to_json())
    else:
        click.echo(text, nl=False)
    ctx.exit(EXIT_OK if found else EXIT_EMPTY)


def _run_batch(searcher, batch: str, filters, limit: int) -> None:
    from foi_search.core.jsonl import read_jsonl

    def skip(n: int, _reason: str = "") -> None:
        click.echo(f"{batch}:{n}: skipped, not a JSON object with a 'text' string.", err=True)

    try:
        items = list(read_jsonl(batch, what="batch", on_bad_line=skip))
    except FoiSearchError as e:
        raise CliError(str(e)) from e
    for n, item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            skip(n)
            continue
        text, qid = item["text"], item.get("qid")
        result = searcher.search(text, filters, limit=limit, qid=None if qid is None else str(qid))
        emit_json(result.to_json())


@click.command("search")
@click.argument("query", nargs=-1)
@click.option("--batch", metavar="FILE", help="JSON lines {qid, text}; one JSON line out per query ('-' for stdin).")
@_search_options
@filter_options
@click.pass_context
def search_command(
    ctx: click.Context, query: tuple[str, ...], batch: str | None, fmt: str | None, limit: int, keyword_only: bool, **kw: Any
) -> None:
    """Rank earlier requests and responses by similarity to QUERY.

    \b
    Examples:
      foi-search search "HMO licence register"
      foi-search search --outcome disclosed_full "parking fines by street"
      foi-search search --batch queries.jsonl > results.jsonl
    """
    from foi_search.cli.render import render_search

    filters = filters_from(kw)
    text = None if batch else read_query(query, None)
    _, searcher = _open(ctx, keyword_only)
    if batch:
        _run_batch(searcher, batch, filters, limit)
        ctx.exit(EXIT_OK)
    result = searcher.search(text, filters, limit=limit)
    found = bool(result.results) and not result.no_close_precedent
    _finish(ctx, fmt, result, "" if fmt == "json" else render_search(result, markdown=fmt == "markdown"), found)


@click.command("precedents")
@click.argument("text", nargs=-1)
@click.option("--file", "file", metavar="F", help="Read the request text from a file ('-' for stdin).")
@click.option("--reasoning", default=3, show_default=True, type=click.IntRange(0, 50), help="Reasoning paragraphs per exemption.")
@_search_options
@filter_options
@click.pass_context
def precedents_command(
    ctx: click.Context, text: tuple[str, ...], file: str | None, reasoning: int, fmt: str | None, limit: int,
    keyword_only: bool, **kw: Any,
) -> None:
    """Precedent report for a new request: TEXT, --file F, or '-' for stdin.

    Lists the most similar earlier requests with their outcomes (batches sent to
    many authorities count once), how often each outcome and exemption occurred,
    the reasoning other authorities wrote for each exemption, and related
    Tribunal decisions, all with citations.
    """
    from foi_search.cli.render import render_precedents
    from foi_search.search.precedents import precedent_report

    filters, request = filters_from(kw), read_query(text, file)
    store, searcher = _open(ctx, keyword_only)
    report = precedent_report(
        store, request, filters, limit=limit, reasoning_per_exemption=reasoning, searcher=searcher
    )
    found = bool(report.similar) and not report.no_close_precedent
    _finish(ctx, fmt, report, "" if fmt == "json" else render_precedents(report, markdown=fmt == "markdown"), found)


@click.command("exists")
@click.argument("query", nargs=-1)
@_search_options
@filter_options
@click.pass_context
def exists_command(ctx: click.Context, query: tuple[str, ...], fmt: str | None, limit: int, keyword_only: bool, **kw: Any) -> None:
    """Has this already been released? Earlier responses that disclosed matching information.

    Only responses that released information in full or in part are listed,
    with their links and the names of their attachments.
    """
    from foi_search.cli.render import render_search
    from foi_search.search.precedents import exists_check

    filters, text = filters_from(kw), read_query(query, None)
    store, searcher = _open(ctx, keyword_only)
    found = exists_check(store, text, filters, limit=limit, searcher=searcher)
    ok = bool(found.search.results) and not found.search.no_close_precedent
    rendered = "" if fmt == "json" else render_search(found.search, markdown=fmt == "markdown", attachments=found.attachments)
    _finish(ctx, fmt, found, rendered, ok)
