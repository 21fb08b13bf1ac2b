import sqlite3

from foi_search.core.domain import Document, ExemptionCitation, Message, Passage
from foi_search.store.migrations import MIGRATIONS, applied
from foi_search.store import Store


def _doc(**kw):
    base = dict(
        source="test",
        source_key="k1",
        title="CCTV cameras",
        authority="Northbridge Borough Council",
        references=["FOI / 1234"],
        messages=[Message("outgoing", "How many CCTV cameras do you run?"), Message("incoming", "We hold 42.")],
        exemptions=[ExemptionCitation("s31", "s31(1)(a)"), ExemptionCitation("s40(2)", status="superseded")],
        passages=[Passage("Disclosing camera locations would help offenders.", "exemption_reasoning", "s31")],
        outcome="disclosed_partial",
    )
    base.update(kw)
    return Document(**base)


def test_migrations_applied_in_order_and_wal(store):
    assert applied(store.db) == [name for name, _ in MIGRATIONS]
    assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    # Datasette finds the FTS tables the same way sqlite-utils does.
    assert store.db["documents"].detect_fts() == "documents_fts"
    assert store.db["passages"].detect_fts() == "passages_fts"


def test_reopen_does_not_reapply(db_path):
    Store(db_path).close()
    s = Store(db_path)
    assert len(list(s.db["_migrations"].rows)) == len(MIGRATIONS)


def test_save_is_idempotent_and_replaces(store):
    doc_id, status = store.save_document(_doc())
    assert status == "added"
    assert store.save_document(_doc()) == (doc_id, "unchanged")
    assert store.save_document(_doc(title="CCTV cameras 2024")) == (doc_id, "updated")
    assert store.db["documents"].count == 1
    assert store.db["passages"].count == 1
    loaded = store.load_document(doc_id)
    assert loaded.title == "CCTV cameras 2024"
    assert loaded.applied_exemptions == ["s31"]
    assert [c.status for c in loaded.exemptions] == ["applied", "superseded"]


def test_fts_follows_updates(store):
    doc_id, _ = store.save_document(_doc())
    hits = store.db.execute("select rowid from documents_fts where documents_fts match 'cameras'").fetchall()
    assert hits == [(doc_id,)]
    store.save_document(_doc(title="Parking tickets", messages=[Message("outgoing", "tickets please")]))
    assert store.db.execute("select rowid from documents_fts where documents_fts match 'cctv'").fetchall() == []


def test_find_by_reference_and_key(store):
    doc_id, _ = store.save_document(_doc())
    assert store.find_document_id("foi 1234") == doc_id
    assert store.find_document_id("k1") == doc_id
    assert store.find_document_id("nope") is None


def test_failed_transaction_keeps_previous_version(store, monkeypatch):
    doc_id, _ = store.save_document(_doc())

    def boom(*a, **k):
        raise sqlite3.OperationalError("disk full")

    monkeypatch.setattr(store, "_insert_parts", boom)
    try:
        store.save_document(_doc(title="new"))
    except sqlite3.OperationalError:
        pass
    monkeypatch.undo()
    assert store.load_document(doc_id).title == "CCTV cameras"
    assert store.db["passages"].count == 1


def test_opening_a_migrated_store_does_not_import_sqlite_utils(db_path):
    """sqlite-utils imports numpy (~0.2 s of every cold query); it is loaded only when needed."""
    import subprocess
    import sys

    with Store(db_path) as s:
        s.save_document(_doc())
    code = (
        "import sys; from foi_search.store import Store; s = Store(sys.argv[1]); "
        "rows = list(s.query('select source_key, title from documents')); "
        "assert rows == [{'source_key': 'k1', 'title': 'CCTV cameras'}], rows; "
        "assert 'sqlite_utils' not in sys.modules, 'imported'; "
        "assert 'documents' in s.db.table_names() and 'sqlite_utils' in sys.modules"
    )
    r = subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_a_pending_migration_is_applied_on_open(db_path):
    from foi_search.store.migrations import pending

    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    assert not pending(conn)
    conn.execute("delete from _migrations where name = ?", [MIGRATIONS[-1][0]])
    conn.commit()
    assert pending(conn)
    conn.close()
    with Store(db_path) as s:
        assert applied(s.db) == [name for name, _ in MIGRATIONS]
        assert not pending(s.conn)


def test_of_two_saved_copies_the_later_is_kept_whatever_the_order(tmp_path):
    from foi_search.core.domain import SOURCE_UPDATED_AT, Document

    store = Store(tmp_path / "copies.db")
    older = Document(source="govuk", source_key="/government/publications/x", title="Old copy",
                     meta={SOURCE_UPDATED_AT: "2018-01-10T12:27:26Z"})
    newer = Document(source="govuk", source_key="/government/publications/x", title="New copy",
                     meta={SOURCE_UPDATED_AT: "2020-03-12T18:18:24Z"})
    for _ in range(2):  # a re-ingest of both files changes nothing
        statuses = [store.save_document(d)[1] for d in (older, newer)]
    assert statuses == ["unchanged", "unchanged"]
    assert store.conn.execute("select title from documents").fetchall() == [("New copy",)]
    # Read in the other order, the later copy still wins.
    store2 = Store(tmp_path / "copies2.db")
    assert [store2.save_document(d)[1] for d in (newer, older)] == ["added", "unchanged"]
