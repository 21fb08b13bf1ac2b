"""Hostile files beside ordinary ones: every ordinary file stored, every hostile one recorded, the run ends.

The hostile files are made at test time (tests/hostile.py) at a small scale with
the limits lowered to match, so the same refusals fire in seconds.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

import hostile
from conftest import FIXTURES

ORDINARY = FIXTURES / "parsers"


@pytest.fixture
def small_limits(monkeypatch):
    from ingest.parsers import limits
    from ingest.parsers import common

    monkeypatch.setattr(limits, "MAX_UNZIPPED_BYTES", 1_000_000)
    monkeypatch.setattr(limits, "MAX_LINE_BYTES", 100_000)
    monkeypatch.setattr(common, "MAX_CSV_ROWS", 500)


def _accounting(store, files: list[Path], report) -> dict[str, set[str]]:
    stored = {p for p, what in report.outcomes.items() if what == "stored"}
    recorded = {r[0] for r in store.conn.execute("select target from ingest_errors where run_id = ?", [report.run_id])}
    return {"stored": stored, "recorded": recorded, "unaccounted": {str(f) for f in files} - stored - recorded}


def test_hostile_files_are_recorded_and_ordinary_ones_stored(tmp_path, small_limits):
    from foi_search.store import Store
    from ingest.pipeline import ingest_paths, iter_files

    folder = tmp_path / "in"
    shutil.copytree(ORDINARY, folder)
    ordinary = list(iter_files([folder]))
    bad = hostile.make_all(folder / "hostile", scale=0.002)
    store = Store(tmp_path / "h.db")
    started = time.monotonic()
    report = ingest_paths(store, [folder], jobs=2, timeout_s=30)
    assert time.monotonic() - started < 120
    seen = _accounting(store, list(iter_files([folder])), report)
    assert not seen["unaccounted"]
    reasons = {Path(t).name: r for t, r in store.conn.execute("select target, reason from ingest_errors")}
    # The refusals name their limit.
    assert "decompression bomb" in reasons["bomb.docx"]
    assert "decompression bomb" in reasons["bomb.odt"]
    assert "nested over" in reasons["deep.json"]
    assert "line is over" in reasons["longline.txt"]
    assert "rows" in reasons["log_big.csv"]
    # The doubled-quote log keeps one document per case, not one per line of a request.
    quotes = store.conn.execute("select count(*) from documents where path like '%log_quotes.csv'").fetchone()[0]
    assert 30 <= quotes <= 40
    # Wrong JSON types are read, not crashed on.
    assert not any("unexpected" in r for r in reasons.values()), reasons
    # Every ordinary file that stores on its own stores beside the hostile ones.
    alone = Store(tmp_path / "alone.db")
    ingest_paths(alone, [ORDINARY], jobs=1)
    n_alone = alone.conn.execute("select count(*) from documents").fetchone()[0]
    n_here = store.conn.execute(
        "select count(*) from documents where path not like ?", [str(folder / "hostile") + "%"]
    ).fetchone()[0]
    assert n_here == n_alone > 0
    assert len(ordinary) > 10


def test_one_and_two_workers_store_the_same_with_hostile_files(tmp_path, small_limits):
    from foi_search.store import Store
    from ingest.pipeline import ingest_paths

    folder = tmp_path / "in"
    shutil.copytree(ORDINARY, folder)
    hostile.make_all(folder / "hostile", scale=0.002)
    results = []
    for jobs in (1, 2):
        store = Store(tmp_path / f"j{jobs}.db")
        ingest_paths(store, [folder], jobs=jobs, timeout_s=30)
        results.append((
            store.conn.execute("select source, source_key, content_hash from documents order by id").fetchall(),
            store.conn.execute("select target, stage, reason from ingest_errors order by id").fetchall(),
        ))
        store.close()
    assert results[0] == results[1]


# -- the bounded worker pool on its own ---------------------------------------


def _task(x):
    if x == "sleep":
        time.sleep(60)
    if x == "hog":
        bytearray(4 * 1024**3)
    if x == "abort":
        os.abort()
    if x == "raise":
        raise ValueError("bad item")
    return x.upper()


def test_a_stalled_crashing_or_greedy_item_does_not_stop_the_rest():
    from ingest.workers import run_bounded

    items = ["a", "sleep", "b", "hog", "c", "abort", "d", "raise", "e"]
    started = time.monotonic()
    out = list(run_bounded(_task, items, jobs=2, timeout_s=3, memory_bytes=1024**3))
    assert time.monotonic() - started < 30
    assert [o.item for o in out] == items
    values = {o.item: o.value for o in out if o.error is None}
    assert values == {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}
    errors = {o.item: o.error for o in out if o.error}
    assert "limit" in errors["sleep"]
    assert "memory" in errors["hog"]
    assert "died" in errors["abort"]
    assert "ValueError" in errors["raise"]


def test_text_extraction_for_crawled_files_applies_the_same_bounds(tmp_path, small_limits):
    """Crawled files and e-mail attachments go straight to extract_text, not through the pipeline."""
    from ingest.parsers import ParseError
    from ingest.parsers.textract import extract_text

    for maker, name in ((hostile.docx_bomb, "x.docx"), (hostile.long_line, "x.txt")):
        path = maker(tmp_path, scale=0.002)
        with pytest.raises(ParseError, match="limit"):
            extract_text(path.read_bytes(), name=name)
