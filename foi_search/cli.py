"""The ``foi-search`` command line.

Commands are thin: parse options, call one library function, format the
result. Heavy libraries (torch, sentence-transformers, faiss, onnxruntime) are
imported only inside the library functions that need them, so ``--help`` and
keyword-only commands start instantly.

Exit codes: 0 success (with results), 1 ran but found nothing, 2 error.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import click

from foi_search.cli.util import (
    EXIT_EMPTY,
    EXIT_ERROR,
    EXIT_OK,
    CliError,
    emit_json,
    filter_options,
    filters_from,
    open_store,
    output_options,
)
from foi_search.core.errors import FoiSearchError

class _Group(click.Group):
    """Turns library errors into one-line messages (tracebacks with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FoiSearchError as e:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise CliError(str(e)) from e
        except sqlite3.OperationalError as e:
            # A read-only, locked or full database file: one line, not a traceback.
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise CliError(f"Cannot write to the database: {e}. Check its permissions and free space, "
                           "or pass --db with another file.") from e
        except KeyboardInterrupt:
            click.echo("Interrupted; what was stored is kept and the next run resumes.", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="foi-search")
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    envvar="FOI_SEARCH_DB",
    help="SQLite database file (default: $FOI_SEARCH_DB, else in the user data folder). "
    "The vector index lives beside it in NAME.index/.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, db: str | None, debug: bool) -> None:
    """Find how a UK Freedom of Information request was answered before.

    \b
    Quick start:
      foi-search demo                      # ingest the bundled corpus and ask it
      foi-search ingest PATH...            # add responses (JSON, HTML, PDF, text...)
      foi-search index                     # build the semantic index
      foi-search precedents "request text" # similar requests, outcomes, wording
    """
    from foi_search.core.config import default_db_path

    ctx.ensure_object(dict)
    ctx.obj["db"] = Path(db) if db else default_db_path()
    ctx.obj["debug"] = debug


# -- ingest ------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Processes reading files (default: one per CPU).")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], as_json: bool, jobs: int | None) -> None:
    """Ingest files and folders of FOI material (format detected per file)."""
    from foi_search.services.ingesting import ingest_paths

    store = open_store(ctx, create=True)
    report = ingest_paths(store, paths, show_progress=not as_json, jobs=jobs)
    if as_json:
        emit_json(report.summary())
    else:
        click.echo(report.describe())
        click.echo(f"Database: {store.path}")
    ctx.exit(EXIT_OK if report.succeeded or not report.failed else EXIT_ERROR)


# -- show / export / stats ---------------------------------------------------


@cli.command()
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


@cli.command()
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


@cli.command()
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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.pass_context
def demo(ctx: click.Context, as_json: bool) -> None:
    """Ingest the bundled demo corpus, index it and answer one precedent question.

    Uses a fresh demo database (default: demo.db in the user data folder, or --db).
    """
    from foi_search.core.config import default_db_path
    from foi_search.services.demo import run_demo

    db = ctx.obj["db"]
    if ctx.find_root().get_parameter_source("db") == click.core.ParameterSource.DEFAULT:
        # Never touch the user's real database: the demo gets its own file.
        db = default_db_path().with_name("demo.db")
    say = (lambda m: None) if as_json else (lambda m: click.echo(m, err=True))
    result = run_demo(db, progress=say)
    if as_json:
        emit_json({"db": result.db, "index_dir": result.index_dir, "ingest": result.ingest,
                   "question": result.question, "report": result.report.to_json()})
        return
    from foi_search.cli.render import render_precedents

    click.echo(f"\nQuestion: {result.question}\n")
    click.echo(render_precedents(result.report), nl=False)
    click.echo(f"\nDemo database: {result.db}\nVector index:  {result.index_dir}")
    click.echo(f"Try: foi-search --db {result.db} search \"CCTV cameras\"")


# Commands of each area live in their own module; registering them here keeps
# this file a table of contents. Each module imports only click at top level.
from foi_search.cli.eval import eval_group  # noqa: E402

cli.add_command(eval_group)
from foi_search.cli.crawl import crawl as crawl_command, purge_raw as purge_raw_command  # noqa: E402

cli.add_command(crawl_command)
cli.add_command(purge_raw_command)
from foi_search.cli.search import exists_command, precedents_command, search_command  # noqa: E402

cli.add_command(search_command)
cli.add_command(precedents_command)
cli.add_command(exists_command)
from foi_search.cli.index import index_command  # noqa: E402

cli.add_command(index_command)
from foi_search.cli.serve import serve_command  # noqa: E402

cli.add_command(serve_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="foi-search")
