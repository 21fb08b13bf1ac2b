"""Ranking: a :class:`~foi_search.search.searcher.Searcher` wires resources, signals, fusion and presentation.

* :mod:`.resources` opens what ranking reads (vector index, document views, model); it never writes;
* :mod:`.signals` scores documents for a query (keyword BM25, dense views and passages, title feedback);
* :mod:`.fusion` combines them into a :class:`~foi_search.search.fusion.Ranking` that owns the
  confidence and the no-close-precedent decision;
* :mod:`.present` turns a ranking into citable results with their best passages;
* :mod:`.precedents` builds precedent reports and the exists check on top.
"""
