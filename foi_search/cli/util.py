"""Helpers shared by the command modules: store opening, errors, options, output."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import click

from foi_search.core.errors import FoiSearchError

EXIT_OK, EXIT_EMPTY, EXIT_ERROR = 0, 1, 2


class CliError(click.ClickException):
    """A library error shown as one line, exit code 2."""

    exit_code = EXIT_ERROR


def open_store(ctx: click.Context, *, create: bool = False):
    from foi_search.store.base import open_store as open_target

    try:
        return open_target(ctx.obj["db"], create=create)
    except FoiSearchError as e:
        raise CliError(str(e)) from e


def emit_json(obj: Any) -> None:
    if is_dataclass(obj):
        obj = asdict(obj)
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def read_query(text: tuple[str, ...], file: str | None) -> str:
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


def filter_options(f):
    """Options shared by every read command, one per :data:`foi_search.core.filters.FILTER_SPECS`."""
    from foi_search.core.filters import FILTER_SPECS

    for spec in reversed(FILTER_SPECS):
        kw = {"help": spec.help, "multiple": spec.repeatable}
        if spec.choices:
            # Help lists the values; only law is typed in any case (outcome and kind are stored as listed).
            kw["type"] = click.Choice(spec.choices, case_sensitive=spec.name != "law")
        elif spec.metavar:
            kw["metavar"] = spec.metavar
        f = click.option(f"--{spec.name}", spec.attr, **kw)(f)
    return f


def filters_from(kw: dict) -> "Any":
    """Filters from the options of :func:`filter_options` (validated by :func:`foi_search.core.filters.parse_filters`)."""
    from foi_search.core.filters import FILTER_SPECS, FilterError, filters_from_values

    try:
        return filters_from_values({spec.name: kw.get(spec.attr) for spec in FILTER_SPECS})
    except FilterError as e:
        raise click.BadParameter(e.message, param_hint=f"--{e.option}") from e


def output_options(f):
    """--json / --markdown switches."""
    f = click.option("--markdown", "fmt", flag_value="markdown", help="Markdown output.")(f)
    f = click.option("--json", "fmt", flag_value="json", help="JSON output.")(f)
    return f
