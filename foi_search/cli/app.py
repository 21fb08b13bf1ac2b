"""The ``foi-search`` group: global options (``--db``, ``--debug``) and how library errors become one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import click

from foi_search.cli.util import CliError
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
    envvar="FOI_SEARCH_DB",
    metavar="PATH|URL",
    help="SQLite database file, or postgresql://USER@HOST:PORT/DBNAME for a shared server "
    "(default: $FOI_SEARCH_DB, else in the user data folder). A SQLite file's vector index lives "
    "beside it in NAME.index/; PostgreSQL keeps vectors in the database (pgvector).",
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
    from foi_search.store.base import is_postgres_url

    ctx.obj["db"] = (db if is_postgres_url(db) else Path(db)) if db else default_db_path()
    ctx.obj["debug"] = debug
