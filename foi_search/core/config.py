"""Where data lives: the DB path and the vector index folder beside it."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DB = "FOI_SEARCH_DB"


def default_db_path() -> Path:
    """The DB path: ``$FOI_SEARCH_DB``, else ``foi-search.db`` in the user's data dir."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("foi-search", appauthor=False)) / "foi-search.db"


def index_dir_for(db_path: str | os.PathLike) -> Path:
    """The vector index folder that belongs to a DB: ``foo.db`` -> ``foo.index/``."""
    p = Path(db_path)
    return p.with_name(p.stem + ".index")
