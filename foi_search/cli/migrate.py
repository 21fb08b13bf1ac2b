"""``foi-search migrate``: copy a SQLite store into a PostgreSQL database."""

from __future__ import annotations

import click

from foi_search.cli.util import CliError, emit_json


@click.command("migrate")
@click.option("--to", "to", required=True, metavar="URL", help="Target database: postgresql://USER@HOST:PORT/DBNAME.")
@click.option("--batch", default=1000, show_default=True, help="Rows per committed batch (what a resumed run redoes at most).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def migrate_command(ctx: click.Context, to: str, batch: int, as_json: bool) -> None:
    """Copy the --db SQLite store (documents, passages, vectors, rulings, crawl state) to PostgreSQL.

    Vectors come from the FAISS index, so nothing is re-embedded. Run it again
    after an interruption: it resumes after the last committed batch.
    """
    from foi_search.services.migrating import migrate_to_postgres
    from foi_search.store.base import is_postgres_url, open_store

    if not is_postgres_url(to):
        raise click.BadParameter("give a postgresql://USER@HOST:PORT/DBNAME URL.", param_hint="--to")
    if is_postgres_url(ctx.obj["db"]):
        raise CliError("--db must name the SQLite file to copy from.")
    source = open_store(ctx.obj["db"], create=False)
    target = open_store(to)
    say = (lambda t, n: None) if as_json else (lambda t, n: click.echo(f"  {t}: {n}", err=True))
    report = migrate_to_postgres(source, target, batch=batch, progress=say)
    if as_json:
        emit_json(report)
    else:
        click.echo(report.describe())
