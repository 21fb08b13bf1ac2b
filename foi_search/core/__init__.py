"""The base every layer builds on: records, the exemption taxonomy, errors, configuration, filters, text helpers.

Nothing here imports from ``ingest``, ``index`` or the upper layers of
``foi_search`` (search, services, serve, cli); ``tests/test_layers.py`` checks it.
"""
