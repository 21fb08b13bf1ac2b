"""``foi-search index``: build or update the semantic (vector) index."""

from __future__ import annotations

import sys
import time

import click

from foi_search.cli.util import emit_json, open_store


class _StderrProgress:
    """A one-line running count on stderr, redrawn at most every half second."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.stage = None
        self.start = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage != self.stage:
            if self.stage is not None and self.tty:
                click.echo("", err=True)
            self.stage, self.start, self.last = stage, now, 0.0
        if now - self.last < (0.5 if self.tty else 10) and done < total:
            return
        self.last = now
        rate = done / (now - self.start) if now > self.start else 0.0
        line = f"{stage}: {done}/{total} embedded ({rate:.0f}/s)"
        click.echo(f"\r{line}" if self.tty else line, err=True, nl=not self.tty)

    def close(self) -> None:
        if self.stage is not None and self.tty:
            click.echo("", err=True)


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Start from an empty index (after a model change or a damaged index).")
@click.option(
    "--backend",
    type=click.Choice(["auto", "onnx", "torch"]),
    default="auto",
    show_default=True,
    help="What runs the model: int8 ONNX (fast; exported to the user cache once) or torch (the reference).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_context
def index_command(ctx: click.Context, rebuild: bool, backend: str, as_json: bool) -> None:
    """Build or update the semantic index of passages (only new ones are embedded)."""
    from foi_search.services.indexing import build_index

    store = open_store(ctx)
    progress = _StderrProgress()
    try:
        report = build_index(
            store, rebuild=rebuild, backend=backend, progress=progress, notify=lambda m: click.echo(m, err=True)
        )
    finally:
        progress.close()
    if as_json:
        emit_json(report)
    else:
        click.echo(report.describe())
