"""``foi-search search``, ``precedents`` and ``exists``: the read commands that rank.

Each parses options, calls one library function, and prints text (default),
``--json`` or ``--markdown``. Exit 0 with results, 1 with none, 2 on error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

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


def _searcher(store, keyword_only: bool):
    from foi_search.search.searcher import Searcher

    return Searcher(store, keyword_only=keyword_only, notify=lambda m: click.echo(m, err=True))


def _run_batch(searcher, batch: str, filters, limit: int) -> None:
    try:
        lines = sys.stdin.read().splitlines() if batch == "-" else Path(batch).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise CliError(f"Cannot read {batch}: {e.strerror}.") from e
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text, qid = item["text"], item.get("qid")
            if not isinstance(text, str):
                raise TypeError
        except (json.JSONDecodeError, KeyError, TypeError):
            click.echo(f"{batch}:{n}: skipped, not a JSON object with a 'text' string.", err=True)
            continue
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
    from foi_search.search.searcher import prewarm

    prewarm(ctx.obj["db"], keyword_only=keyword_only)
    store = open_store(ctx)
    filters = filters_from(kw)
    searcher = _searcher(store, keyword_only)
    if batch:
        _run_batch(searcher, batch, filters, limit)
        ctx.exit(EXIT_OK)
    result = searcher.search(read_query(query, None), filters, limit=limit)
    if fmt == "json":
        emit_json(result.to_json())
    else:
        click.echo(render_search(result, markdown=fmt == "markdown"), nl=False)
    ctx.exit(EXIT_OK if result.results and not result.no_close_precedent else EXIT_EMPTY)


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
    from foi_search.search.precedents import precedent_report
    from foi_search.cli.render import render_precedents
    from foi_search.search.searcher import prewarm

    prewarm(ctx.obj["db"], keyword_only=keyword_only)
    store = open_store(ctx)
    report = precedent_report(
        store,
        read_query(text, file),
        filters_from(kw),
        limit=limit,
        reasoning_per_exemption=reasoning,
        searcher=_searcher(store, keyword_only),
    )
    if fmt == "json":
        emit_json(report.to_json())
    else:
        click.echo(render_precedents(report, markdown=fmt == "markdown"), nl=False)
    ctx.exit(EXIT_OK if report.similar and not report.no_close_precedent else EXIT_EMPTY)


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
    from foi_search.search.precedents import exists_check
    from foi_search.cli.render import render_search
    from foi_search.search.searcher import prewarm

    prewarm(ctx.obj["db"], keyword_only=keyword_only)
    store = open_store(ctx)
    found = exists_check(store, read_query(query, None), filters_from(kw), limit=limit, searcher=_searcher(store, keyword_only))
    if fmt == "json":
        emit_json(found.to_json())
    else:
        click.echo(render_search(found.search, markdown=fmt == "markdown", attachments=found.attachments), nl=False)
    ctx.exit(EXIT_OK if found.search.results and not found.search.no_close_precedent else EXIT_EMPTY)
