"""The store: one SQLite file (WAL) behind :class:`Store`, its named migrations and its read helpers.

Each table has one owner: documents and their child rows are written by
:meth:`Store.save_document` (:mod:`.sqlite`), the schema by :mod:`.migrations`,
the vectors table and document views by :class:`index.collection.PassageIndex`.
"""

from foi_search.core.clock import now
from foi_search.store.sqlite import Store, normalise_reference

__all__ = ["Store", "normalise_reference", "now"]
