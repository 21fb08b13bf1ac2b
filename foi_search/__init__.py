"""foi-search: find how a UK Freedom of Information request was answered before.

Layers (dependencies point one way, downwards):

* base: :mod:`.domain`, :mod:`.exemptions`, :mod:`.store`, :mod:`.migrations`,
  :mod:`.filters`, :mod:`.config` -- import nothing from ``ingest`` or ``index``;
* ``ingest`` (sources, parsers, extraction) and ``index`` (chunking, embedder,
  FAISS) build on the base;
* services (:mod:`.ingesting`, :mod:`.indexing`, :mod:`.search`, ...) and
  :mod:`.cli` compose them. Outside code goes through ``foi_search``.
"""

__version__ = "0.1.0"
