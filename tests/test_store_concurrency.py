"""Schema setup with several writers at once, FTS repaired on open, a read-only file refused in one line."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import FIXTURES

REPO = Path(__file__).resolve().parents[1]


def _ingest_cmd(db: Path, folder: Path) -> list[str]:
    return [sys.executable, "-m", "foi_search", "--db", str(db), "ingest", "--jobs", "1", str(folder)]


def two_writers_on_a_fresh_db(tmp_path: Path, trial: int) -> list[tuple[int, str]]:
    """Start two ``ingest`` runs on one new database at the same moment; their exit codes and errors."""
    db = tmp_path / f"fresh{trial}.db"
    folder = FIXTURES / "parsers"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen(_ingest_cmd(db, folder), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=env, cwd=REPO) for _ in range(2)]
    return [(p.wait(timeout=120), p.stderr.read().decode()[-300:]) for p in procs]


@pytest.mark.parametrize("trial", range(3))
def test_two_writers_on_a_fresh_database_both_succeed(tmp_path, trial):
    from foi_search.store import Store

    results = two_writers_on_a_fresh_db(tmp_path, trial)
    assert [rc for rc, _ in results] == [0, 0], results
    store = Store(tmp_path / f"fresh{trial}.db")
    from foi_search.store.migrations import MIGRATIONS, fts_intact

    names = [r[0] for r in store.conn.execute("select name from _migrations order by id")]
    assert names == [n for n, _ in MIGRATIONS]
    assert fts_intact(store.conn)


def test_fts_without_triggers_is_repaired_on_open(tmp_path):
    from foi_search.core.domain import Document, Message
    from foi_search.store.migrations import fts_intact
    from foi_search.store import Store

    path = tmp_path / "f.db"
    store = Store(path)
    # What a kill between sqlite-utils' FTS steps leaves: the table, no triggers.
    for s in ("_ai", "_ad", "_au"):
        store.conn.execute(f"drop trigger documents{s}")
    store.close()
    store = Store(path)
    assert fts_intact(store.conn)
    store.save_document(Document(source="t", source_key="k1", title="Gritting routes",
                                 messages=[Message(direction="outgoing", text="Please list the gritting routes.")]))
    hits = store.conn.execute("select rowid from documents_fts where documents_fts match 'gritting'").fetchall()
    assert hits


def test_read_only_database_gives_one_line_and_exit_2(tmp_path):
    root = os.geteuid() == 0
    if root and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: a read-only file cannot be simulated")
    # root writes through file modes, so the write is tried as nobody, in a folder nobody can reach.
    folder = Path(tempfile.mkdtemp(prefix="foi-ro-")) if root else tmp_path
    try:
        shutil.copy(FIXTURES / "parsers" / "letter.txt", folder)
        db = folder / "ro.db"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        subprocess.run(_ingest_cmd(db, folder / "letter.txt"), check=True, capture_output=True, env=env, cwd=REPO)
        db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        (folder / "letter.txt").chmod(0o644)
        cmd = _ingest_cmd(db, folder / "letter.txt")
        if root:
            folder.chmod(0o777)
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
        assert out.returncode == 2, out.stderr
        lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    finally:
        if root:
            shutil.rmtree(folder, ignore_errors=True)
