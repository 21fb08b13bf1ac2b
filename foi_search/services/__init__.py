"""Services: compose the store, ``ingest`` and ``index`` into the jobs the CLI and the server run."""
