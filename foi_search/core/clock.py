"""The one clock the store stamps rows with."""

from __future__ import annotations

from datetime import datetime, timezone


def now() -> str:
    """Current UTC time, ISO 8601 (seconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
