"""``foi-search eval``: score extraction and retrieval on hand-judged sets."""

from __future__ import annotations

import click


@click.group("eval")
def eval_group() -> None:
    """Score extraction or retrieval against hand-judged dev sets."""
