"""Service: ingest files and folders (composes ``ingest`` with the store)."""

from __future__ import annotations

import os
import sys
from typing import Iterable

from foi_search.store import Store


def ingest_paths(store: Store, paths: Iterable[str | os.PathLike], *, show_progress: bool = False, jobs: int | None = None):
    """Ingest files and folders into ``store``.

    Args:
        store: The open store.
        paths: Files and folders; formats are detected per file.
        show_progress: Print a running count to stderr.
        jobs: Processes reading files (default: one per CPU).

    Returns:
        :class:`ingest.pipeline.IngestReport`.
    """
    from ingest.pipeline import ingest_paths as _ingest

    counter = {"n": 0}

    def progress(path) -> None:
        counter["n"] += 1
        if show_progress and sys.stderr.isatty() and counter["n"] % 25 == 0:
            print(f"\r{counter['n']} files...", end="", file=sys.stderr, flush=True)

    report = _ingest(store, list(paths), progress=progress, jobs=jobs)
    if show_progress and sys.stderr.isatty() and counter["n"] >= 25:
        print("\r", end="", file=sys.stderr)
    return report
