"""The local HTTP service (``foi-search serve``): the ranking commands' JSON over loopback HTTP."""
