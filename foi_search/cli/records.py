"""``foi-search show``, ``export`` and ``stats``: reading what a database holds."""

from __future__ import annotations

import json
from typing import Any

import click

from foi_search.cli.util import EXIT_EMPTY, EXIT_OK, CliError, emit_json, filter_options, filters_from, open_store, output_options


@click.command()
@click.argument("key")
@output_options
@click.pass_context
def show(ctx: click.Context, key: str, fmt: str | None) -> None:
    """Show one document by id, source key, URL or reference."""
    from foi_search.cli.render import render_document

    store = open_store(ctx)
    doc_id = store.find_document_id(key)
    if doc_id is None:
        raise CliError(f"No document matches {key!r}. Try 'foi-search search' to find it.")
    doc = store.load_document(doc_id)
    if fmt == "json":
        emit_json(doc)
    else:
        click.echo(render_document(doc, markdown=fmt == "markdown"))


@click.command()
@click.option("--jsonl", is_flag=True, default=True, help="One JSON object per document (the default).")
@filter_options
@click.pass_context
def export(ctx: click.Context, jsonl: bool, **kw: Any) -> None:
    """Export the structured records, one JSON object per line."""
    from foi_search.store.records import export_records

    store = open_store(ctx)
    n = 0
    for rec in export_records(store, filters_from(kw)):
        click.echo(json.dumps(rec, ensure_ascii=False))
        n += 1
    ctx.exit(EXIT_OK if n else EXIT_EMPTY)


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts of documents, passages, outcomes and exemptions."""
    store = open_store(ctx)
    s = store.stats()
    if as_json:
        emit_json(s)
        return
    for k, v in s.items():
        if isinstance(v, dict):
            click.echo(f"{k}:")
            for kk, vv in v.items():
                click.echo(f"  {kk}: {vv}")
        else:
            click.echo(f"{k}: {v}")
