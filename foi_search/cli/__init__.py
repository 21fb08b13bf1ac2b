"""The ``foi-search`` command line.

Commands are thin: parse options, call one library function, format the
result. Heavy libraries (torch, sentence-transformers, faiss, onnxruntime) are
imported only inside the library functions that need them, so ``--help`` and
keyword-only commands start instantly.

One module per command family; this file is the table of contents.
Exit codes: 0 success (with results), 1 ran but found nothing, 2 error.
"""

from __future__ import annotations

from foi_search.cli.app import cli
from foi_search.cli.crawl import crawl as crawl_command, purge_raw as purge_raw_command
from foi_search.cli.eval import eval_group
from foi_search.cli.index import index_command
from foi_search.cli.ingest import demo, ingest
from foi_search.cli.migrate import migrate_command
from foi_search.cli.records import export, show, stats
from foi_search.cli.search import exists_command, precedents_command, search_command
from foi_search.cli.serve import serve_command

for _command in (
    ingest, index_command, search_command, precedents_command, exists_command, show, export, stats,
    eval_group, crawl_command, purge_raw_command, serve_command, demo, migrate_command,
):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="foi-search")
