"""Service: the end-to-end demo on the corpus that ships with the package."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from foi_search.core.config import index_dir_for
from foi_search.core.errors import FoiSearchError
from foi_search.store import Store

#: The precedent question the demo answers, in a requester's words.
DEMO_QUESTION = (
    "For each of the last three years, how many of your police officers faced misconduct or gross "
    "misconduct hearings? For each case please give the officer's name and rank, what the "
    "misconduct was, and whether they were dismissed."
)


@dataclass
class DemoReport:
    """What the demo did, and its answer."""

    db: str
    index_dir: str
    ingest: dict
    index: Any
    question: str
    report: Any


def demo_corpus_path() -> Path:
    """Folder of the bundled demo corpus (invented responses; see its README)."""
    return Path(str(resources.files("foi_search") / "demo_corpus"))


def _is_demo_db(path: Path) -> bool:
    """True when ``path`` holds nothing but a previous demo's documents."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        paths = [r[0] or "" for r in con.execute("select path from documents")]
        con.close()
    except sqlite3.DatabaseError:
        return False
    corpus = str(demo_corpus_path())
    return all(p.startswith(corpus) for p in paths)


def run_demo(
    db_path: str | Path,
    *,
    question: str = DEMO_QUESTION,
    embedder=None,
    progress: Callable[[str], None] | None = None,
) -> DemoReport:
    """Ingest the demo corpus into a fresh DB, build the index, answer one question.

    Args:
        db_path: Where the demo DB goes; an existing file is replaced only if it
            holds a previous demo's documents and nothing else.
        question: The precedent question to answer.
        embedder: Embedder to use (the packaged model by default).
        progress: Called with a line of text at each step.

    Raises:
        FoiSearchError: ``db_path`` holds other data.
    """
    from foi_search.services.indexing import build_index
    from foi_search.services.ingesting import ingest_paths
    from foi_search.search.precedents import precedent_report

    say = progress or (lambda _msg: None)
    db_path = Path(db_path)
    if db_path.exists():
        if not _is_demo_db(db_path):
            raise FoiSearchError(
                f"{db_path} already holds other data; the demo wants a fresh database.",
                "Pass --db with a new file name.",
            )
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        shutil.rmtree(index_dir_for(db_path), ignore_errors=True)
    store = Store(db_path)
    try:
        say(f"Ingesting the demo corpus ({demo_corpus_path()})...")
        ingest = ingest_paths(store, [demo_corpus_path()])
        say(ingest.describe())
        say("Building the semantic index (first run also prepares the fast model)...")
        index = build_index(store, embedder=embedder)
        say(f"Embedded {index.embedded} passages in {index.seconds:.1f} s.")
        report = precedent_report(store, question, embedder=embedder)
        return DemoReport(
            db=str(db_path),
            index_dir=str(index_dir_for(db_path)),
            ingest=ingest.summary(),
            index=index,
            question=question,
            report=report,
        )
    finally:
        store.close()
