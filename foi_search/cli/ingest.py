"""``foi-search ingest`` and ``foi-search demo``: putting material into a database."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from foi_search.cli.util import EXIT_ERROR, EXIT_OK, CliError, emit_json, open_store


@click.command()
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


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.pass_context
def demo(ctx: click.Context, as_json: bool) -> None:
    """Ingest the bundled demo corpus, index it and answer one precedent question.

    Uses a fresh demo database (default: demo.db in the user data folder, or --db).
    """
    from foi_search.core.config import default_db_path
    from foi_search.services.demo import run_demo

    from foi_search.store.base import is_postgres_url

    db = ctx.obj["db"]
    if is_postgres_url(db):
        # The demo starts from an empty store; it never wipes a shared database.
        raise CliError("The demo makes its own SQLite file; run it without a postgresql:// --db.")
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
    click.echo(f"Try: {_program()} --db {result.db} search \"CCTV cameras\"")


def _program() -> str:
    """How to run this program again: ``foi-search`` when that is on PATH, else its full path (a venv not activated)."""
    here = shutil.which(sys.argv[0]) or sys.argv[0]
    on_path = shutil.which("foi-search")
    if on_path and here and Path(on_path).resolve() == Path(here).resolve():
        return "foi-search"
    return str(Path(here).resolve()) if here and Path(here).exists() else "foi-search"
