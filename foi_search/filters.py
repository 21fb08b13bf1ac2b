"""Filters shared by every read command, turned into SQL over ``documents``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Filters:
    """Restrict results to documents matching all given fields.

    Attributes:
        authority: Substring of the authority's name (case-insensitive).
        source: Source name (``wdtk``, ``mps``, ``tribunal``...).
        since: Earliest response (or request) date, ISO ``YYYY-MM-DD``.
        until: Latest response (or request) date, ISO ``YYYY-MM-DD``.
        law: ``FOIA``, ``EIR`` or ``FOISA``.
        outcomes: Allowed outcomes; empty means any.
        exemption: Canonical code that must have been applied (``s40(2)``).
        kinds: Allowed document kinds; empty means any.
    """

    authority: str | None = None
    source: str | None = None
    since: str | None = None
    until: str | None = None
    law: str | None = None
    outcomes: list[str] = field(default_factory=list)
    exemption: str | None = None
    kinds: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return not any(
            [self.authority, self.source, self.since, self.until, self.law, self.outcomes, self.exemption, self.kinds]
        )

    def sql(self, alias: str = "d") -> tuple[str, list]:
        """A SQL condition over the documents table aliased ``alias``, and its params."""
        where, params = ["1=1"], []
        a = alias
        if self.authority:
            where.append(f"lower({a}.authority) like ?")
            params.append(f"%{self.authority.lower()}%")
        if self.source:
            where.append(f"{a}.source = ?")
            params.append(self.source)
        date = f"coalesce({a}.response_date, {a}.request_date)"
        if self.since:
            where.append(f"{date} >= ?")
            params.append(self.since)
        if self.until:
            # A date-only bound includes the whole of that day.
            where.append(f"substr({date}, 1, 10) <= ?")
            params.append(self.until)
        if self.law:
            where.append(f"{a}.law = ?")
            params.append(self.law)
        if self.outcomes:
            where.append(f"{a}.outcome in ({','.join('?' * len(self.outcomes))})")
            params.extend(self.outcomes)
        if self.exemption:
            where.append(f"(' ' || {a}.exemption_codes || ' ') like ?")
            params.append(f"% {self.exemption} %")
        if self.kinds:
            where.append(f"{a}.kind in ({','.join('?' * len(self.kinds))})")
            params.extend(self.kinds)
        return " and ".join(where), params
