"""Getting FOI material in: sources fetch it politely, parsers read it into records.

Parsers are pure functions from bytes to :class:`foi_search.core.domain.Document`;
extraction fills in what an FOI officer would read off the text; the pipeline
writes the result through :class:`foi_search.store.Store`.
"""
