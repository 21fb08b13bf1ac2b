"""The ``foi-search`` command line.

Commands are thin: parse options, call one library function, format the
result. Heavy libraries (torch, sentence-transformers, faiss, onnxruntime) are
imported only inside the library functions that need them, so ``--help`` and
keyword-only commands start instantly.

Exit codes: 0 success (with results), 1 ran but found nothing, 2 error.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import click

from .errors import FoiSearchError

EXIT_OK, EXIT_EMPTY, EXIT_ERROR = 0, 1, 2


class CliError(click.ClickException):
    """A library error shown as one line, exit code 2."""

    exit_code = EXIT_ERROR


def _open_store(ctx: click.Context, *, create: bool = False):
    from .store import Store

    try:
        return Store(ctx.obj["db"], create=create)
    except FoiSearchError as e:
        raise CliError(str(e)) from e


def _emit_json(obj: Any) -> None:
    if is_dataclass(obj):
        obj = asdict(obj)
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def _read_query(text: tuple[str, ...], file: str | None) -> str:
    if file:
        try:
            return Path(file).read_text(encoding="utf-8") if file != "-" else sys.stdin.read()
        except OSError as e:
            raise CliError(f"Cannot read {file}: {e.strerror}.") from e
    query = " ".join(text).strip()
    if query == "-":
        query = sys.stdin.read()
    if not query.strip():
        raise click.UsageError("Give the query as text, with --file FILE, or '-' for standard input.")
    return query


class _Group(click.Group):
    """Turns library errors into one-line messages (tracebacks with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FoiSearchError as e:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise CliError(str(e)) from e
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
    from .config import default_db_path

    ctx.ensure_object(dict)
    ctx.obj["db"] = Path(db) if db else default_db_path()
    ctx.obj["debug"] = debug


def filter_options(f):
    """Options shared by every read command."""
    options = [
        click.option("--authority", help="Only authorities whose name contains this."),
        click.option("--source", help="Only this source (wdtk, mps, tribunal, govuk, devon...)."),
        click.option("--since", metavar="YYYY-MM-DD", help="Responses on or after this date."),
        click.option("--until", metavar="YYYY-MM-DD", help="Responses on or before this date."),
        click.option("--law", type=click.Choice(["FOIA", "EIR", "FOISA"], case_sensitive=False)),
        click.option("--outcome", "outcomes", multiple=True, help="Only this outcome (repeatable)."),
        click.option("--exemption", help="Only responses that applied this exemption, e.g. s40(2) or eir12(5)(e)."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def _filters(kw: dict) -> "Any":
    from .domain import OUTCOMES
    from .exemptions import canonical_code
    from .filters import Filters

    for o in kw.get("outcomes") or ():
        if o not in OUTCOMES:
            raise click.BadParameter(f"{o!r} is not one of {', '.join(OUTCOMES)}.", param_hint="--outcome")
    exemption = kw.get("exemption")
    if exemption:
        code = canonical_code(exemption, "EIR" if exemption.lower().startswith(("eir", "reg")) else "FOIA")
        if not code:
            raise click.BadParameter(f"{exemption!r} is not a known exemption.", param_hint="--exemption")
        exemption = code
    law = kw.get("law")
    return Filters(
        authority=kw.get("authority"),
        source=kw.get("source"),
        since=kw.get("since"),
        until=kw.get("until"),
        law=law.upper() if law else None,
        outcomes=list(kw.get("outcomes") or ()),
        exemption=exemption,
    )


def output_options(f):
    """--json / --markdown switches."""
    f = click.option("--markdown", "fmt", flag_value="markdown", help="Markdown output.")(f)
    f = click.option("--json", "fmt", flag_value="json", help="JSON output.")(f)
    return f


# -- ingest ------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], as_json: bool) -> None:
    """Ingest files and folders of FOI material (format detected per file)."""
    from .ingesting import ingest_paths

    store = _open_store(ctx, create=True)
    report = ingest_paths(store, paths, show_progress=not as_json)
    if as_json:
        _emit_json(report.summary())
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
    from .render import render_document

    store = _open_store(ctx)
    doc_id = store.find_document_id(key)
    if doc_id is None:
        raise CliError(f"No document matches {key!r}. Try 'foi-search search' to find it.")
    doc = store.load_document(doc_id)
    if fmt == "json":
        _emit_json(doc)
    else:
        click.echo(render_document(doc, markdown=fmt == "markdown"))


@cli.command()
@click.option("--jsonl", is_flag=True, default=True, help="One JSON object per document (the default).")
@filter_options
@click.pass_context
def export(ctx: click.Context, jsonl: bool, **kw: Any) -> None:
    """Export the structured records, one JSON object per line."""
    from .records import export_records

    store = _open_store(ctx)
    n = 0
    for rec in export_records(store, _filters(kw)):
        click.echo(json.dumps(rec, ensure_ascii=False))
        n += 1
    ctx.exit(EXIT_OK if n else EXIT_EMPTY)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts of documents, passages, outcomes and exemptions."""
    store = _open_store(ctx)
    s = store.stats()
    if as_json:
        _emit_json(s)
        return
    for k, v in s.items():
        if isinstance(v, dict):
            click.echo(f"{k}:")
            for kk, vv in v.items():
                click.echo(f"  {kk}: {vv}")
        else:
            click.echo(f"{k}: {v}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="foi-search")
